// Files that must survive a crash or a power cut at any instant. A write goes to a temporary file in
// the same directory, is flushed to disk (fsync), then renamed over the target, and the directory is
// flushed so the rename itself is durable: a reader sees the old content or the new, never a mix.
// Optionally the previous good content is kept as `<file>.bak` (a hard link, so no copy), and a load
// that finds the file damaged (truncated, garbage, wrong shape) falls back to it instead of throwing.
import { closeSync, copyFileSync, fsyncSync, linkSync, mkdirSync, openSync, promises as fs, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** Keep the content being replaced as `<file>.bak` (only when the caller knows it is good). */
  backup?: boolean;
}

export interface LoadResult<T> {
  value: T | undefined;
  /** Where the value came from: the file itself, its backup, or nowhere (nothing usable found). */
  from: 'file' | 'backup' | 'none';
  /** What was wrong with the file or backup, for a warning; empty when the file loaded cleanly. */
  problems: string[];
}

export const backupPathOf = (path: string): string => `${path}.bak`;
export const corruptPathOf = (path: string): string => `${path}.corrupt`;

const TEMP_SUFFIX = '.tmp';
let tempCounter = 0;

function tempPathOf(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${++tempCounter}${TEMP_SUFFIX}`);
}

const code = (err: unknown): string | undefined => (err as NodeJS.ErrnoException)?.code;

/** Makes the directory entry (a rename) durable; some platforms cannot open or sync a directory. */
async function syncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows and some network file systems refuse this; the file data itself is already synced.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function syncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // see syncDir
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function keepBackup(path: string): Promise<void> {
  const bak = backupPathOf(path);
  const tmp = tempPathOf(bak);
  try {
    try {
      await fs.link(path, tmp);
    } catch (err) {
      if (code(err) === 'ENOENT') return;
      // No hard links here (some FAT or network mounts): copy instead.
      await fs.rm(tmp, { force: true });
      await fs.copyFile(path, tmp);
    }
    await fs.rename(tmp, bak);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

function keepBackupSync(path: string): void {
  const bak = backupPathOf(path);
  const tmp = tempPathOf(bak);
  try {
    try {
      linkSync(path, tmp);
    } catch (err) {
      if (code(err) === 'ENOENT') return;
      rmSync(tmp, { force: true });
      copyFileSync(path, tmp);
    }
    renameSync(tmp, bak);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Replaces `path` with `data` so that a crash at any instant leaves either the old or the new file. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  await fs.mkdir(dir, { recursive: true });
  const tmp = tempPathOf(path);
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.backup) await keepBackup(path);
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await syncDir(dir);
}

/** The synchronous form, for code that must not yield between deciding and writing. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = tempPathOf(path);
  try {
    const fd = openSync(tmp, 'w');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (options.backup) keepBackupSync(path);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  syncDirSync(dir);
}

/** Names of temporaries beside `path` left by writers of other processes (see removeStaleTemps). */
function staleTempNames(path: string, names: string[]): string[] {
  const own = `.${basename(path)}.`;
  const ownBak = `.${basename(backupPathOf(path))}.`;
  return names.filter((name) => {
    const prefix = name.startsWith(ownBak) ? ownBak : name.startsWith(own) ? own : undefined;
    if (!prefix || !name.endsWith(TEMP_SUFFIX)) return false;
    return Number(name.slice(prefix.length).split('.')[0]) !== process.pid;
  });
}

/**
 * Removes temporary files left beside `path` by writers of other processes that died mid-write
 * (a temporary of this process may belong to a write still running, so it is left alone).
 */
export async function removeStaleTemps(path: string): Promise<number> {
  let names: string[];
  try {
    names = await fs.readdir(dirname(path));
  } catch {
    return 0;
  }
  const stale = staleTempNames(path, names);
  await Promise.all(stale.map((name) => fs.rm(join(dirname(path), name), { force: true }).catch(() => undefined)));
  return stale.length;
}

/** The synchronous form of removeStaleTemps. */
export function removeStaleTempsSync(path: string): number {
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return 0;
  }
  const stale = staleTempNames(path, names);
  for (const name of stale) rmSync(join(dirname(path), name), { force: true });
  return stale.length;
}

type Validate = (value: unknown) => string | undefined;

async function readJson<T>(path: string, validate?: Validate): Promise<{ value?: T; problem?: string; damaged?: true }> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    if (code(err) === 'ENOENT') return {};
    return { problem: `${basename(path)} could not be read (${(err as Error).message})` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const what = text.length === 0 ? 'is empty' : `is not valid JSON (${(err as Error).message})`;
    return { problem: `${basename(path)} ${what}`, damaged: true };
  }
  const wrong = validate?.(value);
  if (wrong) return { problem: `${basename(path)} holds unexpected content (${wrong})`, damaged: true };
  return { value: value as T };
}

/**
 * Reads a JSON file written by writeFileAtomic, falling back to its `.bak` when the file is missing
 * or damaged. Never throws: what went wrong is in `problems`. A damaged file is moved aside to
 * `<file>.corrupt` so the next write cannot preserve it as a backup and a person can inspect it.
 */
export async function readJsonWithBackup<T>(path: string, validate?: Validate): Promise<LoadResult<T>> {
  const problems: string[] = [];
  const main = await readJson<T>(path, validate);
  if (main.value !== undefined) return { value: main.value, from: 'file', problems };
  if (main.problem) problems.push(main.problem);
  if (main.damaged) await fs.rename(path, corruptPathOf(path)).catch(() => undefined);
  const bak = await readJson<T>(backupPathOf(path), validate);
  if (bak.value !== undefined) {
    problems.push(`loaded the last good copy ${basename(backupPathOf(path))}`);
    return { value: bak.value, from: 'backup', problems };
  }
  if (bak.problem) problems.push(bak.problem);
  return { value: undefined, from: 'none', problems };
}

/**
 * One JSON document kept in a file: loads with fallback to the last good copy, saves atomically,
 * one save at a time; a save requested while one runs replaces any queued one (only the newest
 * matters), and every caller's promise settles when a save including its value is on disk.
 */
export class AtomicJsonFile<T> {
  private running: Promise<void> | undefined;
  private queued: { value: T; waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> } | undefined;
  // The file on disk is known good (loaded cleanly or written here), so it may become the backup.
  private trusted = false;

  constructor(
    readonly path: string,
    private readonly options: { backup?: boolean; validate?: Validate } = {},
  ) {}

  async load(): Promise<LoadResult<T>> {
    await this.running;
    await removeStaleTemps(this.path);
    const result = await readJsonWithBackup<T>(this.path, this.options.validate);
    this.trusted = result.from === 'file';
    return result;
  }

  save(value: T): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.queued) this.queued.value = value;
      else this.queued = { value, waiters: [] };
      this.queued.waiters.push({ resolve, reject });
      if (!this.running) this.running = this.drain();
    });
  }

  async remove(): Promise<void> {
    await this.running;
    this.trusted = false;
    await Promise.all([this.path, backupPathOf(this.path)].map((p) => fs.rm(p, { force: true })));
  }

  private async drain(): Promise<void> {
    while (this.queued) {
      const job = this.queued;
      this.queued = undefined;
      try {
        await writeFileAtomic(this.path, JSON.stringify(job.value), { backup: this.options.backup !== false && this.trusted });
        this.trusted = true;
        for (const w of job.waiters) w.resolve();
      } catch (err) {
        for (const w of job.waiters) w.reject(err as Error);
      }
    }
    this.running = undefined;
  }
}

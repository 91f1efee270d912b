// Helpers shared by benchmarks: where the public data lives, argument parsing, CPU timing.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Parses --key value and --flag options. */
export function parseArgs(argv: string[] = process.argv.slice(2)): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      out[a.slice(2)] = next;
      i++;
    } else out[a.slice(2)] = true;
  }
  return out;
}

/**
 * The data folder for a benchmark: --data DIR, else ../shared/data/<name> beside the project.
 * Returns undefined (and says so) when absent.
 */
export function dataDir(name: string, args = parseArgs()): string | undefined {
  const candidate = typeof args.data === 'string' ? resolve(args.data) : join(__dirname, '..', '..', 'shared', 'data', name);
  if (!existsSync(candidate)) {
    console.log(`data for "${name}" not found at ${candidate}: pass --data DIR (see shared/data/README.md)`);
    return undefined;
  }
  console.log(`data: ${candidate}`);
  return candidate;
}

/** CPU milliseconds (user + system) used by this process while fn runs. */
export async function cpuMs<T>(fn: () => Promise<T> | T): Promise<{ result: T; cpuMs: number; wallMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await fn();
  const c = process.cpuUsage(c0);
  return { result, cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - t0 };
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Prints the benchmark's figures as the last line, one JSON object. */
export function finish(figures: unknown): void {
  console.log(JSON.stringify(figures));
}

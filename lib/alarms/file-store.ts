// The alarm state as a JSON file that survives a crash at any instant: writes are atomic and durable
// (lib/shared/atomic-file), the previous good copy is kept as `.bak`, and a damaged file falls back to
// it. Saves are serialised; a save requested while one runs replaces any queued one.
import { AtomicJsonFile } from '../shared/atomic-file';

export class JsonFileStore<T> {
  private readonly file: AtomicJsonFile<T>;

  /**
   * `onRecovered` hears what was wrong when the value came from the backup instead of the file;
   * `validate` names what is wrong with a value's shape, so a wrong-shaped file counts as damaged (and
   * never replaces the last good copy).
   */
  constructor(
    readonly path: string,
    private readonly onRecovered?: (problems: string[]) => void,
    validate?: (value: unknown) => string | undefined,
  ) {
    this.file = new AtomicJsonFile<T>(path, { backup: true, validate });
  }

  /** The stored value, undefined when there is none; rejects only when every copy is damaged. */
  async load(): Promise<T | undefined> {
    const result = await this.file.load();
    if (result.from === 'backup') this.onRecovered?.(result.problems);
    if (result.from === 'none' && result.problems.length > 0) throw new Error(`${result.problems.join('; ')}; starting empty`);
    return result.value;
  }

  save(value: T): Promise<void> {
    return this.file.save(value);
  }

  remove(): Promise<void> {
    return this.file.remove();
  }
}

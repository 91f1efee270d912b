// The timer functions a connection's own scheduling (retries, connect bounds) goes through, so tests
// can pass a simulated clock and replay an hour-long outage in a second.

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_TIMERS: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Settles like `promise`, or rejects with `text` once ms have passed (the work itself is not cancelled). */
export function within<T>(promise: Promise<T>, ms: number, text: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(text)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

// A bound on how long to wait for a promise, for I/O whose library offers no cancellation.

/** Settles like `promise`, or rejects with `text` once ms have passed (the work itself is not cancelled). */
export function within<T>(promise: Promise<T>, ms: number, text: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(text)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

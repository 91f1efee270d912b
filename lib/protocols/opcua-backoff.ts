// Reconnect delays: exponential with jitter, capped low enough that a returning server is found
// within a few seconds however long it was gone (the cap, not the attempt count, bounds the wait).

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** 0..1: each delay is spread uniformly over ±jitter of its nominal value. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 2000, jitter: 0.25 };

/** Delay before reconnect attempt n (1-based). */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(attempt));
  const nominal = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(n - 1, 30));
  const spread = nominal * options.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(nominal + spread));
}

/** The longest delay the options can produce: the worst wait between a server's return and the next attempt. */
export function maxBackoffDelay(options: BackoffOptions = DEFAULT_BACKOFF): number {
  return Math.round(options.maxMs * (1 + options.jitter));
}

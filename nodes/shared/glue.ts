// Conventions every Millwright node follows: status on every state change, every failure reported
// with done(err) so Catch nodes see it, and nothing ever thrown out of an event handler or timer.
import type { Node, NodeMessageInFlow, NodeMessage } from 'node-red';

export type Send = (msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null>) => void;
export type Done = (err?: Error) => void;

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return Object.prototype.toString.call(err); // circular or nested too deep to print
  }
}

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(errorText(err));
}

/** Status text is short in the editor: cut long messages. */
function short(text: string): string {
  return text.length > 60 ? text.slice(0, 57) + '...' : text;
}

export const status = {
  ok: (node: Node, text: string) => node.status({ fill: 'green', shape: 'dot', text: short(text) }),
  busy: (node: Node, text: string) => node.status({ fill: 'blue', shape: 'ring', text: short(text) }),
  warn: (node: Node, text: string) => node.status({ fill: 'yellow', shape: 'ring', text: short(text) }),
  error: (node: Node, text: string) => node.status({ fill: 'red', shape: 'ring', text: short(text) }),
  clear: (node: Node) => node.status({}),
};

/**
 * Wires an input handler so that a thrown error or rejected promise becomes done(err) and a red
 * status, never an uncaught exception.
 */
export function onInput(
  node: Node,
  handler: (msg: NodeMessageInFlow, send: Send, done: Done) => void | Promise<void>,
): void {
  node.on('input', (msg: NodeMessageInFlow, send: Send, rawDone: Done) => {
    const done = doneThatNeverThrows(node, msg, rawDone);
    const fail = (err: unknown) => {
      status.error(node, errorText(err));
      done(asError(err));
    };
    try {
      const result = handler(msg, send, done);
      if (result && typeof (result as Promise<void>).catch === 'function') (result as Promise<void>).catch(fail);
    } catch (err) {
      fail(err);
    }
  });
}

/**
 * Node-RED copies the msg for Catch nodes inside done(err); a msg it cannot copy (nested thousands of
 * levels deep) makes that copy throw, which from a promise or callback would end the whole runtime.
 * The error then reaches Catch with the msg's id and topic only.
 */
function doneThatNeverThrows(node: Node, msg: NodeMessageInFlow, done: Done): Done {
  return (err?: Error) => {
    try {
      done(err);
    } catch (deliveryErr) {
      try {
        const summary = { _msgid: msg._msgid, ...(typeof msg.topic === 'string' ? { topic: msg.topic } : {}) };
        if (err) node.error(`${errorText(err)} (msg not attached: ${errorText(deliveryErr)})`, summary);
        else node.error(`msg could not be completed: ${errorText(deliveryErr)}`, summary);
      } catch {
        // nothing left to report with; the red status already shows the failure
      }
    }
  };
}

/** Runs a callback from a timer or event without letting an exception escape. */
export function guarded(node: Node, fn: () => void): () => void {
  return () => {
    try {
      fn();
    } catch (err) {
      status.error(node, errorText(err));
      node.error(errorText(err));
    }
  };
}

/** Parses a number >= min from editor config (empty: the fallback), with the field's name in the error. */
export function numberSetting(value: unknown, field: string, fallback: number, min = 0): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`${field} must be a number >= ${min}, got "${String(value)}"`);
  return n;
}

/** Parses a positive whole number from editor config, with the field's name in the error. */
export function positiveInt(value: unknown, field: string, fallback?: number): number {
  if ((value === undefined || value === '') && fallback !== undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${field} must be a whole number >= 1, got "${String(value)}"`);
  return n;
}

/**
 * A node whose config cannot be used: red status, one log line, and every msg answered with done(err)
 * so a Catch node sees why nothing happens.
 */
export function refuseForBadConfig(node: Node, err: unknown): void {
  const text = errorText(err);
  status.error(node, text);
  node.error(text);
  node.on('input', (_msg: NodeMessageInFlow, _send: Send, done: Done) => done(new Error(`not configured: ${text}`)));
}

// State that must survive a restart or redeploy lives in the node's context, in the store the user
// chose (a persistent store such as 'file' when configured in settings.js).
//
// Crash safety is the store's: Node-RED's `localfilesystem` writes each context file to a temporary
// file and renames it over the old one, so a kill -9 leaves the old or the new file, never a torn one
// (test/e2e/crash-persistence.test.ts). It does not fsync, and by default it caches and flushes every
// 30 s: a save resolves once cached, so a crash can lose up to that much learning (never the file).
// For models that must be on disk when saved, configure the store with `cache: false` (or a short
// `flushInterval`). A context file damaged by other means makes load and save reject: callers warn
// and go on (a cached store refuses to start Node-RED instead; that is Node-RED's behaviour).
import type { Node } from 'node-red';

export interface Persistence<T> {
  load(): Promise<T | undefined>;
  save(value: T): Promise<void>;
  clear(): Promise<void>;
}

/** The store name '' or 'memory' means no persistence across restarts (context default store). */
export function contextPersistence<T>(node: Node, key: string, store: string | undefined): Persistence<T> {
  const context = node.context();
  const storeName = store && store.trim() ? store.trim() : undefined;
  return {
    load: () =>
      new Promise((resolve, reject) => {
        context.get(key, storeName as string, (err: Error | undefined, value: unknown) => (err ? reject(err) : resolve(value as T | undefined)));
      }),
    save: (value: T) =>
      new Promise((resolve, reject) => {
        context.set(key, value, storeName as string, (err?: Error) => (err ? reject(err) : resolve()));
      }),
    clear: () =>
      new Promise((resolve, reject) => {
        context.set(key, undefined, storeName as string, (err?: Error) => (err ? reject(err) : resolve()));
      }),
  };
}

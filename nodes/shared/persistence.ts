// State that must survive a restart or redeploy lives in the node's context, in the store the user
// chose (a persistent store such as 'file' when configured in settings.js).
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

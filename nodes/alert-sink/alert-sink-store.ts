// Where the alert sink keeps its alarms across restarts: the node context in the store chosen in the
// editor, or, with no store chosen, a JSON file in the Node-RED user directory (atomic, durable writes;
// a damaged file falls back to the last good copy with a warning).
import { join } from 'node:path';
import type { Node, NodeAPI } from 'node-red';
import { JsonFileStore } from '../../lib/alarms/file-store';
import { contextPersistence, type Persistence } from '../shared/persistence';

export interface SinkStore<T> extends Persistence<T> {
  /** Where the state goes, for the status and the log. */
  describe: string;
  /** Set when the last load had to use the last good copy because the file was damaged. */
  recovered?: string;
}

function fileName(nodeId: string): string {
  return `alert-sink-${nodeId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`;
}

export function sinkStore<T>(RED: NodeAPI, node: Node, store: string | undefined, validate?: (value: unknown) => string | undefined): SinkStore<T> | undefined {
  if (store && store.trim()) {
    return { ...contextPersistence<T>(node, 'alarms', store), describe: `context store "${store.trim()}"` };
  }
  const userDir = (RED.settings as unknown as { userDir?: unknown }).userDir;
  if (typeof userDir !== 'string' || userDir === '') return undefined;
  const sink: SinkStore<T> = {
    load: () => file.load(),
    save: (value: T) => file.save(value),
    clear: () => file.remove(),
    describe: '',
  };
  const file = new JsonFileStore<T>(join(userDir, 'millwright', fileName(node.id)), (problems) => {
    sink.recovered = problems.join('; ');
    node.warn(`alarm file damaged, restored the last good copy: ${sink.recovered}`);
  }, validate);
  sink.describe = `file ${file.path}`;
  return sink;
}

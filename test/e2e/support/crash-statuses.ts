// The statuses a started Node-RED shows in the editor, read as the editor reads them: over the admin
// websocket (/comms), which hands a new client the current status of every node. A Status node in the
// flow would miss statuses set while the flows start, which is when nodes report what they loaded.
import { dirname } from 'node:path';
import { projectRoot } from './packed-node-red';

type WsLike = {
  on(event: 'open' | 'message' | 'error' | 'close', fn: (data?: unknown) => void): void;
  send(text: string): void;
  close(): void;
};

// `ws` comes with Node-RED's editor API (the runtime under test); Node 20 has no WebSocket client.
function webSocket(url: string): WsLike {
  const from = dirname(require.resolve('node-red/package.json', { paths: [process.env.MILLWRIGHT_NODE_RED_DIR || projectRoot] }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const WS = require(require.resolve('ws', { paths: [from] })) as new (u: string) => WsLike;
  return new WS(url);
}

/** Node id -> status text, as the editor would show it now (admin without adminAuth). */
export function currentStatuses(baseUrl: string, listenMs = 400): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const out: Record<string, string> = {};
    const ws = webSocket(`${baseUrl.replace(/^http/, 'ws')}/comms`);
    let timer: NodeJS.Timeout | undefined;
    ws.on('open', () => {
      ws.send(JSON.stringify({ subscribe: 'status/#' }));
      timer = setTimeout(() => {
        ws.close();
        resolve(out);
      }, listenMs);
    });
    ws.on('message', (data) => {
      let batch: unknown;
      try {
        batch = JSON.parse(String(data));
      } catch {
        return;
      }
      for (const m of Array.isArray(batch) ? batch : [batch]) {
        const { topic, data: status } = (m ?? {}) as { topic?: string; data?: { text?: unknown } };
        if (typeof topic === 'string' && topic.startsWith('status/')) out[topic.slice('status/'.length)] = String(status?.text ?? '');
      }
    });
    ws.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
  });
}

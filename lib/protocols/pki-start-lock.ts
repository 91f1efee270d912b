// node-opcua-pki swaps fs.watch while a certificate store starts its folder watchers and puts back the
// function it found once they are ready. Two stores starting at once (the simulator's server and a
// client, both restarted by one deploy) leave one store's wrapper installed for good, and that wrapper
// keeps every later watcher in an array: about 100 kB per redeploy. Stores start one at a time here.
import fs from 'node:fs';

const LOCK = Symbol.for('millwright.opcua-pki-start');
const RESTORE_WAIT_MS = 3000;

type Holder = { [LOCK]?: Promise<void> };

/** Runs start (which initialises certificate stores) when no other store of the process is starting. */
export async function oneStoreStartAtATime<T>(start: () => Promise<T>): Promise<T> {
  const holder = globalThis as Holder;
  const previous = holder[LOCK] ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  holder[LOCK] = previous.then(() => mine);
  await previous;
  const watchBefore = fs.watch;
  try {
    return await start();
  } finally {
    // The store puts fs.watch back when its watchers report ready, which can come after initialize().
    const deadline = Date.now() + RESTORE_WAIT_MS;
    while (fs.watch !== watchBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    release();
  }
}

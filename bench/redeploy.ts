// npm run bench -- redeploy [--full N] [--modified M] [--pause MS]: the demo flow deployed N times in
// full and M times modified in a started Node-RED (see test/e2e/support/redeploy-run.ts); open fds,
// sockets, OPC UA sessions on the simulator's server, live timers and socket handles, RSS and heap
// after a forced GC, before and after. Last line: the figures as JSON.
import { runRedeploys } from '../test/e2e/support/redeploy-run';
import { finish, parseArgs, round } from './_shared';

function count(value: string | true | undefined, fallback: number, name: string): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number >= 0`);
  return n;
}

async function main() {
  const args = parseArgs();
  const full = count(args.full, 100, 'full');
  const modified = count(args.modified, 100, 'modified');
  const pauseMs = count(args.pause, 1000, 'pause');
  console.log(`redeploy: ${full} full and ${modified} modified deploys of examples/plant-demo.json, ${pauseMs} ms apart`);
  const t0 = Date.now();
  const f = await runRedeploys({ full, modified, pauseMs });
  const { before, after, heapTrace, ...figures } = f;
  console.log(`redeploy: heap after GC by deploys: ${heapTrace.map((p) => `${p.deploys}: ${p.heapMb.toFixed(1)}`).join(', ')} MB`);
  console.log(`redeploy: ${((Date.now() - t0) / 1000).toFixed(0)} s; resources before ${JSON.stringify(before.resources)}`);
  console.log(`redeploy: resources after ${JSON.stringify(after.resources)}`);
  const sorted = (w: Record<string, number>) => JSON.stringify(Object.entries(w).sort());
  if (sorted(before.watched) !== sorted(after.watched)) console.log(`redeploy: watched folders before ${JSON.stringify(before.watched)}\nafter ${JSON.stringify(after.watched)}`);
  finish({ ...figures, watchersBefore: before.resources.FSEVENTWRAP ?? 0, watchersAfter: after.resources.FSEVENTWRAP ?? 0, fsWatchReplacedAfter: after.fsWatchReplaced, rssBeforeMb: round(f.rssBeforeMb, 1), rssAfterMb: round(f.rssAfterMb, 1), heapBeforeMb: round(f.heapBeforeMb, 1), heapAfterMb: round(f.heapAfterMb, 1) });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// The redeploy run shared by the test and `npm run bench -- redeploy`: warm up, measure, deploy the
// demo flow N times in full and M times modified (one pack node renamed each time, cycling through
// all of them), let it settle, measure again.
import { packNodeIds, sleep, startRedeployRuntime, withRenamed, type RedeployMeasure, type RedeployRuntime } from './redeploy';

export interface RedeployFigures {
  fullDeploys: number;
  modifiedDeploys: number;
  fdsBefore: number;
  fdsAfter: number;
  socketsBefore: number;
  socketsAfter: number;
  sessionsBefore: number;
  sessionsAfter: number;
  timersBefore: number;
  timersAfter: number;
  handlesBefore: number;
  handlesAfter: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  heapBeforeMb: number;
  heapAfterMb: number;
  before: RedeployMeasure;
  after: RedeployMeasure;
  /** Heap after GC every 20 deploys (full first, then modified), to tell a climb from a plateau. */
  heapTrace: { deploys: number; heapMb: number }[];
}

export interface RedeployOptions {
  full: number;
  modified: number;
  /** Pause after each deploy: long enough for the OPC UA client to reconnect most of the time. */
  pauseMs?: number;
  log?: (line: string) => void;
}

/** Measures until the counts that settle (fds, sessions, timers) read the same twice, and a session is up. */
async function settled(rt: RedeployRuntime, log: (line: string) => void): Promise<RedeployMeasure> {
  let last = await rt.measure();
  for (let i = 0; i < 15; i++) {
    await sleep(2000);
    const m = await rt.measure();
    const same = m.fds === last.fds && m.sessions === last.sessions && m.timers === last.timers && m.handles === last.handles;
    last = m;
    if (same && m.sessions >= 1) return m;
  }
  log(`redeploy: counts did not settle within 30 s (${describe(last)})`);
  return last;
}

async function sessionBack(rt: RedeployRuntime): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await rt.measure()).sessions < 1) {
    if (Date.now() > deadline) throw new Error('the flow did not get its OPC UA session back within 30 s of a deploy');
    await sleep(500);
  }
}

export function describe(m: RedeployMeasure): string {
  return `fds ${m.fds}, sockets ${m.sockets}, OPC UA sessions ${m.sessions}, timers ${m.timers}, socket handles ${m.handles}, rss ${m.rssMb.toFixed(1)} MB, heap ${m.heapUsedMb.toFixed(1)} MB`;
}

export async function runRedeploys(o: RedeployOptions): Promise<RedeployFigures> {
  const log = o.log ?? console.log;
  const pauseMs = o.pauseMs ?? 1000;
  const rt = await startRedeployRuntime();
  try {
    const ids = packNodeIds(rt.flows);
    let flows = rt.flows;
    // Warm-up: the first deploys load code lazily (OPC UA stacks, models); measured from after them.
    await settled(rt, log);
    for (let i = 0; i < 2; i++) {
      await rt.deploy(flows, 'full');
      await sleep(pauseMs);
      flows = withRenamed(flows, ids[i % ids.length], i);
      await rt.deploy(flows, 'flows');
      await sleep(pauseMs);
    }
    const before = await settled(rt, log);
    log(`redeploy: before  ${describe(before)}`);
    const heapTrace = [{ deploys: 0, heapMb: before.heapUsedMb }];
    const trace = async (deploys: number) => {
      if (deploys % 20 === 0) heapTrace.push({ deploys, heapMb: await rt.heapMb() });
    };
    for (let i = 1; i <= o.full; i++) {
      await rt.deploy(flows, 'full');
      await sleep(pauseMs);
      // Most deploys end the OPC UA client while it is still retrying against the restarting server;
      // every fifth waits until its session is back, so connected clients get closed too.
      if (i % 5 === 0) await sessionBack(rt);
      if (i % 10 === 0 || i === o.full) log(`redeploy: ${i} full deploys`);
      await trace(i);
    }
    for (let i = 1; i <= o.modified; i++) {
      flows = withRenamed(flows, ids[i % ids.length], i);
      await rt.deploy(flows, 'flows');
      await sleep(pauseMs);
      if (i % 10 === 0 || i === o.modified) log(`redeploy: ${i} modified deploys`);
      await trace(o.full + i);
    }
    if (!rt.red.alive()) throw new Error(`Node-RED exited during the redeploys:\n${rt.red.log().slice(-4000)}`);
    const after = await settled(rt, log);
    log(`redeploy: after   ${describe(after)}`);
    return {
      fullDeploys: o.full,
      modifiedDeploys: o.modified,
      fdsBefore: before.fds,
      fdsAfter: after.fds,
      socketsBefore: before.sockets,
      socketsAfter: after.sockets,
      sessionsBefore: before.sessions,
      sessionsAfter: after.sessions,
      timersBefore: before.timers,
      timersAfter: after.timers,
      handlesBefore: before.handles,
      handlesAfter: after.handles,
      rssBeforeMb: before.rssMb,
      rssAfterMb: after.rssMb,
      heapBeforeMb: before.heapUsedMb,
      heapAfterMb: after.heapUsedMb,
      before,
      after,
      heapTrace,
    };
  } finally {
    await rt.stop();
  }
}

// Persistence under crash: a started Node-RED with the packed pack learns a model and raises alarms,
// saving both continuously, and is killed with SIGKILL many times over: at random moments, and (every
// other round) the moment a temporary file shows a write under way. After every
// kill each state file still parses, holds a state no older than the last save seen on disk before the
// kill, and the restarted runtime loads exactly that state; a full redeploy at the end keeps it too.
// MILLWRIGHT_CRASH_KILLS sets the number of kills (default 10; the figures in bench/RESULTS.md used more).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { currentStatuses } from './support/crash-statuses';
import { makeUserDir, removeDir, startNodeRed, type RunningNodeRed } from './support/packed-node-red';
import {
  CACHED_DETECTOR,
  CRASH_SETTINGS,
  DETECTOR,
  SINK,
  alarmStates,
  corruptFiles,
  crashFlow,
  lastEventSeq,
  tempFiles,
  readSaved,
  stateFiles,
  type SavedState,
} from './support/crash-flow';

const KILLS = Math.max(1, Number(process.env.MILLWRIGHT_CRASH_KILLS) || 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** What the restarted runtime loaded, read before anything new reaches the nodes (so the statuses are the load statuses). */
async function loadedState(red: RunningNodeRed): Promise<SavedState & { sinkStatus: string; detectorStatus: string }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const statuses = await currentStatuses(red.url);
      const loadStatus = (id: string) => (/^restored \d+ key|^learning: 0\/|could not restore/.test(statuses[id] ?? '') ? statuses[id] : undefined);
      const det = loadStatus(DETECTOR);
      const cached = loadStatus(CACHED_DETECTOR);
      const sink = statuses[SINK];
      if (det && cached && sink) {
        const { alarms } = await json<{ alarms: Array<{ alarmId: string; state: string }> }>(`${red.url}/millwright/alarms/${SINK}?all=1`);
        const { events } = await json<{ events: Array<{ seq: number }> }>(`${red.url}/millwright/alarms/${SINK}/events`);
        const keys = (text: string) => Number(/^restored (\d+) key/.exec(text)?.[1] ?? 0);
        return { keys: keys(det), cachedKeys: keys(cached), seq: lastEventSeq(events), alarms: alarmStates(alarms), sinkStatus: sink, detectorStatus: `${det} / ${cached}` };
      }
    } catch {
      // flows not started yet
    }
    if (Date.now() > deadline) throw new Error(`the restarted runtime reported no loaded state within 30 s:\n${red.log().slice(-3000)}`);
    await sleep(100);
  }
}

const comparable = ({ keys, cachedKeys, seq, alarms }: SavedState): SavedState => ({ keys, cachedKeys, seq, alarms });

/**
 * The loaded state once every node finished loading: nothing reaches the nodes before the test says
 * run, so the state can only move from "not loaded yet" to "loaded"; waits (at most 10 s) for `expected`.
 */
async function settledState(red: RunningNodeRed, expected: SavedState): Promise<SavedState & { sinkStatus: string; detectorStatus: string }> {
  const until = Date.now() + 10_000;
  for (;;) {
    const state = await loadedState(red);
    if (isDeepStrictEqual(comparable(state), expected) || Date.now() > until) return state;
    await sleep(200);
  }
}

describe('persistence under crash (kill -9 of a started Node-RED)', () => {
  it(`${KILLS} kills at random moments: no corrupt file, and each restart (and a redeploy) loads the last state saved`, async () => {
    const userDir = makeUserDir();
    let red: RunningNodeRed | undefined;
    const figures = { kills: 0, killsDuringWrite: 0, redeploys: 0, corrupt: 0, recovered: 0, savesSeen: 0, filesChecked: 0, tempsLeft: 0, keys: 0, cachedKeys: 0, seq: 0 };
    try {
      // The state on disk right after the previous kill: what the next start must load.
      let onDisk: SavedState = { keys: 0, cachedKeys: 0, seq: 0, alarms: [] };
      for (let round = 0; round <= KILLS; round++) {
        red = await startNodeRed(userDir, { flows: crashFlow(), settings: CRASH_SETTINGS });
        const loaded = await settledState(red, onDisk);
        assert.doesNotMatch(loaded.sinkStatus, /could not restore|damaged/, `round ${round}: the alarm file loaded cleanly`);
        assert.doesNotMatch(loaded.detectorStatus, /could not restore/, `round ${round}: the models loaded cleanly`);
        assert.deepEqual(comparable(loaded), onDisk, `round ${round}: the restart loaded the state saved before the kill`);
        if (round > 0) figures.recovered++;
        if (round === KILLS) break;

        await json(`${red.url}/crash/run`, { method: 'POST' });
        // Watch the files while the runtime writes them: every state seen on disk is a completed save.
        // Every other round waits for a temporary file to appear (a write under way) and kills then.
        const targeted = round % 2 === 1;
        const staleTemps = new Set(tempFiles(userDir));
        const earliest = Date.now() + between(300, 2500);
        const latest = targeted ? earliest + 3000 : earliest;
        let seen = onDisk;
        let duringWrite = false;
        while (Date.now() < latest) {
          if (targeted && Date.now() >= earliest && tempFiles(userDir).some((f) => !staleTemps.has(f))) {
            duringWrite = true;
            break;
          }
          const now = readSaved(userDir);
          assert.ok(now.ok, `round ${round}: a state file read while the runtime wrote it did not parse: ${!now.ok && now.error}`);
          const v = now.value;
          assert.ok(v.keys >= seen.keys && v.cachedKeys >= seen.cachedKeys && v.seq >= seen.seq, `round ${round}: saved state went backwards`);
          if (v.keys !== seen.keys || v.cachedKeys !== seen.cachedKeys || v.seq !== seen.seq) figures.savesSeen++;
          seen = v;
          await sleep(targeted && Date.now() >= earliest ? 0 : between(2, 25));
        }
        await red.kill();
        assert.ok(!red.alive());
        figures.kills++;
        if (duringWrite) figures.killsDuringWrite++;

        const files = stateFiles(userDir);
        figures.filesChecked += files.length;
        const corrupt = corruptFiles(userDir);
        figures.corrupt += corrupt.length;
        assert.deepEqual(corrupt, [], `round ${round}: corrupt state files after the kill`);
        const after = readSaved(userDir);
        assert.ok(after.ok, `round ${round}: ${!after.ok && after.error}`);
        assert.ok(after.value.keys >= seen.keys, `round ${round}: the model on disk (${after.value.keys} keys) is older than one saved before the kill (${seen.keys})`);
        assert.ok(after.value.cachedKeys >= seen.cachedKeys, `round ${round}: the cached store's model on disk is older than one flushed before the kill`);
        assert.ok(after.value.seq >= seen.seq, `round ${round}: the alarms on disk (event ${after.value.seq}) are older than ones saved before the kill (${seen.seq})`);
        onDisk = after.value;
      }
      // A full redeploy closes every node (each saves) and starts new ones, which load what was saved.
      const live = red;
      assert.ok(live && live.alive(), 'the runtime of the last round is up');
      await json(`${live.url}/crash/run`, { method: 'POST' });
      await sleep(2000);
      await json(`${live.url}/crash/stop`, { method: 'POST' });
      await sleep(1500); // the alert sink saves at most once a second
      const deploy = await fetch(`${live.url}/flows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'node-red-deployment-type': 'full' },
        body: JSON.stringify(crashFlow()),
      });
      assert.ok(deploy.ok, `deploy: HTTP ${deploy.status}`);
      await loadedState(live);
      await sleep(1000); // the cached store flushes what the closing nodes saved
      const saved = readSaved(userDir);
      assert.ok(saved.ok, !saved.ok ? saved.error : '');
      const redeployed = await settledState(live, saved.value);
      assert.deepEqual(comparable(redeployed), saved.value, 'after a full redeploy the nodes hold the state they saved');
      figures.redeploys++;
      assert.ok(saved.value.keys > onDisk.keys, 'the detector learnt more before the redeploy');
      onDisk = saved.value;
      figures.keys = onDisk.keys;
      figures.cachedKeys = onDisk.cachedKeys;
      figures.seq = onDisk.seq;
      figures.tempsLeft = tempFiles(userDir).length;
      assert.ok(onDisk.keys > 0, 'the detector saved a learnt model at least once');
      assert.ok(onDisk.cachedKeys > 0, 'the cached store flushed a learnt model at least once');
      assert.ok(onDisk.seq > 0 && onDisk.alarms.length > 0, 'the alert sink saved alarms at least once');
    } finally {
      console.log(`crash-persistence: ${JSON.stringify(figures)}`);
      await red?.kill();
      removeDir(userDir);
    }
  });
});

// npm run bench -- edge [--outage-seconds 60] [--sim-minutes 10]
// Edge to cloud: bandwidth reduction of the demo plant's signals summarised at the edge and published
// by exception, messages lost across a broker outage with store-and-forward, and whether the Sparkplug
// stream obeys the specification's rules. Needs Debian's mosquitto (a real broker on loopback).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { mergeOffers, type GatewayOffer, type PlantTariff } from '../lib/edge/plant-coordination';
import { PlantCoordinator } from '../lib/edge/plant-coordinator';
import { validateSparkplugStream, type CapturedMessage } from '../lib/edge/sparkplug-validator';
import type { ProblemInput } from '../lib/energy/problem';
import { startPlan } from '../lib/energy/scheduler';
import { UnsPublisher } from '../lib/edge/uns-publisher';
import { FeatureWindow } from '../lib/features/feature-window';
import { PlantSimulator } from '../lib/simulator';
import { Broker, mosquittoSkipReason } from '../test/helpers/mosquitto';
import { finish, parseArgs, round } from './_shared';

const args = parseArgs();
const outageSeconds = Number(args['outage-seconds'] ?? 60);
const simMinutes = Number(args['sim-minutes'] ?? 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}

async function capture(url: string, into: CapturedMessage[]) {
  const sub = mqtt.connect(url, { reconnectPeriod: 0 });
  sub.on('message', (topic, payload) => into.push({ topic, payload }));
  sub.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    sub.once('connect', () => sub.subscribe(['spBv1.0/#', 'bench/#'], { qos: 1 }, (e) => (e ? reject(e) : resolve())));
    sub.once('error', reject);
  });
  return sub;
}

function publisher(url: string, dir: string, name: string, deadbandPercent: number) {
  return new UnsPublisher({
    path: { enterprise: 'bench', site: 'site', area: 'area', line: name },
    format: 'both',
    groupId: 'bench',
    edgeNodeId: name,
    deadband: { absolute: 0, percent: deadbandPercent, heartbeatMs: 0 },
    link: { url, clientId: `millwright-bench-${name}` },
    bufferFile: join(dir, `${name}.jsonl`),
    maxMessages: 100_000,
    maxBytes: 200_000_000,
  });
}

/** The demo plant for simMinutes: every tag each second, waveform blocks included, summarised per minute. */
async function bandwidth(url: string, dir: string) {
  const sim = new PlantSimulator({ seed: 7, opcuaPort: null, modbusPort: null, run: false });
  const window = new FeatureWindow({ mode: 'count', size: 60, features: ['mean', 'std', 'min', 'max', 'rms'] });
  const blockWindow = new FeatureWindow({ mode: 'count', size: 8192, features: ['rms', 'kurtosis', 'crestFactor', 'peakToPeak'] });
  const pub = publisher(url, dir, 'bandwidth', 1);
  pub.start();
  await waitFor(() => pub.stats().state === 'connected', 5000);
  let rawBytes = 0;
  let rawValues = 0;
  for (let s = 0; s < simMinutes * 60; s++) {
    sim.step(1);
    for (const sample of sim.samples({ waveform: true })) {
      rawBytes += Buffer.byteLength(JSON.stringify({ topic: sample.tag, payload: sample }));
      const values = Array.isArray(sample.value) ? sample.value : typeof sample.value === 'number' ? [sample.value] : [];
      rawValues += values.length;
      if (values.length === 0) continue;
      const machine = sample.tag.split('/')[0];
      const w = values.length > 1 ? blockWindow : window;
      for (const v of w.push(sample.tag, sample.tag, sample.timestamp, values, sample.sampleRate)) {
        pub.publish({ ...v, features: Object.fromEntries(Object.entries(v.features).map(([k, x]) => [`${sample.tag.split('/')[1]}/${k}`, x])) }, machine);
      }
    }
  }
  await waitFor(() => pub.stats().buffered === 0, 20_000);
  const stats = pub.stats();
  await pub.stop();
  await sim.stop();
  return { rawBytes, rawValues, bytesPublished: stats.bytesOut, reduction: rawBytes / Math.max(1, stats.bytesOut) };
}

async function outage(broker: Broker, dir: string) {
  const seen: CapturedMessage[] = [];
  let sub = await capture(broker.url, seen);
  const pub = publisher(broker.url, dir, 'outage', 0);
  pub.start();
  await waitFor(() => pub.stats().state === 'connected', 5000);
  let produced = 0;
  const produce = () => pub.publish({ key: 'Spindle', score: (produced++ % 1000) / 1000, anomaly: false, timestamp: Date.now(), detector: 'bench', explanation: [] });
  for (let i = 0; i < 50; i++) produce();
  await waitFor(() => pub.stats().buffered === 0, 5000);
  sub.end(true);
  await broker.stop();
  console.log(`edge: broker stopped for ${outageSeconds} s while producing 20 msgs/s`);
  const end = Date.now() + outageSeconds * 1000;
  while (Date.now() < end) {
    produce();
    await sleep(50);
  }
  const bufferedAtReturn = pub.stats().buffered;
  await broker.start();
  const back = Date.now();
  sub = await capture(broker.url, seen);
  await waitFor(() => pub.stats().state === 'connected', 30_000);
  const reconnectSeconds = (Date.now() - back) / 1000;
  await waitFor(() => pub.stats().buffered === 0, 60_000);
  await sleep(500);
  await pub.stop();
  await waitFor(() => seen.some((m) => m.topic.includes('NDEATH')), 5000);
  sub.end(true);
  const values = seen
    .filter((m) => m.topic === 'bench/site/area/outage/Spindle/anomaly/score')
    .map((m) => JSON.parse(String(m.payload)).value as number);
  const expected = Array.from({ length: produced }, (_, i) => (i % 1000) / 1000);
  const got = new Set(values.map((v, i) => `${i}:${v}`));
  const lost = expected.filter((v, i) => !got.has(`${i}:${v}`)).length;
  const problems = validateSparkplugStream(seen.filter((m) => m.topic.startsWith('spBv1.0/bench/') && m.topic.split('/')[3] === 'outage'));
  return { produced, bufferedAtReturn, lost, reconnectSeconds, sparkplugProblems: problems, dropped: pub.stats().dropped };
}

/** Three gateways, each with motors to run within a day: planned alone vs by one coordinator. */
const DAY = Date.UTC(2026, 0, 5);
const threeGatewayTariff: PlantTariff = {
  startTime: DAY,
  intervalMinutes: 15,
  horizon: 96,
  prices: Array.from({ length: 96 }, (_, i) => (i >= 28 && i < 80 ? 0.24 : 0.12)),
  demandCharge: 12,
};

function gatewayOffer(g: number): Omit<GatewayOffer, 'gatewayId' | 'at'> {
  return {
    baseLoadKw: Array.from({ length: 96 }, (_, i) => 80 + 40 * Math.sin((Math.PI * (i - 24)) / 48) ** 2 + 10 * g),
    loads: Array.from({ length: 4 }, (_, k) => ({
      id: `motor${k + 1}`,
      powerKw: [22, 45, 75, 110][k],
      durationMinutes: 60 + 30 * ((g + k) % 3),
      earliestStart: DAY + 6 * 3600_000,
      deadline: DAY + 22 * 3600_000,
    })),
  };
}

async function coordination(url: string) {
  const plan = async (problem: ProblemInput) => (await startPlan(problem, { now: DAY, timeLimitSeconds: 5 }).outcome).schedule;
  const ids = ['gw1', 'gw2', 'gw3'];
  const alone = await Promise.all(ids.map((id, g) => plan(mergeOffers([{ ...gatewayOffer(g), gatewayId: id, at: 0 }], threeGatewayTariff))));
  const independentPeak = Math.max(...alone[0].profileKw.map((_, i) => alone.reduce((s, p) => s + p.profileKw[i], 0)));
  const together = await plan(mergeOffers(ids.map((id, g) => ({ ...gatewayOffer(g), gatewayId: id, at: 0 })), threeGatewayTariff));

  const members = ids.map((id, g) => new PlantCoordinator({ url, gatewayId: id, root: 'bench/energy', candidate: g < 2, rank: g, tariff: () => threeGatewayTariff, plan, heartbeatMs: 500 }));
  for (const m of members) m.start();
  await sleep(300);
  members.forEach((m, g) => m.offer(gatewayOffer(g)));
  await waitFor(() => members.every((m) => m.assignment !== undefined), 30_000);
  const holder = members.find((m) => m.currentRole === 'coordinator');
  let failoverSeconds: number | null = null;
  if (holder) {
    const t0 = Date.now();
    await holder.crash();
    const others = members.filter((m) => m !== holder);
    if (await waitFor(() => others.some((m) => m.currentRole === 'coordinator'), 30_000)) failoverSeconds = (Date.now() - t0) / 1000;
  }
  for (const m of members) await m.stop();
  return { independentPeak, coordinatedPeak: together.peakKw, failoverSeconds };
}

async function main() {
  const skip = mosquittoSkipReason();
  if (skip) {
    console.log(`edge: ${skip}`);
    finish({ bandwidthReduction: null, outageSeconds, lost: null, sparkplugValid: null, peakKwIndependent: null, peakKwCoordinated: null, failoverSeconds: null, skipped: skip });
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'millwright-bench-edge-'));
  const broker = new Broker();
  await broker.start();
  try {
    const bw = await bandwidth(broker.url, dir);
    console.log(`edge: ${simMinutes} simulated minutes of the demo plant: ${bw.rawValues} raw values, ${(bw.rawBytes / 1e6).toFixed(2)} MB as raw JSON msgs, ${(bw.bytesPublished / 1e3).toFixed(1)} kB published (JSON + Sparkplug B, 1 % deadband): ${bw.reduction.toFixed(0)}x less`);
    const o = await outage(broker, dir);
    console.log(`edge: ${o.produced} msgs produced, ${o.bufferedAtReturn} buffered when the broker returned, ${o.lost} lost, ${o.dropped} dropped, back in ${o.reconnectSeconds.toFixed(2)} s`);
    console.log(`edge: Sparkplug stream ${o.sparkplugProblems.length === 0 ? 'valid' : 'INVALID: ' + o.sparkplugProblems.slice(0, 5).join('; ')}`);
    const co = await coordination(broker.url);
    console.log(`edge: three gateways, plant peak ${co.independentPeak.toFixed(1)} kW planned alone vs ${co.coordinatedPeak.toFixed(1)} kW coordinated; coordinator fail-over in ${co.failoverSeconds ?? 'n/a'} s (heartbeat 0.5 s, killed without goodbye)`);
    finish({
      bandwidthReduction: round(bw.reduction, 1),
      outageSeconds,
      lost: o.lost,
      sparkplugValid: o.sparkplugProblems.length === 0,
      peakKwIndependent: round(co.independentPeak, 1),
      peakKwCoordinated: round(co.coordinatedPeak, 1),
      failoverSeconds: co.failoverSeconds === null ? null : round(co.failoverSeconds, 2),
      reconnectSeconds: round(o.reconnectSeconds, 2),
      rawBytes: bw.rawBytes,
      bytesPublished: bw.bytesPublished,
    });
  } finally {
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

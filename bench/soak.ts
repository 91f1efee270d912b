// npm run bench -- soak [--minutes M]: the pack under ten times the demo's data rate in a started
// Node-RED (see test/e2e/support/soak.ts). Last line: the figures as JSON.
import { runSoak } from '../test/e2e/support/soak';
import { finish, parseArgs, round } from './_shared';

async function main() {
  const args = parseArgs();
  const minutes = Number(args.minutes ?? 10);
  if (!(minutes > 0)) throw new Error('--minutes must be a positive number');
  console.log(`soak: ${minutes} min, plant snapshots every 0.1 s (10x the demo), feature windows -> anomaly detector -> alert sink`);
  const f = await runSoak(minutes);
  console.log(`soak: RSS after forced GC ${f.rssStartMb.toFixed(1)} -> ${f.rssEndMb.toFixed(1)} MB (${(100 * f.rssDrift).toFixed(1)} %), without GC ${f.rssNoGcStartMb.toFixed(1)} -> ${f.rssNoGcEndMb.toFixed(1)} MB; heap after GC ${f.heapStartMb.toFixed(1)} -> ${f.heapEndMb.toFixed(1)} MB`);
  console.log(`soak: heap after GC (minutely) rose ${f.heapSlopeFirstHalfMbPerMin.toFixed(2)} MB/min in the first half, ${f.heapSlopeSecondHalfMbPerMin.toFixed(2)} MB/min in the second: ${f.heapSeries.map((p) => `${p.atMin.toFixed(1)} min ${p.heapMb.toFixed(1)}`).join(', ')}`);
  console.log(`soak: ${f.msgsPerSec.toFixed(0)} samples/s, p99 sample-to-score ${f.p99LatencyMs} ms, ${f.errors} errors, ${f.crashes} crashes`);
  const { heapSeries: _series, ...figures } = f;
  finish({ ...figures, msgsPerSec: round(f.msgsPerSec, 1), rssStartMb: round(f.rssStartMb, 1), rssEndMb: round(f.rssEndMb, 1), rssDrift: round(f.rssDrift, 4), rssNoGcStartMb: round(f.rssNoGcStartMb, 1), rssNoGcEndMb: round(f.rssNoGcEndMb, 1), heapStartMb: round(f.heapStartMb, 1), heapEndMb: round(f.heapEndMb, 1), heapSlopeFirstHalfMbPerMin: round(f.heapSlopeFirstHalfMbPerMin, 3), heapSlopeSecondHalfMbPerMin: round(f.heapSlopeSecondHalfMbPerMin, 3) });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

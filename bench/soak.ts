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
  console.log(`soak: ${f.msgsPerSec.toFixed(0)} samples/s, rss ${f.rssStartMb.toFixed(1)} -> ${f.rssEndMb.toFixed(1)} MB (${(100 * f.rssDrift).toFixed(1)} %), p99 sample-to-score ${f.p99LatencyMs} ms, ${f.errors} errors, ${f.crashes} crashes`);
  finish({ ...f, msgsPerSec: round(f.msgsPerSec, 1), rssStartMb: round(f.rssStartMb, 1), rssEndMb: round(f.rssEndMb, 1), rssDrift: round(f.rssDrift, 4) });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

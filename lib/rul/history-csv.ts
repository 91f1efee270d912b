// CSV import of run-to-failure histories: a header `asset,time,<feature>,...[,failed]`, one row per step.
// time is epoch ms, an ISO date or a step number; rows of an asset are sorted by time. Each asset is a
// history ending in failure unless its rows carry failed=0/false (a censored run).
import { toEpochMs } from '../contracts';

export interface HistoryRow {
  /** Epoch ms (or the step number when the CSV gave plain step counts). */
  t: number;
  f: Record<string, number>;
}

export interface RecordedHistory {
  asset: string;
  rows: HistoryRow[];
  failed: boolean;
}

function splitLine(line: string, sep: string): string[] {
  return line.split(sep).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
}

export function parseHistoriesCsv(text: string): RecordedHistory[] {
  if (typeof text !== 'string' || text.trim() === '') throw new Error('history CSV: empty input');
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  const sep = lines[0].includes(';') && !lines[0].includes(',') ? ';' : ',';
  const header = splitLine(lines[0], sep).map((h) => h.toLowerCase() === 'asset' || h.toLowerCase() === 'time' || h.toLowerCase() === 'failed' ? h.toLowerCase() : h);
  const ai = header.indexOf('asset');
  const ti = header.indexOf('time');
  const fi = header.indexOf('failed');
  if (ai < 0 || ti < 0) throw new Error('history CSV: the header needs "asset" and "time" columns');
  const featureCols = header.map((h, i) => ({ h, i })).filter(({ i }) => i !== ai && i !== ti && i !== fi);
  if (featureCols.length === 0) throw new Error('history CSV: no feature columns besides asset and time');
  const byAsset = new Map<string, RecordedHistory>();
  for (let n = 1; n < lines.length; n++) {
    const cells = splitLine(lines[n], sep);
    if (cells.length !== header.length) throw new Error(`history CSV line ${n + 1}: ${cells.length} cells, expected ${header.length}`);
    const asset = cells[ai];
    if (!asset) throw new Error(`history CSV line ${n + 1}: empty asset`);
    const rawT = cells[ti];
    const t = /^-?\d+(\.\d+)?$/.test(rawT) ? Number(rawT) : toEpochMs(rawT);
    if (t === undefined || !Number.isFinite(t)) throw new Error(`history CSV line ${n + 1}: time "${rawT}" is not a number or date`);
    const f: Record<string, number> = {};
    for (const { h, i } of featureCols) {
      const v = Number(cells[i]);
      if (cells[i] === '' || !Number.isFinite(v)) throw new Error(`history CSV line ${n + 1}: ${h} = "${cells[i]}" is not a number`);
      f[h] = v;
    }
    let h = byAsset.get(asset);
    if (!h) byAsset.set(asset, (h = { asset, rows: [], failed: true }));
    if (fi >= 0 && /^(0|false|no)$/i.test(cells[fi])) h.failed = false;
    h.rows.push({ t, f });
  }
  const out = [...byAsset.values()];
  for (const h of out) h.rows.sort((a, b) => a.t - b.t);
  return out;
}

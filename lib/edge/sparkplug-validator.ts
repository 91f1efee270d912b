// Checks a captured Sparkplug B stream of one edge node against the specification's rules: births
// before data, NBIRTH at seq 0, sequence numbers 0..255 wrapping, every data metric born, and a death
// certificate whose bdSeq matches the birth it ends.
import { decodeSparkplug } from './sparkplug';

export interface CapturedMessage {
  topic: string;
  payload: Buffer;
}

export function validateSparkplugStream(messages: CapturedMessage[]): string[] {
  const problems: string[] = [];
  let born = false;
  let expectedSeq = 0;
  let birthBdSeq: unknown;
  const deviceMetrics = new Map<string, Set<string>>();
  messages.forEach((m, i) => {
    const parts = m.topic.split('/');
    if (parts[0] !== 'spBv1.0' || parts.length < 4) return;
    const type = parts[2];
    const device = parts[4];
    let p: ReturnType<typeof decodeSparkplug>;
    try {
      p = decodeSparkplug(m.payload);
    } catch (err) {
      problems.push(`#${i} ${m.topic}: payload does not decode (${(err as Error).message})`);
      return;
    }
    if (type === 'NDEATH') {
      const bd = p.metrics.find((x) => x.name === 'bdSeq')?.value;
      if (born && bd !== birthBdSeq) problems.push(`#${i} NDEATH bdSeq ${bd} does not match NBIRTH bdSeq ${birthBdSeq}`);
      born = false;
      deviceMetrics.clear();
      return;
    }
    if (type === 'NCMD' || type === 'DCMD' || type === 'STATE') return;
    if (p.seq === undefined) problems.push(`#${i} ${type} has no seq`);
    if (type === 'NBIRTH') {
      if (p.seq !== 0) problems.push(`#${i} NBIRTH seq is ${p.seq}, not 0`);
      birthBdSeq = p.metrics.find((x) => x.name === 'bdSeq')?.value;
      if (birthBdSeq === undefined) problems.push(`#${i} NBIRTH has no bdSeq metric`);
      born = true;
      expectedSeq = 1;
      deviceMetrics.clear();
      return;
    }
    if (!born) {
      problems.push(`#${i} ${type} before NBIRTH`);
      return;
    }
    if (p.seq !== expectedSeq) problems.push(`#${i} ${type} seq ${p.seq}, expected ${expectedSeq}`);
    expectedSeq = ((p.seq ?? expectedSeq) + 1) % 256;
    if (type === 'DBIRTH' && device) deviceMetrics.set(device, new Set(p.metrics.map((x) => x.name)));
    if (type === 'DDATA' && device) {
      const known = deviceMetrics.get(device);
      if (!known) problems.push(`#${i} DDATA for ${device} before its DBIRTH`);
      else for (const x of p.metrics) if (!known.has(x.name)) problems.push(`#${i} DDATA metric ${x.name} of ${device} not in its DBIRTH`);
    }
  });
  return problems;
}

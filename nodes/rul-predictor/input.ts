// What a msg to the RUL predictor means: a command, or an observation (feature vector, scalar health
// indicator, or a Millwright sample) of one asset.
import { toEpochMs, validateFeatureVector } from '../../lib/contracts';

export type RulCommand = 'train' | 'end-of-life' | 'import' | 'reset' | 'clear-histories' | 'rank' | 'status';
const COMMANDS: readonly RulCommand[] = ['train', 'end-of-life', 'import', 'reset', 'clear-histories', 'rank', 'status'];

export type RulInput =
  | { kind: 'command'; command: RulCommand; asset?: string; csv?: string }
  | { kind: 'observation'; asset: string; t: number; features: Record<string, number>; record?: boolean };

type Msg = Record<string, unknown>;

function assetOf(msg: Msg): string | undefined {
  if (typeof msg.asset === 'string' && msg.asset) return msg.asset;
  if (typeof msg.topic === 'string' && msg.topic) return msg.topic;
  return undefined;
}

export function parseInput(msg: Msg, healthFeature: string, now: number): RulInput {
  const command = msg.command ?? (msg.eol === true ? 'end-of-life' : undefined);
  if (command !== undefined) {
    const c = command === 'eol' ? 'end-of-life' : command;
    if (typeof c !== 'string' || !COMMANDS.includes(c as RulCommand)) throw new Error(`msg.command must be one of ${COMMANDS.join(', ')}, got ${JSON.stringify(command)}`);
    const payload = msg.payload as Msg | undefined;
    const asset = assetOf(msg) ?? (typeof payload?.key === 'string' ? payload.key : undefined);
    if (c === 'import') {
      if (typeof msg.payload !== 'string') throw new Error('msg.command "import" needs msg.payload: CSV text (asset,time,<features>...)');
      return { kind: 'command', command: 'import', csv: msg.payload };
    }
    if (c === 'end-of-life' && !asset) throw new Error('end-of-life needs the asset in msg.asset or msg.topic');
    return { kind: 'command', command: c as RulCommand, asset };
  }
  const record = typeof msg.record === 'boolean' ? msg.record : undefined;
  const p = msg.payload;
  const msgTime = toEpochMs(msg.timestamp);
  if (typeof p === 'number') {
    if (!Number.isFinite(p)) throw new Error(`msg.payload: expected a finite health-indicator value, got ${p}`);
    return { kind: 'observation', asset: assetOf(msg) ?? 'asset', t: msgTime ?? now, features: { [healthFeature]: p }, record };
  }
  if (typeof p === 'object' && p !== null && !Array.isArray(p)) {
    const o = p as Msg;
    if ('features' in o) {
      const v = validateFeatureVector(o, 'payload');
      return { kind: 'observation', asset: typeof msg.asset === 'string' && msg.asset ? msg.asset : v.key, t: v.windowEnd, features: v.features, record };
    }
    if (typeof o.value === 'number' && typeof o.tag === 'string') {
      if (!Number.isFinite(o.value)) throw new Error('msg.payload.value: expected a finite number');
      const t = toEpochMs(o.timestamp) ?? msgTime ?? now;
      return { kind: 'observation', asset: assetOf(msg) ?? o.tag, t, features: { [healthFeature]: o.value }, record };
    }
  }
  throw new Error('msg.payload: expected a feature vector, a number (health indicator) or a sample; or msg.command');
}

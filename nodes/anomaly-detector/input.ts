// What the anomaly detector accepts: a number (keyed by topic), a Millwright sample, or a feature
// vector; and the commands it obeys.
import type { NodeMessageInFlow } from 'node-red';
import { toEpochMs, validateFeatureVector, validateSample } from '../../lib/contracts';

export const COMMANDS = ['learn', 'reset', 'freeze', 'unfreeze'] as const;
export type DetectorCommand = (typeof COMMANDS)[number];

export type Reading =
  | { kind: 'scalar'; key: string; value: number; timestamp: number }
  | { kind: 'vector'; key: string; features: Record<string, number>; timestamp: number }
  | { kind: 'skip'; reason: string };

export function commandOf(msg: NodeMessageInFlow): DetectorCommand | undefined {
  const m = msg as { command?: unknown; topic?: unknown };
  for (const c of [m.command, m.topic]) {
    if (typeof c === 'string' && (COMMANDS as readonly string[]).includes(c.trim().toLowerCase())) return c.trim().toLowerCase() as DetectorCommand;
  }
  if (typeof m.command === 'string' && m.command.trim() !== '') throw new Error(`unknown command "${m.command}" (known: ${COMMANDS.join(', ')})`);
  return undefined;
}

export function readingOf(msg: NodeMessageInFlow, now: number): Reading {
  const p = msg.payload as unknown;
  const topic = typeof msg.topic === 'string' && msg.topic !== '' ? msg.topic : 'value';
  const at = toEpochMs((msg as { timestamp?: unknown }).timestamp) ?? now;
  if (typeof p === 'number') {
    if (!Number.isFinite(p)) throw new Error(`payload must be a finite number, got ${p}`);
    return { kind: 'scalar', key: topic, value: p, timestamp: at };
  }
  if (typeof p === 'object' && p !== null && !Array.isArray(p)) {
    const o = p as Record<string, unknown>;
    if ('features' in o) {
      const v = validateFeatureVector(o, 'payload');
      return { kind: 'vector', key: v.key, features: v.features, timestamp: v.windowEnd };
    }
    if ('tag' in o && 'value' in o) {
      const s = validateSample(o, 'payload');
      if (s.quality === 'bad') return { kind: 'skip', reason: `bad quality sample of ${s.tag}` };
      const value = typeof s.value === 'boolean' ? Number(s.value) : s.value;
      if (typeof value !== 'number') throw new Error(`payload.value: expected a number, got ${Array.isArray(value) ? 'a block (send it through a feature window first)' : typeof value}`);
      return { kind: 'scalar', key: s.tag, value, timestamp: s.timestamp };
    }
  }
  throw new Error(`payload must be a number, a Millwright sample or a feature vector, got ${Array.isArray(p) ? 'an array' : typeof p === 'string' ? `"${p.slice(0, 30)}"` : typeof p}`);
}

// Editor config of the feature window node, checked and turned into window options.
import type { NodeDef } from 'node-red';
import type { EmitMode, FeatureWindowOptions, MissingPolicy, WindowMode } from '../../lib/features/feature-window';
import { parseBands } from '../../lib/features/feature-set';
import type { KeyBy } from './readings';

export interface FeatureWindowDef extends NodeDef {
  mode?: string;
  size: string;
  hop: string;
  unit?: string;
  lateness?: string;
  emit?: string;
  keyBy?: string;
  align?: boolean | string;
  tags?: string;
  missing?: string;
  features: string;
  sampleRate?: string;
  bands?: string;
  envelopeBand?: string;
  rollingElements?: string;
  ballDiameter?: string;
  pitchDiameter?: string;
  contactAngle?: string;
  shaftSpeed?: string;
  shaftUnit?: string;
  store: string;
}

export const DEFAULT_FEATURES = 'mean,std,rms,min,max';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, min: 60000 };

function choice<T extends string>(value: unknown, allowed: readonly T[], fallback: T, field: string): T {
  if (value === undefined || value === '') return fallback;
  if (!(allowed as readonly unknown[]).includes(value)) throw new Error(`${field} must be one of ${allowed.join(', ')}, got "${String(value)}"`);
  return value as T;
}

function optionalNumber(value: unknown, field: string, check: (n: number) => boolean, rule: string): number | undefined {
  if (value === undefined || value === null || String(value).trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n)) throw new Error(`${field} must be ${rule}, got "${String(value)}"`);
  return n;
}

function requiredNumber(value: unknown, field: string, fallback: number, check: (n: number) => boolean, rule: string): number {
  return optionalNumber(value, field, check, rule) ?? fallback;
}

export interface NodeSettings {
  options: FeatureWindowOptions;
  keyBy: KeyBy;
}

export function settingsFrom(config: FeatureWindowDef): NodeSettings {
  const mode = choice<WindowMode>(config.mode, ['count', 'time'], 'count', 'Window mode');
  const count = mode === 'count';
  const unit = count ? 1 : UNIT_MS[choice(config.unit, ['ms', 's', 'min'], 's', 'Time unit')];
  const isCount = (n: number) => Number.isInteger(n) && n >= 1;
  const isPositive = (n: number) => n > 0;
  const sizeRule = count ? 'a whole number >= 1' : 'a positive number';
  const size = requiredNumber(config.size, 'Window size', count ? 100 : 10, count ? isCount : isPositive, sizeRule);
  const hop = requiredNumber(config.hop, 'Hop', size, count ? isCount : isPositive, sizeRule);
  const lateness = count ? 0 : optionalNumber(config.lateness, 'Lateness', (n) => n >= 0, 'a number >= 0') ?? 0;
  const features = (config.features || DEFAULT_FEATURES).split(',').map((f) => f.trim()).filter(Boolean);
  const envelope = config.envelopeBand && config.envelopeBand.trim() ? parseBands(config.envelopeBand) : [];
  if (envelope.length > 1) throw new Error('Envelope band must be one band, like 2000-5000');
  const rollingElements = optionalNumber(config.rollingElements, 'Rolling elements', isCount, 'a whole number >= 1');
  const ballDiameter = optionalNumber(config.ballDiameter, 'Ball diameter', isPositive, 'a positive number');
  const pitchDiameter = optionalNumber(config.pitchDiameter, 'Pitch diameter', isPositive, 'a positive number');
  const contactAngleDeg = optionalNumber(config.contactAngle, 'Contact angle', (n) => n >= 0 && n < 90, 'degrees in [0, 90)');
  const shaft = optionalNumber(config.shaftSpeed, 'Shaft speed', (n) => n >= 0, 'a number >= 0');
  const shaftHz = shaft === undefined ? undefined : choice(config.shaftUnit, ['hz', 'rpm'], 'rpm', 'Shaft speed unit') === 'rpm' ? shaft / 60 : shaft;
  const align = config.align === true || config.align === 'true';
  const options: FeatureWindowOptions = {
    mode,
    size: size * unit,
    hop: hop * unit,
    lateness: lateness * unit,
    emit: choice<EmitMode>(config.emit, ['close', 'hop'], 'close', 'Emit'),
    align,
    tags: (config.tags ?? '').split(',').map((t) => t.trim()).filter(Boolean),
    missing: choice<MissingPolicy>(config.missing, ['carry', 'drop', 'mark'], 'carry', 'Missing tags'),
    features,
    sampleRate: optionalNumber(config.sampleRate, 'Sample rate', isPositive, 'a positive number of Hz'),
    spectral: {
      bands: config.bands && config.bands.trim() ? parseBands(config.bands) : undefined,
      envelopeBand: envelope[0],
      bearing:
        rollingElements !== undefined && ballDiameter !== undefined && pitchDiameter !== undefined
          ? { rollingElements, ballDiameter, pitchDiameter, contactAngleDeg }
          : undefined,
      shaftHz,
    },
  };
  return { options, keyBy: choice<KeyBy>(config.keyBy, ['topic', 'tag'], 'topic', 'Key by') };
}

// Univariate detectors by name, for the benchmark and the node.
import type { StreamingDetector } from './detector';
import { SurpriseDetector } from './surprise';
import { WindowedGaussian } from './windowed-gaussian';

export const UNIVARIATE_DETECTORS: Record<string, () => StreamingDetector> = {
  'windowed-gaussian': () => new WindowedGaussian(),
  surprise: () => new SurpriseDetector(),
};

export const DEFAULT_UNIVARIATE = 'surprise';

export function createUnivariate(name: string): StreamingDetector {
  const make = UNIVARIATE_DETECTORS[name];
  if (!make) throw new Error(`unknown detector "${name}" (known: ${Object.keys(UNIVARIATE_DETECTORS).join(', ')})`);
  return make();
}

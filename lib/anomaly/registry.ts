// Univariate detectors by name, for the benchmark and the node.
import type { StreamingDetector } from './detector';
import { WindowedGaussian } from './windowed-gaussian';

export const UNIVARIATE_DETECTORS: Record<string, () => StreamingDetector> = {
  'windowed-gaussian': () => new WindowedGaussian(),
};

export const DEFAULT_UNIVARIATE = 'windowed-gaussian';

export function createUnivariate(name: string): StreamingDetector {
  const make = UNIVARIATE_DETECTORS[name];
  if (!make) throw new Error(`unknown detector "${name}" (known: ${Object.keys(UNIVARIATE_DETECTORS).join(', ')})`);
  return make();
}

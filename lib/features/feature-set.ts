// A chosen set of features: names checked against the catalogue, split into the time-domain part
// (from the sliding statistics) and the spectral part (from an FFT of the window at emit time).
import { validateBearingGeometry } from './bearing';
import { isSpectralFeature, type Band, type SpectralFeature, type SpectralOptions } from './spectral';
import { isTimeDomainFeature, TIME_DOMAIN_FEATURES, type TimeDomainFeature } from './time-domain';
import { SPECTRAL_FEATURES } from './spectral';

export const ALL_FEATURES: readonly string[] = [...TIME_DOMAIN_FEATURES, ...SPECTRAL_FEATURES];

export interface FeatureSet {
  time: TimeDomainFeature[];
  spectral: SpectralFeature[];
  spectralOptions: SpectralOptions;
}

function checkBand(band: Band, what: string): Band {
  const [lo, hi] = band;
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo < 0 || hi <= lo) throw new Error(`${what} must be low-high in Hz with 0 <= low < high, got ${lo}-${hi}`);
  return [lo, hi];
}

/** Parses "10-100, 100-500" into bands. */
export function parseBands(text: string): Band[] {
  return text
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)$/.exec(s);
      if (!m) throw new Error(`band "${s}" must look like 100-500 (Hz)`);
      return checkBand([Number(m[1]), Number(m[2])], `band "${s}"`);
    });
}

export function featureSet(names: readonly string[], spectralOptions: SpectralOptions = {}): FeatureSet {
  if (names.length === 0) throw new Error('choose at least one feature');
  const unknown = names.filter((f) => !isTimeDomainFeature(f) && !isSpectralFeature(f));
  if (unknown.length) throw new Error(`unknown feature(s): ${unknown.join(', ')}; known: ${ALL_FEATURES.join(', ')}`);
  const unique = [...new Set(names)];
  const time = unique.filter(isTimeDomainFeature);
  const spectral = unique.filter(isSpectralFeature);
  const options: SpectralOptions = { ...spectralOptions };
  if (spectral.includes('bandEnergy')) {
    if (!options.bands || options.bands.length === 0) throw new Error('bandEnergy needs at least one frequency band');
    options.bands = options.bands.map((b) => checkBand(b, 'band'));
  }
  if (options.envelopeBand) options.envelopeBand = checkBand(options.envelopeBand, 'envelope band');
  if (spectral.some((f) => f.endsWith('Energy') && f !== 'bandEnergy')) {
    if (!options.bearing) throw new Error('bearing fault energies need the bearing geometry (rolling elements, ball and pitch diameter)');
    options.bearing = validateBearingGeometry(options.bearing);
  }
  if (options.shaftHz !== undefined && !(options.shaftHz >= 0 && Number.isFinite(options.shaftHz))) {
    throw new Error(`shaft speed must be >= 0 Hz, got ${options.shaftHz}`);
  }
  if (options.harmonics !== undefined && !(Number.isInteger(options.harmonics) && options.harmonics >= 1)) {
    throw new Error(`bearing harmonics must be a whole number >= 1, got ${options.harmonics}`);
  }
  if (options.tolerance !== undefined && !(options.tolerance > 0 && options.tolerance < 0.5)) {
    throw new Error(`bearing tolerance must be in (0, 0.5), got ${options.tolerance}`);
  }
  return { time, spectral, spectralOptions: options };
}

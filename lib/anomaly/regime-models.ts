// A separate calibrated model of normal per operating regime (ramp-up, steady cutting, idle...): a hot
// spindle can be normal in one regime and anomalous in another. The regimes themselves are found on
// the chosen context features by the project's shared regime discovery (lib/regimes).
import { assignRegime, fitRegimes, type RegimeModel } from '../regimes';
import { CalibratedDetector, type CalibratedOptions, type Verdict } from './calibrated';

export interface RegimeVerdict extends Verdict {
  /** "regime-<n>", numbered by learning order of first appearance, or undefined without regimes. */
  regime?: string;
}

/**
 * Regimes are accepted when they leave at most this share of the context's variance inside them.
 * Looser than set-point discovery: operating points in a plant are seldom as tight as a test rig's.
 */
const WITHIN_SHARE = 0.1;

export class RegimeDetector {
  private constructor(
    private readonly regimes: RegimeModel | undefined,
    private readonly detectors: CalibratedDetector[],
  ) {}

  /**
   * contexts[i] are the context features of rows[i]; up to k regimes (the fewest that separate the
   * contexts), k < 2 or no contexts means one model for all rows. Regimes with too few rows to fit
   * fall back to the model of all rows.
   */
  static fit(rows: number[][], contexts: number[][] | undefined, k: number, options: CalibratedOptions): RegimeDetector {
    const global = () => CalibratedDetector.fit(rows, options);
    if (!contexts || k < 2 || contexts.length !== rows.length || contexts[0].length === 0) return new RegimeDetector(undefined, [global()]);
    const found = fitRegimes(contexts, { maxRegimes: k, withinShare: WITHIN_SHARE });
    const labels = contexts.map((c) => assignRegime(found, c));
    // Number regimes by first appearance so names are stable across refits of similar data.
    const order: number[] = [];
    for (const l of labels) if (!order.includes(l)) order.push(l);
    const regimes: RegimeModel = { ...found, centroids: order.map((l) => found.centroids[l]) };
    const minRows = Math.max(20, rows[0].length * 3);
    let fallback: CalibratedDetector | undefined;
    const detectors = order.map((l) => {
      const own = rows.filter((_, i) => labels[i] === l);
      if (own.length >= minRows) return CalibratedDetector.fit(own, options);
      fallback ??= global();
      return fallback;
    });
    return new RegimeDetector(regimes, detectors);
  }

  get regimeCount(): number {
    return this.detectors.length;
  }

  regimeOf(context: number[] | undefined): number {
    if (!this.regimes || !context) return 0;
    return assignRegime(this.regimes, context);
  }

  score(row: number[], context?: number[]): RegimeVerdict {
    const r = this.regimeOf(context);
    const v = this.detectors[r].score(row);
    return this.regimes ? { ...v, regime: `regime-${r + 1}` } : v;
  }

  toJSON(): Record<string, unknown> {
    return { regimes: this.regimes ?? null, detectors: this.detectors.map((d) => d.toJSON()) };
  }

  static fromJSON(s: Record<string, unknown>): RegimeDetector {
    let regimes = (s.regimes as RegimeModel | null | undefined) ?? undefined;
    // Models saved before the shared regime discovery: a standardiser and centroids in its space.
    const old = s.context as { mean: number[]; scale: number[] } | null | undefined;
    if (!regimes && old) regimes = { settingMean: old.mean, settingScale: old.scale, centroids: s.centroids as number[][] };
    return new RegimeDetector(regimes, (s.detectors as Record<string, unknown>[]).map((d) => CalibratedDetector.fromJSON(d)));
  }
}

// Rolling-element bearing defect frequencies from shaft speed and geometry (outer race, inner race,
// ball spin, cage). A defect on a race or ball strikes once per pass, so it shows up at these
// frequencies in the envelope spectrum of the vibration.

export interface BearingGeometry {
  /** Number of balls or rollers. */
  rollingElements: number;
  /** Ball (roller) diameter, any length unit. */
  ballDiameter: number;
  /** Pitch diameter, same unit as the ball diameter. */
  pitchDiameter: number;
  /** Contact angle in degrees (0 for deep-groove ball bearings under radial load). */
  contactAngleDeg?: number;
}

export interface BearingFrequencies {
  /** Ball pass frequency, outer race (Hz). */
  bpfo: number;
  /** Ball pass frequency, inner race (Hz). */
  bpfi: number;
  /** Ball spin frequency (Hz). */
  bsf: number;
  /** Fundamental train (cage) frequency (Hz). */
  ftf: number;
}

export const BEARING_DEFECTS = ['bpfo', 'bpfi', 'bsf', 'ftf'] as const;

export function validateBearingGeometry(g: BearingGeometry): BearingGeometry {
  const { rollingElements: z, ballDiameter: bd, pitchDiameter: pd } = g;
  const angle = g.contactAngleDeg ?? 0;
  if (!Number.isInteger(z) || z < 3) throw new Error(`bearing rolling elements must be a whole number >= 3, got ${z}`);
  if (!(bd > 0) || !Number.isFinite(bd)) throw new Error(`bearing ball diameter must be > 0, got ${bd}`);
  if (!(pd > bd) || !Number.isFinite(pd)) throw new Error(`bearing pitch diameter must be larger than the ball diameter (${bd}), got ${pd}`);
  if (!(angle >= 0 && angle < 90)) throw new Error(`bearing contact angle must be in [0, 90) degrees, got ${angle}`);
  return { rollingElements: z, ballDiameter: bd, pitchDiameter: pd, contactAngleDeg: angle };
}

export function bearingFaultFrequencies(shaftHz: number, g: BearingGeometry): BearingFrequencies {
  const ratio = (g.ballDiameter / g.pitchDiameter) * Math.cos(((g.contactAngleDeg ?? 0) * Math.PI) / 180);
  const z = g.rollingElements;
  return {
    bpfo: ((z * shaftHz) / 2) * (1 - ratio),
    bpfi: ((z * shaftHz) / 2) * (1 + ratio),
    bsf: ((g.pitchDiameter * shaftHz) / (2 * g.ballDiameter)) * (1 - ratio * ratio),
    ftf: (shaftHz / 2) * (1 - ratio),
  };
}

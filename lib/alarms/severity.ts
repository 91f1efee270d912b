// Severity (OPC UA's 1..1000) and the ISA-18.2 priority band it falls in.
import type { AlarmPriority } from '../contracts';

const NAMED: Record<string, number> = {
  low: 250,
  medium: 500,
  high: 700,
  critical: 900,
  urgent: 900,
  warning: 500,
  info: 100,
};

export function priorityOf(severity: number): AlarmPriority {
  if (severity > 800) return 'critical';
  if (severity > 600) return 'high';
  if (severity > 400) return 'medium';
  return 'low';
}

export function clampSeverity(severity: number): number {
  return Math.min(1000, Math.max(1, Math.round(severity)));
}

/** A number 1..1000 or a name (low, medium, high, critical); throws with the accepted forms. */
export function parseSeverity(value: unknown, field = 'severity'): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 1 && value <= 1000) return Math.round(value);
  if (typeof value === 'string') {
    const named = NAMED[value.trim().toLowerCase()];
    if (named !== undefined && Object.prototype.hasOwnProperty.call(NAMED, value.trim().toLowerCase())) return named;
    const n = Number(value);
    if (value.trim() !== '' && Number.isFinite(n) && n >= 1 && n <= 1000) return Math.round(n);
  }
  const shown = typeof value === 'string' ? `"${value.slice(0, 40)}"` : typeof value === 'number' ? String(value) : typeof value;
  throw new Error(`${field} must be 1..1000 or one of low, medium, high, critical; got ${shown}`);
}

/** An anomaly score at or above the limit maps linearly onto 401..1000 (medium to critical). */
export function severityFromScore(score: number, limit: number): number {
  const span = Math.max(1e-9, 1 - limit);
  const above = Math.min(1, Math.max(0, (score - limit) / span));
  return clampSeverity(401 + above * 599);
}

/**
 * RUL: in the lead time before the predictor's warning point, medium to high as it nears (401..700);
 * at or past it, high to critical as the health index falls toward 0 (701..1000).
 */
export function severityFromRul(msToWarning: number, leadMs: number, healthIndex: number): number {
  if (msToWarning > 0) {
    const share = Math.min(1, msToWarning / Math.max(1, leadMs));
    return clampSeverity(401 + (1 - share) * 299);
  }
  const health = Math.min(1, Math.max(0, Number.isFinite(healthIndex) ? healthIndex : 1));
  return clampSeverity(701 + (1 - health) * 299);
}

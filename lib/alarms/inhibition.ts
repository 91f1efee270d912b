// Inhibition as Alertmanager does it: while an active alarm matches a rule's source, alarms matching
// its target that share the `equal` labels are not notified (a communication-lost or line-down alarm
// silences the machines behind it). Matchers compare labels exactly; '*' at the end matches a prefix.

export type AlarmLabel = 'source' | 'condition' | 'area' | 'machine' | 'priority';
export const ALARM_LABELS: readonly AlarmLabel[] = ['source', 'condition', 'area', 'machine', 'priority'];

export type Labels = Record<AlarmLabel, string>;
export type Matcher = Partial<Record<AlarmLabel, string>>;

export interface InhibitionRule {
  source: Matcher;
  target: Matcher;
  equal: AlarmLabel[];
}

export function matches(labels: Labels, matcher: Matcher): boolean {
  for (const key of Object.keys(matcher) as AlarmLabel[]) {
    const want = matcher[key] as string;
    const have = labels[key];
    if (want.endsWith('*') ? !have.startsWith(want.slice(0, -1)) : have !== want) return false;
  }
  return true;
}

/** True when `inhibitor` (an active alarm) silences `target` under `rule`. */
export function inhibits(rule: InhibitionRule, inhibitor: Labels, target: Labels): boolean {
  if (inhibitor.source === target.source && inhibitor.condition === target.condition) return false;
  if (!matches(inhibitor, rule.source) || !matches(target, rule.target)) return false;
  return rule.equal.every((label) => inhibitor[label] === target[label]);
}

function parseMatcher(value: unknown, where: string): Matcher {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where} must be an object of label: value`);
  const out: Matcher = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (!(ALARM_LABELS as readonly string[]).includes(key)) throw new Error(`${where}.${key}: unknown label, use ${ALARM_LABELS.join(', ')}`);
    if (typeof v !== 'string' || v === '') throw new Error(`${where}.${key} must be a non-empty string`);
    out[key as AlarmLabel] = v;
  }
  return out;
}

/** Rules from JSON text or an array: [{source:{condition:'comm-lost'}, target:{}, equal:['machine']}]. */
export function parseInhibitionRules(value: unknown): InhibitionRule[] {
  let list = value;
  if (typeof value === 'string') {
    try {
      list = JSON.parse(value);
    } catch (err) {
      throw new Error(`Inhibition rules are not valid JSON: ${(err as Error).message}`);
    }
  }
  if (!Array.isArray(list)) throw new Error('Inhibition rules must be a JSON array of {source, target, equal}');
  if (list.length > 100) throw new Error('Inhibition rules: at most 100 rules');
  return list.map((item, i) => {
    const where = `Inhibition rule ${i + 1}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new Error(`${where} must be an object {source, target, equal}`);
    const o = item as Record<string, unknown>;
    const source = parseMatcher(o.source, `${where}: source`);
    if (Object.keys(source).length === 0) throw new Error(`${where}: source needs at least one label, or every alarm would inhibit others`);
    const equal = o.equal === undefined ? [] : o.equal;
    if (!Array.isArray(equal) || equal.some((l) => !(ALARM_LABELS as readonly unknown[]).includes(l))) {
      throw new Error(`${where}: equal must be a list of labels from ${ALARM_LABELS.join(', ')}`);
    }
    return { source, target: parseMatcher(o.target, `${where}: target`), equal: equal as AlarmLabel[] };
  });
}

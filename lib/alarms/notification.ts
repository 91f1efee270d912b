// What the sink tells people: one notification per group (or flood), and its shapes for the nodes
// technicians already use: the email node (topic = subject, payload = body), MQTT (topic + JSON
// payload) and a chat webhook body ({text}, which Slack, Mattermost, Teams and Google Chat accept).
import type { AlarmPriority, AlarmState } from '../contracts';
import type { AlarmRecord } from './record';
import { priorityOf } from './severity';

export type NotificationKind = 'alarms' | 'repeat' | 'flood-start' | 'flood-end';

export interface AlarmSummary {
  alarmId: string;
  source: string;
  condition: string;
  area: string;
  machine: string;
  state: AlarmState;
  severity: number;
  priority: AlarmPriority;
  message: string;
  activeSince: number | null;
}

export interface AlarmNotification {
  kind: NotificationKind;
  groupKey: string;
  area?: string;
  machine?: string;
  timestamp: number;
  severity: number;
  priority: AlarmPriority;
  firing: AlarmSummary[];
  resolved: AlarmSummary[];
  /** New alarms in the flood window (flood notifications only). */
  floodCount?: number;
  title: string;
  text: string;
}

/** Most alarms listed in one notification's text; the rest are counted. */
const MAX_LINES = 20;

export function summaryOf(r: AlarmRecord): AlarmSummary {
  return {
    alarmId: r.id,
    source: r.source,
    condition: r.condition,
    area: r.area,
    machine: r.machine,
    state: r.state,
    severity: r.severity,
    priority: priorityOf(r.severity),
    message: r.message,
    activeSince: r.activeSince,
  };
}

function line(s: AlarmSummary): string {
  return `[${s.priority.toUpperCase()} ${s.severity}] ${s.source} ${s.condition}${s.message ? `: ${s.message}` : ''} (${s.state})`;
}

function lines(list: AlarmSummary[]): string[] {
  const shown = list.slice(0, MAX_LINES).map(line);
  if (list.length > MAX_LINES) shown.push(`... and ${list.length - MAX_LINES} more`);
  return shown;
}

export function buildNotification(
  fields: Omit<AlarmNotification, 'title' | 'text' | 'severity' | 'priority'>,
): AlarmNotification {
  const severity = fields.firing.reduce((m, s) => Math.max(m, s.severity), 1);
  const where = [fields.area, fields.machine && fields.machine !== fields.area ? fields.machine : undefined].filter(Boolean).join(' / ') || fields.groupKey;
  let title: string;
  const body: string[] = [];
  switch (fields.kind) {
    case 'flood-start':
      title = `ALARM FLOOD in ${where}: ${fields.floodCount} new alarms in the flood window`;
      body.push('Individual notifications for this area are held until the flood ends. Highest alarms now:', ...lines(fields.firing));
      break;
    case 'flood-end':
      title = `Alarm flood over in ${where}`;
      body.push(`${fields.firing.length} alarm(s) still active:`, ...lines(fields.firing));
      break;
    default: {
      const verb = fields.kind === 'repeat' ? 'still unacknowledged' : 'active';
      title = fields.firing.length > 0
        ? `${fields.kind === 'repeat' ? 'Reminder: ' : ''}${fields.firing.length} alarm(s) ${verb} in ${where}`
        : `${fields.resolved.length} alarm(s) back to normal in ${where}`;
      if (fields.firing.length > 0) body.push(...lines(fields.firing));
      if (fields.resolved.length > 0) body.push('Back to normal:', ...lines(fields.resolved));
    }
  }
  return { ...fields, severity, priority: priorityOf(severity), title, text: body.join('\n') };
}

export type NotificationFormat = 'email' | 'mqtt' | 'chat';
export const NOTIFICATION_FORMATS: readonly NotificationFormat[] = ['email', 'mqtt', 'chat'];

export interface ShapedMessage {
  topic?: string;
  payload: unknown;
}

export function toEmail(n: AlarmNotification): ShapedMessage {
  return { topic: `[${n.priority}] ${n.title}`, payload: `${n.title}\n\n${n.text}\n\n${new Date(n.timestamp).toISOString()}` };
}

function topicPart(s: string): string {
  return s.replace(/[+#/\u0000]/g, '_') || '_';
}

export function toMqtt(n: AlarmNotification, prefix: string): ShapedMessage {
  const parts = [prefix.replace(/\/+$/, ''), topicPart(n.area ?? 'all')];
  if (n.machine) parts.push(topicPart(n.machine));
  const { text: _text, ...rest } = n;
  return { topic: parts.filter(Boolean).join('/'), payload: JSON.stringify(rest) };
}

export function toChat(n: AlarmNotification): ShapedMessage {
  return { payload: { text: `*${n.title}*\n${n.text}` } };
}

export function shape(n: AlarmNotification, format: NotificationFormat, mqttPrefix: string): ShapedMessage {
  if (format === 'mqtt') return toMqtt(n, mqttPrefix);
  if (format === 'chat') return toChat(n);
  return toEmail(n);
}

// The alarm engine: ISA-18.2 lifecycle, grouping, inhibition, flood, KPIs and persistence.
export { AlarmEngine, AlarmCommandError } from './engine';
export type { Observation, AlarmTarget, Actor, EngineListeners, AlarmSnapshot } from './engine';
export { ManualClock, systemClock } from './clock';
export type { Clock, TimerHandle } from './clock';
export { parseAlarmOptions, withDefaults, DEFAULT_OPTIONS, DEFAULT_INHIBIT_RULES, GROUP_BYS } from './options';
export type { AlarmOptions, GroupBy } from './options';
export { parseInhibitionRules, inhibits } from './inhibition';
export type { InhibitionRule, Matcher, Labels, AlarmLabel } from './inhibition';
export { nextState as nextAlarmState } from './lifecycle';
export { priorityOf, parseSeverity, severityFromScore, severityFromRul } from './severity';
export { toEmail, toMqtt, toChat, shape as shapeNotification, NOTIFICATION_FORMATS } from './notification';
export type { AlarmNotification, AlarmSummary, NotificationKind, NotificationFormat, ShapedMessage } from './notification';
export type { AlarmKpis } from './kpis';
export type { AlarmRow } from './record';
export { parseInput as parseAlarmInput, parseCommand as parseAlarmCommand, parseDuration, DEFAULT_INPUT_OPTIONS } from './inputs';
export type { InputOptions as AlarmInputOptions, ParsedCommand as AlarmCommand } from './inputs';
export { JsonFileStore } from './file-store';

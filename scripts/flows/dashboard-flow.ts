// The demo's dashboard (@flowfuse/node-red-dashboard): its own tab, fed by the plant flow's link-out
// nodes and sending faults and alarm commands back through the plant flow's link-in nodes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { func, linkIn, linkOut } from './core-nodes';
import { type FlowNode, node, wire } from './node-factory';
import { LINKS } from './plant-flow';

const TAB = 'mw_ui_tab';

const SPLIT_SPINDLE = `// One msg per series: the chart draws one line per topic.
const pick = { temperature: 'temperature (°C)', power: 'power (kW)', vibration: 'vibration RMS (g)' };
const heat = [], vib = [];
for (const s of msg.payload || []) {
  if (!pick[s.tag] || s.quality === 'bad') continue;
  (s.tag === 'vibration' ? vib : heat).push({ topic: pick[s.tag], payload: s.value });
}
return [heat, vib];`;

const SPLIT_FEATURES = `// Spindle windows to the features chart; the bearing vibration windows (RUL input) to the vibration chart.
const f = msg.payload.features || {};
if (typeof f.max === 'number') return [null, { topic: 'vibration max of 60 readings (RUL input)', payload: f.max }];
const out = [];
if (typeof f['temperature.mean'] === 'number') out.push({ topic: 'temperature.mean (°C)', payload: f['temperature.mean'] });
if (typeof f['power.mean'] === 'number') out.push({ topic: 'power.mean (kW)', payload: f['power.mean'] });
if (typeof f['speed.mean'] === 'number') out.push({ topic: 'speed.mean (krpm)', payload: f['speed.mean'] / 1000 });
return [out, null];`;

const SPLIT_ANOMALY = `const a = msg.payload;
return [
  [{ topic: 'score', payload: a.score }, { topic: 'threshold', payload: 0.5 }],
  { payload: (a.anomaly ? 'ANOMALY' : 'normal') + ' in regime ' + (a.regime ?? '-') + (a.explanation && a.explanation.length ? ' (' + a.explanation.map((e) => e.feature).join(', ') + ')' : '') },
];`;

const SPLIT_RUL = `if (msg.payload && typeof msg.payload.estimate === 'number') {
  const r = msg.payload;
  return [[{ topic: 'estimate', payload: r.estimate }, { topic: 'lower', payload: r.lower }, { topic: 'upper', payload: r.upper }], null];
}
if (msg.payload && typeof msg.payload.value === 'number') {
  return [{ topic: 'true remaining life', payload: msg.payload.value }, { payload: msg.payload.value.toFixed(1) + ' h' }];
}
return null;`;

const CLOCK_TEXT = `const v = {};
for (const s of Array.isArray(msg.payload) ? msg.payload : [msg.payload]) if (s) v[s.tag] = s.value;
const h = Number(v['plant/elapsed-hours']);
msg.payload = (Number.isFinite(h) ? h.toFixed(1) + ' simulated h' : '-') + ', spindle ' + (v['spindle/mode'] ?? '-');
return msg;`;

const SPLIT_ENERGY = `if (msg.topic === 'EnergyMeter.Power') return { topic: 'plant power', payload: msg.payload.value };
if (msg.topic === 'EnergyMeter.Demand') return { topic: '15-min demand', payload: msg.payload.value };
return null;`;

const ALARM_ROWS = `msg.payload = (msg.payload || []).map((a) => ({
  alarm: a.alarmId,
  state: a.state + (a.shelved ? ' (shelved)' : ''),
  priority: a.priority,
  message: a.message.length > 60 ? a.message.slice(0, 57) + '...' : a.message,
}));
return msg;`;

const REMEMBER_ROW = `flow.set('selectedAlarm', msg.payload && msg.payload.alarm);
return { payload: 'selected: ' + (msg.payload && msg.payload.alarm ? msg.payload.alarm : 'none') };`;

const ALARM_COMMAND = `// Acts on the selected alarm, or on every alarm of the line when none is selected.
const alarmId = flow.get('selectedAlarm');
const target = alarmId ? { alarmId } : { area: 'line1' };
if (msg.topic === 'shelve') return { command: 'shelve', duration: '1h', by: 'dashboard', comment: 'shelved from the dashboard', ...target };
return { command: 'ack', by: 'dashboard', comment: 'acknowledged from the dashboard', ...target };`;

export function dashboardFlow(): FlowNode[] {
  const z = TAB;
  const nodes: FlowNode[] = [];
  const add = <T extends FlowNode>(n: T, x: number, y: number): T => {
    nodes.push(Object.assign(n, { z, x, y }));
    return n;
  };
  const tab: FlowNode = { id: TAB, type: 'tab', label: 'Millwright plant dashboard', disabled: false, info: 'The plant demo on a dashboard: open /dashboard. Needs @flowfuse/node-red-dashboard and the plant demo flow.' };

  const base = node('ui-base', 'mw_ui_base', { name: 'Millwright', path: '/dashboard', showPathInSidebar: false, navigationStyle: 'default' });
  const theme = node('ui-theme', 'mw_ui_theme', { name: 'Millwright' });
  const page = node('ui-page', 'mw_ui_page', { name: 'Plant', ui: base.id, path: '/plant', icon: 'factory', layout: 'grid', theme: theme.id, order: 1 });
  let groupOrder = 0;
  const group = (id: string, name: string, width: number) => node('ui-group', id, { name, page: page.id, width, height: 1, order: ++groupOrder, showTitle: true });
  const gSpindle = group('mw_ui_g_spindle', 'Spindle signals', 6);
  const gAnomaly = group('mw_ui_g_anomaly', 'Anomaly detector', 6);
  const gRul = group('mw_ui_g_rul', 'Remaining useful life', 6);
  const gAlarms = group('mw_ui_g_alarms', 'Alarms', 6);
  const gPlant = group('mw_ui_g_plant', 'Simulator', 6);
  const gEnergy = group('mw_ui_g_energy', 'Energy', 6);
  nodes.push(base, theme, page, gSpindle, gAnomaly, gRul, gAlarms, gPlant, gEnergy);

  let order = 0;
  const chart = (id: string, g: FlowNode, label: string, yAxisLabel: string, o: Record<string, unknown> = {}) =>
    node('ui-chart', id, { name: label, label, group: g.id, order: ++order, width: 6, height: 4, yAxisLabel, removeOlder: 10, removeOlderUnit: '60', removeOlderPoints: '600', pointRadius: 0, pointShape: 'false', ...o });
  const text = (id: string, g: FlowNode, label: string) => node('ui-text', id, { name: label, label, group: g.id, order: ++order, width: 6, height: 1 });
  const button = (id: string, g: FlowNode, label: string, payload: string, payloadType: string, topic: string, color = '') =>
    node('ui-button', id, { name: label, label, group: g.id, order: ++order, width: 3, height: 1, payload, payloadType, topic, topicType: 'str', buttonColor: color });

  // spindle raw signals and features
  const inSpindle = add(linkIn('mw_ui_in_spindle', 'spindle signals', [LINKS.spindle]), 110, 60);
  const splitSpindle = add(func('mw_ui_split_spindle', 'one msg per series', SPLIT_SPINDLE, 2), 310, 60);
  const chHeat = add(chart('mw_ui_ch_signals', gSpindle, 'Temperature (°C) and power (kW)', 'value'), 560, 40);
  const chVib = add(chart('mw_ui_ch_vibration', gSpindle, 'Vibration RMS (g)', 'g'), 530, 80);
  wire(inSpindle, 0, splitSpindle);
  wire(splitSpindle, 0, chHeat);
  wire(splitSpindle, 1, chVib);
  const inFeatures = add(linkIn('mw_ui_in_features', 'features', [LINKS.features]), 110, 140);
  const splitFeatures = add(func('mw_ui_split_features', 'chosen features', SPLIT_FEATURES, 2), 300, 140);
  const chFeatures = add(chart('mw_ui_ch_features', gSpindle, 'Features (0.5 s windows)', 'value'), 530, 140);
  wire(inFeatures, 0, splitFeatures);
  wire(splitFeatures, 0, chFeatures);
  wire(splitFeatures, 1, chVib);

  // anomaly score with its threshold and regime
  const inAnomaly = add(linkIn('mw_ui_in_anomaly', 'anomaly', [LINKS.anomaly]), 110, 220);
  const splitAnomaly = add(func('mw_ui_split_anomaly', 'score, threshold, regime', SPLIT_ANOMALY, 2), 310, 220);
  const chScore = add(chart('mw_ui_ch_score', gAnomaly, 'Anomaly score (threshold 0.5)', 'score', { ymin: '0', ymax: '1' }), 560, 200);
  const txtRegime = add(text('mw_ui_txt_regime', gAnomaly, 'State'), 510, 240);
  wire(inAnomaly, 0, splitAnomaly);
  wire(splitAnomaly, 0, chScore);
  wire(splitAnomaly, 1, txtRegime);

  // RUL and its interval against the simulator's true remaining life
  const inRul = add(linkIn('mw_ui_in_rul', 'RUL and truth', [LINKS.rul, LINKS.truth]), 110, 300);
  const splitRul = add(func('mw_ui_split_rul', 'estimate, interval, truth', SPLIT_RUL, 2), 310, 300);
  const chRul = add(chart('mw_ui_ch_rul', gRul, 'Remaining life (simulated h): estimate, 90 % interval, truth', 'h', { ymin: '0', ymax: '60' }), 640, 280);
  const txtTruth = add(text('mw_ui_txt_truth', gRul, 'True remaining life'), 530, 320);
  wire(inRul, 0, splitRul);
  wire(splitRul, 0, chRul);
  wire(splitRul, 1, txtTruth);

  // alarm table with acknowledge and shelve
  const inAlarms = add(linkIn('mw_ui_in_alarms', 'alarm list', [LINKS.alarms]), 110, 380);
  const rows = add(func('mw_ui_rows', 'table rows', ALARM_ROWS), 290, 380);
  const table = add(
    node('ui-table', 'mw_ui_table', { name: 'alarm table', label: 'Active alarms (click a row to select it)', group: gAlarms.id, order: ++order, width: 6, height: 4, maxrows: 8, autocols: true, selectionType: 'click', action: 'replace', showSearch: false }),
    480,
    380,
  );
  const remember = add(func('mw_ui_remember', 'remember the selected alarm', REMEMBER_ROW), 700, 380);
  const txtSelected = add(text('mw_ui_txt_selected', gAlarms, 'Alarm'), 910, 380);
  const btnAck = add(button('mw_ui_btn_ack', gAlarms, 'Acknowledge', 'ack', 'str', 'ack'), 480, 430);
  const btnShelve = add(button('mw_ui_btn_shelve', gAlarms, 'Shelve 1 h', 'shelve', 'str', 'shelve'), 480, 470);
  const command = add(func('mw_ui_command', 'alarm command', ALARM_COMMAND), 700, 450);
  const toAlarms = add(linkOut('mw_ui_out_alarms', 'to alert sink', [LINKS.toAlarms]), 885, 450);
  wire(inAlarms, 0, rows);
  wire(rows, 0, table);
  wire(table, 0, remember);
  wire(remember, 0, txtSelected);
  wire(btnAck, 0, command);
  wire(btnShelve, 0, command);
  wire(command, 0, toAlarms);

  // simulator controls and clock
  const btnFault = add(button('mw_ui_btn_fault', gPlant, 'Inject bearing fault', '{"fault":"bearing","machine":"Spindle"}', 'json', 'fault', '#c62828'), 480, 540);
  const btnRepair = add(button('mw_ui_btn_repair', gPlant, 'Repair spindle', '{"fault":"repair","machine":"Spindle"}', 'json', 'repair'), 470, 580);
  const toSim = add(linkOut('mw_ui_out_sim', 'to plant simulator', [LINKS.toSimulator]), 705, 560);
  wire(btnFault, 0, toSim);
  wire(btnRepair, 0, toSim);
  const inClock = add(linkIn('mw_ui_in_clock', 'plant clock', [LINKS.clock]), 110, 640);
  const clockText = add(func('mw_ui_clock_text', 'clock text', CLOCK_TEXT), 290, 640);
  const txtClock = add(text('mw_ui_txt_clock', gPlant, 'Plant'), 470, 640);
  wire(inClock, 0, clockText);
  wire(clockText, 0, txtClock);

  // energy: power and demand trend, the schedule as a Gantt
  const inEnergy = add(linkIn('mw_ui_in_energy', 'energy', [LINKS.energy]), 110, 720);
  const splitEnergy = add(func('mw_ui_split_energy', 'power and demand', SPLIT_ENERGY), 300, 720);
  const chEnergy = add(chart('mw_ui_ch_energy', gEnergy, 'Plant power and 15-min demand (kW)', 'kW'), 560, 720);
  wire(inEnergy, 0, splitEnergy);
  wire(splitEnergy, 0, chEnergy);
  const inSchedule = add(linkIn('mw_ui_in_schedule', 'schedule', [LINKS.schedule]), 110, 780);
  const gantt = add(
    node('ui-template', 'mw_ui_gantt', {
      name: 'schedule Gantt (inline SVG)',
      group: gEnergy.id,
      order: ++order,
      width: 6,
      height: 5,
      format: readFileSync(join(__dirname, 'gantt.vue'), 'utf8'),
      storeOutMessages: true,
      passthru: false,
      resendOnRefresh: true,
      templateScope: 'local',
    }),
    330,
    780,
  );
  wire(inSchedule, 0, gantt);

  return [tab, ...nodes];
}

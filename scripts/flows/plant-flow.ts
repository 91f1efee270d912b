// The plant demo flow without any dashboard: simulator -> Modbus / OPC UA -> features -> anomaly and
// RUL -> alarms; energy meter -> forecast -> scheduler -> demand guard -> Modbus run coils.
import { catchAll, change, comment, debug, func, inject, linkIn, linkOut, switchOn } from './core-nodes';
import { type FlowNode, node, wire } from './node-factory';

export const TAB = 'mw_demo_tab';

/** Link nodes the dashboard flow connects to (its link-in nodes name these link-out ids). */
export const LINKS = {
  spindle: 'mw_demo_to_ui_spindle',
  features: 'mw_demo_to_ui_features',
  anomaly: 'mw_demo_to_ui_anomaly',
  rul: 'mw_demo_to_ui_rul',
  truth: 'mw_demo_to_ui_truth',
  clock: 'mw_demo_to_ui_clock',
  energy: 'mw_demo_to_ui_energy',
  schedule: 'mw_demo_to_ui_schedule',
  alarms: 'mw_demo_to_ui_alarms',
  /** Link-in nodes of this flow the dashboard sends to. */
  toSimulator: 'mw_demo_from_ui_sim',
  toAlarms: 'mw_demo_from_ui_alarms',
};

export interface PlantFlowOptions {
  opcuaPort: number;
  modbusPort: number;
  speed: number;
  spindleLifeHours: number;
}

export const DEFAULTS: PlantFlowOptions = { opcuaPort: 4840, modbusPort: 5020, speed: 30, spindleLifeHours: 48 };

const f32 = (name: string, address: number, unit: string) => ({ name, area: 'input', address: String(address), type: 'float32', byteOrder: 'big', wordOrder: 'big', scale: '', offset: '', unit });
const coil = (name: string, address: number, loadId: string) => ({ name, area: 'coil', address: String(address), type: 'bool', byteOrder: 'big', wordOrder: 'big', min: '', max: '', limitMode: 'reject', maxRate: '', loadId });

// Built as a function body so the demo request always starts at the current quarter hour.
const PLAN_REQUEST = `// Plan request for the next 8 hours: time-of-use prices and the two flexible motors.
const Q = 15 * 60 * 1000;
const start = Math.floor(Date.now() / Q) * Q;
const prices = [];
for (let i = 0; i < 32; i++) {
  const hour = new Date(start + i * Q).getHours();
  prices.push(hour >= 17 && hour < 21 ? 0.32 : hour >= 7 && hour < 17 ? 0.22 : 0.12);
}
msg.payload = {
  startTime: start,
  intervalMinutes: 15,
  prices,
  demandCharge: 12,
  contractLimitKw: 110,
  loads: [
    { id: 'Motor3', powerKw: 15, durationMinutes: 60, earliestStart: start, deadline: start + 6 * 3600000, priority: 1 },
    { id: 'Motor4', powerKw: 22, durationMinutes: 45, earliestStart: start, deadline: start + 8 * 3600000, priority: 2 },
  ],
};
return msg;`;

export function plantFlow(o: PlantFlowOptions = DEFAULTS): FlowNode[] {
  const z = TAB;
  const nodes: FlowNode[] = [];
  const add = <T extends FlowNode>(n: T, x: number, y: number): T => {
    nodes.push(Object.assign(n, { z, x, y }));
    return n;
  };
  const tab: FlowNode = {
    id: TAB,
    type: 'tab',
    label: 'Millwright plant demo',
    disabled: false,
    info: `The whole pack on a simulated plant. The plant simulator serves OPC UA on port ${o.opcuaPort} and Modbus TCP on port ${o.modbusPort} at speed ${o.speed} (simulated seconds per real second); its spindle bearing lasts ${o.spindleLifeHours} simulated hours from new.\n\nInject a bearing fault and watch the anomaly detector flag it, the RUL fall and the alarm appear. The energy part plans when motors 3 and 4 run and writes their run coils.`,
  };

  // --- simulator
  add(comment('mw_demo_c_sim', 'Plant simulator: OPC UA + Modbus TCP', 'Faults and speed by msg; see docs/simulator.md for the register map and address space.'), 170, 40);
  const injFault = add(inject('mw_demo_fault', 'bearing fault on the spindle', { payload: '{"fault":"bearing","machine":"Spindle"}', payloadType: 'json' }), 170, 80);
  const injRepair = add(inject('mw_demo_repair', 'repair the spindle', { payload: '{"fault":"repair","machine":"Spindle"}', payloadType: 'json' }), 150, 120);
  const fromUiSim = add(linkIn(LINKS.toSimulator, 'from dashboard: simulator'), 155, 160);
  const sim = add(
    node('millwright-plant-simulator', 'mw_demo_sim', { name: 'plant simulator', opcuaPort: o.opcuaPort, modbusPort: o.modbusPort, speed: o.speed, seed: '1', lifeHours: o.spindleLifeHours, interval: 5, waveform: false }),
    430,
    120,
  );
  const simOut = add(debug('mw_demo_sim_debug', 'plant snapshot (all tags)'), 660, 120);
  for (const n of [injFault, injRepair, fromUiSim]) wire(n, 0, sim);
  wire(sim, 0, simOut);

  // --- spindle over Modbus: features, anomaly detector
  add(comment('mw_demo_c_spindle', 'Spindle over Modbus: feature window -> regime-aware anomaly detector', ''), 260, 220);
  const conn = node('millwright-modbus-connection', 'mw_demo_modbus', { name: 'plant simulator (Modbus)', host: '127.0.0.1', port: o.modbusPort, unitId: 1, timeout: 1000 });
  nodes.push(conn);
  const pollSpindle = add(
    node('millwright-modbus-poll', 'mw_demo_poll_spindle', {
      name: 'spindle tags',
      connection: conn.id,
      interval: 250,
      output: 'poll',
      tags: [f32('speed', 0, 'rpm'), f32('power', 4, 'kW'), f32('vibration', 6, 'g'), f32('temperature', 8, 'degC'), f32('mode', 10, '')],
    }),
    130,
    260,
  );
  const keySpindle = add(change('mw_demo_key_spindle', 'topic = spindle', [{ t: 'set', p: 'topic', pt: 'msg', to: 'spindle', tot: 'str' }]), 330, 260);
  const window = add(
    node('millwright-feature-window', 'mw_demo_window_spindle', {
      name: 'spindle features (0.5 s)',
      mode: 'count',
      size: 2,
      hop: 2,
      align: true,
      tags: 'speed,power,vibration,temperature',
      missing: 'carry',
      features: 'mean',
    }),
    580,
    260,
  );
  const detector = add(
    node('millwright-anomaly-detector', 'mw_demo_detector', {
      name: 'spindle anomaly (regimes by speed)',
      detector: 'pca',
      learnSamples: 150,
      falseAlarmRate: 1,
      hysteresis: 0.8,
      suppression: 20,
      regimes: 3,
      contextFeatures: 'speed.mean',
    }),
    880,
    260,
  );
  const toUiSpindle = add(linkOut(LINKS.spindle, 'to dashboard: spindle signals'), 330, 300);
  const toUiFeatures = add(linkOut(LINKS.features, 'to dashboard: features'), 700, 320);
  const toUiAnomaly = add(linkOut(LINKS.anomaly, 'to dashboard: anomaly'), 1080, 300);
  wire(pollSpindle, 0, keySpindle, toUiSpindle);
  wire(keySpindle, 0, window);
  wire(window, 0, detector, toUiFeatures);
  wire(detector, 0, toUiAnomaly);

  // --- spindle over OPC UA: RUL on the bearing's vibration, against the simulator's ground truth
  add(comment('mw_demo_c_rul', 'Spindle over OPC UA (simulated-time stamps): bearing vibration -> RUL, vs the true remaining life', ''), 330, 360);
  const endpoint = node('millwright-opcua-endpoint', 'mw_demo_opcua', { name: 'plant simulator (OPC UA)', endpointUrl: `opc.tcp://127.0.0.1:${o.opcuaPort}` });
  nodes.push(endpoint);
  const subscribe = add(
    node('millwright-opcua-subscribe', 'mw_demo_subscribe', {
      name: 'spindle bearing',
      endpoint: endpoint.id,
      items: [
        { nodeId: 'ns=2;s=Plant.Line1.Spindle.VibrationRms', tag: 'spindle/vibration-rms' },
        { nodeId: 'ns=2;s=Plant.Line1.Spindle.RemainingLife', tag: 'spindle/remaining-life' },
        { nodeId: 'ns=2;s=Plant.Line1.Spindle.Wear', tag: 'spindle/wear' },
      ],
      publishingInterval: 1000,
      samplingInterval: 500,
      output: 'change',
    }),
    120,
    400,
  );
  const byTag = add(
    switchOn('mw_demo_bytag', 'by tag', 'payload.tag', [
      { t: 'eq', v: 'spindle/vibration-rms', vt: 'str' },
      { t: 'eq', v: 'spindle/remaining-life', vt: 'str' },
    ]),
    310,
    400,
  );
  const rulWindow = add(
    node('millwright-feature-window', 'mw_demo_window_rul', { name: 'vibration, last 60 readings', mode: 'count', size: 60, hop: 20, features: 'max,mean' }),
    510,
    380,
  );
  const asset = add(change('mw_demo_asset', 'asset = spindle', [{ t: 'set', p: 'payload.key', pt: 'msg', to: 'spindle', tot: 'str' }]), 710, 380);
  const rul = add(
    node('millwright-rul-predictor', 'mw_demo_rul', {
      name: 'spindle bearing RUL',
      model: 'degradation',
      degradationKind: 'exponential',
      threshold: '1.2',
      offset: '0.2',
      healthFeature: 'max',
      unit: 'hours',
      confidence: 0.9,
      warningHorizon: '8',
    }),
    900,
    380,
  );
  const toUiRul = add(linkOut(LINKS.rul, 'to dashboard: RUL'), 1075, 420);
  const toUiTruth = add(linkOut(LINKS.truth, 'to dashboard: true remaining life'), 510, 430);
  wire(subscribe, 0, byTag);
  wire(byTag, 0, rulWindow);
  wire(byTag, 1, toUiTruth);
  wire(rulWindow, 0, asset, toUiFeatures);
  wire(asset, 0, rul);
  wire(rul, 0, toUiRul);

  const tickRead = add(inject('mw_demo_read_tick', 'every 5 s', { repeat: '5', once: true, onceDelay: 2 }), 120, 480);
  const read = add(
    node('millwright-opcua-read', 'mw_demo_read', {
      name: 'plant clock and mode',
      endpoint: endpoint.id,
      items: [
        { nodeId: 'ns=2;s=Plant.ElapsedHours', tag: 'plant/elapsed-hours' },
        { nodeId: 'ns=2;s=Plant.Line1.Spindle.Mode', tag: 'spindle/mode' },
      ],
      output: 'all',
    }),
    320,
    480,
  );
  const toUiClock = add(linkOut(LINKS.clock, 'to dashboard: plant clock'), 505, 480);
  wire(tickRead, 0, read);
  wire(read, 0, toUiClock);

  // --- alarms
  add(comment('mw_demo_c_alarms', 'Alarms: anomaly, RUL warning, lost communication; ack / shelve by msg', ''), 1420, 220);
  const fromUiAlarms = add(linkIn(LINKS.toAlarms, 'from dashboard: alarm commands'), 1210, 360);
  const sink = add(
    node('millwright-alert-sink', 'mw_demo_alerts', { name: 'plant alarms', format: 'mqtt', area: 'line1', rulHorizon: 0, onDelay: 2, groupWait: 5, groupInterval: 60, repeatInterval: 3600 }),
    1370,
    320,
  );
  const notifications = add(debug('mw_demo_notify', 'notifications (wire e-mail / MQTT here)', { active: true }), 1640, 280);
  const events = add(debug('mw_demo_events', 'alarm events (audit log)'), 1600, 320);
  const toUiAlarms = add(linkOut(LINKS.alarms, 'to dashboard: alarm list'), 1560, 400);
  wire(detector, 0, sink);
  wire(rul, 0, sink);
  wire(pollSpindle, 0, sink);
  wire(fromUiAlarms, 0, sink);
  wire(sink, 0, notifications);
  wire(sink, 1, events);
  wire(sink, 2, toUiAlarms);

  // --- energy
  add(comment('mw_demo_c_energy', 'Energy: meter -> load forecast -> scheduler -> demand guard -> motor run coils (writing enabled)', ''), 340, 560);
  const pollEnergy = add(
    node('millwright-modbus-poll', 'mw_demo_poll_energy', {
      name: 'energy meter, motors, pump',
      connection: conn.id,
      interval: 1000,
      output: 'tag',
      tags: [
        f32('EnergyMeter.Power', 300, 'kW'),
        f32('EnergyMeter.Demand', 304, 'kW'),
        f32('Motor1.Power', 202, 'kW'),
        f32('Motor2.Power', 222, 'kW'),
        f32('Motor3.Power', 242, 'kW'),
        f32('Motor4.Power', 262, 'kW'),
        f32('Pump.Pressure', 100, 'bar'),
        f32('Pump.Flow', 102, 'm3/h'),
      ],
    }),
    140,
    620,
  );
  const meter = add(switchOn('mw_demo_meter', 'plant power only', 'topic', [{ t: 'eq', v: 'EnergyMeter.Power', vt: 'str' }]), 360, 600);
  const toUiEnergy = add(linkOut(LINKS.energy, 'to dashboard: energy'), 335, 660);
  const forecastTick = add(inject('mw_demo_forecast_tick', 'forecast every minute', { topic: 'forecast', payload: '', payloadType: 'str', repeat: '60', once: true, onceDelay: 10 }), 370, 720);
  const forecast = add(
    node('millwright-load-forecast', 'mw_demo_forecast', { name: 'base load forecast', intervalMinutes: '15', horizon: 32 }),
    590,
    640,
  );
  const planTick = add(inject('mw_demo_plan_tick', 'plan every 15 min', { repeat: '900', once: true, onceDelay: 15 }), 380, 780);
  const request = add(func('mw_demo_request', 'plan request: prices, motors 3 and 4', PLAN_REQUEST), 630, 780);
  const scheduler = add(node('millwright-energy-scheduler', 'mw_demo_scheduler', { name: 'energy scheduler', timeLimit: 5, gap: 0.01, clock: 'real' }), 880, 700);
  const toUiSchedule = add(linkOut(LINKS.schedule, 'to dashboard: schedule'), 1075, 660);
  const guard = add(
    node('millwright-demand-guard', 'mw_demo_guard', {
      name: 'demand guard 90 kW',
      targetKw: '90',
      intervalMinutes: 15,
      startGap: 10,
      minShed: 60,
      margin: 2,
      loads: JSON.stringify([
        { id: 'Motor3', powerKw: 15, priority: 1, sheddable: true },
        { id: 'Motor4', powerKw: 22, priority: 2, sheddable: true },
      ]),
      clock: 'real',
    }),
    1110,
    720,
  );
  const write = add(
    node('millwright-modbus-write', 'mw_demo_write', {
      name: 'motor run coils',
      connection: conn.id,
      writeEnabled: true,
      tags: [coil('Pump.Run', 0, 'Pump'), coil('Motor1.Run', 1, 'Motor1'), coil('Motor2.Run', 2, 'Motor2'), coil('Motor3.Run', 3, 'Motor3'), coil('Motor4.Run', 4, 'Motor4')],
    }),
    1330,
    720,
  );
  const written = add(debug('mw_demo_written', 'written', { active: true }), 1500, 720);
  wire(pollEnergy, 0, meter, toUiEnergy, sink);
  wire(meter, 0, forecast, guard);
  wire(forecastTick, 0, forecast);
  wire(forecast, 0, scheduler);
  wire(planTick, 0, request);
  wire(request, 0, scheduler);
  wire(scheduler, 0, toUiSchedule);
  wire(scheduler, 1, guard);
  wire(guard, 0, write);
  wire(write, 0, written);

  const errors = add(catchAll('mw_demo_catch', 'errors'), 1270, 880);
  const errorsOut = add(debug('mw_demo_errors', 'errors', { active: true, complete: 'error' }), 1450, 880);
  wire(errors, 0, errorsOut);

  return [tab, ...nodes];
}

// Plant simulator node: runs the simulated plant (OPC UA and Modbus servers) while the flow is
// deployed, injects faults and sets speed from msgs, and can send snapshots of every tag.
import { join } from 'node:path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { PlantSimulator } from '../../lib/simulator/simulator';
import { errorText, guarded, onInput, status, refuseForBadConfig } from '../shared/glue';

interface PlantSimulatorDef extends NodeDef {
  host: string;
  opcua: boolean;
  opcuaPort: string;
  modbus: boolean;
  modbusPort: string;
  speed: string;
  seed: string;
  lifeHours: string;
  interval: string;
  waveform: boolean;
}

function port(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${field} must be a whole number from 0 to 65535 (0 = any free port), got "${String(value)}"`);
  return n;
}

function positive(value: unknown, field: string, fallback: number, min = 0): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`${field} must be a number >= ${min}, got "${String(value)}"`);
  return n;
}

function hours(seconds: number): string {
  return seconds < 3600 ? `${(seconds / 60).toFixed(1)} min` : `${(seconds / 3600).toFixed(1)} h`;
}

export = function register(RED: NodeAPI): void {
  function PlantSimulatorNode(this: Node, config: PlantSimulatorDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let sim: PlantSimulator;
    let intervalMs: number;
    try {
      intervalMs = positive(config.interval, 'Snapshot interval', 1) * 1000;
      if (intervalMs > 0 && intervalMs < 50) throw new Error(`Snapshot interval must be 0 (only on request) or at least 0.05 s, got "${config.interval}"`);
      const seedText = (config.seed ?? '').toString().trim();
      const userDir = (RED.settings as { userDir?: string }).userDir;
      sim = new PlantSimulator({
        host: (config.host || '127.0.0.1').trim(),
        opcuaPort: config.opcua === false ? null : port(config.opcuaPort, 'OPC UA port', 4840),
        modbusPort: config.modbus === false ? null : port(config.modbusPort, 'Modbus port', 5020),
        speedFactor: positive(config.speed, 'Speed', 1, 0.001),
        seed: seedText === '' ? 1 : /^\d+$/.test(seedText) ? Number(seedText) : seedText,
        spindleLifeHours: positive(config.lifeHours, 'Spindle life', 720, 0.001),
        pkiDir: userDir ? join(userDir, 'millwright-sim-pki') : undefined,
        onLog: (text) => node.log(text),
      });
    } catch (err) {
      refuseForBadConfig(node, err);
      return;
    }

    let closing = false;
    let startError: Error | null = null;
    const timers: NodeJS.Timeout[] = [];
    const describe = () => {
      const s = sim.status();
      const ports = [s.opcua ? `opc ${s.opcua.port}` : s.opcuaNote ? 'no OPC UA' : null, s.modbus ? `mb ${s.modbus.port}` : null].filter(Boolean).join(', ');
      const faults = s.faults.length ? `, ${s.faults.length} fault${s.faults.length > 1 ? 's' : ''}` : '';
      return `${ports} | ${hours(s.elapsedSeconds)} x${s.speedFactor}${faults}`;
    };
    const showStatus = () => {
      if (startError) return;
      const s = sim.status();
      if (s.faults.length) status.warn(node, describe());
      else status.ok(node, describe());
    };

    status.busy(node, 'starting');
    const ready = sim
      .start()
      .then((s) => {
        if (closing) return;
        if (s.opcuaNote) node.warn(s.opcuaNote);
        showStatus();
        timers.push(setInterval(guarded(node, showStatus), 1000));
        if (intervalMs > 0) {
          timers.push(setInterval(guarded(node, () => node.send({ topic: 'plant', payload: sim.samples({ waveform: config.waveform !== false }) })), intervalMs));
        }
      })
      .catch((err) => {
        startError = err instanceof Error ? err : new Error(errorText(err));
        status.error(node, errorText(err));
        node.error(`plant simulator did not start: ${errorText(err)}`);
      });

    onInput(node, async (msg, send, done) => {
      await ready;
      if (startError) throw new Error(`plant simulator not running: ${startError.message}`);
      const payload = msg.payload as unknown;
      const body = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {};
      let acted = false;
      if (body.fault !== undefined || body.machine !== undefined) {
        sim.injectFault(body.machine as string, body.fault as string);
        acted = true;
      }
      const speed = body.speed ?? (msg.topic === 'speed' ? payload : undefined);
      if (speed !== undefined) {
        const n = typeof speed === 'number' ? speed : Number.NaN;
        sim.setSpeed(n);
        acted = true;
      }
      if (body.advance !== undefined) {
        const seconds = body.advance;
        if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0 || seconds > 365 * 86400) {
          throw new Error(`payload.advance must be simulated seconds from 0 to ${365 * 86400}, got ${JSON.stringify(seconds)}`);
        }
        sim.step(seconds);
        acted = true;
      }
      const wantSnapshot = payload === 'snapshot' || msg.topic === 'snapshot';
      if (!acted && !wantSnapshot) {
        throw new Error('payload must be {fault, machine} (e.g. {"fault":"bearing","machine":"Spindle"}), {speed: number}, {advance: seconds} or "snapshot"');
      }
      showStatus();
      if (wantSnapshot) send({ ...msg, topic: 'plant', payload: sim.samples({ waveform: config.waveform !== false }) });
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      for (const t of timers) clearInterval(t);
      ready
        .then(() => sim.stop())
        .catch((err) => node.warn(`plant simulator did not stop cleanly: ${errorText(err)}`))
        .finally(() => {
          status.clear(node);
          done();
        });
    });
  }

  RED.nodes.registerType('millwright-plant-simulator', PlantSimulatorNode);
};

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateSample } from '../../lib/contracts';
import { Plant } from '../../lib/simulator/plant';
import { PlantSimulator, type WallClock } from '../../lib/simulator/simulator';
import { MODES, TAGS, tagName } from '../../lib/simulator/tags';

const START = Date.UTC(2026, 0, 5, 6, 0, 0);
const num = (plant: Plant, tag: string) => plant.read(tag).value as number;

function runUntil(plant: Plant, predicate: () => boolean, step = 1, limit = 3600): void {
  for (let t = 0; t < limit; t += step) {
    if (predicate()) return;
    plant.step(step);
  }
  assert.fail('condition not reached in time');
}

describe('plant simulator: physics, wear and faults', () => {
  it('replays exactly from the same seed and differs with another', () => {
    const run = (seed: number) => {
      const plant = new Plant({ seed, startTime: START });
      const out = [];
      for (let i = 0; i < 40; i++) {
        plant.step(7.5);
        out.push(plant.samples());
      }
      return out;
    };
    const a = run(42);
    assert.deepEqual(run(42), a);
    assert.notDeepEqual(run(43), a);
  });

  it('publishes every catalogue tag as a valid sample stamped with simulated time', () => {
    const plant = new Plant({ seed: 1, startTime: START });
    plant.step(90);
    const samples = plant.samples();
    assert.equal(samples.length, TAGS.length);
    for (const s of samples) validateSample(s);
    assert.ok(samples.every((s) => s.timestamp === START + 90_000));
    const vib = samples.find((s) => s.tag === 'Spindle/Vibration');
    assert.ok(Array.isArray(vib?.value) && vib.value.length === 1024 && vib.sampleRate === 8192);
    assert.equal(samples.find((s) => s.tag === 'Spindle/Temperature')?.unit, '°C');
    assert.equal(plant.samples({ waveform: false, truth: false }).some((s) => s.tag === 'Spindle/Vibration' || s.tag === 'Spindle/Wear'), false);
  });

  it('cycles through idle, ramp-up, cutting and tool change; ramp-up runs hotter than healthy cutting', () => {
    const plant = new Plant({ seed: 3, startTime: START, lifeUsed: 0 });
    const seen = new Map<string, number[]>();
    for (let i = 0; i < 3000; i++) {
      plant.step(1);
      const mode = plant.read('Spindle/Mode').value as string;
      if (!seen.has(mode)) seen.set(mode, []);
      seen.get(mode)?.push(num(plant, 'Spindle/Temperature'));
      assert.equal(num(plant, 'Spindle/ModeCode'), MODES.indexOf(mode as (typeof MODES)[number]));
    }
    for (const mode of ['idle', 'ramp-up', 'cutting', 'tool-change']) assert.ok(seen.has(mode), `never saw ${mode}`);
    const peakRamp = Math.max(...(seen.get('ramp-up') as number[]));
    const cutting = (seen.get('cutting') as number[]).slice().sort((x, y) => x - y);
    const medianCutting = cutting[Math.floor(cutting.length / 2)];
    assert.ok(peakRamp > medianCutting + 8, `ramp-up peak ${peakRamp} vs cutting median ${medianCutting}`);
  });

  it('wears monotonically, and the published remaining life predicts the failure', () => {
    const plant = new Plant({ seed: 5, startTime: START, spindleLifeHours: 50, lifeUsed: 0 });
    const predictedHours = num(plant, 'Spindle/RemainingLife');
    let lastWear = num(plant, 'Spindle/Wear');
    let lastRul = predictedHours;
    let hours = 0;
    while (plant.read('Spindle/Mode').value !== 'failed') {
      plant.step(600);
      hours += 600 / 3600;
      const wear = num(plant, 'Spindle/Wear');
      const rul = num(plant, 'Spindle/RemainingLife');
      assert.ok(wear >= lastWear, `wear fell from ${lastWear} to ${wear}`);
      assert.ok(rul <= lastRul + 1e-9, `remaining life rose from ${lastRul} to ${rul}`);
      lastWear = wear;
      lastRul = rul;
      assert.ok(hours < 200, 'spindle never failed');
    }
    assert.ok(Math.abs(hours - predictedHours) / predictedHours < 0.2, `failed after ${hours} h, predicted ${predictedHours} h`);
    assert.equal(num(plant, 'Spindle/RemainingLife'), 0);
    assert.equal(num(plant, 'Spindle/Speed') < 1, true);
  });

  it('raises spindle cutting power as friction grows with wear', () => {
    const cuttingPower = (lifeUsed: number) => {
      const plant = new Plant({ seed: 9, startTime: START, lifeUsed });
      const values: number[] = [];
      for (let i = 0; i < 1500; i++) {
        plant.step(1);
        if (plant.read('Spindle/Mode').value === 'cutting') values.push(num(plant, 'Spindle/Power'));
      }
      return values.reduce((a, b) => a + b, 0) / values.length;
    };
    assert.ok(cuttingPower(0.95) > cuttingPower(0) + 0.5);
  });

  it('a bearing defect jumps wear, shortens remaining life and raises vibration', () => {
    const plant = new Plant({ seed: 2, startTime: START, lifeUsed: 0 });
    runUntil(plant, () => plant.read('Spindle/Mode').value === 'cutting' && num(plant, 'Spindle/Speed') > 11000);
    const before = { rul: num(plant, 'Spindle/RemainingLife'), vib: num(plant, 'Spindle/VibrationRms') };
    assert.match(plant.injectFault('spindle', 'bearing'), /bearing/);
    plant.step(1);
    assert.ok(num(plant, 'Spindle/Wear') >= 0.35);
    assert.ok(num(plant, 'Spindle/RemainingLife') < before.rul / 5);
    assert.ok(num(plant, 'Spindle/VibrationRms') > before.vib * 1.3);
    assert.deepEqual(plant.faults(), [{ machine: 'Spindle', fault: 'bearing' }]);
    plant.injectFault('Spindle', 'repair');
    assert.deepEqual(plant.faults(), []);
    assert.ok(num(plant, 'Spindle/Wear') < 0.1);
  });

  it('clogging lowers pump flow and raises discharge pressure', () => {
    const plant = new Plant({ seed: 4, startTime: START });
    plant.step(60);
    const before = { flow: num(plant, 'Pump/Flow'), pressure: num(plant, 'Pump/Pressure') };
    plant.injectFault('Pump', 'clogging');
    for (let i = 0; i < 20; i++) plant.step(60);
    assert.ok(num(plant, 'Pump/Flow') < before.flow * 0.7);
    assert.ok(num(plant, 'Pump/Pressure') > before.pressure + 0.5);
    assert.throws(() => plant.injectFault('Spindle', 'clogging'), /does not apply to Spindle/);
  });

  it('sensor faults bend only what is reported: stuck, spike, dropout', () => {
    const plant = new Plant({ seed: 6, startTime: START });
    plant.step(5);
    plant.injectFault('Spindle', 'stuck');
    const frozen = num(plant, 'Spindle/Temperature');
    for (let i = 0; i < 60; i++) plant.step(1);
    assert.equal(num(plant, 'Spindle/Temperature'), frozen);
    assert.notEqual(plant.spindle.measuredTemperature(), frozen);

    plant.injectFault('Pump/Flow', 'spike');
    const flows: number[] = [];
    for (let i = 0; i < 200; i++) {
      plant.step(1);
      flows.push(num(plant, 'Pump/Flow'));
    }
    const sorted = flows.slice().sort((a, b) => a - b);
    const median = sorted[100];
    assert.ok(flows.filter((f) => Math.abs(f - median) > 2 * median).length >= 3, 'expected a few spikes');

    plant.injectFault('EnergyMeter', 'dropout');
    plant.step(1);
    assert.equal(plant.read('EnergyMeter/Power').quality, 'bad');
    const sample = plant.samples().find((s) => s.tag === 'EnergyMeter/Power');
    assert.equal(sample?.quality, 'bad');
    validateSample(sample);
    assert.equal(plant.faults().length, 3);
    plant.clearFaults();
    plant.step(1);
    assert.equal(plant.read('EnergyMeter/Power').quality, 'good');
    assert.notEqual(num(plant, 'Spindle/Temperature'), frozen);
    assert.throws(() => plant.injectFault('Spindle/Wear', 'stuck'), /not a measured signal/);
    assert.throws(() => plant.injectFault('Lathe', 'stuck'), /unknown machine "Lathe"/);
    assert.throws(() => plant.injectFault('Pump', 'melt'), /unknown fault "melt"/);
  });

  it('motors draw inrush at start; the meter integrates energy and the 15-minute demand', () => {
    const plant = new Plant({ seed: 8, startTime: START });
    plant.step(30);
    assert.equal(num(plant, 'Motor4/Current'), 0);
    plant.write('Motor4/Run', true);
    plant.step(0.1);
    const rated = (22 * 1000) / (Math.sqrt(3) * 400 * 0.85 * 0.92);
    assert.ok(num(plant, 'Motor4/Current') > 4 * rated, 'no inrush');
    plant.step(10);
    assert.ok(num(plant, 'Motor4/Current') < 1.2 * rated, 'inrush did not decay');
    assert.equal(num(plant, 'Motor4/Starts'), 1);

    const energy = num(plant, 'EnergyMeter/Energy');
    let integral = 0;
    const powers: number[] = [];
    for (let i = 0; i < 1200; i++) {
      plant.step(1);
      const p = num(plant, 'EnergyMeter/Power');
      integral += p / 3600;
      powers.push(p);
    }
    const gained = num(plant, 'EnergyMeter/Energy') - energy;
    assert.ok(Math.abs(gained - integral) / integral < 0.02, `energy ${gained} vs integral ${integral}`);
    const last15 = powers.slice(-900).reduce((a, b) => a + b, 0) / 900;
    assert.ok(Math.abs(num(plant, 'EnergyMeter/Demand') - last15) / last15 < 0.03);
    assert.ok(num(plant, 'EnergyMeter/PeakDemand') >= num(plant, 'EnergyMeter/Demand'));
  });

  it('writes setpoints with range checks and refuses read-only tags', () => {
    const plant = new Plant({ seed: 1, startTime: START });
    plant.write('Spindle/SpeedSetpoint', 9000);
    assert.equal(num(plant, 'Spindle/SpeedSetpoint'), 9000);
    assert.throws(() => plant.write('Spindle/SpeedSetpoint', 99999), /from 0 to 24000/);
    assert.throws(() => plant.write('Spindle/Temperature', 20), /read-only/);
    assert.throws(() => plant.write('Motor1/Run', 'yes'), /true or false/);
    assert.throws(() => plant.step(Number.NaN), /finite dt/);
    for (const def of TAGS) assert.doesNotThrow(() => plant.read(tagName(def)));
  });

  it('run mode advances speedFactor simulated seconds per real second of the injected clock', async () => {
    let now = 1_000_000;
    let tick: (() => void) | null = null;
    const clock: WallClock = {
      now: () => now,
      setInterval: (fn) => {
        tick = fn;
        return 1;
      },
      clearInterval: () => {
        tick = null;
      },
    };
    const sim = new PlantSimulator({ seed: 1, clock, speedFactor: 60, opcuaPort: null, modbusPort: null });
    await sim.start();
    assert.equal(sim.running, true);
    now += 1500;
    (tick as unknown as () => void)();
    assert.ok(Math.abs(sim.plant.elapsed - 90) < 1e-9);
    sim.setSpeed(3600);
    now += 1000;
    (tick as unknown as () => void)();
    assert.ok(Math.abs(sim.plant.elapsed - 3690) < 1e-9);
    assert.ok(Math.abs(Number(sim.plant.read('Spindle/RemainingLifeWallClock').value) - Number(sim.plant.read('Spindle/RemainingLife').value)) < 1e-6);
    await sim.stop();
    assert.equal(tick, null);
    assert.equal(sim.running, false);
  });
});

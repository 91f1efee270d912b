// millwright-sim: runs the plant simulator from a terminal.
import { createInterface } from 'node:readline';
import { PlantSimulator, type SimulatorOptions } from './simulator';

export const USAGE = `Usage: millwright-sim [options]
  --speed N          simulated seconds per real second (default 1; 4320 = a month in ten minutes)
  --seed S           random seed, same seed = same plant (default 1)
  --host H           address to listen on (default 127.0.0.1)
  --opcua-port P     OPC UA port (default 4840, 0 = any free port)
  --modbus-port P    Modbus TCP port (default 5020, 0 = any free port)
  --no-opcua         do not serve OPC UA
  --no-modbus        do not serve Modbus TCP
  --life-hours H     spindle bearing life from new, simulated hours (default 720)
  --fault M:F        inject fault F on machine M at start, repeatable (e.g. Spindle:bearing)
  --help             show this help
On a terminal, type "fault <machine> <fault>", "speed <n>", "status" or "quit".`;

export interface CliOptions {
  sim: SimulatorOptions;
  faults: Array<[string, string]>;
  help: boolean;
}

function numberArg(flag: string, raw: string | undefined, check: (n: number) => boolean, expected: string): number {
  const n = Number(raw);
  if (raw === undefined || raw === '' || !Number.isFinite(n) || !check(n)) throw new Error(`${flag} needs ${expected}, got ${raw === undefined ? 'nothing' : JSON.stringify(raw)}`);
  return n;
}

const isPort = (n: number) => Number.isInteger(n) && n >= 0 && n <= 65535;

export function parseArgs(argv: readonly string[]): CliOptions {
  const out: CliOptions = { sim: {}, faults: [], help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--speed':
        out.sim.speedFactor = numberArg(flag, value(), (n) => n >= 0.001 && n <= 1e6, 'a number from 0.001 to 1000000');
        break;
      case '--seed': {
        const v = value();
        if (!v) throw new Error('--seed needs a value');
        out.sim.seed = /^\d+$/.test(v) ? Number(v) : v;
        break;
      }
      case '--host': {
        const v = value();
        if (!v) throw new Error('--host needs an address');
        out.sim.host = v;
        break;
      }
      case '--opcua-port':
        out.sim.opcuaPort = numberArg(flag, value(), isPort, 'a port from 0 to 65535');
        break;
      case '--modbus-port':
        out.sim.modbusPort = numberArg(flag, value(), isPort, 'a port from 0 to 65535');
        break;
      case '--no-opcua':
        out.sim.opcuaPort = null;
        break;
      case '--no-modbus':
        out.sim.modbusPort = null;
        break;
      case '--life-hours':
        out.sim.spindleLifeHours = numberArg(flag, value(), (n) => n > 0, 'a number of hours > 0');
        break;
      case '--fault': {
        const v = value() ?? '';
        const at = v.lastIndexOf(':');
        if (at < 1) throw new Error(`--fault needs machine:fault, e.g. Spindle:bearing, got ${JSON.stringify(v)}`);
        out.faults.push([v.slice(0, at), v.slice(at + 1)]);
        break;
      }
      case '--help':
      case '-h':
        out.help = true;
        break;
      default:
        throw new Error(`unknown option ${JSON.stringify(arg)}`);
    }
  }
  return out;
}

function summary(sim: PlantSimulator): string {
  const p = sim.plant;
  const rul = Number(p.read('Spindle/RemainingLife').value);
  const faults = sim.status().faults.map((f) => `${f.tag ?? f.machine}:${f.fault}`).join(', ') || 'none';
  return `${new Date(p.time).toISOString()} spindle ${p.spindle.mode}, ${p.spindle.temperature.toFixed(1)} °C, true RUL ${rul.toFixed(1)} h; plant ${p.meter.power.toFixed(1)} kW; faults: ${faults}`;
}

/** Runs until SIGINT/SIGTERM or "quit"; resolves with the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (err) {
    console.error(`millwright-sim: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  let sim: PlantSimulator;
  try {
    sim = new PlantSimulator({ ...options.sim, onLog: (text) => console.log(text) });
    for (const [machine, fault] of options.faults) sim.injectFault(machine, fault);
    await sim.start();
  } catch (err) {
    console.error(`millwright-sim: ${(err as Error).message}`);
    return 1;
  }
  console.log(`speed x${sim.plant.speedFactor}, seed ${options.sim.seed ?? 1}; Ctrl-C stops`);
  console.log(summary(sim));
  const ticker = setInterval(() => console.log(summary(sim)), 30_000);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const prompt = process.stdin.isTTY ? createInterface({ input: process.stdin, output: process.stdout }) : null;
    const finish = () => {
      if (stopping) return;
      stopping = true;
      clearInterval(ticker);
      prompt?.close();
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      sim.stop().then(
        () => resolve(0),
        (err) => {
          console.error(`millwright-sim: stop failed: ${(err as Error).message}`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', finish);
    process.on('SIGTERM', finish);
    prompt?.on('close', finish);
    prompt?.on('SIGINT', finish);
    prompt?.on('line', (line) => {
      const [cmd, a, b] = line.trim().split(/\s+/);
      try {
        if (cmd === 'fault') console.log(sim.injectFault(a, b));
        else if (cmd === 'speed') sim.setSpeed(Number(a));
        else if (cmd === 'status') console.log(summary(sim));
        else if (cmd === 'quit' || cmd === 'exit') finish();
        else if (cmd) console.log('commands: fault <machine> <fault>, speed <n>, status, quit');
      } catch (err) {
        console.log(`error: ${(err as Error).message}`);
      }
    });
  });
}

if (require.main === module) {
  run(process.argv.slice(2)).then((code) => process.exit(code));
}

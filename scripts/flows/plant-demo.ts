// Regenerates the plant demo example flows from the editor defaults of every node they use:
//   npx tsx scripts/flows/plant-demo.ts [--opcua-port P] [--modbus-port P] [--speed N] [--out DIR]
// writes examples/plant-demo.json (no dashboard, runs on any gateway) and
// examples/plant-demo-dashboard.json (needs @flowfuse/node-red-dashboard and the first file).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dashboardFlow } from './dashboard-flow';
import { DEFAULTS, plantFlow, type PlantFlowOptions } from './plant-flow';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a number, got "${process.argv[i + 1]}"`);
  return v;
}

const options: PlantFlowOptions = {
  opcuaPort: option('opcua-port', DEFAULTS.opcuaPort),
  modbusPort: option('modbus-port', DEFAULTS.modbusPort),
  speed: option('speed', DEFAULTS.speed),
  spindleLifeHours: option('life-hours', DEFAULTS.spindleLifeHours),
};
const outIndex = process.argv.indexOf('--out');
const outDir = outIndex >= 0 ? process.argv[outIndex + 1] : join(__dirname, '..', '..', 'examples');
mkdirSync(outDir, { recursive: true });
const write = (file: string, flow: unknown[]) => {
  writeFileSync(join(outDir, file), `${JSON.stringify(flow, null, 2)}\n`);
  console.log(`wrote ${join(outDir, file)} (${flow.length} nodes)`);
};
write('plant-demo.json', plantFlow(options));
write('plant-demo-dashboard.json', dashboardFlow());

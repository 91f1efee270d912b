// npm run bench -- protocols: the Modbus benchmark and, once it exists, the OPC UA one, in one run.
// Last line: {"modbus":{...},"opcua":{...}}.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { benchModbus } from './protocols-modbus';
import { finish, parseArgs } from './_shared';

async function main(): Promise<void> {
  const args = parseArgs();
  const figures: Record<string, unknown> = {};
  figures.modbus = await benchModbus({
    seconds: typeof args.seconds === 'string' ? Number(args.seconds) : undefined,
    intervalMs: typeof args.interval === 'string' ? Number(args.interval) : undefined,
    rounds: typeof args.rounds === 'string' ? Number(args.rounds) : undefined,
  });
  const opcuaFile = join(__dirname, 'protocols-opcua.ts');
  if (existsSync(opcuaFile)) {
    const mod = (await import(opcuaFile)) as { benchOpcua?: () => Promise<unknown>; default?: { benchOpcua?: () => Promise<unknown> } };
    const benchOpcua = mod.benchOpcua ?? mod.default?.benchOpcua;
    if (typeof benchOpcua === 'function') figures.opcua = await benchOpcua();
    else console.log('bench/protocols-opcua.ts exports no benchOpcua(); OPC UA skipped');
  } else {
    console.log('bench/protocols-opcua.ts not found; OPC UA skipped');
  }
  finish(figures);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// Serves the plant over OPC UA with node-opcua's server, loaded only when present: the pack's
// runtime depends on node-opcua-client alone, and the full server package is large.
import type * as NodeOpcua from 'node-opcua';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oneStoreStartAtATime } from '../protocols/pki-start-lock';
import { OPCUA_NAMESPACE, opcuaNodeId } from './opcua-address';
import type { Plant } from './plant';
import { MACHINE_NAMES, PLANT, TAGS, tagName } from './tags';

export function loadNodeOpcua(): typeof NodeOpcua | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('node-opcua') as typeof NodeOpcua;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'MODULE_NOT_FOUND' && /'node-opcua'/.test(e.message)) return null;
    throw err;
  }
}

export interface OpcuaServerHandle {
  port: number;
  endpointUrl: string;
  close(): Promise<void>;
}

export interface OpcuaServerOptions {
  host: string;
  port: number;
  /** Certificate store (created on first start). */
  pkiDir?: string;
  onLog?: (text: string) => void;
}

const RANGES: Record<string, [number, number]> = {
  Speed: [0, 24000],
  Power: [0, 100],
  VibrationRms: [0, 10],
  Temperature: [0, 120],
  Pressure: [0, 10],
  Flow: [0, 100],
  Current: [0, 300],
  RemainingLife: [0, 10000],
  RemainingLifeWallClock: [0, 1e7],
  Energy: [0, 1e7],
  Demand: [0, 200],
  PeakDemand: [0, 200],
};

export async function startOpcuaServer(opcua: typeof NodeOpcua, plant: Plant, options: OpcuaServerOptions): Promise<OpcuaServerHandle> {
  const { OPCUAServer, OPCUACertificateManager, DataType, DataValue, Variant, VariantArrayType, StatusCodes, makeAccessLevelFlag, makeEUInformation } = opcua;
  const pkiDir = options.pkiDir ?? join(tmpdir(), 'millwright-sim-pki');
  const certificateManager = new OPCUACertificateManager({ rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: true });
  // The store for X.509 user tokens too, or node-opcua keeps one under the home folder.
  const userCertificateManager = new OPCUACertificateManager({ rootFolder: join(pkiDir, 'user'), automaticallyAcceptUnknownCertificate: false });
  const server = new OPCUAServer({
    port: options.port,
    host: options.host,
    hostname: wildcard(options.host) ? undefined : options.host,
    serverCertificateManager: certificateManager,
    userCertificateManager,
    allowAnonymous: true,
    buildInfo: { productName: 'Millwright plant simulator', manufacturerName: 'Millwright' },
  });
  try {
    // Initialising the server starts its certificate stores: one store start at a time in the process.
    await oneStoreStartAtATime(() => server.initialize());
    const addressSpace = server.engine.addressSpace;
    if (!addressSpace) throw new Error('OPC UA address space did not initialise');
    const ns = addressSpace.registerNamespace(OPCUA_NAMESPACE);
    const plantObject = ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: 'Plant', nodeId: 's=Plant' });
    const line = ns.addObject({ componentOf: plantObject, browseName: 'Line1', nodeId: 's=Plant.Line1' });
    const machines = new Map<string, NodeOpcua.UAObject>([[PLANT, plantObject]]);
    for (const name of MACHINE_NAMES) machines.set(name, ns.addObject({ componentOf: line, browseName: name, nodeId: `s=Plant.Line1.${name}` }));

    for (const def of TAGS) {
      const parent = machines.get(def.machine) as NodeOpcua.UAObject;
      const name = tagName(def);
      const dataType = { float: DataType.Double, bool: DataType.Boolean, string: DataType.String, waveform: DataType.Double, datetime: DataType.DateTime }[def.type];
      const variant = (value: unknown) => {
        if (def.type === 'waveform') return new Variant({ dataType, arrayType: VariantArrayType.Array, value: Float64Array.from(value as number[]) });
        if (def.type === 'datetime') return new Variant({ dataType, value: new Date(value as number) });
        return new Variant({ dataType, value });
      };
      const value = {
        timestamped_get: () => {
          const reading = plant.read(name);
          const bad = reading.quality === 'bad';
          return new DataValue({
            value: bad ? new Variant({ dataType: DataType.Null }) : variant(reading.value),
            statusCode: bad ? StatusCodes.BadSensorFailure : StatusCodes.Good,
            sourceTimestamp: new Date(plant.time),
            serverTimestamp: new Date(),
          });
        },
        timestamped_set: def.writable
          ? async (dataValue: NodeOpcua.DataValue) => {
              try {
                plant.write(name, dataValue.value.value);
                options.onLog?.(`OPC UA write ${name} = ${String(dataValue.value.value)}`);
                return StatusCodes.Good;
              } catch {
                return def.type === 'bool' ? StatusCodes.BadTypeMismatch : StatusCodes.BadOutOfRange;
              }
            }
          : undefined,
      };
      const access = makeAccessLevelFlag(def.writable ? 'CurrentRead | CurrentWrite' : 'CurrentRead');
      const common = {
        componentOf: parent,
        browseName: def.signal,
        nodeId: `s=${opcuaNodeId(def)}`,
        description: def.description,
        accessLevel: access,
        userAccessLevel: access,
        minimumSamplingInterval: 100,
        value,
      };
      if (def.type === 'float' && def.unit) {
        const [low, high] = RANGES[def.signal] ?? [def.min ?? 0, def.max ?? 1];
        ns.addAnalogDataItem({
          ...common,
          dataType: 'Double',
          engineeringUnits: makeEUInformation(def.unit.code, def.unit.symbol, def.unit.name),
          engineeringUnitsRange: { low: def.min ?? low, high: def.max ?? high },
        });
      } else {
        ns.addVariable({
          ...common,
          dataType,
          valueRank: def.type === 'waveform' ? 1 : -1,
          arrayDimensions: def.type === 'waveform' ? [0] : undefined,
        });
      }
    }

    const method = ns.addMethod(plantObject, {
      browseName: 'InjectFault',
      nodeId: 's=Plant.InjectFault',
      description: 'Injects a fault (bearing, clogging, stuck, spike, dropout), or clear / repair, on a machine; machine may name a signal: Spindle/Temperature',
      inputArguments: [
        { name: 'Machine', dataType: DataType.String, description: { text: `one of ${MACHINE_NAMES.join(', ')}, optionally /Signal` } },
        { name: 'Fault', dataType: DataType.String, description: { text: 'bearing, clogging, stuck, spike, dropout, clear or repair' } },
      ],
      outputArguments: [{ name: 'Result', dataType: DataType.String, description: { text: 'what was done' } }],
    });
    // node-opcua tells a promise-returning method from a callback one by its declared arity (2).
    method.bindMethod(async (inputArguments: NodeOpcua.Variant[], _context: NodeOpcua.ISessionContext) => {
      try {
        const text = plant.injectFault(inputArguments[0]?.value, inputArguments[1]?.value);
        options.onLog?.(`OPC UA InjectFault: ${text}`);
        return { statusCode: StatusCodes.Good, outputArguments: [{ dataType: DataType.String, value: text }] };
      } catch (err) {
        options.onLog?.(`OPC UA InjectFault rejected: ${(err as Error).message}`);
        return { statusCode: StatusCodes.BadInvalidArgument };
      }
    });

    await server.start();
  } catch (err) {
    await server.shutdown(0).catch(() => undefined);
    await certificateManager.dispose().catch(() => undefined);
    await userCertificateManager.dispose().catch(() => undefined);
    throw listenError(err as Error, options.host, options.port);
  }
  const port = server.endpoints[0]?.port ?? options.port;
  return {
    port,
    // Listening on every interface: advertise the machine's name rather than 0.0.0.0.
    endpointUrl: wildcard(options.host) ? server.getEndpointUrl() : `opc.tcp://${options.host}:${port}`,
    close: async () => {
      await server.shutdown(0);
      await certificateManager.dispose();
      await userCertificateManager.dispose();
    },
  };
}

function wildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

function listenError(err: Error, host: string, port: number): Error {
  const text = `${err.message} ${(err as NodeJS.ErrnoException).code ?? ''}`;
  if (/EADDRINUSE/.test(text)) return new Error(`OPC UA port ${port} on ${host} is already in use (choose another port, or 0 for any free one)`);
  if (/EACCES/.test(text)) return new Error(`no permission to listen on OPC UA port ${port} on ${host}`);
  return new Error(`OPC UA server could not start on ${host}:${port}: ${err.message}`);
}

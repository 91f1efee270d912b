import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ModbusRTU from 'modbus-serial';
import { OPCUACertificateManager } from 'node-opcua';
import { AttributeIds, BrowseDirection, DataType, OPCUAClient, StatusCodes, type ClientSession } from 'node-opcua-client';
import { PlantSimulator } from '../../lib/simulator/simulator';
import { MACHINE_NAMES } from '../../lib/simulator/tags';

const NS_URI = 'urn:millwright:plant-simulator';

describe('plant simulator: OPC UA address space', () => {
  const pkiDir = mkdtempSync(join(tmpdir(), 'millwright-sim-pki-'));
  let sim: PlantSimulator;
  let client: OPCUAClient;
  let session: ClientSession;
  let ns: number;
  // The client's own certificate goes to the temp folder too, not to the user's home.
  const clientCertificateManager = new OPCUACertificateManager({ rootFolder: join(pkiDir, 'client'), automaticallyAcceptUnknownCertificate: true });
  const id = (path: string) => `ns=${ns};s=${path}`;

  before(async () => {
    sim = new PlantSimulator({ seed: 2, run: false, opcuaPort: 0, modbusPort: null, pkiDir });
    const status = await sim.start();
    assert.ok(status.opcua && status.opcua.port > 0);
    sim.step(60);
    client = OPCUAClient.create({ endpointMustExist: false, clientCertificateManager, connectionStrategy: { maxRetry: 0, initialDelay: 100 } });
    await client.connect(status.opcua.endpointUrl);
    session = await client.createSession();
    ns = (await session.readNamespaceArray()).indexOf(NS_URI);
    assert.ok(ns > 0, 'namespace registered');
  });

  after(async () => {
    await session?.close();
    await client?.disconnect();
    await sim.stop();
    await clientCertificateManager.dispose();
    rmSync(pkiDir, { recursive: true, force: true });
  });

  it('keeps both its certificate stores (server and user tokens) in its PKI folder', () => {
    assert.ok(existsSync(join(pkiDir, 'own', 'certs')), 'server store');
    assert.ok(existsSync(join(pkiDir, 'user', 'trusted')), 'user-token store in the same folder, not under the home folder');
  });

  const browseNames = async (nodeId: string) => {
    const result = await session.browse({ nodeId, browseDirection: BrowseDirection.Forward, referenceTypeId: 'HierarchicalReferences', includeSubtypes: true, resultMask: 63 });
    assert.equal(result.statusCode.value, StatusCodes.Good.value, `browse ${nodeId}`);
    return (result.references ?? []).map((r) => r.browseName.name as string);
  };

  it('organises Objects/Plant/Line1/<Machine>/<Signal>', async () => {
    const objects = await browseNames('ObjectsFolder');
    assert.ok(objects.includes('Plant'));
    const plant = await browseNames(id('Plant'));
    for (const name of ['Line1', 'InjectFault', 'SpeedFactor', 'SimulatedTime']) assert.ok(plant.includes(name), name);
    const line = await browseNames(id('Plant.Line1'));
    assert.deepEqual(line.slice().sort(), [...MACHINE_NAMES].sort());
    const spindle = await browseNames(id('Plant.Line1.Spindle'));
    for (const s of ['Speed', 'SpeedSetpoint', 'Power', 'VibrationRms', 'Vibration', 'Temperature', 'Mode', 'RemainingLife']) assert.ok(spindle.includes(s), s);
  });

  it('reads values that match the plant, stamped with simulated time', async () => {
    const [temp, mode, vib, rul] = await session.read(
      ['Plant.Line1.Spindle.Temperature', 'Plant.Line1.Spindle.Mode', 'Plant.Line1.Spindle.Vibration', 'Plant.Line1.Spindle.RemainingLife'].map((p) => ({ nodeId: id(p), attributeId: AttributeIds.Value })),
    );
    assert.equal(temp.value.value, sim.plant.read('Spindle/Temperature').value);
    assert.equal(temp.sourceTimestamp?.getTime(), sim.plant.time);
    assert.equal(mode.value.value, sim.plant.read('Spindle/Mode').value);
    assert.equal(vib.value.value.length, 1024);
    assert.equal(vib.value.value[10], (sim.plant.read('Spindle/Vibration').value as number[])[10]);
    assert.ok(rul.value.value > 0);
  });

  it('carries engineering units on analog items', async () => {
    const refs = await session.browse({ nodeId: id('Plant.Line1.Spindle.Temperature'), browseDirection: BrowseDirection.Forward, resultMask: 63 });
    const eu = refs.references?.find((r) => r.browseName.name === 'EngineeringUnits');
    assert.ok(eu, 'EngineeringUnits property');
    const value = await session.read({ nodeId: eu.nodeId, attributeId: AttributeIds.Value });
    assert.equal(value.value.value.displayName.text, '°C');
  });

  it('accepts writes to setpoints and refuses bad values and read-only signals', async () => {
    const ok = await session.write({ nodeId: id('Plant.Line1.Spindle.SpeedSetpoint'), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Double, value: 8000 } } });
    assert.equal(ok.value, StatusCodes.Good.value);
    assert.equal(sim.plant.read('Spindle/SpeedSetpoint').value, 8000);
    const run = await session.write({ nodeId: id('Plant.Line1.Motor4.Run'), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Boolean, value: true } } });
    assert.equal(run.value, StatusCodes.Good.value);
    assert.equal(sim.plant.read('Motor4/Run').value, true);
    const tooFast = await session.write({ nodeId: id('Plant.Line1.Spindle.SpeedSetpoint'), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Double, value: 1e6 } } });
    assert.equal(tooFast.value, StatusCodes.BadOutOfRange.value);
    const readOnly = await session.write({ nodeId: id('Plant.Line1.Spindle.Temperature'), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Double, value: 1 } } });
    assert.notEqual(readOnly.value, StatusCodes.Good.value);
    assert.equal(sim.plant.read('Spindle/SpeedSetpoint').value, 8000);
  });

  it('injects faults with the InjectFault method and rejects bad arguments', async () => {
    const call = (machine: string, fault: string) =>
      session.call({
        objectId: id('Plant'),
        methodId: id('Plant.InjectFault'),
        inputArguments: [
          { dataType: DataType.String, value: machine },
          { dataType: DataType.String, value: fault },
        ],
      });
    const good = await call('Spindle', 'bearing');
    assert.equal(good.statusCode.value, StatusCodes.Good.value);
    assert.match(good.outputArguments?.[0].value, /bearing defect on Spindle/);
    assert.deepEqual(sim.plant.faults(), [{ machine: 'Spindle', fault: 'bearing' }]);
    const bad = await call('Spindle', 'clogging');
    assert.equal(bad.statusCode.value, StatusCodes.BadInvalidArgument.value);
    await call('Spindle', 'repair');
    assert.deepEqual(sim.plant.faults(), []);
  });

  it('reports a dropped-out sensor as bad', async () => {
    sim.injectFault('Pump/Flow', 'dropout');
    const dv = await session.read({ nodeId: id('Plant.Line1.Pump.Flow'), attributeId: AttributeIds.Value });
    assert.equal(dv.statusCode.value, StatusCodes.BadSensorFailure.value);
    sim.plant.clearFaults();
  });

  it('runs Modbus only, and says how to enable OPC UA, when node-opcua is absent', async () => {
    const lonely = new PlantSimulator({ run: false, opcuaPort: 0, modbusPort: 0, opcuaLoader: () => null });
    const status = await lonely.start();
    assert.equal(status.opcua, null);
    assert.match(status.opcuaNote ?? '', /npm install node-opcua@~2\.182/);
    const mb = new ModbusRTU();
    await mb.connectTCP('127.0.0.1', { port: status.modbus?.port as number });
    mb.setID(1);
    assert.equal((await mb.readInputRegisters(0, 2)).data.length, 2);
    await new Promise<void>((resolve) => mb.close(() => resolve()));
    await lonely.stop();
  });

  it('reports an OPC UA port already in use clearly', async () => {
    const port = sim.status().opcua?.port as number;
    const clash = new PlantSimulator({ run: false, opcuaPort: port, modbusPort: 0, pkiDir });
    await assert.rejects(clash.start(), new RegExp(`OPC UA port ${port} on 127.0.0.1 is already in use`));
    assert.equal(clash.status().modbus, null, 'the Modbus side it had started is released');
  });
});

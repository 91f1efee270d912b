// Modbus connection config node: one ModbusConnection shared by every poll and write node that
// registers with it (as the core MQTT broker node shares its client), with status fanned out to them.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { ModbusConnection, ModbusRequestError, type StateChange } from '../../lib/protocols/modbus-client';
import { connectionOptionsFrom, connectionStatus, type ModbusConnectionHandle, type ModbusRequests, type ModbusUser, type StatusView } from '../../lib/protocols/modbus-handle';
import { errorText } from '../shared/glue';

type ConnectionNode = Node & ModbusConnectionHandle;

export = function register(RED: NodeAPI): void {
  function ModbusConnectionNode(this: ConnectionNode, config: NodeDef & Record<string, unknown>) {
    RED.nodes.createNode(this, config);
    const node = this;
    const users = new Map<string, ModbusUser>();
    const options = connectionOptionsFrom(config);
    let live: ModbusConnection | undefined;
    let status: StatusView = {};
    let warnedPlain = false;
    node.defaultUnitId = Number.isInteger(options.unitId) ? (options.unitId as number) : 1;
    node.label = options.transport === 'rtu' ? String(options.path) : `${options.host}:${options.port}`;
    try {
      new ModbusConnection(options); // validates the settings without opening anything
    } catch (err) {
      node.configError = `Modbus connection ${config.name || node.label}: ${errorText(err)}`;
      status = { fill: 'red', shape: 'ring', text: errorText(err).slice(0, 60) };
      node.error(node.configError);
    }

    const fanOut = () => {
      for (const user of users.values()) user.status(status);
    };

    const ensure = (): ModbusConnection => {
      if (live) return live;
      const conn = new ModbusConnection(options);
      conn.on('state', (s: StateChange) => {
        if (live !== conn) return;
        status = connectionStatus(s, node.label);
        if (s.state === 'reconnecting' && s.attempt === 1) node.warn(`Modbus ${node.label}: ${s.error}; reconnecting`);
        if (s.state === 'connected') node.log(`Modbus ${node.label}: connected`);
        // Modbus has no encryption or login: said once per deployment, the status stays green so real faults stand out.
        if (s.state === 'connected' && !warnedPlain) {
          warnedPlain = true;
          node.warn(`unencrypted: Modbus ${node.label} has no encryption and no login; anyone on this network can read and write the device. Keep it on a segmented network (see the pack's SECURITY.md).`);
        }
        fanOut();
      });
      live = conn;
      conn.start();
      return conn;
    };

    const refusal = () => Promise.reject(new ModbusRequestError(node.configError as string, 'not-connected'));
    const failing: ModbusRequests = {
      readRegisters: refusal,
      readBits: refusal,
      writeCoil: refusal,
      writeRegisters: refusal,
      stats: { requests: 0, failures: 0, timeouts: 0, exceptions: 0, drops: 0, reconnects: 0, queued: 0 },
      connected: false,
    };

    node.connection = () => (node.configError ? failing : ensure());
    node.currentStatus = () => status;

    node.register = (user: ModbusUser) => {
      users.set(user.id, user);
      if (!node.configError && !live) {
        try {
          ensure();
        } catch (err) {
          node.error(errorText(err));
        }
      }
      user.status(status);
    };

    node.deregister = (user: ModbusUser, done: () => void) => {
      users.delete(user.id);
      if (users.size === 0 && live) {
        const conn = live;
        live = undefined;
        status = {};
        conn.close().catch(() => undefined).finally(done);
        return;
      }
      done();
    };

    node.on('close', (done: () => void) => {
      users.clear();
      const conn = live;
      live = undefined;
      if (!conn) return done();
      conn.close().catch(() => undefined).finally(done);
    });
  }

  RED.nodes.registerType('millwright-modbus-connection', ModbusConnectionNode);
};

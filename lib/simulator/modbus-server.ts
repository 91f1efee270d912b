// Serves the register map over Modbus TCP with modbus-serial's ServerTCP.
import type { AddressInfo, Server } from 'node:net';
import { ServerTCP } from 'modbus-serial';
import type { RegisterMap } from './modbus-map';

export interface ModbusServerHandle {
  port: number;
  close(): Promise<void>;
}

export function startModbusServer(map: RegisterMap, host: string, port: number, onError: (err: Error) => void = () => undefined): Promise<ModbusServerHandle> {
  // ServerTCP treats a falsy port as "use 502"; a string "0" reaches net.listen as an ephemeral port.
  const listenPort = (port === 0 ? '0' : port) as number;
  const vector = {
    getInputRegister: (addr: number) => map.readInputRegisters(addr, 1)[0],
    getMultipleInputRegisters: (addr: number, length: number) => map.readInputRegisters(addr, length),
    getHoldingRegister: (addr: number) => map.readHoldingRegisters(addr, 1)[0],
    getMultipleHoldingRegisters: (addr: number, length: number) => map.readHoldingRegisters(addr, length),
    setRegister: (addr: number, value: number) => map.writeRegisters(addr, [value]),
    setRegisterArray: (addr: number, values: number[]) => map.writeRegisters(addr, values),
    getCoil: (addr: number) => map.readCoil(addr),
    getDiscreteInput: (addr: number) => map.readCoil(addr),
    setCoil: (addr: number, value: boolean) => map.writeCoil(addr, value),
  };
  return new Promise((resolve, reject) => {
    const server = new ServerTCP(vector, { host, port: listenPort, unitID: 255 });
    const net = (server as unknown as { _server: Server })._server;
    let started = false;
    const close = () =>
      new Promise<void>((done) => {
        server.close(() => done());
      });
    server.on('initialized', () => {
      started = true;
      resolve({ port: (net.address() as AddressInfo).port, close });
    });
    server.on('serverError', (err: Error | null) => {
      if (!err) return;
      if (!started) {
        reject(listenError(err, host, port));
        net.close(() => undefined);
      } else onError(err);
    });
    // A client resetting its connection must not bring the plant down.
    server.on('socketError', () => undefined);
    server.on('error', (err: Error | null) => err && onError(err));
  });
}

function listenError(err: Error, host: string, port: number): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new Error(`Modbus port ${port} on ${host} is already in use (choose another port, or 0 for any free one)`);
  if (code === 'EACCES') return new Error(`no permission to listen on Modbus port ${port} on ${host} (ports below 1024 need privileges)`);
  return new Error(`Modbus server could not listen on ${host}:${port}: ${err.message}`);
}

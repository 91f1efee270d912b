// A loopback port nothing listens on right now (taken from the OS, then released), for servers that
// cannot be told to pick one themselves (modbus-serial treats 0 as 502) or must restart on the same port.
import { createServer, type AddressInfo } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

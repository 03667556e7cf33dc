import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now: the OS picks it, the probe closes it again. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      if (address === null || typeof address === 'string') {
        probe.close();
        reject(new Error('no port from the OS'));
        return;
      }
      probe.close(() => resolve(address.port));
    });
  });
}

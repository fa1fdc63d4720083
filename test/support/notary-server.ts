/**
 * The real notary-server (Debian package `notary`): memory storage and the
 * local trust service, which signs timestamps with Ed25519 in-process.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { freePort, startProcess, waitUntil } from './processes.js';

export interface NotaryServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface NotaryServerOptions {
  /** Directory for the server's config file. */
  readonly dir: string;
  /** Serve HTTPS with this certificate and key. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** Listen on this port (a restart at the same URL); a free one otherwise. */
  readonly port?: number;
}

export async function startNotaryServer(options: NotaryServerOptions): Promise<NotaryServer> {
  for (let attempt = 0; ; attempt++) {
    const port = options.port ?? (await freePort());
    const server: Record<string, unknown> = { http_addr: `127.0.0.1:${port}` };
    if (options.tls !== undefined) {
      server['tls_cert_file'] = options.tls.certFile;
      server['tls_key_file'] = options.tls.keyFile;
    }
    const config = {
      server,
      trust_service: { type: 'local', key_algorithm: 'ed25519' },
      storage: { backend: 'memory' },
      logging: { level: 'error' },
    };
    const configFile = join(options.dir, `notary-server-${port}.json`);
    await writeFile(configFile, JSON.stringify(config));
    const process = startProcess('notary-server', ['-config', configFile]);
    const scheme = options.tls === undefined ? 'http' : 'https';
    const url = `${scheme}://127.0.0.1:${port}`;
    try {
      await waitUntil(
        async () => {
          const { connect } = await import('node:net');
          return new Promise<boolean>((resolve) => {
            const socket = connect(port, '127.0.0.1', () => {
              socket.end();
              resolve(true);
            });
            socket.on('error', () => resolve(false));
          });
        },
        `notary-server on ${url}`,
        process
      );
    } catch (error) {
      await process.stop();
      if (attempt < 3 && options.port === undefined) {
        continue; // the port was taken between freePort() and bind
      }
      throw error;
    }
    return { url, port, stop: () => process.stop() };
  }
}

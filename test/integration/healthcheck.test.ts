/**
 * `trust-auditor healthcheck --config FILE` against a real `serve`: the
 * Dockerfile's HEALTHCHECK must be right whatever the listen address, the
 * port, TLS and auth, and must need neither Nexus, Notary nor the database.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { MAIN, runCli } from '../support/cli.js';
import { makeServerCertificate } from '../support/openssl.js';
import { freePort, listenOnLoopback, run } from '../support/processes.js';
import { makeTempDir } from '../support/temp.js';

interface Served {
  readonly config: string;
  stop(): Promise<void>;
}

describe('healthcheck against a real serve', () => {
  let dir: { path: string; remove(): Promise<void> };
  let nexus: Server;
  let nexusUrl: string;
  const daemons: ChildProcess[] = [];

  before(async () => {
    dir = await makeTempDir('healthcheck');
    // Nexus and Notary in one stub with no repositories: the daemon's scans are empty.
    nexus = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"items":[],"continuationToken":null}');
    });
    nexusUrl = await listenOnLoopback(nexus);
  });

  after(async () => {
    for (const child of daemons) {
      child.kill('SIGKILL');
    }
    nexus.closeAllConnections();
    await new Promise((resolve) => nexus.close(resolve));
    await dir?.remove();
  });

  /** Writes a configuration with `extra` and starts serve on it, once it says it is serving. */
  const serve = async (name: string, extra: string): Promise<Served> => {
    const config = join(dir.path, `${name}.yaml`);
    await writeFile(
      config,
      `nexus:\n  url: ${nexusUrl}\n  repositories:\n    - name: docker-hosted\n      gunPrefix: 127.0.0.1:18079\n` +
        `notary:\n  url: ${nexusUrl}\ndatabase: ${join(dir.path, `${name}.db`)}\nschedule: "0 0 1 1 *"\n${extra}`
    );
    const child = spawn(process.execPath, [MAIN, 'serve', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    daemons.push(child);
    let stderr = '';
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve ${name} did not start:\n${stderr}`)), 30_000);
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('trust-auditor serving')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', () => reject(new Error(`serve ${name} exited:\n${stderr}`)));
    });
    return {
      config,
      stop: async () => {
        child.kill('SIGTERM');
        await exited;
      },
    };
  };

  /** Another configuration for the same daemon, as a healthcheck would read it. */
  const variant = async (served: Served, name: string, edit: (text: string) => string): Promise<string> => {
    const file = join(dir.path, `${name}.yaml`);
    await writeFile(file, edit(await readFile(served.config, 'utf8')));
    return file;
  };

  it('plain HTTP on the wildcard address and another port, with web auth set: healthy, then unhealthy once stopped', async () => {
    const port = await freePort();
    const served = await serve('plain', `listen: 0.0.0.0:${port}\nweb:\n  username: admin\n  password: not-sent\n`);
    const healthy = await runCli(['healthcheck', '--config', served.config]);
    assert.equal(healthy.code, 0, healthy.stderr);
    assert.equal(healthy.stdout, `healthy: http://127.0.0.1:${port}/healthz answered HTTP 200\n`);
    await served.stop();
    const stopped = await runCli(['healthcheck', '--config', served.config]);
    assert.equal(stopped.code, 1);
    assert.equal(stopped.stdout, '');
    assert.match(stopped.stderr, new RegExp(`^trust-auditor: unhealthy: http://127\\.0\\.0\\.1:${port}/healthz: connect ECONNREFUSED[^\\n]*\\n$`));
  });

  it('TLS with a certificate naming another host: the configured certificate is pinned, another one is refused', async () => {
    const keyFile = join(dir.path, 'self.key');
    const certFile = join(dir.path, 'self.crt');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '30',
      '-subj',
      '/CN=auditor.example.com',
      '-addext',
      'subjectAltName=DNS:auditor.example.com',
    ]);
    const port = await freePort();
    const served = await serve('tls', `listen: 127.0.0.1:${port}\nweb:\n  tlsCertFile: ${certFile}\n  tlsKeyFile: ${keyFile}\n`);
    try {
      const healthy = await runCli(['healthcheck', '--config', served.config]);
      assert.equal(healthy.code, 0, healthy.stderr);
      assert.equal(healthy.stdout, `healthy: https://127.0.0.1:${port}/healthz answered HTTP 200\n`);

      const other = await makeServerCertificate(dir.path, 'other');
      const pinnedOther = await variant(served, 'tls-other', (text) => text.replace(certFile, other.certFile).replace(keyFile, other.keyFile));
      const refused = await runCli(['healthcheck', '--config', pinnedOther]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^trust-auditor: unhealthy: https:\/\/127\.0\.0\.1:\d+\/healthz presented another certificate than web\.tlsCertFile/);

      const plain = await variant(served, 'tls-as-plain', (text) => text.replace(/web:\n(  .*\n)+/, ''));
      const mismatch = await runCli(['healthcheck', '--config', plain]);
      assert.equal(mismatch.code, 1, mismatch.stdout);
    } finally {
      await served.stop();
    }
  });

  it('TLS on the IPv6 wildcard with a CA-issued certificate and its chain: asked on 127.0.0.1 (the :: socket is dual-stack)', async () => {
    const issued = await makeServerCertificate(dir.path, 'issued');
    const chain = join(dir.path, 'issued-chain.pem');
    await writeFile(chain, (await readFile(issued.certFile, 'utf8')) + (await readFile(issued.caFile, 'utf8')));
    const port = await freePort();
    const served = await serve('tls6', `listen: "[::]:${port}"\nweb:\n  tlsCertFile: ${chain}\n  tlsKeyFile: ${issued.keyFile}\n`);
    try {
      const healthy = await runCli(['healthcheck', '--config', served.config]);
      assert.equal(healthy.code, 0, healthy.stderr);
      assert.equal(healthy.stdout, `healthy: https://127.0.0.1:${port}/healthz answered HTTP 200\n`);
    } finally {
      await served.stop();
    }
  });

  it('a configuration it cannot use is exit 2, and no database is created', async () => {
    const broken = join(dir.path, 'broken.yaml');
    const database = join(dir.path, 'never.db');
    await writeFile(broken, `database: ${database}\nlisten: nowhere\n`);
    const result = await runCli(['healthcheck', '--config', broken]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /listen: must be host:port/);
    const missing = await runCli(['healthcheck', '--config', join(dir.path, 'absent.yaml')]);
    assert.equal(missing.code, 2);
    const unread = join(dir.path, 'unread-cert.yaml');
    await writeFile(unread, `database: ${database}\nlisten: 127.0.0.1:1\nweb:\n  tlsCertFile: ${join(dir.path, 'absent.crt')}\n  tlsKeyFile: ${join(dir.path, 'absent.key')}\n`);
    const noCert = await runCli(['healthcheck', '--config', unread]);
    assert.equal(noCert.code, 2);
    assert.match(noCert.stderr, /web\.tlsCertFile: cannot read/);
    await assert.rejects(readFile(database), { code: 'ENOENT' });
  });
});

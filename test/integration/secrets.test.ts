/**
 * Security: with known secrets configured everywhere (Nexus, Notary token
 * auth, the daemon's own Basic auth), scans, inspect, serve and their error
 * paths never let a secret (or its Basic-auth encoding) reach the logs,
 * stdout, the metrics, the API, the JSON report or the database. The daemon's
 * endpoints require the credentials (but for the probes), and the database
 * file is private.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';

import { runCli } from '../support/cli.js';
import { startDaemon, type Daemon } from '../support/daemon.js';
import { freePort } from '../support/processes.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';
import { startTamperProxy, type TamperProxy } from '../support/tamper-proxy.js';

const NEXUS_PASSWORD = 'nexus-PW-6f1e0c';
const NOTARY_PASSWORD = 'notary-PW-9b2d47';
const WEB_PASSWORD = 'web-PW-3a8c51';
const SECRETS = [NEXUS_PASSWORD, NOTARY_PASSWORD, WEB_PASSWORD];
const ENCODED = [
  Buffer.from(`auditor:${NEXUS_PASSWORD}`).toString('base64'),
  Buffer.from(`notary-reader:${NOTARY_PASSWORD}`).toString('base64'),
  Buffer.from(`prometheus:${WEB_PASSWORD}`).toString('base64'),
];
const PREFIX = '127.0.0.1:18079';

function assertNoSecret(text: string, where: string): void {
  for (const secret of [...SECRETS, ...ENCODED]) {
    assert.ok(!text.includes(secret), `${where} contains a secret`);
  }
}

describe('secrets and access', () => {
  let world: ScanWorld;
  let guarded: TamperProxy;
  let config: string;
  let database: string;
  let daemon: Daemon;
  const webAuth = { authorization: 'Basic ' + Buffer.from(`prometheus:${WEB_PASSWORD}`).toString('base64') };

  before(async () => {
    world = await startScanWorld({ users: { auditor: { password: NEXUS_PASSWORD, admin: true } } });
    world.nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
    await world.cli.init(`${PREFIX}/app`);
    const signed = world.push('docker-hosted', 'app', 'v1');
    await world.cli.addHash(`${PREFIX}/app`, 'v1', signed.sha256, signed.size);
    await world.cli.publish(`${PREFIX}/app`);
    world.push('docker-hosted', 'app', 'unsigned');
    world.push('docker-hosted', 'down', 'latest');
    world.failingGuns.set(`${PREFIX}/down`, 500);
    // Notary behind registry-style token auth.
    guarded = await startTamperProxy(world.notaryProxy.url, { requireToken: { username: 'notary-reader', password: NOTARY_PASSWORD } });
    database = `${world.dir}/secrets.db`;
    const port = await freePort();
    await world.writeConfig('nexus-password', `${NEXUS_PASSWORD}\n`);
    config = await world.writeConfig(
      'secrets.yaml',
      `nexus:\n  url: ${world.nexus.url}\n  username: auditor\n  passwordFile: ${world.dir}/nexus-password\n  registrySample: 2\n  repositories:\n    - name: docker-hosted\n      gunPrefix: ${PREFIX}\n` +
        `notary:\n  url: ${guarded.url}\n  username: notary-reader\n  password: \${NOTARY_PW}\n` +
        `web:\n  username: prometheus\n  password: ${WEB_PASSWORD}\n  minScanIntervalSeconds: 0\n` +
        `database: ${database}\nschedule: "0 0 1 1 *"\nlisten: 127.0.0.1:${port}\nrequestTimeoutSeconds: 5\n`
    );
    process.env['NOTARY_PW'] = NOTARY_PASSWORD;
    daemon = await startDaemon(config, port);
  });

  after(async () => {
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
    await guarded?.stop();
    await world?.stop();
    delete process.env['NOTARY_PW'];
  });

  it('never shows a secret in scan output, the JSON report or logs, on success and on failure', async () => {
    const good = await runCli(['scan', '--config', config, '--json'], { NOTARY_PW: NOTARY_PASSWORD, TRUST_AUDITOR_LOG_LEVEL: 'debug' });
    assert.equal(good.code, 1, good.stderr);
    const report = JSON.parse(good.stdout) as { tags: { tag: string; status: string }[] };
    assert.deepEqual(report.tags.map((t) => `${t.tag}:${t.status}`).sort(), ['latest:error', 'unsigned:unsigned', 'v1:signed']);
    assertNoSecret(good.stdout + good.stderr, 'scan');

    const wrongNotary = await runCli(['scan', '--config', config], { NOTARY_PW: 'not-the-password' });
    assert.match(wrongNotary.stdout + wrongNotary.stderr, /token endpoint/);
    assertNoSecret(wrongNotary.stdout + wrongNotary.stderr, 'scan with wrong Notary credentials');

    const inspect = await runCli(['inspect', `${PREFIX}/app`, '--config', config, '--json'], { NOTARY_PW: NOTARY_PASSWORD });
    assert.equal(inspect.code, 0, inspect.stdout + inspect.stderr);
    assertNoSecret(inspect.stdout + inspect.stderr, 'inspect');

    const badConfig = await world.writeConfig('bad.yaml', (await readFile(config, 'utf8')).replace('schedule:', 'schedul:'));
    const invalid = await runCli(['scan', '--config', badConfig], { NOTARY_PW: NOTARY_PASSWORD });
    assert.equal(invalid.code, 2);
    assertNoSecret(invalid.stdout + invalid.stderr, 'a configuration error');
  });

  it('requires the credentials on every endpoint but the probes, and leaks no secret through them', async () => {
    assert.equal((await fetch(`${daemon.url}/metrics`)).status, 401);
    assert.equal((await fetch(`${daemon.url}/api/v1/tags`)).status, 401);
    assert.equal((await fetch(`${daemon.url}/api/v1/scans`, { method: 'POST' })).status, 401);
    assert.equal((await fetch(`${daemon.url}/`, { headers: { authorization: 'Basic ' + Buffer.from('prometheus:wrong').toString('base64') } })).status, 401);
    assert.equal((await fetch(`${daemon.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${daemon.url}/readyz`)).status, 200);

    const bodies = await Promise.all(
      ['/metrics', '/api/v1/tags', '/api/v1/scans', '/'].map(async (path) => {
        const response = await fetch(`${daemon.url}${path}`, { headers: webAuth });
        assert.equal(response.status, 200, path);
        return response.text();
      })
    );
    for (const body of bodies) {
      assertNoSecret(body, 'an endpoint');
    }
    assert.match(bodies[0] ?? '', /trust_auditor_tag_status\{repository="docker-hosted",image="app",tag="v1",status="signed"\} 1/);
    assertNoSecret(daemon.output(), 'the daemon log');
  });

  it('keeps secrets out of the database, which only its owner can read', async () => {
    const bytes = await readFile(database);
    const wal = await readFile(`${database}-wal`).catch(() => Buffer.alloc(0));
    for (const secret of [...SECRETS, ...ENCODED]) {
      assert.equal(bytes.includes(secret), false);
      assert.equal(wal.includes(secret), false);
    }
    assert.equal((await stat(database)).mode & 0o777, 0o600);
  });
});

/**
 * How `scan` behaves when things go wrong: Nexus unreachable or refusing the
 * credentials, a bad configuration, a process killed mid-scan, repositories
 * discovered through their Docker connector, and tags whose digest only the
 * registry API knows.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';

import Database from 'better-sqlite3';

import { MAIN, runCli } from '../support/cli.js';
import { freePort } from '../support/processes.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';

const PREFIX = '127.0.0.1:18079';

describe('scan under failures', () => {
  let world: ScanWorld;

  before(async () => {
    world = await startScanWorld({ users: { admin: { password: 'admin-pw', admin: true } }, quirks: { missingChecksum: ['docker-hosted/app:nochecksum'] } });
    world.nexus.addRepository({ name: 'docker-hosted', type: 'hosted', docker: { httpPort: 18079 } });
    world.nexus.addRepository({ name: 'docker-slow', type: 'hosted', docker: { httpPort: 18081 } });
    world.nexus.addRepository({ name: 'docker-group', type: 'group', members: ['docker-hosted'], docker: { httpPort: 18090 } });
    await world.cli.init(`${PREFIX}/app`);
    for (const tag of ['v1', 'nochecksum']) {
      const manifest = world.push('docker-hosted', 'app', tag);
      await world.cli.addHash(`${PREFIX}/app`, tag, manifest.sha256, manifest.size);
    }
    await world.cli.publish(`${PREFIX}/app`);
    for (let i = 0; i < 30; i++) {
      world.push('docker-hosted', `img${i}`, 'latest');
      world.push('docker-slow', `slow${i}`, 'latest');
    }
  });

  after(async () => world?.stop());

  const config = (extra: string, nexusUrl = world.nexus.url, password = 'admin-pw') =>
    world.writeConfig(
      `config-${Math.random().toString(36).slice(2)}.yaml`,
      `nexus:\n  url: ${nexusUrl}\n  username: admin\n  password: ${password}\n${extra}notary:\n  url: ${world.notaryProxy.url}\ndatabase: ${world.dir}/db-${Math.random().toString(36).slice(2)}.db\n`
    );

  it('discovers Docker repositories and their GUN prefixes from the connectors, skipping groups', async () => {
    const file = await config('');

    const result = await runCli(['scan', '--config', file, '--json']);

    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as { tags: { repository: string; gun: string; tag: string; status: string; digest: string | null }[] };
    assert.deepEqual([...new Set(report.tags.map((t) => t.repository))].sort(), ['docker-hosted', 'docker-slow']);
    assert.ok(report.tags.some((t) => t.gun === '127.0.0.1:18081/slow0'));
    // The REST asset had no checksum: the digest came from the registry API.
    const fromRegistry = report.tags.find((t) => t.tag === 'nochecksum');
    assert.equal(fromRegistry?.status, 'signed');
    assert.match(result.stderr, /Skipping group repository/);
  });

  it('exits 3 with a clear message when Nexus is unreachable', async () => {
    const port = await freePort();
    const file = await config('', `http://127.0.0.1:${port}`);

    const result = await runCli(['scan', '--config', file, '--json']);

    assert.equal(result.code, 3);
    const report = JSON.parse(result.stdout) as { scan: { outcome: string } };
    assert.equal(report.scan.outcome, 'failed');
    assert.match(result.stderr, /cannot connect/);
  });

  it('exits 3 when Nexus refuses the credentials, and never prints them', async () => {
    const file = await config('', world.nexus.url, 'wrong-pw-123');

    const result = await runCli(['scan', '--config', file]);

    assert.equal(result.code, 3);
    assert.match(result.stdout + result.stderr, /HTTP 401/);
    assert.doesNotMatch(result.stdout + result.stderr, /wrong-pw-123/);
  });

  it('exits 2 naming the key for a configuration error', async () => {
    const file = await config('  repositorys: []\n');

    const result = await runCli(['scan', '--config', file]);

    assert.equal(result.code, 2);
    assert.match(result.stderr, /nexus\.repositorys: is not a known key/);
    assert.equal(result.stdout, '');
  });

  it('exits 3 when the database cannot be opened', async () => {
    const file = await world.writeConfig('bad-db.yaml', `nexus:\n  url: ${world.nexus.url}\nnotary:\n  url: ${world.notaryProxy.url}\ndatabase: /nonexistent-dir/audit.db\n`);

    const result = await runCli(['scan', '--config', file]);

    assert.equal(result.code, 3);
    assert.match(result.stderr, /database \/nonexistent-dir\/audit\.db/);
  });

  it('loses nothing already committed when killed mid-scan, and the next scan completes', async () => {
    const database = `${world.dir}/killed.db`;
    const file = await world.writeConfig(
      'killed.yaml',
      `nexus:\n  url: ${world.nexus.url}\n  username: admin\n  password: admin-pw\n  repositories:\n    - name: docker-hosted\n      gunPrefix: ${PREFIX}\n    - name: docker-slow\n      gunPrefix: 127.0.0.1:18081\nnotary:\n  url: ${world.notaryProxy.url}\ndatabase: ${database}\n`
    );
    // Notary is slow for the second repository's images, so the first is committed long before the end.
    world.setOverride(async (path, forward) => {
      if (path.includes('/slow')) {
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
      return forward();
    });
    const child = spawn(process.execPath, [MAIN, 'scan', '--config', file], { stdio: 'ignore' });
    try {
      const deadline = Date.now() + 20_000;
      let committed = 0;
      while (committed === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        try {
          const db = new Database(database, { readonly: true, fileMustExist: true });
          committed = (db.prepare(`SELECT count(*) AS n FROM tags WHERE repository = 'docker-hosted'`).get() as { n: number }).n;
          db.close();
        } catch {
          // not created yet
        }
      }
      assert.ok(committed > 0, 'the first repository was committed before the kill');
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    } finally {
      world.setOverride(undefined);
    }

    const db = new Database(database, { readonly: true });
    const survived = (db.prepare(`SELECT count(*) AS n FROM tags WHERE repository = 'docker-hosted'`).get() as { n: number }).n;
    assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
    db.close();
    assert.equal(survived, 32);

    const next = await runCli(['scan', '--config', file, '--json']);

    assert.equal(next.code, 1, next.stderr);
    assert.equal((JSON.parse(next.stdout) as { scan: { outcome: string } }).scan.outcome, 'complete');
    const after = new Database(database, { readonly: true });
    const outcomes = (after.prepare('SELECT outcome FROM scans ORDER BY id').all() as { outcome: string }[]).map((r) => r.outcome);
    after.close();
    assert.deepEqual(outcomes, ['interrupted', 'complete']);
  });
});

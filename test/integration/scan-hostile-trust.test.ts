/**
 * One image's trust data can only ever make that image's tags `invalid` or
 * `error`: the scan goes on for everything else. And a tag that changes the
 * role it is honoured from leaves a line in its history.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

import { Agent } from 'undici';

import { runScan } from '../../src/scan/scanner.js';
import { inlineVerifier } from '../../src/scan/verifier.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { applyMigrations } from '../../src/store/migrate.js';
import { ScanStore } from '../../src/store/scan-store.js';
import { runCli } from '../support/cli.js';
import { makeEcCertificate } from '../support/openssl.js';
import { scanDependencies } from '../support/scan-deps.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';

const MIGRATIONS = fileURLToPath(new URL('../../../migrations/', import.meta.url));
const PREFIX = '127.0.0.1:18079';

interface ReportTag {
  readonly image: string;
  readonly tag: string;
  readonly status: string;
  readonly role: string | null;
  readonly reason: string | null;
}

describe('hostile trust data for one image', () => {
  let world: ScanWorld;
  const dispatcher = new Agent();

  before(async () => {
    world = await startScanWorld();
    world.nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
    for (const image of ['good', 'deep', 'boom']) {
      await world.cli.init(`${PREFIX}/${image}`);
      const manifest = world.push('docker-hosted', image, 'v1');
      await world.cli.addHash(`${PREFIX}/${image}`, 'v1', manifest.sha256, manifest.size);
      await world.cli.publish(`${PREFIX}/${image}`);
    }
  });

  after(async () => {
    world?.setOverride(undefined);
    await dispatcher.close();
    await world?.stop();
  });

  const config = (name: string): Promise<string> =>
    world.writeConfig(
      `${name}.yaml`,
      `nexus:\n  url: ${world.nexus.url}\n  repositories:\n    - name: docker-hosted\n      gunPrefix: ${PREFIX}\nnotary:\n  url: ${world.notaryProxy.url}\ndatabase: ${world.dir}/${name}.db\n`
    );

  it('a timestamp nested 200,000 levels deep makes that image invalid; the scan completes', async () => {
    // 400 kB: under the timestamp's size cap, so the depth is what is judged.
    const deepTimestamp = Buffer.from('{"signed":{"x":' + '['.repeat(200_000) + ']'.repeat(200_000) + '},"signatures":[]}');
    world.setOverride(async (path, forward) =>
      path.startsWith(`/v2/${PREFIX}/deep/_trust/tuf/timestamp`) ? { status: 200, headers: { 'content-type': 'application/json' }, body: deepTimestamp } : forward()
    );
    try {
      const result = await runCli(['scan', '--config', await config('deep'), '--json']);

      assert.equal(result.code, 1, result.stderr);
      const report = JSON.parse(result.stdout) as { scan: { outcome: string }; tags: ReportTag[] };
      assert.notEqual(report.scan.outcome, 'failed');
      const byImage = new Map(report.tags.map((t) => [t.image, t]));
      assert.equal(byImage.get('good')?.status, 'signed');
      assert.equal(byImage.get('boom')?.status, 'signed');
      assert.equal(byImage.get('deep')?.status, 'invalid');
      assert.match(byImage.get('deep')?.reason ?? '', /^MALFORMED_METADATA: timestamp: nested deeper than 10000 levels/);
    } finally {
      world.setOverride(undefined);
    }
  });

  it('whatever the verifier throws for one image turns only its tags to error, and the scan is partial', async () => {
    const db: Db = openDatabase(`${world.dir}/throws.db`);
    try {
      applyMigrations(db, MIGRATIONS);
      const result = await runScan(
        {
          ...scanDependencies(world, db, dispatcher),
          verifier: {
            verify: async (gun, bytes, history, now) => {
              if (gun.endsWith('/boom')) {
                throw new RangeError('Maximum call stack size exceeded');
              }
              return inlineVerifier.verify(gun, bytes, history, now);
            },
            close: async () => undefined,
          },
        },
        { repositories: [{ name: 'docker-hosted', gunPrefix: PREFIX }], registrySample: 0 }
      );

      assert.equal(result.outcome, 'partial');
      assert.equal(result.summary.signed, 2);
      assert.equal(result.summary.error, 1);
      const boom = new ScanStore(db).allTags().find((stored) => stored.image === 'boom');
      assert.equal(boom?.status, 'error');
      assert.match(boom?.reason ?? '', /could not be processed: .*Maximum call stack size exceeded/);
    } finally {
      db.close();
    }
  });

  it('a shutdown does not wait for a verification that never ends', async () => {
    const db: Db = openDatabase(`${world.dir}/hangs.db`);
    try {
      applyMigrations(db, MIGRATIONS);
      const abort = new AbortController();
      const started = Date.now();
      setTimeout(() => abort.abort(new Error('SIGTERM')), 500).unref();
      const result = await runScan(
        {
          ...scanDependencies(world, db, dispatcher),
          verifier: { verify: () => new Promise(() => undefined), close: async () => undefined },
        },
        { repositories: [{ name: 'docker-hosted', gunPrefix: PREFIX }], registrySample: 0, signal: abort.signal }
      );

      assert.equal(result.outcome, 'failed');
      assert.ok(Date.now() - started < 5_000, `stopped after ${Date.now() - started} ms`);
    } finally {
      db.close();
    }
  });

  it('records a tag that moves from targets/releases to targets when the delegation is removed', async () => {
    const gun = `${PREFIX}/moved`;
    const manifest = world.push('docker-hosted', 'moved', 'v1');
    await world.cli.init(gun);
    await world.cli.addHash(gun, 'v1', manifest.sha256, manifest.size);
    const releases = await makeEcCertificate(world.dir, 'moved-releases', 'releases');
    await world.cli.addDelegation(gun, 'targets/releases', releases.certFile, releases.keyFile);
    await world.cli.addHash(gun, 'v1', manifest.sha256, manifest.size, 'targets/releases');
    await world.cli.publish(gun);
    const file = await config('moved');

    const first = JSON.parse((await runCli(['scan', '--config', file, '--json'])).stdout) as { tags: ReportTag[] };
    await world.cli.notary('delegation', 'remove', gun, 'targets/releases', '-y');
    await world.cli.publish(gun);
    const second = JSON.parse((await runCli(['scan', '--config', file, '--json'])).stdout) as { tags: ReportTag[] };

    const moved = (report: { tags: ReportTag[] }): ReportTag | undefined => report.tags.find((t) => t.image === 'moved');
    assert.deepEqual([moved(first)?.status, moved(first)?.role], ['signed', 'targets/releases']);
    assert.deepEqual([moved(second)?.status, moved(second)?.role, moved(second)?.reason], ['signed', 'targets', null]);
    const db = openDatabase(`${world.dir}/moved.db`);
    try {
      const history = new ScanStore(db).tagHistory('docker-hosted', 'moved', 'v1').map((h) => [h.event, h.status, h.role]);
      assert.deepEqual(history, [
        ['new', 'signed', 'targets/releases'],
        ['role', 'signed', 'targets'],
      ]);
    } finally {
      db.close();
    }
  });
});

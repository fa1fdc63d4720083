/**
 * Crash safety: a scanning process is SIGKILLed at random points, 20 times.
 * After every kill the database passes PRAGMA integrity_check, the last
 * complete scan's verdicts are all still there, and the next scan completes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';

import Database from 'better-sqlite3';

import { MAIN, runCli } from '../support/cli.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';

const REPOSITORIES = ['alpha', 'beta', 'gamma', 'delta'];
const KILLS = 20;

describe('crash safety', () => {
  let world: ScanWorld;
  let config: string;
  let database: string;
  const expected = new Map<string, string>();

  before(async () => {
    world = await startScanWorld();
    for (const [r, repository] of REPOSITORIES.entries()) {
      world.nexus.addRepository({ name: repository, type: 'hosted' });
      for (let image = 0; image < 8; image++) {
        const gun = `127.0.0.1:1808${r}/image${image}`;
        const signed = image % 2 === 0;
        if (signed) {
          await world.cli.init(gun);
        }
        for (let tag = 0; tag < 6; tag++) {
          const manifest = world.push(repository, `image${image}`, `t${tag}`);
          if (signed) {
            await world.cli.addHash(gun, `t${tag}`, manifest.sha256, manifest.size);
          }
          expected.set(`${repository}/image${image}:t${tag}`, signed ? 'signed' : 'unsigned');
        }
        if (signed) {
          await world.cli.publish(gun);
        }
      }
    }
    database = `${world.dir}/crash.db`;
    config = await world.writeConfig(
      'crash.yaml',
      `nexus:\n  url: ${world.nexus.url}\n  repositories:\n${REPOSITORIES.map((repository, r) => `    - name: ${repository}\n      gunPrefix: 127.0.0.1:1808${r}\n`).join('')}notary:\n  url: ${world.notaryProxy.url}\ndatabase: ${database}\n`
    );
    // Slow Notary a little, so that kills land at every stage of a scan.
    world.setOverride(async (_path, forward) => {
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      return forward();
    });
  });

  after(async () => world?.stop());

  const verdicts = (): Map<string, string> => {
    const db = new Database(database, { readonly: true });
    try {
      assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
      const rows = db.prepare('SELECT repository, image, tag, status FROM tags').all() as { repository: string; image: string; tag: string; status: string }[];
      return new Map(rows.map((row) => [`${row.repository}/${row.image}:${row.tag}`, row.status]));
    } finally {
      db.close();
    }
  };

  it(`keeps the database whole and the verdicts intact across ${KILLS} SIGKILLs`, async () => {
    const first = await runCli(['scan', '--config', config]);
    assert.equal(first.code, 1, first.stderr);
    assert.deepEqual(verdicts(), expected);

    const killedAt: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const delay = 150 + Math.floor(Math.random() * 2500);
      const child = spawn(process.execPath, [MAIN, 'scan', '--config', config], { stdio: 'ignore' });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await Promise.race([new Promise((resolve) => setTimeout(resolve, delay)), exited]);
      child.kill('SIGKILL');
      await exited;
      killedAt.push(delay);

      assert.deepEqual(verdicts(), expected, `after the kill at ${delay} ms`);
    }

    const next = await runCli(['scan', '--config', config, '--json']);
    assert.equal(next.code, 1, next.stderr);
    assert.equal((JSON.parse(next.stdout) as { scan: { outcome: string } }).scan.outcome, 'complete');
    assert.deepEqual(verdicts(), expected);
    const db = new Database(database, { readonly: true });
    const outcomes = db.prepare('SELECT outcome, count(*) AS n FROM scans GROUP BY outcome').all() as { outcome: string; n: number }[];
    db.close();
    const byOutcome = Object.fromEntries(outcomes.map((row) => [row.outcome, row.n]));
    const summary = `${JSON.stringify(byOutcome)}; kills at ${killedAt.join(', ')} ms`;
    assert.ok((byOutcome['complete'] ?? 0) >= 2, summary);
    assert.equal(byOutcome['running'], undefined, 'no scan is left running');
    assert.ok((byOutcome['interrupted'] ?? 0) >= 3, `most kills land mid-scan and are marked interrupted (${summary})`);
  });
});

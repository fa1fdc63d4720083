/** The scan as a library: progress logs on long scans, with the real clients against the test world. */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

import { Agent } from 'undici';

import type { Logger } from '../../src/lib/logger.js';
import { runScan } from '../../src/scan/scanner.js';
import { openDatabase } from '../../src/store/database.js';
import { applyMigrations } from '../../src/store/migrate.js';
import { scanDependencies } from '../support/scan-deps.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';

const MIGRATIONS = fileURLToPath(new URL('../../../migrations/', import.meta.url));

describe('runScan progress', () => {
  let world: ScanWorld;
  const dispatcher = new Agent();

  before(async () => {
    world = await startScanWorld();
    world.nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
    for (let i = 0; i < 12; i++) {
      world.push('docker-hosted', `image${i}`, 'latest');
    }
  });

  after(async () => {
    await dispatcher.close();
    await world?.stop();
  });

  it('logs repositories and tags done, with a rate, while a long scan runs', async () => {
    const lines: { msg: string; fields: Record<string, unknown> }[] = [];
    const record = (fields: Record<string, unknown>, msg: string): void => void lines.push({ msg, fields });
    const log: Logger = { debug: record, info: record, warn: record, error: record };
    const db = openDatabase(':memory:');
    applyMigrations(db, MIGRATIONS);
    world.setOverride(async (_path, forward) => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      return forward();
    });
    try {
      const result = await runScan(scanDependencies(world, db, dispatcher, log), {
        repositories: [{ name: 'docker-hosted', gunPrefix: '127.0.0.1:18079' }],
        registrySample: 0,
        concurrency: 2,
        progressIntervalMs: 100,
      });

      assert.equal(result.outcome, 'complete');
      assert.equal(result.tagsJudged, 12);
    } finally {
      world.setOverride(undefined);
      db.close();
    }

    const progress = lines.filter((line) => line.msg === 'Scan progress');
    assert.ok(progress.length >= 3, `${progress.length} progress lines`);
    const last = progress[progress.length - 1]?.fields ?? {};
    assert.equal(last['repositories'], '0/1');
    assert.equal(last['tagsListed'], 12);
    assert.equal(typeof last['tagsPerSecond'], 'number');
    const finished = lines.find((line) => line.msg === 'Scan finished');
    assert.equal(finished?.fields['outcome'], 'complete');
    assert.equal(finished?.fields['unsigned'], 12);
  });
});

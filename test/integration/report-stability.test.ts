/**
 * The JSON report is the contract's most visible output, so a reshape of the
 * code behind it must leave it byte-for-byte alike. This test scans one fixed
 * registry (the faithful Nexus test server, the real notary-server with data
 * published by the real client, and generated trust data for the findings the
 * client cannot make) three times — a first audit, an incremental rescan after
 * changes, and a forecast — and compares the reports with a committed golden
 * file, `test/fixtures/golden/scan-reports.json`.
 *
 * Only what differs from run to run by nature is normalised: instants become
 * offsets from the scan's start (whole days for expiries, which the real
 * client sets from its own clock; whole years beyond 400 days), scan ids stay (a fresh database always
 * numbers them alike), and hex strings that are not the registry's manifest
 * digests (key ids, which the real client draws at random) become `<hex>`, and
 * the test servers' free ports become `<port>`.
 *
 * To record a new golden file after an intended change of the report, run
 * `UPDATE_GOLDEN=1 node --test dist/test/integration/report-stability.test.js`
 * and say in the commit why the report changed.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { runCli } from '../support/cli.js';
import { makeEcCertificate } from '../support/openssl.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';
import { generateCollection, generateKeys } from '../support/trust-factory.js';

const GOLDEN = fileURLToPath(new URL('../../../test/fixtures/golden/scan-reports.json', import.meta.url));
const HOSTED = '127.0.0.1:18079';
const DAY = 86_400_000;
const HOUR = 3_600_000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Rewrites one report into its run-independent form (see the header). */
function normalise(report: Json, manifestDigests: ReadonlySet<string>): Json {
  const scan = (report as { scan: { startedAt: string } }).scan;
  const origin = Date.parse(scan.startedAt);
  const walk = (value: Json, key: string | undefined): Json => {
    if (Array.isArray(value)) {
      return value.map((item) => walk(item, undefined));
    }
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    }
    if (typeof value !== 'string') {
      return value;
    }
    const relative = (instant: string): string => {
      const offset = Date.parse(instant) - origin;
      if (key === 'startedAt' || key === 'finishedAt') {
        return offset >= 0 && offset < HOUR ? '<start>' : `<${key} off by ${offset} ms>`;
      }
      if (key === 'evaluatedAt') {
        return offset === 0 ? '<start>' : `<start${offset > 0 ? '+' : ''}${Math.round(offset / HOUR)}h>`;
      }
      // Years for the far expiries: a count of days over years depends on the leap days in between.
      const days = offset / DAY;
      return Math.abs(days) > 400 ? `<start+${Math.round(days / 365.25)}y>` : `<start${offset >= 0 ? '+' : ''}${Math.round(days)}d>`;
    };
    return value
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, relative)
      .replace(/(sha256:)?\b[0-9a-f]{64}\b/g, (match) => (manifestDigests.has(match.replace(/^sha256:/, '')) ? match : '<hex>'))
      .replace(/127\.0\.0\.1:(\d+)/g, (match, port: string) => (port === '18079' ? match : '127.0.0.1:<port>'));
  };
  return walk(report, undefined);
}

describe('JSON report stability (golden file)', () => {
  let world: ScanWorld;
  let config: string;
  const digests = new Set<string>();

  const push = (repository: string, image: string, tag: string, seed?: string): { sha256: string; size: number } => {
    const manifest = world.push(repository, image, tag, seed);
    digests.add(manifest.sha256);
    return manifest;
  };

  const scanJson = async (...extra: string[]): Promise<{ code: number; report: Json }> => {
    const result = await runCli(['scan', '--config', config, '--json', ...extra]);
    try {
      return { code: result.code, report: JSON.parse(result.stdout) as Json };
    } catch {
      return assert.fail(`scan printed no JSON report (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
    }
  };

  before(async () => {
    world = await startScanWorld();
    world.nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
    const { cli } = world;

    // Real client: signed, unsigned, re-pushed (mismatch), and a delegation.
    await cli.init(`${HOSTED}/app`);
    for (const tag of ['v1', 'v3']) {
      const manifest = push('docker-hosted', 'app', tag);
      await cli.addHash(`${HOSTED}/app`, tag, manifest.sha256, manifest.size);
    }
    await cli.publish(`${HOSTED}/app`);
    push('docker-hosted', 'app', 'v2');
    push('docker-hosted', 'app', 'v3', 'pushed again over the signed tag');
    push('docker-hosted', 'app', `sha256-${'c'.repeat(64)}.sig`);

    const releases = await makeEcCertificate(world.dir, 'releases', 'releases');
    await cli.init(`${HOSTED}/rel`);
    await cli.addDelegation(`${HOSTED}/rel`, 'targets/releases', releases.certFile, releases.keyFile);
    const stable = push('docker-hosted', 'rel', 'stable');
    await cli.addHash(`${HOSTED}/rel`, 'stable', stable.sha256, stable.size, 'targets/releases');
    await cli.publish(`${HOSTED}/rel`);

    // No trust data at all.
    push('docker-hosted', 'nodata', 'latest');

    // Generated: targets expired a day ago, and targets expiring in five days.
    for (const [image, days] of [
      ['expired', -1],
      ['soon', 5],
    ] as const) {
      const manifest = push('docker-hosted', image, 'latest');
      const gun = `${HOSTED}/${image}`;
      const keys = await generateKeys(world.dir, gun);
      const collection = await generateCollection({
        gun,
        keys,
        now: new Date(),
        targets: { latest: { sha256Hex: manifest.sha256, length: manifest.size } },
        expires: { targets: new Date(Date.now() + days * DAY) },
      });
      world.generated.setCollection(gun, collection.files);
      world.generatedGuns.add(gun);
    }

    // Generated: the targets signed by a key root does not list (invalid).
    const forged = push('docker-hosted', 'forged', 'latest');
    const forgedKeys = await generateKeys(world.dir, `${HOSTED}/forged`);
    const otherKeys = await generateKeys(world.dir, `${HOSTED}/other`);
    const forgedCollection = await generateCollection({
      gun: `${HOSTED}/forged`,
      keys: forgedKeys,
      now: new Date(),
      targets: { latest: { sha256Hex: forged.sha256, length: forged.size } },
      signers: { targets: [otherKeys.targets] },
    });
    world.generated.setCollection(`${HOSTED}/forged`, forgedCollection.files);
    world.generatedGuns.add(`${HOSTED}/forged`);

    // Notary answers 503 for this GUN.
    push('docker-hosted', 'down', 'latest');
    world.failingGuns.set(`${HOSTED}/down`, 503);

    config = await world.writeConfig(
      'config.yaml',
      `nexus:
  url: ${world.nexus.url}
  repositories:
    - name: docker-hosted
      gunPrefix: ${HOSTED}
notary:
  url: ${world.notaryProxy.url}
database: ${world.dir}/audit.db
`
    );
  });

  after(async () => world?.stop());

  it('gives the same reports as the golden file', async () => {
    const first = await scanJson();
    assert.equal(first.code, 1, 'findings: exit 1');

    // Changes between the scans: a new signed tag, a tag deleted, Notary back for `down`.
    const v4 = push('docker-hosted', 'app', 'v4');
    await world.cli.addHash(`${HOSTED}/app`, 'v4', v4.sha256, v4.size);
    await world.cli.publish(`${HOSTED}/app`);
    world.nexus.deleteTag('docker-hosted', 'app', 'v2');
    world.failingGuns.delete(`${HOSTED}/down`);
    const second = await scanJson();

    const forecastAt = new Date(Date.now() + 30 * DAY).toISOString();
    const forecast = await scanJson('--at', forecastAt);

    const observed = {
      first: { code: first.code, report: normalise(first.report, digests) },
      second: { code: second.code, report: normalise(second.report, digests) },
      forecast: { code: forecast.code, report: normalise(forecast.report, digests) },
    };
    const text = `${JSON.stringify(observed, null, 2)}\n`;
    if (process.env['UPDATE_GOLDEN'] === '1') {
      await mkdir(dirname(GOLDEN), { recursive: true });
      await writeFile(GOLDEN, text);
    }
    const golden = await readFile(GOLDEN, 'utf8');
    assert.deepEqual(JSON.parse(text), JSON.parse(golden));
  });
});

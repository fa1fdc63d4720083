/**
 * `scan` end to end: the faithful Nexus test server, the real notary-server
 * with trust data published by the real notary client, and the CLI as a user
 * runs it. Every status of the contract, two repositories with different GUN
 * prefixes, pagination edge cases (200 and 250 tags), cosign tags, a rollback
 * across two scans sharing one database, and Notary down for one GUN.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import Database from 'better-sqlite3';

import { runCli } from '../support/cli.js';
import { makeEcCertificate } from '../support/openssl.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';
import { generateCollection, generateKeys, type TargetSpec } from '../support/trust-factory.js';

interface Report {
  scan: { id: number; startedAt: string; finishedAt: string; evaluatedAt: string; outcome: string };
  summary: Record<string, number>;
  tags: { repository: string; image: string; tag: string; digest: string | null; gun: string; status: string; role: string | null; reason: string | null; trustExpires: string | null }[];
  trust: { gun: string; role: string; version: number; expires: string }[];
}

const HOSTED = '127.0.0.1:18079';
const TEAM = 'nexus.example:18080';
const DAY = 86_400_000;

describe('scan end to end', () => {
  let world: ScanWorld;
  let config: string;
  let database: string;
  let oldAppTimestamp: Buffer | undefined;

  before(async () => {
    world = await startScanWorld({ users: { auditor: { password: 'n3xus-s3cret', admin: false } } });
    world.nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
    world.nexus.addRepository({ name: 'docker-team', type: 'hosted' });
    world.nexus.addRepository({ name: 'docker-paged', type: 'hosted' });
    const { cli } = world;

    // app: v1 signed in targets, v2 never signed, v3 signed and then re-pushed.
    await cli.init(`${HOSTED}/app`);
    for (const tag of ['v1', 'v3']) {
      const manifest = world.push('docker-hosted', 'app', tag);
      await cli.addHash(`${HOSTED}/app`, tag, manifest.sha256, manifest.size);
    }
    await cli.publish(`${HOSTED}/app`);
    world.push('docker-hosted', 'app', 'v2');
    world.push('docker-hosted', 'app', 'v3', 'pushed again over the signed tag');
    // A cosign signature tag for v1: not an image, skipped.
    world.push('docker-hosted', 'app', `sha256-${'c'.repeat(64)}.sig`);

    // rel: signed through targets/releases; a tag only in targets/alice.
    const releases = await makeEcCertificate(world.dir, 'releases', 'releases');
    const alice = await makeEcCertificate(world.dir, 'alice', 'alice');
    await cli.init(`${HOSTED}/rel`);
    await cli.addDelegation(`${HOSTED}/rel`, 'targets/releases', releases.certFile, releases.keyFile);
    await cli.addDelegation(`${HOSTED}/rel`, 'targets/alice', alice.certFile, alice.keyFile);
    const stable = world.push('docker-hosted', 'rel', 'stable');
    await cli.addHash(`${HOSTED}/rel`, 'stable', stable.sha256, stable.size, 'targets/releases');
    const aliceOnly = world.push('docker-hosted', 'rel', 'alice-only');
    await cli.addHash(`${HOSTED}/rel`, 'alice-only', aliceOnly.sha256, aliceOnly.size, 'targets/alice');
    await cli.publish(`${HOSTED}/rel`);

    // nodata: no trust data at all; exactly 200 tags, alone in its repository: two full pages, then an empty one.
    for (let i = 0; i < 200; i++) {
      world.push('docker-paged', 'nodata', `t${String(i).padStart(3, '0')}`);
    }

    // many: 250 tags, all signed.
    await cli.init(`${HOSTED}/many`);
    for (let i = 0; i < 250; i++) {
      const manifest = world.push('docker-hosted', 'many', `m${String(i).padStart(3, '0')}`);
      await cli.addHash(`${HOSTED}/many`, `m${String(i).padStart(3, '0')}`, manifest.sha256, manifest.size);
    }
    await cli.publish(`${HOSTED}/many`);

    // expiring: trust data the real client cannot make (targets expired yesterday), served through the proxy.
    const expiring = world.push('docker-hosted', 'expiring', 'old');
    const keys = await generateKeys(world.dir, `${HOSTED}/expiring`);
    const targets: Record<string, TargetSpec> = { old: { sha256Hex: expiring.sha256, length: expiring.size } };
    const collection = await generateCollection({ gun: `${HOSTED}/expiring`, keys, now: new Date(), targets, expires: { targets: new Date(Date.now() - DAY) } });
    world.generated.setCollection(`${HOSTED}/expiring`, collection.files);
    world.generatedGuns.add(`${HOSTED}/expiring`);

    // broken: real data whose timestamp signature is corrupted in transit.
    await cli.init(`${HOSTED}/broken`);
    const brokenTag = world.push('docker-hosted', 'broken', 'latest');
    await cli.addHash(`${HOSTED}/broken`, 'latest', brokenTag.sha256, brokenTag.size);
    await cli.publish(`${HOSTED}/broken`);

    // down: Notary answers 503 for this GUN only.
    await cli.init(`${HOSTED}/down`);
    world.push('docker-hosted', 'down', 'latest');
    world.failingGuns.set(`${HOSTED}/down`, 503);

    // The second repository, with another GUN prefix.
    await cli.init(`${TEAM}/tool`);
    const tool = world.push('docker-team', 'tool', '2.0');
    await cli.addHash(`${TEAM}/tool`, '2.0', tool.sha256, tool.size);
    await cli.publish(`${TEAM}/tool`);

    // Keep the current app timestamp, then publish once more: replaying it later is a rollback.
    oldAppTimestamp = Buffer.from(await (await fetch(`${world.notaryServer.url}/v2/${HOSTED}/app/_trust/tuf/timestamp.json`)).arrayBuffer());
    const v1 = world.push('docker-hosted', 'app', 'v1');
    await cli.addHash(`${HOSTED}/app`, 'v1', v1.sha256, v1.size);
    await cli.publish(`${HOSTED}/app`);

    database = `${world.dir}/audit.db`;
    config = await world.writeConfig(
      'config.yaml',
      `nexus:
  url: ${world.nexus.url}
  username: auditor
  password: \${NEXUS_PASSWORD}
  repositories:
    - name: docker-hosted
      gunPrefix: ${HOSTED}
    - name: docker-team
      gunPrefix: ${TEAM}
    - name: docker-paged
      gunPrefix: ${HOSTED}
notary:
  url: ${world.notaryProxy.url}
database: ${database}
`
    );
  });

  after(async () => world?.stop());

  const scan = async (...extra: string[]): Promise<{ code: number; report: Report; stderr: string }> => {
    const result = await runCli(['scan', '--config', config, '--json', ...extra], { NEXUS_PASSWORD: 'n3xus-s3cret' });
    assert.doesNotMatch(result.stdout + result.stderr, /n3xus-s3cret/, 'the password is never printed');
    assert.doesNotMatch(result.stderr, /MaxListenersExceededWarning/, 'the listeners on the scan signal stay within their bound');
    let report: Report;
    try {
      report = JSON.parse(result.stdout) as Report;
    } catch {
      assert.fail(`scan printed no JSON report (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
    }
    return { code: result.code, report, stderr: result.stderr };
  };

  const statusOf = (report: Report, repository: string, image: string, tag: string) => {
    const entry = report.tags.find((t) => t.repository === repository && t.image === image && t.tag === tag);
    assert.ok(entry, `${repository}/${image}:${tag} is in the report`);
    return entry;
  };

  it('gives every tag its contract status in one scan', async () => {
    const { code, report } = await scan();

    assert.equal(code, 1, 'findings → exit 1');
    assert.equal(report.scan.outcome, 'partial', 'Notary down for one GUN → partial');
    assert.equal(statusOf(report, 'docker-hosted', 'app', 'v1').status, 'signed');
    assert.equal(statusOf(report, 'docker-hosted', 'app', 'v1').role, 'targets');
    assert.equal(statusOf(report, 'docker-hosted', 'app', 'v2').status, 'unsigned');
    assert.match(statusOf(report, 'docker-hosted', 'app', 'v2').reason ?? '', /^NOT_SIGNED/);
    assert.equal(statusOf(report, 'docker-hosted', 'app', 'v3').status, 'digest_mismatch');
    assert.equal(statusOf(report, 'docker-hosted', 'rel', 'stable').status, 'signed');
    assert.equal(statusOf(report, 'docker-hosted', 'rel', 'stable').role, 'targets/releases');
    const aliceOnly = statusOf(report, 'docker-hosted', 'rel', 'alice-only');
    assert.equal(aliceOnly.status, 'unsigned');
    assert.match(aliceOnly.reason ?? '', /ONLY_IN_OTHER_DELEGATION.*targets\/alice/);
    assert.equal(statusOf(report, 'docker-paged', 'nodata', 't000').status, 'unsigned');
    assert.match(statusOf(report, 'docker-paged', 'nodata', 't000').reason ?? '', /^NO_TRUST_DATA/);
    assert.equal(statusOf(report, 'docker-hosted', 'expiring', 'old').status, 'expired');
    assert.equal(statusOf(report, 'docker-hosted', 'down', 'latest').status, 'error');
    assert.equal(statusOf(report, 'docker-team', 'tool', '2.0').status, 'signed');
    assert.equal(statusOf(report, 'docker-team', 'tool', '2.0').gun, `${TEAM}/tool`);
    assert.equal(report.tags.filter((t) => t.image === 'many' && t.status === 'signed').length, 250);
    const manyFetches = world.notaryProxy.requests.filter((path) => path.startsWith(`/v2/${HOSTED}/many/`));
    assert.deepEqual(
      manyFetches.map((path) => path.replace(/^.*\/_trust\/tuf\//, '').replace(/[0-9a-f]{64}/, 'H')).sort(),
      ['root.H.json', 'snapshot.H.json', 'targets.H.json', 'timestamp.json'],
      'one collection fetch for 250 tags, every file but the timestamp by its hash'
    );
    assert.equal(report.tags.filter((t) => t.image === 'nodata').length, 200);
    const pagedRequests = world.nexus.requests.filter((r) => r.path.includes('repository=docker-paged'));
    assert.equal(pagedRequests.length, 3, '200 components: pages of 100, 100 and an empty one');
    assert.equal(world.nexus.requests.filter((r) => r.path.includes('/components') && r.path.includes('repository=docker-hosted')).length, 3);
    assert.equal(report.summary['skipped'], 1);
    assert.equal(
      report.tags.some((t) => t.tag.endsWith('.sig')),
      false
    );
    const counted = Object.entries(report.summary)
      .filter(([k]) => k !== 'skipped')
      .reduce((sum, [, n]) => sum + n, 0);
    assert.equal(counted, report.tags.length);
    const trustExpires = statusOf(report, 'docker-hosted', 'app', 'v1').trustExpires;
    const timestamp = report.trust.find((t) => t.gun === `${HOSTED}/app` && t.role === 'timestamp');
    assert.equal(trustExpires, timestamp?.expires, 'trustExpires is the earliest expiry on the chain: the timestamp');
    assert.ok(report.trust.some((t) => t.gun === `${HOSTED}/app` && t.role === 'root-certificate'));
  });

  it('reports invalid trust data (a corrupted timestamp signature)', async () => {
    const brokenPath = `/v2/${HOSTED}/broken/_trust/tuf/timestamp.json`;
    world.setOverride(async (path, forward) => {
      const response = await forward();
      if (path !== brokenPath) {
        return response;
      }
      const envelope = JSON.parse(response.body.toString()) as { signatures: { sig: string }[] };
      const sig = Buffer.from(envelope.signatures[0]?.sig ?? '', 'base64');
      sig[0] = (sig[0] ?? 0) ^ 0xff;
      (envelope.signatures[0] as { sig: string }).sig = sig.toString('base64');
      return { ...response, body: Buffer.from(JSON.stringify(envelope)) };
    });
    try {
      const { report } = await scan();

      const broken = statusOf(report, 'docker-hosted', 'broken', 'latest');
      assert.equal(broken.status, 'invalid');
      assert.match(broken.reason ?? '', /^THRESHOLD_NOT_MET/);
      assert.equal(report.scan.outcome, 'partial', 'still partial: Notary is down for one GUN');
    } finally {
      world.setOverride(undefined);
    }
  });

  it('detects a rollback across two scans sharing one database', async () => {
    assert.ok(oldAppTimestamp);
    const first = await scan();
    assert.equal(statusOf(first.report, 'docker-hosted', 'app', 'v1').status, 'signed');
    const replayed = oldAppTimestamp;
    world.setOverride(async (path, forward) => (path === `/v2/${HOSTED}/app/_trust/tuf/timestamp.json` ? { status: 200, headers: {}, body: replayed } : forward()));

    const second = await scan();
    world.setOverride(undefined);

    const v1 = statusOf(second.report, 'docker-hosted', 'app', 'v1');
    assert.equal(v1.status, 'invalid');
    assert.match(v1.reason ?? '', /^ROLLBACK/);
  });

  it('records history in the database: scans, and when a tag changed', () => {
    const db = new Database(database, { readonly: true });
    try {
      const scans = db.prepare(`SELECT outcome FROM scans ORDER BY id`).all() as { outcome: string }[];
      assert.ok(scans.length >= 3);
      const history = db.prepare(`SELECT event, status FROM tag_history WHERE image = 'app' AND tag = 'v1' ORDER BY id`).all() as { event: string; status: string }[];
      assert.deepEqual(
        history.map((h) => `${h.event}:${h.status}`),
        ['new:signed', 'status:invalid']
      );
      assert.equal((db.prepare(`PRAGMA integrity_check`).get() as { integrity_check: string }).integrity_check, 'ok');
    } finally {
      db.close();
    }
  });
});

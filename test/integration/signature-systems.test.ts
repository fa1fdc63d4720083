/**
 * Contract v1.2 end to end: a registry in the Nexus test server whose tags
 * carry DCT trust data (published by the real notary client) and legacy
 * cosign signatures (the test-side signer), scanned by the CLI. Each tag's
 * per-system status, coverage and contract status are checked in the JSON
 * report, then the migration scenario across scans: DCT only, DCT and cosign,
 * re-pushed unsigned, cosign only.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { runCli } from '../support/cli.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';
import { p256Signer, ed25519Signer, pushLegacySignatures, signLegacy, simpleSigningPayload, type LegacySigner } from '../support/signers/cosign-legacy.js';

const HOSTED = '127.0.0.1:18079';

interface ReportTag {
  readonly image: string;
  readonly tag: string;
  readonly status: string;
  readonly reason: string | null;
  readonly coverage?: string;
  readonly signatures?: readonly { readonly system: string; readonly status: string; readonly reason: string | null; readonly signers: readonly string[] }[];
}

interface Report {
  readonly summary: Record<string, number>;
  readonly tags: readonly ReportTag[];
}

describe('signature systems beyond DCT (contract v1.2)', () => {
  let world: ScanWorld;
  let trusted: LegacySigner;
  let trustedEd: LegacySigner;
  let stranger: LegacySigner;

  const scan = async (config: string): Promise<{ code: number; report: Report; stderr: string }> => {
    const result = await runCli(['scan', '--config', config, '--json']);
    try {
      return { code: result.code, report: JSON.parse(result.stdout) as Report, stderr: result.stderr };
    } catch {
      return assert.fail(`scan printed no JSON report (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
    }
  };
  const tagOf = (report: Report, image: string, tag: string): ReportTag => {
    const found = report.tags.find((candidate) => candidate.image === image && candidate.tag === tag);
    return found ?? assert.fail(`no ${image}:${tag} in the report: ${JSON.stringify(report.tags.map((t) => `${t.image}:${t.tag}`))}`);
  };
  const systemOf = (tag: ReportTag, system: string) => tag.signatures?.find((entry) => entry.system === system) ?? assert.fail(`no ${system} entry for ${tag.image}:${tag.tag}`);

  const writeConfig = async (name: string, repository: string, require: string): Promise<string> => {
    const keyFiles = [join(world.dir, 'cosign-p256.pub'), join(world.dir, 'cosign-ed25519.pub')];
    await writeFile(keyFiles[0] as string, trusted.publicKeyPem);
    await writeFile(keyFiles[1] as string, trustedEd.publicKeyPem);
    return world.writeConfig(
      name,
      `nexus:
  url: ${world.nexus.url}
  repositories:
    - name: ${repository}
      gunPrefix: ${HOSTED}
      signaturePolicy: release
      require: ${require}
notary:
  url: ${world.notaryProxy.url}
database: ${world.dir}/${name}.db
signatures:
  policies:
    release:
      cosign:
        keys: [${keyFiles.join(', ')}]
`
    );
  };

  before(async () => {
    world = await startScanWorld();
    trusted = p256Signer();
    trustedEd = await ed25519Signer();
    stranger = p256Signer();
  });

  after(async () => world?.stop());

  it('reports each system, the coverage and the status the required systems decide', async () => {
    world.nexus.addRepository({ name: 'hosted', type: 'hosted' });
    const { cli, nexus } = world;
    // DCT and cosign (P-256 and Ed25519 both trusted); cosign only; cosign by a stranger; a cosign
    // signature over another digest; neither.
    await cli.init(`${HOSTED}/both`);
    const both = world.push('hosted', 'both', 'v1');
    await cli.addHash(`${HOSTED}/both`, 'v1', both.sha256, both.size);
    await cli.publish(`${HOSTED}/both`);
    await signLegacy(nexus, 'hosted', 'both', `${HOSTED}/both:v1`, `sha256:${both.sha256}`, [trusted, trustedEd]);

    const cosignOnly = world.push('hosted', 'cosign-only', 'v1');
    await signLegacy(nexus, 'hosted', 'cosign-only', `${HOSTED}/cosign-only:v1`, `sha256:${cosignOnly.sha256}`, [trustedEd]);

    const strangers = world.push('hosted', 'stranger', 'v1');
    await signLegacy(nexus, 'hosted', 'stranger', `${HOSTED}/stranger:v1`, `sha256:${strangers.sha256}`, [stranger]);

    const other = world.push('hosted', 'other-digest', 'v1');
    const wrongPayload = simpleSigningPayload(`${HOSTED}/other-digest:v1`, `sha256:${'e'.repeat(64)}`);
    pushLegacySignatures(nexus, 'hosted', 'other-digest', `sha256:${other.sha256}`, [{ payload: wrongPayload, signature: await trusted.sign(wrongPayload) }]);

    const tampered = world.push('hosted', 'tampered', 'v1');
    const payload = simpleSigningPayload(`${HOSTED}/tampered:v1`, `sha256:${tampered.sha256}`);
    const signature = await trusted.sign(payload);
    const flipped = Buffer.from(payload);
    flipped[10] = (flipped[10] as number) ^ 1;
    pushLegacySignatures(nexus, 'hosted', 'tampered', `sha256:${tampered.sha256}`, [{ payload: flipped, signature }]);

    world.push('hosted', 'neither', 'v1');

    const requireDct = await scan(await writeConfig('require-dct', 'hosted', '[dct]'));
    assert.equal(requireDct.code, 1, requireDct.stderr);
    const expected: Record<string, { dct: string; cosign: string; coverage: string; statusDct: string; statusCosign: string }> = {
      both: { dct: 'verified', cosign: 'verified', coverage: 'dct_cosign', statusDct: 'signed', statusCosign: 'signed' },
      'cosign-only': { dct: 'absent', cosign: 'verified', coverage: 'cosign_only', statusDct: 'unsigned', statusCosign: 'signed' },
      stranger: { dct: 'absent', cosign: 'untrusted', coverage: 'none', statusDct: 'unsigned', statusCosign: 'unsigned' },
      'other-digest': { dct: 'absent', cosign: 'invalid', coverage: 'none', statusDct: 'unsigned', statusCosign: 'invalid' },
      tampered: { dct: 'absent', cosign: 'untrusted', coverage: 'none', statusDct: 'unsigned', statusCosign: 'unsigned' },
      neither: { dct: 'absent', cosign: 'absent', coverage: 'none', statusDct: 'unsigned', statusCosign: 'unsigned' },
    };
    for (const [image, want] of Object.entries(expected)) {
      const tag = tagOf(requireDct.report, image, 'v1');
      assert.equal(systemOf(tag, 'dct').status, want.dct, `${image}: dct`);
      assert.equal(systemOf(tag, 'cosign').status, want.cosign, `${image}: cosign (${systemOf(tag, 'cosign').reason ?? ''})`);
      assert.equal(systemOf(tag, 'notation').status, 'not_configured', `${image}: notation`);
      assert.equal(tag.coverage, want.coverage, `${image}: coverage`);
      assert.equal(tag.status, want.statusDct, `${image}: status with require [dct]`);
    }
    assert.deepEqual(systemOf(tagOf(requireDct.report, 'both', 'v1'), 'cosign').signers.length, 2, 'both trusted keys are named as signers');
    // The .sig tags are artifacts, not images.
    assert.ok(requireDct.report.summary['skipped'] !== undefined && requireDct.report.summary['skipped'] >= 5, `skipped: ${JSON.stringify(requireDct.report.summary)}`);

    const requireCosign = await scan(await writeConfig('require-cosign', 'hosted', '[cosign]'));
    for (const [image, want] of Object.entries(expected)) {
      const tag = tagOf(requireCosign.report, image, 'v1');
      assert.equal(tag.status, want.statusCosign, `${image}: status with require [cosign] (${tag.reason ?? ''})`);
    }
    assert.match(tagOf(requireCosign.report, 'stranger', 'v1').reason ?? '', /cosign untrusted/);

    const requireBoth = await scan(await writeConfig('require-both', 'hosted', '[dct, cosign]'));
    assert.equal(tagOf(requireBoth.report, 'both', 'v1').status, 'signed');
    assert.equal(tagOf(requireBoth.report, 'cosign-only', 'v1').status, 'unsigned');
    assert.equal(tagOf(requireBoth.report, 'other-digest', 'v1').status, 'invalid', 'the worst required system wins');
  });

  it('follows a tag through the migration across scans: DCT only, DCT and cosign, re-pushed unsigned, cosign only', async () => {
    world.nexus.addRepository({ name: 'moving', type: 'hosted' });
    const { cli, nexus } = world;
    const config = await writeConfig('migration', 'moving', '[dct]');
    const gun = `${HOSTED}/svc`;
    await cli.init(gun);
    const first = world.push('moving', 'svc', 'stable', 'first build');
    await cli.addHash(gun, 'stable', first.sha256, first.size);
    await cli.publish(gun);

    const coverage = async (): Promise<ReportTag> => tagOf((await scan(config)).report, 'svc', 'stable');
    assert.equal((await coverage()).coverage, 'dct_only');

    await signLegacy(nexus, 'moving', 'svc', `${gun}:stable`, `sha256:${first.sha256}`, [trusted]);
    assert.equal((await coverage()).coverage, 'dct_cosign');

    world.push('moving', 'svc', 'stable', 'second build, pushed unsigned');
    const repushed = await coverage();
    assert.equal(repushed.coverage, 'none');
    assert.equal(repushed.status, 'digest_mismatch', 'DCT still signs the first build');

    const second = world.push('moving', 'svc', 'stable', 'second build, pushed unsigned');
    await signLegacy(nexus, 'moving', 'svc', `${gun}:stable`, `sha256:${second.sha256}`, [trusted]);
    assert.equal((await coverage()).coverage, 'cosign_only');

    // The history recorded each change of coverage, with the systems gained and lost.
    const { openDatabase } = await import('../../src/store/database.js');
    const db = openDatabase(`${world.dir}/migration.db`);
    try {
      const rows = db.prepare(`SELECT coverage, systems FROM tag_history WHERE image = 'svc' AND event = 'coverage' ORDER BY id`).all() as { coverage: string; systems: string }[];
      assert.deepEqual(rows, [
        { coverage: 'dct_cosign', systems: '+cosign' },
        { coverage: 'none', systems: '-dct -cosign' },
        { coverage: 'cosign_only', systems: '+cosign' },
      ]);
    } finally {
      db.close();
    }
  });
});

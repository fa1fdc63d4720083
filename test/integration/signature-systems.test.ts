/**
 * Contract v1.2 end to end: a registry in the Nexus test server whose tags
 * carry DCT trust data (published by the real notary client) and legacy
 * cosign signatures (the test-side signer), scanned by the CLI. Each tag's
 * per-system status, coverage and contract status are checked in the JSON
 * report, then the migration scenario across scans: DCT only, DCT and cosign,
 * re-pushed unsigned, cosign only.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { runCli } from '../support/cli.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';
import type { FakeNexus } from '../support/nexus/types.js';
import { issue, makeRoot, signCose, signJws, type TestLeaf } from '../support/signers/notation-signer.js';
import { pushFallbackIndex, pushOci, pushReferrer, pushSig } from '../support/signers/oci-push.js';
import {
  bundleReferrerManifest,
  dsseBundle,
  ed25519Key,
  keylessSigner,
  p256Key,
  signStatement,
  simpleSigningLayer,
  simpleSigningPayload,
  testSigstore,
  type CosignKey,
} from '../support/signers/cosign-signer.js';

const HOSTED = '127.0.0.1:18079';
const ISSUER = 'https://token.actions.githubusercontent.com';
const RELEASE_WORKFLOW = 'https://github.com/org/app/.github/workflows/release.yml@refs/heads/main';

/** Legacy key signatures of `digest` by each key. */
function signLegacy(nexus: FakeNexus, repository: string, image: string, digest: string, keys: readonly CosignKey[]): void {
  pushSig(
    nexus,
    repository,
    image,
    digest,
    keys.map((signer) => simpleSigningLayer({ digest, signer }))
  );
}

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
  let trusted: CosignKey;
  let trustedEd: CosignKey;
  let stranger: CosignKey;

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

  const writeConfig = async (name: string, repository: string, require: string, target = world, keyless = '', notation = ''): Promise<string> => {
    const keyFiles = [join(target.dir, 'cosign-p256.pub'), join(target.dir, 'cosign-ed25519.pub')];
    await writeFile(keyFiles[0] as string, trusted.publicPem);
    await writeFile(keyFiles[1] as string, trustedEd.publicPem);
    return target.writeConfig(
      name,
      `nexus:
  url: ${target.nexus.url}
  repositories:
    - name: ${repository}
      gunPrefix: ${HOSTED}
      signaturePolicy: release
      require: ${require}
notary:
  url: ${target.notaryProxy.url}
database: ${target.dir}/${name}.db
signatures:
  policies:
    release:
      cosign:
        keys: [${keyFiles.join(', ')}]
${keyless}${notation}`
    );
  };

  before(async () => {
    world = await startScanWorld();
    trusted = p256Key();
    trustedEd = ed25519Key();
    stranger = p256Key();
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
    signLegacy(nexus, 'hosted', 'both', `sha256:${both.sha256}`, [trusted, trustedEd]);

    const cosignOnly = world.push('hosted', 'cosign-only', 'v1');
    signLegacy(nexus, 'hosted', 'cosign-only', `sha256:${cosignOnly.sha256}`, [trustedEd]);

    const strangers = world.push('hosted', 'stranger', 'v1');
    signLegacy(nexus, 'hosted', 'stranger', `sha256:${strangers.sha256}`, [stranger]);

    const other = world.push('hosted', 'other-digest', 'v1');
    const wrongPayload = simpleSigningPayload(`sha256:${'e'.repeat(64)}`, `${HOSTED}/other-digest:v1`);
    pushSig(nexus, 'hosted', 'other-digest', `sha256:${other.sha256}`, [simpleSigningLayer({ digest: `sha256:${other.sha256}`, signer: trusted, payload: wrongPayload })]);

    const tampered = world.push('hosted', 'tampered', 'v1');
    // A payload byte changed after signing: the layer and its blob agree, the signature does not.
    const good = simpleSigningLayer({ digest: `sha256:${tampered.sha256}`, signer: trusted });
    const flipped = Buffer.from(good.blob.bytes);
    flipped[10] = (flipped[10] as number) ^ 1;
    const forged = simpleSigningLayer({ digest: `sha256:${tampered.sha256}`, signer: trusted, payload: flipped });
    pushSig(nexus, 'hosted', 'tampered', `sha256:${tampered.sha256}`, [
      {
        ...forged,
        descriptor: {
          ...forged.descriptor,
          annotations: { ...forged.descriptor.annotations, 'dev.cosignproject.cosign/signature': good.descriptor.annotations['dev.cosignproject.cosign/signature'] ?? '' },
        },
      },
    ]);

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

    signLegacy(nexus, 'moving', 'svc', `sha256:${first.sha256}`, [trusted]);
    assert.equal((await coverage()).coverage, 'dct_cosign');

    world.push('moving', 'svc', 'stable', 'second build, pushed unsigned');
    const repushed = await coverage();
    assert.equal(repushed.coverage, 'none');
    assert.equal(repushed.status, 'digest_mismatch', 'DCT still signs the first build');

    const second = world.push('moving', 'svc', 'stable', 'second build, pushed unsigned');
    signLegacy(nexus, 'moving', 'svc', `sha256:${second.sha256}`, [trusted]);
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
  for (const referrers of ['absent', 'supported'] as const) {
    it(`verifies keyless .sig layers and cosign 3 bundles with the referrers API ${referrers}`, async () => {
      const target = await startScanWorld({ referrers });
      try {
        target.nexus.addRepository({ name: 'hosted', type: 'hosted' });
        const now = Date.now();
        // Material made now, judged at the Rekor time it carries: nothing here depends on the date.
        const sigstore = testSigstore(new Date(now - 3_600_000), new Date(now + 86_400_000));
        const certificateWindow = { notBefore: new Date(now - 60_000), notAfter: new Date(now + 540_000) };
        const release = keylessSigner(sigstore, { issuer: ISSUER, subject: RELEASE_WORKFLOW, ...certificateWindow });
        const lookalike = keylessSigner(sigstore, { issuer: ISSUER, subject: `${RELEASE_WORKFLOW}-evil`, ...certificateWindow });
        const rekor = { sigstore, integratedTime: Math.floor(now / 1000) };
        await writeFile(join(target.dir, 'trusted_root.json'), sigstore.trustedRootJson);

        const bundled = async (image: string, signer: typeof release, statementDigest?: string): Promise<void> => {
          const pushed = target.push('hosted', image, 'v1');
          const digest = `sha256:${pushed.sha256}`;
          const bundle = dsseBundle({ statement: signStatement([statementDigest ?? digest]), signer, rekor });
          const referrer = bundleReferrerManifest(bundle, { digest, size: pushed.size, mediaType: 'application/vnd.docker.distribution.manifest.v2+json' }, new Date(now));
          pushOci(target.nexus, 'hosted', image, undefined, referrer);
          if (referrers === 'absent') {
            pushFallbackIndex(target.nexus, 'hosted', image, digest, [{ ...referrer.manifest, artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' }]);
          }
        };
        await bundled('bundle-ok', release);
        await bundled('bundle-lookalike', lookalike);
        await bundled('bundle-other-subject', release, `sha256:${'d'.repeat(64)}`);
        const keyless = target.push('hosted', 'keyless-sig', 'v1');
        pushSig(target.nexus, 'hosted', 'keyless-sig', `sha256:${keyless.sha256}`, [simpleSigningLayer({ digest: `sha256:${keyless.sha256}`, signer: release, rekor })]);
        const noSet = target.push('hosted', 'keyless-no-set', 'v1');
        pushSig(target.nexus, 'hosted', 'keyless-no-set', `sha256:${noSet.sha256}`, [simpleSigningLayer({ digest: `sha256:${noSet.sha256}`, signer: release })]);

        // Notation: a trust store with one root, a policy trusting it for every scope.
        const root = await makeRoot(target.dir, 'notation-root');
        const otherRoot = await makeRoot(target.dir, 'other-root');
        const leaf = await issue(target.dir, 'notation-leaf', root, { kind: 'p256' });
        const rsaLeaf = await issue(target.dir, 'notation-rsa-leaf', root, { kind: 'rsa-2048' });
        const foreignLeaf = await issue(target.dir, 'foreign-leaf', otherRoot, { kind: 'p256' });
        const storeDir = join(target.dir, 'trust-store');
        await mkdir(join(storeDir, 'x509', 'ca', 'release'), { recursive: true });
        await writeFile(join(storeDir, 'x509', 'ca', 'release', 'root.crt'), root.pem);
        const policyFile = join(target.dir, 'trustpolicy.json');
        await writeFile(
          policyFile,
          JSON.stringify({
            version: '1.0',
            trustPolicies: [{ name: 'release', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:release'], trustedIdentities: ['*'] }],
          })
        );
        type Subject = { mediaType: string; digest: string; size: number };
        const notationSigned = (image: string, sign: (subject: Subject) => { envelope: Buffer; mediaType: string }): void => {
          const pushed = target.push('hosted', image, 'v1');
          const subject = { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: `sha256:${pushed.sha256}`, size: pushed.size };
          const { envelope, mediaType } = sign(subject);
          pushReferrer(target.nexus, 'hosted', image, subject, 'application/vnd.cncf.notary.signature', { bytes: envelope, mediaType }, referrers === 'absent');
        };
        const jws = (signer: TestLeaf, chain: readonly Buffer[]) => (subject: Subject) => ({
          envelope: signJws({ leaf: signer, chain, target: subject, signingTime: new Date() }),
          mediaType: 'application/jose+json',
        });
        notationSigned('notation-jws', jws(leaf, [root.der]));
        notationSigned('notation-cose', (subject) => ({ envelope: signCose({ leaf: rsaLeaf, chain: [root.der], target: subject, signingTime: new Date() }), mediaType: 'application/cose' }));
        notationSigned('notation-foreign', jws(foreignLeaf, [otherRoot.der]));
        notationSigned('notation-other-subject', (subject) => jws(leaf, [root.der])({ ...subject, digest: `sha256:${'f'.repeat(64)}` }));
        const config = await writeConfig(
          `keyless-${referrers}`,
          'hosted',
          '[cosign]',
          target,
          `        identities:
          - {issuer: "${ISSUER}", subject: "${RELEASE_WORKFLOW}"}
        trustedRoot: ${join(target.dir, 'trusted_root.json')}
`,
          `      notation:
        trustPolicy: ${policyFile}
        trustStore: ${storeDir}
`
        );
        const result = await runCli(['scan', '--config', config, '--json']);
        const report = JSON.parse(result.stdout) as Report;
        const want: Record<string, [string, string]> = {
          'bundle-ok': ['verified', 'signed'],
          'bundle-lookalike': ['untrusted', 'unsigned'],
          'bundle-other-subject': ['invalid', 'invalid'],
          'keyless-sig': ['verified', 'signed'],
          'keyless-no-set': ['untrusted', 'unsigned'],
        };
        for (const [image, [cosign, status]] of Object.entries(want)) {
          const tag = tagOf(report, image, 'v1');
          assert.equal(systemOf(tag, 'cosign').status, cosign, `${image}: cosign (${systemOf(tag, 'cosign').reason ?? ''})`);
          assert.equal(tag.status, status, `${image}: status with require [cosign]`);
        }
        assert.deepEqual(systemOf(tagOf(report, 'bundle-ok', 'v1'), 'cosign').signers.length, 1);
        const notationWant: Record<string, [string, string]> = {
          'notation-jws': ['verified', 'notation_only'],
          'notation-cose': ['verified', 'notation_only'],
          'notation-foreign': ['untrusted', 'none'],
          'notation-other-subject': ['invalid', 'none'],
          'bundle-ok': ['absent', 'cosign_only'],
        };
        for (const [image, [notation, coverage]] of Object.entries(notationWant)) {
          const tag = tagOf(report, image, 'v1');
          assert.equal(systemOf(tag, 'notation').status, notation, `${image}: notation (${systemOf(tag, 'notation').reason ?? ''})`);
          assert.equal(tag.coverage, coverage, `${image}: coverage`);
        }
        assert.match(systemOf(tagOf(report, 'notation-jws', 'v1'), 'notation').signers[0] ?? '', /notation-leaf/);
        const human = await runCli(['scan', '--config', config]);
        assert.match(human.stdout, referrers === 'supported' ? /hosted by the OCI referrers API/ : /hosted by sha256-<hex> fallback tags/);
      } finally {
        await target.stop();
      }
    });
  }
});

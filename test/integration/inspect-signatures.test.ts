/**
 * `trust-auditor inspect IMAGE_REF --cosign|--notation` against the Nexus
 * test server, with the referrers API and without it: one image carrying a
 * legacy `.sig` (a stranger's layer, then a trusted key's), a keyless cosign
 * bundle and a Notation JWS signature. Each signature is listed with where it
 * was found and its check, the system's status is the report's, and the exit
 * status follows it; nothing is written to the configured database.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { runCli } from '../support/cli.js';
import { makeManifest } from '../support/nexus/model.js';
import { startNexusServer } from '../support/nexus/server.js';
import type { FakeNexus } from '../support/nexus/types.js';
import { pushFallbackIndex, pushOci, pushReferrer, pushSig, writeNotationTrust } from '../support/signature-pushes.js';
import { bundleReferrerManifest, dsseBundle, keylessSigner, p256Key, signStatement, simpleSigningLayer, testSigstore } from '../support/signers/cosign-signer.js';
import { issue, makeRoot, signJws } from '../support/signers/notation-signer.js';
import { makeTempDir } from '../support/temp.js';

const HOSTED = '127.0.0.1:18079';
const ISSUER = 'https://token.actions.githubusercontent.com';
const RELEASE_WORKFLOW = 'https://github.com/org/app/.github/workflows/release.yml@refs/heads/main';
const DAY_MS = 86_400_000;

interface Inspection {
  readonly reference: string;
  readonly repository: string;
  readonly image: string;
  readonly tag: string | null;
  readonly digest: string | null;
  readonly system: string;
  readonly policy: string;
  readonly at: string;
  readonly referrersMode: string | null;
  readonly status: string;
  readonly reason: string | null;
  readonly signers: readonly string[];
  readonly certificateExpires: string | null;
  readonly signatures: readonly {
    readonly location: string;
    readonly layer: number | null;
    readonly digest: string;
    readonly status: string;
    readonly code: string | null;
    readonly detail: string;
    readonly signer: string | null;
    readonly certificateNotAfter: string | null;
  }[];
}

for (const referrers of ['supported', 'absent'] as const) {
  describe(`inspect --cosign|--notation with the referrers API ${referrers}`, () => {
    let nexus: FakeNexus;
    let temp: { path: string; remove(): Promise<void> };
    let config: string;
    let digest: string;
    let bundleDigest: string;
    let notationDigest: string;
    let sigLayers: readonly string[];

    const inspect = async (args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> => runCli(['inspect', ...args, '--config', config]);
    const inspectJson = async (args: readonly string[]): Promise<{ code: number; inspection: Inspection; stderr: string }> => {
      const result = await inspect([...args, '--json']);
      try {
        return { code: result.code, inspection: JSON.parse(result.stdout) as Inspection, stderr: result.stderr };
      } catch {
        return assert.fail(`inspect printed no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
      }
    };

    before(async () => {
      temp = await makeTempDir('inspect-signatures');
      nexus = await startNexusServer({ referrers });
      nexus.addRepository({ name: 'hosted', type: 'hosted' });
      const now = Date.now();
      const pushed = nexus.putTag('hosted', 'app', 'v1', makeManifest('app v1'));
      digest = pushed.digest;
      nexus.putTag('hosted', 'unsigned', 'v1', makeManifest('unsigned v1'));
      const subject = { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest, size: pushed.size };

      // Legacy .sig: a stranger's layer first, then the trusted key's.
      const trusted = p256Key();
      const stranger = p256Key();
      const layers = [simpleSigningLayer({ digest, signer: stranger }), simpleSigningLayer({ digest, signer: trusted })];
      sigLayers = layers.map((layer) => layer.descriptor.digest);
      pushSig(nexus, 'hosted', 'app', digest, layers);

      // A keyless cosign 3 bundle, judged at the Rekor time it carries: material made now, nothing depends on the date.
      const sigstore = testSigstore(new Date(now - 3_600_000), new Date(now + DAY_MS));
      const release = keylessSigner(sigstore, { issuer: ISSUER, subject: RELEASE_WORKFLOW, notBefore: new Date(now - 60_000), notAfter: new Date(now + 540_000) });
      const bundle = dsseBundle({ statement: signStatement([digest]), signer: release, rekor: { sigstore, integratedTime: Math.floor(now / 1000) } });
      const bundleReferrer = bundleReferrerManifest(bundle, subject, new Date(now));
      pushOci(nexus, 'hosted', 'app', undefined, bundleReferrer);
      bundleDigest = bundleReferrer.manifest.digest;

      // A Notation JWS signature by a leaf of the trusted root (valid 30 days from now), signed
      // after it was issued: its notBefore is the second openssl made it, after `now`.
      const root = await makeRoot(temp.path, 'notation-root');
      const leaf = await issue(temp.path, 'notation-leaf', root, { kind: 'p256' });
      const notationReferrer = pushReferrer(
        nexus,
        'hosted',
        'app',
        subject,
        'application/vnd.cncf.notary.signature',
        { bytes: signJws({ leaf, chain: [root.der], target: subject, signingTime: new Date() }), mediaType: 'application/jose+json' },
        false
      );
      notationDigest = notationReferrer.digest;
      if (referrers === 'absent') {
        // One fallback index listing both referrers, as the second pusher leaves it.
        pushFallbackIndex(nexus, 'hosted', 'app', digest, [
          { ...bundleReferrer.manifest, artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' },
          { ...notationReferrer, artifactType: 'application/vnd.cncf.notary.signature' },
        ]);
      }

      const keyFile = join(temp.path, 'cosign.pub');
      await writeFile(keyFile, trusted.publicPem);
      await writeFile(join(temp.path, 'trusted_root.json'), sigstore.trustedRootJson);
      const { policyFile, storeDir } = await writeNotationTrust(temp.path, root);
      config = join(temp.path, 'config.yaml');
      await writeFile(
        config,
        `nexus:
  url: ${nexus.url}
  repositories:
    - name: hosted
      gunPrefix: ${HOSTED}
      signaturePolicy: release
      require: [cosign]
    - name: other
      gunPrefix: ${HOSTED}/team
database: ${temp.path}/audit.db
signatures:
  policies:
    release:
      cosign:
        keys: [${keyFile}]
        identities:
          - {issuer: "${ISSUER}", subject: "${RELEASE_WORKFLOW}"}
        trustedRoot: ${join(temp.path, 'trusted_root.json')}
      notation:
        trustPolicy: ${policyFile}
        trustStore: ${storeDir}
`
      );
    });

    after(async () => {
      await nexus?.stop();
      await temp?.remove();
    });

    it('--cosign --json lists the .sig layers and the bundle with their checks, and the status the report gives (exit 0)', async () => {
      const { code, inspection, stderr } = await inspectJson([`${HOSTED}/app:v1`, '--cosign']);
      assert.equal(code, 0, JSON.stringify(inspection, null, 2));
      assert.equal(stderr, '', 'the referrers mode is in the output, not logged');
      assert.equal(inspection.reference, `${HOSTED}/app:v1`);
      assert.equal(inspection.repository, 'hosted');
      assert.equal(inspection.image, 'app');
      assert.equal(inspection.tag, 'v1');
      assert.equal(inspection.digest, digest);
      assert.equal(inspection.system, 'cosign');
      assert.equal(inspection.policy, 'release');
      assert.equal(inspection.referrersMode, referrers === 'supported' ? 'api' : 'tag_fallback');
      assert.equal(inspection.status, 'verified');
      assert.equal(inspection.reason, null);
      assert.equal(inspection.signers.length, 2, 'the trusted key and the keyless identity');
      assert.deepEqual(
        inspection.signatures.map(({ location, layer, digest: where, status }) => [location, layer, where, status]),
        [
          ['sig_layer', 1, sigLayers[0], 'untrusted'],
          ['sig_layer', 2, sigLayers[1], 'verified'],
          ['bundle_referrer', null, bundleDigest, 'verified'],
        ]
      );
      assert.ok(inspection.signatures[0]?.code !== null, 'an untrusted layer says why');
      assert.ok(inspection.signatures.every((signature) => signature.detail.length > 0));
      assert.ok(!existsSync(join(temp.path, 'audit.db')), 'nothing is written to the database');
    });

    it('--notation --json lists the Notation referrer with its signer and certificate notAfter (exit 0)', async () => {
      const { code, inspection } = await inspectJson([`${HOSTED}/app:v1`, '--notation']);
      assert.equal(code, 0, JSON.stringify(inspection, null, 2));
      assert.equal(inspection.system, 'notation');
      assert.equal(inspection.status, 'verified');
      assert.equal(inspection.signatures.length, 1);
      const [signature] = inspection.signatures;
      assert.equal(signature?.location, 'notation_referrer');
      assert.equal(signature?.digest, notationDigest);
      assert.match(signature?.signer ?? '', /notation-leaf/);
      const notAfter = Date.parse(signature?.certificateNotAfter ?? '');
      assert.ok(notAfter > Date.now() + 29 * DAY_MS && notAfter < Date.now() + 31 * DAY_MS, `leaf notAfter ${signature?.certificateNotAfter ?? ''}`);
      assert.equal(inspection.certificateExpires, signature?.certificateNotAfter);
    });

    it('--at past the leaf certificate judges the Notation signature expired at that instant (exit 1)', async () => {
      const at = new Date(Date.now() + 60 * DAY_MS).toISOString();
      const { code, inspection } = await inspectJson([`${HOSTED}/app:v1`, '--notation', '--at', at]);
      assert.equal(code, 1);
      assert.equal(inspection.status, 'expired');
      assert.equal(inspection.at, at.replace(/\.\d{3}Z$/, 'Z'));
      assert.equal(inspection.signatures[0]?.status, 'expired');
    });

    it('prints a table for people, and takes the reference by digest', async () => {
      const human = await inspect([`${HOSTED}/app@${digest}`, '--cosign']);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, new RegExp(`^Reference: +${HOSTED}/app@${digest}$`, 'm'));
      assert.match(human.stdout, new RegExp(`^Digest: +${digest}$`, 'm'));
      assert.match(human.stdout, /^System: +cosign \(policy release\)$/m);
      assert.match(human.stdout, referrers === 'supported' ? /^Referrers: +OCI referrers API$/m : /^Referrers: +sha256-<hex> fallback tag/m);
      assert.match(human.stdout, /^Status: +verified$/m);
      assert.match(human.stdout, /^WHERE +DIGEST +STATUS +CODE +SIGNER +CERT NOT AFTER +DETAIL$/m);
      assert.match(human.stdout, new RegExp(`^\\.sig layer 1 +${sigLayers[0] ?? ''} +untrusted `, 'm'));
      assert.match(human.stdout, new RegExp(`^\\.sig layer 2 +${sigLayers[1] ?? ''} +verified `, 'm'));
      assert.match(human.stdout, new RegExp(`^bundle referrer +${bundleDigest} +verified `, 'm'));
    });

    it('an image without signatures is absent (exit 1); a tag the registry lacks too', async () => {
      const unsigned = await inspect([`${HOSTED}/unsigned:v1`, '--notation']);
      assert.equal(unsigned.code, 1, unsigned.stderr);
      assert.match(unsigned.stdout, /^Status: +absent$/m);
      assert.match(unsigned.stdout, /^No Notation signature was checked\.$/m);
      const missing = await inspectJson([`${HOSTED}/app:v2`, '--cosign']);
      assert.equal(missing.code, 1);
      assert.equal(missing.inspection.status, 'absent');
      assert.equal(missing.inspection.digest, null);
      assert.match(missing.inspection.reason ?? '', /^MANIFEST_UNKNOWN: /);
    });

    it('a reference under no repository, or one without a signaturePolicy, is a usage error (exit 2)', async () => {
      const elsewhere = await inspect(['registry.example/app:v1', '--cosign']);
      assert.equal(elsewhere.code, 2);
      assert.match(elsewhere.stderr, /"registry\.example\/app:v1" is under no configured repository.*known prefixes: 127\.0\.0\.1:18079, 127\.0\.0\.1:18079\/team/);
      const noPolicy = await inspect([`${HOSTED}/team/app:v1`, '--cosign']);
      assert.equal(noPolicy.code, 2);
      assert.match(noPolicy.stderr, /repository other has no signaturePolicy/);
      const both = await runCli(['inspect', `${HOSTED}/app:v1`, '--cosign', '--notation', '--config', config]);
      assert.equal(both.code, 2);
    });
  });
}

describe('inspect --cosign with Nexus unreachable', () => {
  it('is error, never absent (exit 3)', async () => {
    const temp = await makeTempDir('inspect-unreachable');
    try {
      const keyFile = join(temp.path, 'cosign.pub');
      await writeFile(keyFile, p256Key().publicPem);
      const config = join(temp.path, 'config.yaml');
      await writeFile(
        config,
        `nexus:
  url: http://127.0.0.1:9
  repositories:
    - {name: hosted, gunPrefix: ${HOSTED}, signaturePolicy: release}
requestTimeoutSeconds: 5
signatures:
  policies:
    release:
      cosign:
        keys: [${keyFile}]
`
      );
      const result = await runCli(['inspect', `${HOSTED}/app:v1`, '--cosign', '--config', config, '--json']);
      assert.equal(result.code, 3, result.stderr);
      assert.equal((JSON.parse(result.stdout) as Inspection).status, 'error');
    } finally {
      await temp.remove();
    }
  });
});

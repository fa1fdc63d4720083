/**
 * Attacks on the cosign and Notation audit that need the whole path: the
 * Nexus listing, the registry API, the scan and its report. Someone who can
 * push to a repository tries to make a tag of another repository or image
 * count as signed, with the referrers API absent (fallback tags) and present.
 * The unit-level attacks are in test/unit/scan/signature-attacks.test.ts.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { runCli } from '../support/cli.js';
import { makeManifest } from '../support/nexus/model.js';
import { startScanWorld } from '../support/scan-world.js';
import { pushFallbackIndex, pushOci, pushSig, signLegacy } from '../support/signature-pushes.js';
import { bundleReferrerManifest, dsseBundle, p256Key, signStatement, simpleSigningLayer } from '../support/signers/cosign-signer.js';

const HOSTED = '127.0.0.1:18079';
const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

interface ReportTag {
  readonly repository: string;
  readonly image: string;
  readonly tag: string;
  readonly status: string;
  readonly coverage?: string;
  readonly signatures?: readonly { readonly system: string; readonly status: string; readonly reason: string | null }[];
}

describe('attacks on the cosign audit through the whole scan', () => {
  for (const referrers of ['absent', 'supported'] as const) {
    it(`a signature counts only for its own repository, image and digest (referrers API ${referrers})`, async () => {
      const world = await startScanWorld({ referrers });
      try {
        const { nexus } = world;
        const trusted = p256Key();
        nexus.addRepository({ name: 'alpha', type: 'hosted' });
        nexus.addRepository({ name: 'beta', type: 'hosted' });
        // The same build in two repositories: one digest. Only alpha signs it (a .sig and a bundle).
        const signed = world.push('alpha', 'app', 'v1', 'shared build');
        const copy = world.push('beta', 'app', 'v1', 'shared build');
        assert.equal(copy.sha256, signed.sha256);
        const digest = `sha256:${signed.sha256}`;
        signLegacy(nexus, 'alpha', 'app', digest, [trusted]);
        const referrer = bundleReferrerManifest(dsseBundle({ statement: signStatement([digest]), signer: trusted }), { digest, size: signed.size, mediaType: DOCKER_MANIFEST }, new Date());
        pushOci(nexus, 'alpha', 'app', undefined, referrer);
        if (referrers === 'absent') {
          pushFallbackIndex(nexus, 'alpha', 'app', digest, [{ ...referrer.manifest, artifactType: BUNDLE_TYPE }]);
        }
        // The same digest as another image of alpha, unsigned there: signatures are looked up per image.
        world.push('alpha', 'mirror', 'v1', 'shared build');
        // A victim image of alpha under a .sig whose layer signs the app digest.
        const victim = world.push('alpha', 'victim', 'v1', 'victim build');
        pushSig(nexus, 'alpha', 'victim', `sha256:${victim.sha256}`, [simpleSigningLayer({ digest, signer: trusted })]);
        // A fallback tag of beta that resolves to the subject manifest itself (oras-go#1396).
        const selfref = world.push('beta', 'selfref', 'v1', 'self-referring build');
        nexus.putTag('beta', 'selfref', `sha256-${selfref.sha256}`, makeManifest('self-referring build'));

        const keyFile = join(world.dir, 'cosign.pub');
        await writeFile(keyFile, trusted.publicPem);
        const config = await world.writeConfig(
          `attacks-${referrers}.yaml`,
          `nexus:
  url: ${world.nexus.url}
  repositories:
    - name: alpha
      gunPrefix: ${HOSTED}
      signaturePolicy: release
      require: [cosign]
    - name: beta
      gunPrefix: ${HOSTED}
      signaturePolicy: release
      require: [cosign]
notary:
  url: ${world.notaryProxy.url}
database: ${world.dir}/attacks-${referrers}.db
signatures:
  policies:
    release:
      cosign:
        keys: [${keyFile}]
`
        );
        const result = await runCli(['scan', '--config', config, '--json']);
        const report = JSON.parse(result.stdout) as { tags: ReportTag[] };
        const tagOf = (repository: string, image: string): ReportTag =>
          report.tags.find((tag) => tag.repository === repository && tag.image === image && tag.tag === 'v1') ?? assert.fail(`no ${repository}/${image}:v1 in ${result.stdout}`);
        const cosignOf = (tag: ReportTag) => tag.signatures?.find((entry) => entry.system === 'cosign') ?? assert.fail('no cosign entry');

        assert.equal(cosignOf(tagOf('alpha', 'app')).status, 'verified', 'the control');
        assert.equal(tagOf('alpha', 'app').status, 'signed');
        const want: Record<string, [string, string]> = {
          'beta/app': ['absent', 'unsigned'],
          'alpha/mirror': ['absent', 'unsigned'],
          'alpha/victim': ['invalid', 'invalid'],
        };
        for (const [name, [cosign, status]] of Object.entries(want)) {
          const [repository, image] = name.split('/') as [string, string];
          assert.equal(cosignOf(tagOf(repository, image)).status, cosign, `${name}: ${cosignOf(tagOf(repository, image)).reason ?? ''}`);
          assert.equal(tagOf(repository, image).status, status, name);
        }
        assert.notEqual(cosignOf(tagOf('beta', 'selfref')).status, 'verified');
        assert.notEqual(tagOf('beta', 'selfref').status, 'signed');
        // Artifact tags are never reported as images.
        assert.ok(!report.tags.some((tag) => tag.tag.startsWith('sha256-')), 'no artifact tag reported');
      } finally {
        await world.stop();
      }
    });
  }
});

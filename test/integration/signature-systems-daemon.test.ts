/**
 * Contract v1.2 through the daemon: `serve` scans a registry whose tags carry
 * DCT and cosign signatures, and the API (`GET /api/v1/tags`, its `coverage`
 * filter) and `/metrics` (the four v1.2 series) show each tag's systems and
 * coverage.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { parseMetrics } from '../support/assertions.js';
import { startDaemon, type Daemon } from '../support/daemon.js';
import { freePort, waitUntil } from '../support/processes.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';
import { keylessSigner, p256Key, sigManifest, simpleSigningLayer, testSigstore, type SimpleSigningLayer } from '../support/signers/cosign-signer.js';

const HOSTED = '127.0.0.1:18079';
const ISSUER = 'https://token.actions.githubusercontent.com';
const SUBJECT = 'https://github.com/org/app/.github/workflows/release.yml@refs/heads/main';
const SECRET = 'webhook-secret';

interface ApiTag {
  readonly image: string;
  readonly tag: string;
  readonly status: string;
  readonly coverage?: string;
  readonly signatures?: readonly { readonly system: string; readonly status: string; readonly signers: readonly string[] }[];
}

/** Polls until `probe` gives a value (a verdict recorded by an event audit). */
async function waitFor<T>(probe: () => Promise<T | undefined>): Promise<T> {
  let found: T | undefined;
  await waitUntil(
    async () => {
      found = await probe();
      return found !== undefined;
    },
    'the event audit recorded the tag',
    undefined,
    20_000
  );
  return found as T;
}

describe('signature systems through serve: API and metrics (contract v1.2)', () => {
  let world: ScanWorld;
  let daemon: Daemon | undefined;
  let keylessNotAfter: Date;
  let signingKey: ReturnType<typeof p256Key>;

  const pushSig = (image: string, digest: string, layers: readonly SimpleSigningLayer[]): void => {
    const { manifest, blobs } = sigManifest(layers);
    for (const blob of blobs) {
      world.nexus.putBlob('hosted', blob.bytes);
    }
    world.nexus.putManifest('hosted', image, `${digest.replace(':', '-')}.sig`, manifest);
  };

  before(async () => {
    world = await startScanWorld();
    world.nexus.addRepository({ name: 'hosted', type: 'hosted' });
    const key = p256Key();
    const now = Date.now();
    const sigstore = testSigstore(new Date(now - 3_600_000), new Date(now + 86_400_000));
    keylessNotAfter = new Date(Math.floor((now + 540_000) / 1000) * 1000);
    const release = keylessSigner(sigstore, { issuer: ISSUER, subject: SUBJECT, notBefore: new Date(now - 60_000), notAfter: keylessNotAfter });

    const gun = `${HOSTED}/both`;
    await world.cli.init(gun);
    const both = world.push('hosted', 'both', 'v1');
    await world.cli.addHash(gun, 'v1', both.sha256, both.size);
    await world.cli.publish(gun);
    pushSig('both', `sha256:${both.sha256}`, [simpleSigningLayer({ digest: `sha256:${both.sha256}`, signer: key })]);
    const keyless = world.push('hosted', 'keyless', 'v1');
    pushSig('keyless', `sha256:${keyless.sha256}`, [
      simpleSigningLayer({ digest: `sha256:${keyless.sha256}`, signer: release, rekor: { sigstore, integratedTime: Math.floor(now / 1000) } }),
    ]);
    world.push('hosted', 'bare', 'v1');

    await writeFile(join(world.dir, 'cosign.pub'), key.publicPem);
    await writeFile(join(world.dir, 'trusted_root.json'), sigstore.trustedRootJson);
    const port = await freePort();
    const config = await world.writeConfig(
      'serve.yaml',
      `nexus:
  url: ${world.nexus.url}
  repositories:
    - name: hosted
      gunPrefix: ${HOSTED}
      signaturePolicy: release
notary:
  url: ${world.notaryProxy.url}
database: ${world.dir}/serve.db
listen: 127.0.0.1:${port}
schedule: "0 0 1 1 *"
web:
  minScanIntervalSeconds: 0
events:
  nexusWebhookSecret: ${SECRET}
  graceSeconds: 0
signatures:
  policies:
    release:
      cosign:
        keys: [${join(world.dir, 'cosign.pub')}]
        identities:
          - {issuer: "${ISSUER}", subject: "${SUBJECT}"}
        trustedRoot: ${join(world.dir, 'trusted_root.json')}
`
    );
    daemon = await startDaemon(config, port);
    world.nexus.addWebhook({ url: `${daemon.url}/api/v1/events/nexus`, secret: SECRET, repository: 'hosted' });
    signingKey = key;
  });

  after(async () => {
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
    await world?.stop();
  });

  it('lists each tag with its systems and coverage, and filters by coverage', async () => {
    const url = daemon?.url ?? assert.fail('no daemon');
    const all = (await (await fetch(`${url}/api/v1/tags`)).json()) as { tags: ApiTag[] };
    const byImage = new Map(all.tags.map((tag) => [tag.image, tag]));
    assert.equal(byImage.get('both')?.coverage, 'dct_cosign');
    assert.equal(byImage.get('keyless')?.coverage, 'cosign_only');
    assert.equal(byImage.get('bare')?.coverage, 'none');
    assert.deepEqual(
      byImage.get('keyless')?.signatures?.map((entry) => [entry.system, entry.status]),
      [
        ['dct', 'absent'],
        ['cosign', 'verified'],
        ['notation', 'not_configured'],
      ]
    );
    assert.ok(
      byImage.get('keyless')?.signatures?.[1]?.signers.some((signer) => signer.includes(SUBJECT)),
      JSON.stringify(byImage.get('keyless')?.signatures)
    );

    const cosignOnly = (await (await fetch(`${url}/api/v1/tags?coverage=cosign_only`)).json()) as { tags: ApiTag[] };
    assert.deepEqual(
      cosignOnly.tags.map((tag) => tag.image),
      ['keyless']
    );
    const refused = await fetch(`${url}/api/v1/tags?coverage=cosign`);
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error: string }).error, /coverage must be one of none, dct_only/);
  });

  it('exports the coverage, the systems’ statuses and the signers’ certificate expiry', async () => {
    const url = daemon?.url ?? assert.fail('no daemon');
    const metrics = parseMetrics(await (await fetch(`${url}/metrics`)).text());
    assert.equal(metrics.get('trust_auditor_tag_coverage{repository="hosted",image="both",tag="v1",coverage="dct_cosign"}'), 1);
    assert.equal(metrics.get('trust_auditor_tag_coverage{repository="hosted",image="bare",tag="v1",coverage="none"}'), 1);
    assert.equal(metrics.get('trust_auditor_tags_by_coverage{repository="hosted",coverage="cosign_only"}'), 1);
    assert.equal(metrics.get('trust_auditor_tags_by_coverage{repository="hosted",coverage="all"}'), 0, 'every coverage value is exported, 0 included');
    assert.equal(metrics.get('trust_auditor_signatures{repository="hosted",system="cosign",status="verified"}'), 2);
    assert.equal(metrics.get('trust_auditor_signatures{repository="hosted",system="cosign",status="absent"}'), 1);
    assert.equal(metrics.get('trust_auditor_signatures{repository="hosted",system="dct",status="verified"}'), 1);
    assert.equal(metrics.get('trust_auditor_signatures{repository="hosted",system="notation",status="not_configured"}'), 3);
    assert.equal(metrics.get('trust_auditor_signature_cert_expiry_timestamp_seconds{repository="hosted",policy="release",system="cosign"}'), keylessNotAfter.getTime() / 1000);
    // Identities and key fingerprints stay out of the labels.
    const text = await (await fetch(`${url}/metrics`)).text();
    assert.ok(!text.includes(SUBJECT) && !text.includes('sha256:'), 'no identity or fingerprint in any label');
  });

  it('an unchanged rescan asks Nexus only for the listing and one referrers probe: nothing is fetched or verified again', async () => {
    const running = daemon ?? assert.fail('no daemon');
    await running.scanNow();
    const scans = (await (await fetch(`${running.url}/api/v1/scans`)).json()) as { scans: { id: number; outcome: string; nexusRequests: number }[] };
    const [rescan, first] = scans.scans;
    assert.equal(rescan?.outcome, 'complete');
    // One REST page lists the five components (three tags, two .sig tags); the referrers probe is the other request.
    assert.equal(rescan?.nexusRequests, 2, JSON.stringify(scans.scans));
    // The first scan also read each .sig manifest and its one layer's blob.
    assert.equal(first?.nexusRequests, 2 + 2 * 2, JSON.stringify(scans.scans));
  });

  it('a push heard by webhook gets the same systems and coverage as a scan would give, without waiting for one', async () => {
    const running = daemon ?? assert.fail('no daemon');
    const scansBefore = (await running.scans()).length;
    const pushedTag = async (coverage: string): Promise<ApiTag> =>
      waitFor(async () => {
        const found = ((await (await fetch(`${running.url}/api/v1/tags?repository=hosted`)).json()) as { tags: ApiTag[] }).tags.find((candidate) => candidate.image === 'pushed');
        return found?.coverage === coverage ? found : undefined;
      });
    // docker pushes, then cosign signs: the tag's event, then the .sig tag's event, which names the digest.
    const pushed = world.push('hosted', 'pushed', 'v1');
    assert.equal((await pushedTag('none')).status, 'unsigned');
    const digest = `sha256:${pushed.sha256}`;
    pushSig('pushed', digest, [simpleSigningLayer({ digest, signer: signingKey })]);
    const signed = await pushedTag('cosign_only');
    assert.equal(signed.signatures?.find((entry) => entry.system === 'cosign')?.status, 'verified');
    assert.equal((await running.scans()).length, scansBefore, 'no scan ran');
    // The .sig tag itself got no verdict: it is an artifact, not an image.
    const listed = ((await (await fetch(`${running.url}/api/v1/tags?repository=hosted`)).json()) as { tags: ApiTag[] }).tags;
    assert.ok(!listed.some((tag) => tag.tag.endsWith('.sig')), JSON.stringify(listed.map((tag) => tag.tag)));
  });
});

/**
 * Fidelity of the fake Nexus (test/support/nexus/) for what cosign and Notation push beside an
 * image: legacy cosign tags, untagged OCI manifests with `subject` and `artifactType`, the OCI 1.1
 * referrers API (option `referrers`) and the `sha256-<hex>` tag-schema fallback
 * (docs/nexus-and-registry.md §3; OCI distribution-spec 1.1, "Listing Referrers").
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { makeManifest } from '../support/nexus/model.js';
import { startNexusServer } from '../support/nexus/server.js';
import type { FakeManifest, FakeNexus, FakeNexusOptions } from '../support/nexus/types.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
const SIGSTORE_BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const NOTARY_SIGNATURE = 'application/vnd.cncf.notary.signature';
const COSIGN_SIMPLESIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
const EMPTY_CONFIG = { mediaType: OCI_EMPTY, digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 };

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function json(value: unknown, mediaType: string): FakeManifest {
  return { bytes: new TextEncoder().encode(JSON.stringify(value)), mediaType };
}

/** An OCI artifact manifest naming `subject`, shaped like what cosign 3 (bundle) or Notation push. */
function artifact(subject: { digest: string; size: number; mediaType: string }, artifactType: string, layerMediaType: string, annotations: Record<string, string>): FakeManifest {
  return json(
    {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: EMPTY_CONFIG,
      layers: [{ mediaType: layerMediaType, digest: `sha256:${sha256(`${artifactType} layer`)}`, size: 1234 }],
      subject,
      annotations,
    },
    OCI_MANIFEST
  );
}

interface World {
  nexus: FakeNexus;
  subject: { digest: string; size: number; mediaType: string };
  bundle: { digest: string; size: number };
  notation: { digest: string; size: number };
  signatureIndex: { digest: string; size: number };
}

const BUNDLE_ANNOTATIONS = { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1' };
const NOTATION_ANNOTATIONS = { 'io.cncf.notary.x509chain.thumbprint#S256': '["abc"]', 'org.opencontainers.image.created': '2026-11-30T00:00:00Z' };

async function world(options: FakeNexusOptions): Promise<World> {
  const nexus = await startNexusServer(options);
  nexus.addRepository({ name: 'hosted', type: 'hosted' });
  const image = makeManifest('subject image');
  const pushed = nexus.putTag('hosted', 'app', 'v1', image);
  const subject = { ...pushed, mediaType: image.mediaType };
  const bundle = nexus.putManifest('hosted', 'app', undefined, artifact(subject, SIGSTORE_BUNDLE, SIGSTORE_BUNDLE, BUNDLE_ANNOTATIONS));
  const notation = nexus.putManifest('hosted', 'app', undefined, artifact(subject, NOTARY_SIGNATURE, 'application/jose+json', NOTATION_ANNOTATIONS));
  // A signature that is itself an index with a subject: no config, so its descriptor has no artifactType.
  const signatureIndex = nexus.putManifest('hosted', 'app', undefined, json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [], subject }, OCI_INDEX));
  return { nexus, subject, bundle, notation, signatureIndex };
}

async function get(url: string, method = 'GET'): Promise<{ status: number; headers: Headers; body: Uint8Array }> {
  const response = await fetch(url, { method });
  return { status: response.status, headers: response.headers, body: new Uint8Array(await response.arrayBuffer()) };
}

function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

describe('fake Nexus: referrers supported', () => {
  let w: World;
  let base: string;
  before(async () => {
    w = await world({ referrers: 'supported' });
    base = `${w.nexus.url}/repository/hosted/v2/app`;
  });
  after(async () => {
    await w.nexus.stop();
  });

  it('lists every manifest whose subject is the digest, as an OCI index of descriptors', async () => {
    const response = await get(`${base}/referrers/${w.subject.digest}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), OCI_INDEX);
    assert.equal(response.headers.get('oci-filters-applied'), null);
    assert.equal(response.headers.get('docker-distribution-api-version'), 'registry/2.0');
    assert.deepEqual(JSON.parse(text(response.body)), {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: OCI_MANIFEST, digest: w.bundle.digest, size: w.bundle.size, artifactType: SIGSTORE_BUNDLE, annotations: BUNDLE_ANNOTATIONS },
        { mediaType: OCI_MANIFEST, digest: w.notation.digest, size: w.notation.size, artifactType: NOTARY_SIGNATURE, annotations: NOTATION_ANNOTATIONS },
        { mediaType: OCI_INDEX, digest: w.signatureIndex.digest, size: w.signatureIndex.size },
      ],
    });
  });

  it('filters by artifactType and says so in OCI-Filters-Applied', async () => {
    const response = await get(`${base}/referrers/${w.subject.digest}?artifactType=${encodeURIComponent(NOTARY_SIGNATURE)}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('oci-filters-applied'), 'artifactType');
    const index = JSON.parse(text(response.body)) as { manifests: { digest: string }[] };
    assert.deepEqual(
      index.manifests.map((descriptor) => descriptor.digest),
      [w.notation.digest]
    );
  });

  it('answers an empty index, not 404, for a digest nothing refers to', async () => {
    const response = await get(`${base}/referrers/sha256:${'0'.repeat(64)}`);
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(text(response.body)), { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] });
  });

  it('answers 400 for an invalid digest and NAME_UNKNOWN for an unknown image', async () => {
    assert.equal((await get(`${base}/referrers/sha256:nothex`)).status, 400);
    const unknown = await get(`${w.nexus.url}/repository/hosted/v2/nothing/referrers/${w.subject.digest}`);
    assert.equal(unknown.status, 404);
    assert.equal((JSON.parse(text(unknown.body)) as { errors: { code: string }[] }).errors[0]?.code, 'NAME_UNKNOWN');
  });
});

describe('fake Nexus: referrers absent (default)', () => {
  let w: World;
  let base: string;
  before(async () => {
    w = await world({});
    base = `${w.nexus.url}/repository/hosted/v2/app`;
  });
  after(async () => {
    await w.nexus.stop();
  });

  it('answers the referrers path like any unknown registry path', async () => {
    const referrers = await get(`${base}/referrers/${w.subject.digest}`);
    const unknown = await get(`${base}/no-such-endpoint/${w.subject.digest}`);
    assert.equal(referrers.status, 404);
    assert.equal(referrers.headers.get('content-type'), 'application/json');
    assert.deepEqual(JSON.parse(text(referrers.body)), { errors: [{ code: 'NOT_FOUND', message: 'not found', detail: null }] });
    assert.deepEqual(referrers.body, unknown.body);
  });

  it('serves an untagged manifest by digest, on GET and HEAD, with its digest and media type', async () => {
    for (const method of ['GET', 'HEAD']) {
      const response = await get(`${base}/manifests/${w.bundle.digest}`, method);
      assert.equal(response.status, 200, method);
      assert.equal(response.headers.get('docker-content-digest'), w.bundle.digest, method);
      assert.equal(response.headers.get('content-type'), OCI_MANIFEST, method);
      assert.equal(response.headers.get('content-length'), String(w.bundle.size), method);
      if (method === 'GET') {
        assert.equal(`sha256:${sha256(response.body)}`, w.bundle.digest);
        assert.equal((JSON.parse(text(response.body)) as { subject: { digest: string } }).subject.digest, w.subject.digest);
      }
    }
  });

  it('holds the tag-schema fallback: an index tagged sha256-<hex> listing the referrers', async () => {
    const fallbackTag = w.subject.digest.replace(':', '-');
    const listed = json(
      {
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          { mediaType: OCI_MANIFEST, digest: w.bundle.digest, size: w.bundle.size, artifactType: SIGSTORE_BUNDLE, annotations: BUNDLE_ANNOTATIONS },
          { mediaType: OCI_MANIFEST, digest: w.notation.digest, size: w.notation.size, artifactType: NOTARY_SIGNATURE, annotations: NOTATION_ANNOTATIONS },
        ],
      },
      OCI_INDEX
    );
    const pushed = w.nexus.putManifest('hosted', 'app', fallbackTag, listed);
    const response = await get(`${base}/manifests/${fallbackTag}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), OCI_INDEX);
    assert.equal(response.headers.get('docker-content-digest'), pushed.digest);
    assert.deepEqual(response.body, listed.bytes);
  });

  it('lists tags with legacy cosign tags and the fallback tag, never untagged manifests', async () => {
    const hex = w.subject.digest.slice('sha256:'.length);
    const sigLayer = { mediaType: COSIGN_SIMPLESIGNING, digest: `sha256:${sha256('payload')}`, size: 245, annotations: { 'dev.cosignproject.cosign/signature': 'MEUCIQ...' } };
    const sig = w.nexus.putManifest('hosted', 'app', `sha256-${hex}.sig`, json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: EMPTY_CONFIG, layers: [sigLayer] }, OCI_MANIFEST));
    w.nexus.putManifest('hosted', 'app', `sha256-${hex}.att`, json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: EMPTY_CONFIG, layers: [] }, OCI_MANIFEST));

    const sigResponse = await get(`${base}/manifests/sha256-${hex}.sig`);
    const sigManifest = JSON.parse(text(sigResponse.body)) as { layers: { annotations: Record<string, string> }[] };
    assert.equal(sigResponse.headers.get('docker-content-digest'), sig.digest);
    assert.deepEqual(sigManifest.layers[0]?.annotations, sigLayer.annotations);

    const tags = JSON.parse(text((await get(`${base}/tags/list`)).body)) as { tags: string[] };
    assert.deepEqual(tags.tags, [`sha256-${hex}`, `sha256-${hex}.att`, `sha256-${hex}.sig`, 'v1']);

    const components = JSON.parse(text((await get(`${w.nexus.url}/service/rest/v1/components?repository=hosted`)).body)) as {
      items: { version: string; assets: { checksum: { sha256: string }; contentType: string }[] }[];
    };
    assert.deepEqual(
      components.items.map((item) => item.version),
      ['v1', `sha256-${hex}`, `sha256-${hex}.sig`, `sha256-${hex}.att`]
    );
    const untagged = new Set([w.bundle.digest, w.notation.digest, w.signatureIndex.digest].map((digest) => digest.slice('sha256:'.length)));
    assert.ok(components.items.every((item) => item.assets.every((asset) => !untagged.has(asset.checksum.sha256))));
    assert.equal(components.items.find((item) => item.version === `sha256-${hex}.sig`)?.assets[0]?.contentType, OCI_MANIFEST);
  });

  it('refuses an untagged push without a media type or to a group', async () => {
    const nexus = await startNexusServer();
    try {
      nexus.addRepository({ name: 'hosted', type: 'hosted' });
      nexus.addRepository({ name: 'group', type: 'group', members: ['hosted'] });
      assert.throws(() => nexus.putManifest('hosted', 'app', undefined, { bytes: new Uint8Array([123, 125]), mediaType: '' }), /needs a media type/);
      assert.throws(() => nexus.putManifest('group', 'app', undefined, makeManifest('x')), /cannot push/);
      assert.throws(() => nexus.putManifest('hosted', 'App', undefined, makeManifest('x')), /invalid image reference App$/);
    } finally {
      await nexus.stop();
    }
  });
});

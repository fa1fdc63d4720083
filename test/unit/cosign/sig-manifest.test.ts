/**
 * The `.sig` tag's manifest (src/cosign/core/sig-manifest.ts). Manifests are
 * written here from docs/signature-systems.md §2 as cosign writes them: an
 * OCI image manifest (or Docker schema 2), one simple-signing layer per
 * signature, the signature and certificate material in layer annotations.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';

import {
  MAX_ANNOTATION_BYTES,
  MAX_LAYERS,
  MAX_MANIFEST_BYTES,
  blobMatches,
  digestOfSigTag,
  parseSigManifest,
  sigTagFor,
  type SigLayer,
  type SigManifestFailureCode,
} from '../../../src/cosign/core/sig-manifest.js';

const HEX = 'a1'.repeat(32);
const DIGEST = `sha256:${HEX}`;
const OCI = 'application/vnd.oci.image.manifest.v1+json';
const DOCKER = 'application/vnd.docker.distribution.manifest.v2+json';
const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
const SIGNATURE = 'MEUCIQDexample+signature/base64==';
const CERTIFICATE = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

const digestOf = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

function layer(payload: string, annotations: Record<string, unknown> = { 'dev.cosignproject.cosign/signature': SIGNATURE }): Record<string, unknown> {
  const bytes = Buffer.from(payload);
  return { mediaType: SIMPLE_SIGNING, size: bytes.byteLength, digest: digestOf(bytes), annotations };
}

function manifest(layers: unknown, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: OCI,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 233, digest: `sha256:${'c3'.repeat(32)}` },
    layers,
    ...overrides,
  };
}

const encode = (document: unknown): Uint8Array => Buffer.from(JSON.stringify(document));

function failureOf(bytes: Uint8Array): SigManifestFailureCode {
  const result = parseSigManifest(bytes);
  assert.equal(result.ok, false, 'expected a failure');
  return result.ok ? assert.fail() : result.error.code;
}

describe('sigTagFor / digestOfSigTag', () => {
  it('round-trips a digest through its .sig tag', () => {
    assert.equal(sigTagFor(DIGEST), `sha256-${HEX}.sig`);
    assert.equal(digestOfSigTag(sigTagFor(DIGEST)), DIGEST);
  });

  it('refuses digests that are not sha256:<64 lower-case hex>', () => {
    for (const bad of ['', HEX, `sha256:${HEX.toUpperCase()}`, `sha256:${HEX}0`, `sha512:${HEX}`, `sha256-${HEX}`]) {
      assert.throws(() => sigTagFor(bad), TypeError, bad);
    }
  });

  it('names no digest for other tags', () => {
    for (const tag of [
      `sha256-${HEX}.att`,
      `sha256-${HEX}.sbom`,
      `sha256-${HEX.toUpperCase()}.sig`,
      `sha256-${HEX}0.sig`,
      `sha256-${HEX.slice(1)}.sig`,
      `sha256-${HEX}.sig.sig`,
      `sha256:${HEX}.sig`,
      'latest',
      `x-sha256-${HEX}.sig`,
    ]) {
      assert.equal(digestOfSigTag(tag), undefined, tag);
    }
  });
});

describe('parseSigManifest', () => {
  it('reads one key-based signature', () => {
    const result = parseSigManifest(encode(manifest([layer('payload-1')])));
    assert.ok(result.ok);
    assert.equal(result.value.skippedLayers, 0);
    assert.deepEqual(result.value.layers, [{ digest: digestOf(Buffer.from('payload-1')), size: 9, signatureBase64: SIGNATURE }]);
  });

  it('reads several signatures in order, with and without certificate material, Docker media types too', () => {
    const keyless = {
      'dev.cosignproject.cosign/signature': 'c2ln',
      'dev.sigstore.cosign/certificate': CERTIFICATE,
      'dev.sigstore.cosign/chain': CERTIFICATE + CERTIFICATE,
      'dev.sigstore.cosign/bundle': '{"SignedEntryTimestamp":"x","Payload":{}}',
      'dev.sigstore.cosign/rfc3161timestamp': '{"SignedRFC3161Timestamp":"x"}',
      'org.example/other': 'ignored',
    };
    const layers = [layer('one'), { mediaType: 'application/vnd.dsse.envelope.v1+json', size: 1, digest: 'not checked' }, layer('three', keyless)];
    for (const mediaType of [OCI, DOCKER]) {
      const result = parseSigManifest(encode(manifest(layers, { mediaType })));
      assert.ok(result.ok);
      assert.equal(result.value.skippedLayers, 1);
      assert.deepEqual(result.value.layers, [
        { digest: digestOf(Buffer.from('one')), size: 3, signatureBase64: SIGNATURE },
        {
          digest: digestOf(Buffer.from('three')),
          size: 5,
          signatureBase64: 'c2ln',
          certificatePem: CERTIFICATE,
          chainPem: CERTIFICATE + CERTIFICATE,
          bundleJson: keyless['dev.sigstore.cosign/bundle'],
          rfc3161TimestampJson: keyless['dev.sigstore.cosign/rfc3161timestamp'],
        },
      ]);
    }
  });

  it('accepts a manifest with no layers (the caller decides what no signature means)', () => {
    assert.deepEqual(parseSigManifest(encode(manifest([]))), { ok: true, value: { layers: [], skippedLayers: 0 } });
  });

  it('refuses malformed manifests', () => {
    const cases: [string, Uint8Array][] = [
      ['not JSON', Buffer.from('{')],
      ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
      ['a BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), encode(manifest([]))])],
      ['an array', encode([manifest([])])],
      ['null', encode(null)],
      ['a case variant of layers', encode({ ...manifest([]), Layers: [] })],
      ['a case variant of schemaVersion', encode({ ...manifest([]), SchemaVersion: 2 })],
      ['schemaVersion 1', encode(manifest([], { schemaVersion: 1 }))],
      ['schemaVersion "2"', encode(manifest([], { schemaVersion: '2' }))],
      ['no layers', encode(manifest(undefined))],
      ['layers an object', encode(manifest({ 0: layer('x') }))],
    ];
    for (const [name, bytes] of cases) assert.equal(failureOf(bytes), 'MALFORMED_MANIFEST', name);
  });

  it('refuses manifests of other media types', () => {
    for (const mediaType of [undefined, null, 'application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.v1+json', OCI.toUpperCase()]) {
      assert.equal(failureOf(encode(manifest([], { mediaType }))), 'UNSUPPORTED_MEDIA_TYPE', String(mediaType));
    }
  });

  it('refuses malformed simple-signing layers', () => {
    const good = layer('x');
    const cases: [string, unknown][] = [
      ['null', null],
      ['a string', 'layer'],
      ['an array', [good]],
      ['no mediaType', { ...good, mediaType: undefined }],
      ['a numeric mediaType', { ...good, mediaType: 1 }],
      ['a case variant of digest', { ...good, Digest: good.digest }],
      ['no digest', { ...good, digest: undefined }],
      ['an upper-case digest', { ...good, digest: String(good.digest).toUpperCase() }],
      ['a sha512 digest', { ...good, digest: `sha512:${'a1'.repeat(64)}` }],
      ['no size', { ...good, size: undefined }],
      ['a string size', { ...good, size: '1' }],
      ['a negative size', { ...good, size: -1 }],
      ['a fractional size', { ...good, size: 1.5 }],
      ['an unsafe size', { ...good, size: 2 ** 53 }],
      ['a numeric signature', { ...good, annotations: { 'dev.cosignproject.cosign/signature': 1 } }],
      ['a numeric certificate', { ...good, annotations: { 'dev.cosignproject.cosign/signature': SIGNATURE, 'dev.sigstore.cosign/certificate': 1 } }],
      ['annotations an array', { ...good, annotations: [] }],
      ['annotations a string', { ...good, annotations: 'sig' }],
      ['a null chain', { ...good, annotations: { 'dev.cosignproject.cosign/signature': SIGNATURE, 'dev.sigstore.cosign/chain': null } }],
    ];
    for (const [name, bad] of cases) assert.equal(failureOf(encode(manifest([good, bad]))), 'MALFORMED_LAYER', name);
  });

  it('refuses simple-signing layers without a signature', () => {
    const good = layer('x');
    for (const annotations of [undefined, null, {}, { 'dev.cosignproject.cosign/signature': '' }, { 'dev.sigstore.cosign/signature': SIGNATURE }]) {
      assert.equal(failureOf(encode(manifest([{ ...good, annotations }]))), 'MISSING_SIGNATURE', JSON.stringify(annotations));
    }
  });

  it('bounds the manifest at MAX_MANIFEST_BYTES', () => {
    const base = encode(manifest([layer('x')]));
    const atLimit = Buffer.concat([base, Buffer.alloc(MAX_MANIFEST_BYTES - base.byteLength, ' ')]);
    assert.equal(atLimit.byteLength, MAX_MANIFEST_BYTES);
    assert.ok(parseSigManifest(atLimit).ok);
    assert.equal(failureOf(Buffer.concat([atLimit, Buffer.from(' ')])), 'MANIFEST_TOO_LARGE');
  });

  it('bounds the layers at MAX_LAYERS, skipped ones included', () => {
    const atLimit = parseSigManifest(encode(manifest(Array.from({ length: MAX_LAYERS }, (_, index) => layer(`payload-${index}`)))));
    assert.ok(atLimit.ok);
    assert.equal(atLimit.value.layers.length, MAX_LAYERS);
    const other = { mediaType: 'application/octet-stream', size: 1, digest: DIGEST };
    assert.equal(failureOf(encode(manifest([...Array.from({ length: MAX_LAYERS }, () => other), layer('x')]))), 'TOO_MANY_LAYERS');
  });

  it('bounds each annotation at MAX_ANNOTATION_BYTES of UTF-8', () => {
    for (const name of [
      'dev.cosignproject.cosign/signature',
      'dev.sigstore.cosign/certificate',
      'dev.sigstore.cosign/chain',
      'dev.sigstore.cosign/bundle',
      'dev.sigstore.cosign/rfc3161timestamp',
    ]) {
      const withValue = (value: string) => encode(manifest([layer('x', { 'dev.cosignproject.cosign/signature': SIGNATURE, [name]: value })]));
      assert.ok(parseSigManifest(withValue('a'.repeat(MAX_ANNOTATION_BYTES))).ok, name);
      assert.equal(failureOf(withValue('a'.repeat(MAX_ANNOTATION_BYTES + 1))), 'ANNOTATION_TOO_LARGE', name);
      // Two bytes each in UTF-8: the bound counts bytes, not characters.
      assert.equal(failureOf(withValue('é'.repeat(MAX_ANNOTATION_BYTES / 2 + 1))), 'ANNOTATION_TOO_LARGE', name);
    }
  });
});

describe('blobMatches', () => {
  const blob = Buffer.from('{"critical":{}}');
  const described: SigLayer = { digest: digestOf(blob), size: blob.byteLength, signatureBase64: SIGNATURE };

  it('accepts the blob the layer names', () => {
    assert.equal(blobMatches(described, blob), true);
    assert.equal(blobMatches({ ...described, digest: digestOf(new Uint8Array()), size: 0 }, new Uint8Array()), true);
  });

  it('refuses any other blob', () => {
    const flipped = Buffer.from(blob);
    flipped[0] = 0x5b;
    assert.equal(blobMatches(described, flipped), false, 'one byte changed');
    assert.equal(blobMatches(described, Buffer.concat([blob, Buffer.from(' ')])), false, 'one byte more');
    assert.equal(blobMatches({ ...described, size: blob.byteLength + 1 }, blob), false, 'size differs, digest equal');
    assert.equal(blobMatches({ ...described, digest: DIGEST }, blob), false, 'digest differs, size equal');
    assert.equal(blobMatches({ ...described, digest: 'sha256:abc' }, blob), false, 'digest of another length');
  });
});

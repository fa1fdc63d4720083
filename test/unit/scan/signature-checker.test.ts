/**
 * The signature checker's discovery and reuse rules on an in-memory registry:
 * the `.sig` tag from the listing, the referrers by API or fallback tag, the
 * subject check, what a failed fetch makes of a system, and that an unchanged
 * digest is neither fetched nor verified again.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';

import type { SystemSignature } from '../../../src/domain/signatures.js';
import { FetchError } from '../../../src/lib/errors.js';
import { silentLogger } from '../../../src/lib/logger.js';
import type { ArtifactSource } from '../../../src/scan/ports.js';
import { aggregate, ArtifactIndex, EVIDENCE_REVISION, SignatureChecker, type CheckedSignature, type SignatureFinding, type SignatureVerifiers } from '../../../src/scan/signature-checker.js';
import { ScanTally } from '../../../src/scan/tally.js';
import { MemorySignatureState } from '../../support/memory-signature-state.js';

const digestOf = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const IMAGE = 'app';
const SUBJECT = `sha256:${'a'.repeat(64)}`;
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** A registry in memory that counts its requests. */
class MemoryRegistry implements ArtifactSource {
  readonly manifests = new Map<string, Buffer>();
  readonly tags = new Map<string, string>();
  readonly blobs = new Map<string, Buffer>();
  referrersApi = false;
  failing = false;
  /** Manifests whose fetch fails (the registry answers everything else). */
  readonly failingDigests = new Set<string>();
  requests = 0;

  putManifest(value: unknown, tag?: string): string {
    const bytes = json(value);
    const digest = digestOf(bytes);
    this.manifests.set(digest, bytes);
    if (tag !== undefined) {
      this.tags.set(tag, digest);
    }
    return digest;
  }

  putBlob(bytes: Buffer): { digest: string; size: number } {
    const digest = digestOf(bytes);
    this.blobs.set(digest, bytes);
    return { digest, size: bytes.length };
  }

  #count(): void {
    this.requests++;
    if (this.failing) {
      throw new FetchError('HTTP_5XX', 'registry answered 503');
    }
  }

  async getManifestDescriptor(_image: string, tag: string) {
    this.#count();
    const digest = this.tags.get(tag);
    return digest === undefined ? undefined : { digest, size: this.manifests.get(digest)?.length ?? 0, mediaType: 'application/vnd.oci.image.index.v1+json' };
  }

  async getManifestByDigest(_image: string, digest: string) {
    this.#count();
    if (this.failingDigests.has(digest)) {
      throw new FetchError('HTTP_5XX', 'registry answered 503');
    }
    const bytes = this.manifests.get(digest);
    return bytes === undefined ? undefined : { bytes, mediaType: undefined };
  }

  /** The most requests in flight at once. */
  peakInFlight = 0;
  #inFlight = 0;
  blobLimits: number[] = [];

  async getBlob(_image: string, digest: string, maxBytes: number) {
    this.#count();
    this.blobLimits.push(maxBytes);
    this.#inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.#inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    this.#inFlight--;
    return this.blobs.get(digest);
  }

  async getReferrers(_image: string, digest: string) {
    this.#count();
    if (!this.referrersApi) {
      return { supported: false as const, status: 404 };
    }
    const manifests = [...this.manifests.entries()]
      .map(([manifestDigest, bytes]) => ({ manifestDigest, document: JSON.parse(bytes.toString()) as { subject?: { digest: string }; artifactType?: string } }))
      .filter(({ document }) => document.subject?.digest === digest)
      .map(({ manifestDigest, document }) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: 1, artifactType: document.artifactType }));
    return { supported: true as const, index: json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }) };
  }
}

/** Verifiers that read their verdict from the blob: `ok:<signer>`, `bad`, `stranger`. */
function fakeVerifiers(calls: string[]): SignatureVerifiers {
  const judge = (system: string, blob: Uint8Array): CheckedSignature => {
    const text = Buffer.from(blob).toString();
    calls.push(`${system}:${text}`);
    if (text.startsWith('ok:')) {
      // `ok:<signer>` or `ok:<signer>@<certificate notAfter>`
      const [signer, notAfter] = text.slice(3).split('@');
      return { status: 'verified', code: null, detail: 'ok', signer: signer ?? null, certificateNotAfter: notAfter ?? null };
    }
    if (text === 'expired') {
      return { status: 'expired', code: 'CERTIFICATE_EXPIRED', detail: 'expired', signer: 'CN=old', certificateNotAfter: '2025-01-01T00:00:00Z' };
    }
    return text === 'bad'
      ? { status: 'invalid', code: 'BAD_SIGNATURE', detail: 'bad', signer: null, certificateNotAfter: null }
      : { status: 'untrusted', code: 'NO_MATCHING_KEY', detail: 'stranger', signer: 'someone', certificateNotAfter: null };
  };
  return {
    policy: 'release',
    fingerprint: 'f1',
    cosign: { verifySigLayer: (_layer, blob) => judge('sig', blob), verifyBundle: (blob) => judge('bundle', blob) },
    notation: { verify: ({ envelope }) => judge('notation', envelope) },
  };
}

function sigManifest(registry: MemoryRegistry, payloads: readonly string[]): string {
  const layers = payloads.map((payload) => {
    const blob = registry.putBlob(Buffer.from(payload));
    return { mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', ...blob, annotations: { 'dev.cosignproject.cosign/signature': 'c2ln' } };
  });
  return registry.putManifest({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers }, `sha256-${'a'.repeat(64)}.sig`);
}

function referrer(registry: MemoryRegistry, artifactType: string, payload: string, subject = SUBJECT): { digest: string; artifactType: string } {
  const blob = registry.putBlob(Buffer.from(payload));
  const digest = registry.putManifest({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf(Buffer.from('{}')), size: 2 },
    layers: [{ mediaType: artifactType === 'application/vnd.cncf.notary.signature' ? 'application/jose+json' : artifactType, ...blob }],
    subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: subject, size: 100 },
  });
  return { digest, artifactType };
}

function fallbackIndex(registry: MemoryRegistry, referrers: readonly { digest: string; artifactType: string }[]): string {
  return registry.putManifest(
    { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: referrers.map((r) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1, ...r })) },
    `sha256-${'a'.repeat(64)}`
  );
}

function setup(options: { forecast?: boolean; onChecked?: (finding: SignatureFinding) => void } = {}) {
  const registry = new MemoryRegistry();
  const state = new MemorySignatureState();
  const calls: string[] = [];
  const verifiers = fakeVerifiers(calls);
  const tally = new ScanTally();
  const checker = (evaluatedAt = new Date('2026-01-01T00:00:00Z')) =>
    new SignatureChecker({
      registryFor: () => registry,
      state,
      tally,
      log: silentLogger,
      evaluatedAt,
      forecast: options.forecast ?? false,
      now: () => new Date('2026-01-01T00:00:00Z'),
      signal: undefined,
      onChecked: options.onChecked,
    });
  const artifacts = new ArtifactIndex();
  const entries = (instance = checker(), index = artifacts): Promise<readonly SystemSignature[]> =>
    instance.entriesFor({ repository: 'hosted', image: IMAGE, digest: SUBJECT, size: 100, scope: `registry.example/${IMAGE}` }, { verifiers, require: ['dct'] }, index);
  return { registry, state, calls, tally, checker, artifacts, entries };
}

const statusOf = (entries: readonly SystemSignature[], system: string): string | undefined => entries.find((entry) => entry.system === system)?.status;

describe('SignatureChecker', () => {
  it('reads the .sig manifest the listing showed and verifies each layer; one verified layer suffices', async () => {
    const { registry, artifacts, entries, calls } = setup();
    const sig = sigManifest(registry, ['stranger', 'ok:key-1']);
    artifacts.record(IMAGE, `sha256-${'a'.repeat(64)}.sig`, sig);
    const result = await entries();
    assert.equal(statusOf(result, 'cosign'), 'verified');
    assert.deepEqual(result.find((entry) => entry.system === 'cosign')?.signers, ['key-1']);
    assert.equal(statusOf(result, 'notation'), 'absent');
    assert.deepEqual(calls, ['sig:stranger', 'sig:ok:key-1']);
  });

  it('without a .sig tag or referrers, both systems are absent, and nothing but the probe is asked', async () => {
    const { registry, entries } = setup();
    const result = await entries();
    assert.deepEqual(
      result.map((entry) => entry.status),
      ['absent', 'absent']
    );
    assert.equal(registry.requests, 1, 'one referrers probe');
  });

  it('reads bundles and Notation signatures from the fallback index tag when the referrers API is absent', async () => {
    const { registry, artifacts, entries, checker } = setup();
    const bundle = referrer(registry, 'application/vnd.dev.sigstore.bundle.v0.3+json', 'ok:ci@example');
    const notation = referrer(registry, 'application/vnd.cncf.notary.signature', 'ok:CN=signer');
    const index = fallbackIndex(registry, [bundle, notation]);
    artifacts.record(IMAGE, `sha256-${'a'.repeat(64)}`, index);
    const instance = checker();
    const result = await entries(instance);
    assert.equal(statusOf(result, 'cosign'), 'verified');
    assert.equal(statusOf(result, 'notation'), 'verified');
    assert.equal(instance.modes.get('hosted'), 'tag_fallback');
  });

  it('reads referrers through the API when the repository answers it', async () => {
    const { registry, entries, checker } = setup();
    registry.referrersApi = true;
    referrer(registry, 'application/vnd.cncf.notary.signature', 'bad');
    const instance = checker();
    const result = await entries(instance);
    assert.equal(statusOf(result, 'notation'), 'invalid');
    assert.equal(statusOf(result, 'cosign'), 'absent');
    assert.equal(instance.modes.get('hosted'), 'api');
  });

  it('refuses a referrer whose subject is another digest (a fallback tag resolving to something else)', async () => {
    const { registry, artifacts, entries, calls } = setup();
    const foreign = referrer(registry, 'application/vnd.dev.sigstore.bundle.v0.3+json', 'ok:ci@example', `sha256:${'b'.repeat(64)}`);
    artifacts.record(IMAGE, `sha256-${'a'.repeat(64)}`, fallbackIndex(registry, [foreign]));
    const result = await entries();
    assert.equal(statusOf(result, 'cosign'), 'invalid');
    assert.match(result.find((entry) => entry.system === 'cosign')?.reason ?? '', /subject is not sha256:a{64}/);
    assert.deepEqual(calls, [], 'never verified');
  });

  it('ignores referrers of kinds it does not audit (SBOMs, attestations of other tools)', async () => {
    const { registry, artifacts, entries } = setup();
    const sbom = referrer(registry, 'application/spdx+json', 'ok:sbom');
    artifacts.record(IMAGE, `sha256-${'a'.repeat(64)}`, fallbackIndex(registry, [sbom]));
    const before = registry.requests;
    const result = await entries();
    assert.deepEqual(
      result.map((entry) => entry.status),
      ['absent', 'absent']
    );
    assert.equal(registry.requests - before, 2, 'the probe and the index, never the SBOM');
  });

  it('a fetch that fails makes the system error, never absent; nothing is stored for reuse', async () => {
    const { registry, artifacts, entries, state, tally } = setup();
    artifacts.record(IMAGE, `sha256-${'a'.repeat(64)}.sig`, sigManifest(registry, ['ok:key-1']));
    registry.failing = true;
    const result = await entries();
    assert.equal(statusOf(result, 'cosign'), 'error');
    assert.equal(statusOf(result, 'notation'), 'error');
    assert.equal(state.rows.size, 0);
    assert.ok(tally.sourceErrors.some((error) => error.source === 'nexus'));
  });

  it('an unchanged digest is reused on the next scan without fetching or verifying; a changed .sig is verified again', async () => {
    const { registry, artifacts, entries, calls, checker } = setup();
    const sig = sigManifest(registry, ['ok:key-1']);
    artifacts.record(IMAGE, `sha256-${'a'.repeat(64)}.sig`, sig);
    await entries();
    const requests = registry.requests;
    const callsBefore = calls.length;
    const again = await entries(checker());
    assert.equal(statusOf(again, 'cosign'), 'verified');
    assert.equal(registry.requests - requests, 1, 'only the referrers probe of the new scan');
    assert.equal(calls.length, callsBefore, 'not verified again');

    const changed = new ArtifactIndex();
    changed.record(IMAGE, `sha256-${'a'.repeat(64)}.sig`, sigManifest(registry, ['bad']));
    const third = await entries(checker(), changed);
    assert.equal(statusOf(third, 'cosign'), 'invalid');
  });

  it('an unchanged fallback index is reused by the digest the listing gave, without fetching it or verifying again', async () => {
    const { registry, artifacts, entries, calls, checker } = setup();
    const notation = referrer(registry, 'application/vnd.cncf.notary.signature', 'ok:CN=signer');
    artifacts.record(IMAGE, `sha256-${'a'.repeat(64)}`, fallbackIndex(registry, [notation]));
    assert.equal(statusOf(await entries(), 'notation'), 'verified');
    const requests = registry.requests;
    const callsBefore = calls.length;
    const again = await entries(checker());
    assert.equal(statusOf(again, 'notation'), 'verified');
    assert.equal(registry.requests - requests, 1, 'only the referrers probe of the new scan, not the index');
    assert.equal(calls.length, callsBefore, 'not verified again');
  });

  it('a fallback index that cannot be fetched is not stored for reuse, even when a verified .sig decides every configured system', async () => {
    const { registry, artifacts, state, calls, checker } = setup();
    const other = `sha256:${'c'.repeat(64)}`;
    const audit = { verifiers: { ...fakeVerifiers(calls), notation: undefined }, require: ['dct'] as const };
    const instance = checker();
    // The probe answers with another digest first, then the registry fails: only the index fetch does.
    await instance.entriesFor({ repository: 'hosted', image: IMAGE, digest: other, size: 100, scope: `registry.example/${IMAGE}` }, audit, artifacts);
    state.rows.clear();
    artifacts.record(IMAGE, `sha256-${'a'.repeat(64)}.sig`, sigManifest(registry, ['ok:key-1']));
    artifacts.record(IMAGE, `sha256-${'a'.repeat(64)}`, fallbackIndex(registry, [referrer(registry, 'application/vnd.cncf.notary.signature', 'ok:CN=signer')]));
    registry.failingDigests.add(registry.tags.get(`sha256-${'a'.repeat(64)}`) ?? '');
    const result = await instance.entriesFor({ repository: 'hosted', image: IMAGE, digest: SUBJECT, size: 100, scope: `registry.example/${IMAGE}` }, audit, artifacts);
    assert.equal(statusOf(result, 'cosign'), 'verified');
    assert.equal(statusOf(result, 'notation'), 'not_configured');
    assert.equal(state.rows.size, 0, 'what the index held is unknown: verified again next scan');
  });

  it('a verified Notation certificate is reused until its notAfter, then verified again; an expired one at every scan', async () => {
    const { registry, artifacts, entries, calls, checker } = setup();
    const ok = referrer(registry, 'application/vnd.cncf.notary.signature', 'ok:CN=signer@2026-06-01T00:00:00Z');
    artifacts.record(IMAGE, `sha256-${'a'.repeat(64)}`, fallbackIndex(registry, [ok]));
    await entries();
    await entries(checker(new Date('2026-05-31T00:00:00Z')));
    assert.equal(calls.length, 1, 'reused before the notAfter');
    await entries(checker(new Date('2026-06-02T00:00:00Z')));
    assert.equal(calls.length, 2, 'verified again after it');

    const expired = setup();
    const old = referrer(expired.registry, 'application/vnd.cncf.notary.signature', 'expired');
    expired.artifacts.record(IMAGE, `sha256-${'a'.repeat(64)}`, fallbackIndex(expired.registry, [old]));
    assert.equal(statusOf(await expired.entries(), 'notation'), 'expired');
    await expired.entries(expired.checker(new Date('2026-01-02T00:00:00Z')));
    assert.equal(expired.calls.length, 2, 'an expired (or not yet valid) certificate is judged again at the next instant');
  });

  it('a .sig tag the listing gave no digest for is never reused: it could have changed', async () => {
    const { registry, artifacts, entries, calls, checker } = setup();
    sigManifest(registry, ['ok:key-1']);
    artifacts.record(IMAGE, `sha256-${'a'.repeat(64)}.sig`, undefined);
    assert.equal(statusOf(await entries(), 'cosign'), 'verified', 'the digest is asked of the registry');
    await entries(checker());
    assert.equal(calls.length, 2);
  });

  it('evidence stored under another revision of the verifiers is verified again', async () => {
    const { registry, artifacts, entries, calls, state } = setup();
    artifacts.record(IMAGE, `sha256-${'a'.repeat(64)}.sig`, sigManifest(registry, ['ok:key-1']));
    await entries();
    for (const [key, evidence] of state.rows) {
      assert.ok(evidence.source.startsWith(`${EVIDENCE_REVISION}|`));
      state.rows.set(key, { ...evidence, source: evidence.source.replace(/^[^|]+/, 'r0') });
    }
    await entries();
    assert.equal(calls.length, 2);
  });

  it('never asks the registry for a layer larger than the bound, whatever size the manifest claims', async () => {
    const { registry, artifacts, entries, calls } = setup();
    const blob = registry.putBlob(Buffer.from('ok:key-1'));
    const huge = { mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: blob.digest, size: 10 * 1024 ** 3, annotations: { 'dev.cosignproject.cosign/signature': 'c2ln' } };
    artifacts.record(
      IMAGE,
      `sha256-${'a'.repeat(64)}.sig`,
      registry.putManifest({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [huge] }, `sha256-${'a'.repeat(64)}.sig`)
    );
    const result = await entries();
    assert.equal(statusOf(result, 'cosign'), 'invalid');
    assert.match(result.find((entry) => entry.system === 'cosign')?.reason ?? '', /10737418240 bytes \(at most 65536\)/);
    assert.deepEqual(registry.blobLimits, []);
    assert.deepEqual(calls, []);
  });

  it('checks at most eight digests at once, however many tags wait', async () => {
    const { registry, checker } = setup();
    const instance = checker();
    const subjects = Array.from({ length: 40 }, (_, index) => `sha256:${index.toString(16).padStart(64, '0')}`);
    const artifacts = new ArtifactIndex();
    for (const digest of subjects) {
      const blob = registry.putBlob(Buffer.from(`ok:${digest}`));
      const layer = { mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', ...blob, annotations: { 'dev.cosignproject.cosign/signature': 'c2ln' } };
      const tag = `${digest.replace(':', '-')}.sig`;
      artifacts.record(IMAGE, tag, registry.putManifest({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [layer], note: digest }, tag));
    }
    const verifiers = fakeVerifiers([]);
    const results = await Promise.all(
      subjects.map((digest) => instance.entriesFor({ repository: 'hosted', image: IMAGE, digest, size: 1, scope: 's' }, { verifiers, require: ['dct'] }, artifacts))
    );
    assert.ok(results.every((entries) => statusOf(entries, 'cosign') === 'verified'));
    assert.ok(registry.peakInFlight <= 8 && registry.peakInFlight > 1, `peak ${registry.peakInFlight}`);
  });

  it('a fallback tag that resolves to the image itself is no referrers index (oras-go#1396): absent, not error, nothing fetched', async () => {
    const { registry, artifacts, entries } = setup();
    artifacts.record(IMAGE, `sha256-${'a'.repeat(64)}`, SUBJECT);
    const result = await entries();
    assert.deepEqual(
      result.map((entry) => entry.status),
      ['absent', 'absent']
    );
    assert.equal(registry.requests, 1, 'the probe only');
  });

  it('a forecast stores nothing', async () => {
    const { registry, artifacts, entries, state } = setup({ forecast: true });
    artifacts.record(IMAGE, `sha256-${'a'.repeat(64)}.sig`, sigManifest(registry, ['ok:key-1']));
    await entries();
    assert.equal(state.rows.size, 0);
  });

  it('checks each digest once however many tags share it', async () => {
    const { registry, artifacts, entries, calls, checker } = setup();
    artifacts.record(IMAGE, `sha256-${'a'.repeat(64)}.sig`, sigManifest(registry, ['ok:key-1']));
    const instance = checker();
    await Promise.all([entries(instance), entries(instance), entries(instance)]);
    assert.equal(calls.length, 1);
  });

  it('tells onChecked of every signature it checks, with where it was found: .sig layer, bundle referrer, Notation referrer', async () => {
    const findings: SignatureFinding[] = [];
    const { registry, artifacts, entries } = setup({ onChecked: (finding) => findings.push(finding) });
    const sig = sigManifest(registry, ['stranger', 'ok:key-1']);
    artifacts.record(IMAGE, `sha256-${'a'.repeat(64)}.sig`, sig);
    const bundle = referrer(registry, 'application/vnd.dev.sigstore.bundle.v0.3+json', 'bad');
    const notation = referrer(registry, 'application/vnd.cncf.notary.signature', 'ok:CN=signer');
    const foreign = referrer(registry, 'application/vnd.cncf.notary.signature', 'ok:CN=signer', `sha256:${'b'.repeat(64)}`);
    artifacts.record(IMAGE, `sha256-${'a'.repeat(64)}`, fallbackIndex(registry, [bundle, notation, foreign]));
    const result = await entries();
    assert.equal(statusOf(result, 'cosign'), 'verified');
    const layers = JSON.parse(registry.manifests.get(sig)?.toString() ?? '{}') as { layers: { digest: string }[] };
    assert.deepEqual(
      findings.map(({ system, location, check }) => [system, location, check.status]),
      [
        ['cosign', { kind: 'sig_layer', index: 1, digest: layers.layers[0]?.digest }, 'untrusted'],
        ['cosign', { kind: 'sig_layer', index: 2, digest: layers.layers[1]?.digest }, 'verified'],
        ['cosign', { kind: 'bundle_referrer', digest: bundle.digest }, 'invalid'],
        ['notation', { kind: 'notation_referrer', digest: notation.digest }, 'verified'],
        ['notation', { kind: 'notation_referrer', digest: foreign.digest }, 'invalid'],
      ]
    );
  });

  it('names the .sig manifest when it cannot be read', async () => {
    const findings: SignatureFinding[] = [];
    const { registry, artifacts, entries } = setup({ onChecked: (finding) => findings.push(finding) });
    const sig = registry.putManifest({ schemaVersion: 2, layers: 'none' }, `sha256-${'a'.repeat(64)}.sig`);
    artifacts.record(IMAGE, `sha256-${'a'.repeat(64)}.sig`, sig);
    await entries();
    assert.deepEqual(
      findings.map(({ location, check }) => [location, check.status, check.code]),
      [[{ kind: 'sig_manifest', digest: sig }, 'invalid', 'MALFORMED_ARTIFACT']]
    );
  });

  it('a repository without a policy has cosign and Notation not_configured, and asks nothing', async () => {
    const { registry, checker } = setup();
    const result = await checker().entriesFor({ repository: 'hosted', image: IMAGE, digest: SUBJECT, size: 1, scope: 's' }, { verifiers: undefined, require: ['dct'] }, new ArtifactIndex());
    assert.deepEqual(
      result.map((entry) => entry.status),
      ['not_configured', 'not_configured']
    );
    assert.equal(registry.requests, 0);
  });
});

describe('aggregate', () => {
  const check = (status: CheckedSignature['status'], signer: string | null = null, notAfter: string | null = null): CheckedSignature => ({
    status,
    code: status === 'verified' ? null : 'X',
    detail: status,
    signer,
    certificateNotAfter: notAfter,
  });

  it('verified wins, with every verified signer and the earliest certificate notAfter', () => {
    const entry = aggregate('notation', [check('invalid'), check('verified', 'a', '2030-01-01T00:00:00Z'), check('verified', 'b', '2029-01-01T00:00:00Z')], ['fetch failed']);
    assert.equal(entry.status, 'verified');
    assert.deepEqual(entry.signers, ['a', 'b']);
    assert.equal(entry.certificateExpires, '2029-01-01T00:00:00Z');
  });

  it('without a verified signature, an error is unknown, then invalid, expired, untrusted in that order', () => {
    assert.equal(aggregate('cosign', [check('untrusted')], ['x']).status, 'error');
    assert.equal(aggregate('cosign', [check('untrusted'), check('expired'), check('invalid')], []).status, 'invalid');
    assert.equal(aggregate('cosign', [check('untrusted'), check('expired')], []).status, 'expired');
    const untrusted = aggregate('cosign', [check('untrusted', 'stranger')], []);
    assert.equal(untrusted.status, 'untrusted');
    assert.deepEqual(untrusted.signers, ['stranger']);
    assert.equal(aggregate('cosign', [], []).status, 'absent');
  });
});

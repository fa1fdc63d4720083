/**
 * cosign keyless and bundle verification (src/cosign/core/verify-cosign.ts,
 * identity.ts, trusted-root.ts): real fixtures give the verdict the upstream
 * tool gives; the test-side signer (test/support/signers/cosign-signer.ts)
 * makes key, keyless and bundle signatures whose mutations never verify.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { certificate, pem } from '../../support/der-builder.js';
import { compileIdentity, matchIdentity, type IdentityMatcher, type IdentitySpec } from '../../../src/cosign/core/identity.js';
import { parseSigManifest, type SigLayer } from '../../../src/cosign/core/sig-manifest.js';
import { parseCosignPublicKey, type CosignPublicKey } from '../../../src/cosign/core/simple-signing.js';
import { MAX_TRUSTED_ROOT_BYTES, parseTrustedRoot, type TrustedRootMaterial } from '../../../src/cosign/core/trusted-root.js';
import { MAX_BUNDLE_BYTES, verifyBundle, verifySigLayer, type CosignPolicy, type SignatureCheck } from '../../../src/cosign/core/verify-cosign.js';
import {
  bundleReferrerManifest,
  dsseBundle,
  ed25519Key,
  keylessSigner,
  p256Key,
  sigManifest,
  signStatement,
  simpleSigningLayer,
  simpleSigningPayload,
  testSigstore,
  type CosignKey,
  type SimpleSigningLayer,
} from '../../support/signers/cosign-signer.js';

const REAL = fileURLToPath(new URL('../../../../test/fixtures/real/', import.meta.url));
const real = (path: string): Buffer => readFileSync(REAL + path);
const digestOf = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!result.ok) assert.fail(JSON.stringify(result.error));
  return result.value;
}
const identity = (spec: IdentitySpec): IdentityMatcher => unwrap(compileIdentity(spec));
const keyOf = (pem: string): CosignPublicKey => unwrap(parseCosignPublicKey(pem));
const rootOf = (bytes: Uint8Array): TrustedRootMaterial => unwrap(parseTrustedRoot(bytes));
const policyOf = (overrides: Partial<CosignPolicy>): CosignPolicy => ({ keys: [], identities: [], trustedRoot: undefined, requireTlog: false, ...overrides });

function expectStatus(check: SignatureCheck, status: SignatureCheck['status'], code?: string): void {
  assert.equal(check.status, status, JSON.stringify(check));
  if (code !== undefined) assert.equal(check.code, code, JSON.stringify(check));
  if (status === 'verified') assert.equal(check.code, null);
}

/** One layer of a generated `.sig` manifest, read back as the scan would. */
function layerOf(layer: SimpleSigningLayer): SigLayer {
  const parsed = unwrap(parseSigManifest(sigManifest([layer]).manifest.bytes));
  return parsed.layers[0] as SigLayer;
}

/** The layer without its Rekor bundle annotation. */
function withoutBundle(layer: SigLayer): SigLayer {
  const copy: { -readonly [K in keyof SigLayer]: SigLayer[K] } = { ...layer };
  delete copy.bundleJson;
  return copy;
}

const DIGEST = `sha256:${'a1'.repeat(32)}`;
const OTHER = `sha256:${'b2'.repeat(32)}`;
const FROM = new Date('2030-01-01T00:00:00Z');
const TO = new Date('2031-01-01T00:00:00Z');
const SIGNED_AT = new Date('2030-06-01T12:00:00Z');
const AT = SIGNED_AT.getTime() / 1000 + 30;
const ISSUER = 'https://issuer.test.example';
const SUBJECT = 'a@b.c';
const sigstore = testSigstore(FROM, TO);
const root = rootOf(sigstore.trustedRootJson);
const leafSigner = keylessSigner(sigstore, { issuer: ISSUER, subject: SUBJECT, notBefore: SIGNED_AT, notAfter: new Date(SIGNED_AT.getTime() + 600_000) });
const keyless = policyOf({ identities: [identity({ issuer: ISSUER, subject: SUBJECT })], trustedRoot: root });

describe('real fixtures', () => {
  const pgi = rootOf(real('cosign/trusted_root_pgi.json'));
  const alice = keyOf(real('connaisseur-cosign/alice.pub').toString());
  const bob = keyOf(real('connaisseur-cosign/bob.pub').toString());
  const charlie = keyOf(real('connaisseur-cosign/charlie.pub').toString());
  const layersOf = (digestHex: string) => unwrap(parseSigManifest(real(`connaisseur-cosign/manifests/sha256-${digestHex}.sig.json`))).layers;
  const blobOf = (layer: SigLayer) => real(`connaisseur-cosign/blobs/${layer.digest.replace(':', '-')}.json`);

  it('connaisseur: the key-signed and the three-signer .sig layers verify with alice, bob and charlie, as cosign verify --key does', () => {
    const [one] = layersOf('071bf7a986f1ca9cb2a1f0bc8392822a7777f90d58f2d2c6f271913e08de7c81');
    assert.ok(one);
    expectStatus(verifySigLayer(one, blobOf(one), 'sha256:071bf7a986f1ca9cb2a1f0bc8392822a7777f90d58f2d2c6f271913e08de7c81', policyOf({ keys: [alice] })), 'verified');
    expectStatus(verifySigLayer(one, blobOf(one), 'sha256:071bf7a986f1ca9cb2a1f0bc8392822a7777f90d58f2d2c6f271913e08de7c81', policyOf({ keys: [bob] })), 'untrusted', 'NO_MATCHING_KEY');
    const digest = 'sha256:bfec161fecb0a887df7cb85e4da327c65986ccda7060cf3cd92171c6c90d7533';
    const signers = layersOf(digest.slice(7)).map((layer) => verifySigLayer(layer, blobOf(layer), digest, policyOf({ keys: [alice, bob, charlie] })).signer);
    assert.deepEqual(
      signers,
      [alice, bob, charlie].map((key) => `key ${key.fingerprint}`)
    );
    // No Rekor entry on these layers: not verified when the policy requires one.
    const [first] = layersOf(digest.slice(7));
    assert.ok(first);
    expectStatus(verifySigLayer(first, blobOf(first), digest, policyOf({ keys: [alice], requireTlog: true })), 'untrusted', 'TLOG_MISSING');
  });

  it('connaisseur: the keyless layer (2024, public-good Fulcio, Rekor SET) verifies against the production root, and only for its identity', () => {
    const hex = '31dc72a13a0c34b40eb95419d2b2fd67320c856baf3b72da518023ee8d370aee';
    const [layer] = layersOf(hex);
    assert.ok(layer);
    const policy = policyOf({ identities: [identity({ issuer: 'https://github.com/login/oauth', subject: 'philipp.belitz@securesystems.de' })], trustedRoot: pgi, requireTlog: true });
    const check = verifySigLayer(layer, blobOf(layer), `sha256:${hex}`, policy);
    expectStatus(check, 'verified');
    assert.equal(check.signer, 'https://github.com/login/oauth philipp.belitz@securesystems.de');
    assert.equal(check.certificateNotAfter, '2024-05-30T15:28:10.000Z');
    expectStatus(
      verifySigLayer(layer, blobOf(layer), `sha256:${hex}`, { ...policy, identities: [identity({ issuer: 'https://github.com/login/oauth', subject: 'someone@securesystems.de' })] }),
      'untrusted',
      'UNTRUSTED_IDENTITY'
    );
    expectStatus(verifySigLayer(layer, blobOf(layer), `sha256:${hex}`, { ...policy, trustedRoot: root }), 'untrusted', 'UNTRUSTED_CHAIN');
    expectStatus(verifySigLayer(layer, blobOf(layer), `sha256:${hex}`, { ...policy, trustedRoot: undefined }), 'untrusted', 'NO_TRUSTED_ROOT');
    const withoutSet = withoutBundle(layer);
    expectStatus(verifySigLayer(withoutSet, blobOf(layer), `sha256:${hex}`, policy), 'untrusted', 'TLOG_MISSING');
    expectStatus(verifySigLayer(withoutSet, blobOf(layer), `sha256:${hex}`, { ...policy, requireTlog: false }), 'untrusted', 'NO_TRUSTED_TIME');
  });

  it("cosign: the real v0.3 keyless DSSE bundle verifies for its subject and identity (cosign's verify-bundle test verdicts)", () => {
    const bundle = real('cosign/oci-attestation.sigstore.json');
    const subject = 'sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4';
    const policy = policyOf({ identities: [identity({ issuer: 'https://github.com/login/oauth', subject: 'cody@soyland.com' })], trustedRoot: pgi, requireTlog: true });
    expectStatus(verifyBundle(bundle, subject, policy), 'verified');
    expectStatus(verifyBundle(bundle, DIGEST, policy), 'invalid', 'DIGEST_MISMATCH');
    expectStatus(
      verifyBundle(bundle, subject, { ...policy, identities: [identity({ issuer: 'https://github.com/login/oauth', subject: 'cody@soyland.co' })] }),
      'untrusted',
      'UNTRUSTED_IDENTITY'
    );
  });

  describe('sigstore-conformance bundle-verify cases (the _fail suffix must not verify)', () => {
    const beacon = identity({
      issuer: 'https://token.actions.githubusercontent.com',
      subject: 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main',
    });
    const cases: [string, SignatureCheck['status'], string | null][] = [
      ['intoto-with-custom-trust-root', 'verified', null],
      ['managed-key-and-trusted-root', 'verified', null],
      ['rekor2-happy-path', 'verified', null],
      ['intoto-expired-certificate_fail', 'expired', 'CERTIFICATE_EXPIRED'],
      ['intoto-set-outside-signing-cert-validity_fail', 'expired', 'CERTIFICATE_EXPIRED'],
      ['intoto-log-entry-mismatch_fail', 'invalid', 'TLOG_INVALID'],
      ['rekor2-dsse-invalid-sig_fail', 'invalid', 'TLOG_INVALID'],
    ];
    for (const [name, status, code] of cases) {
      it(name, () => {
        const file = (leaf: string): Buffer | undefined => {
          try {
            return real(`sigstore-conformance/${name}/${leaf}`);
          } catch {
            return undefined;
          }
        };
        const artifact = file('artifact') ?? real('sigstore-conformance/a.txt');
        const key = file('key.pub');
        const trusted = file('trusted_root.json');
        const policy = policyOf({ keys: key === undefined ? [] : [keyOf(key.toString())], identities: [beacon], trustedRoot: trusted === undefined ? undefined : rootOf(trusted) });
        const check = verifyBundle(unwrap({ ok: true, value: file('bundle.sigstore.json') as Buffer }), digestOf(artifact), policy, artifact);
        expectStatus(check, status, code ?? undefined);
      });
    }

    it('managed-key-wrong-key_fail: its key.pub does not even parse (a mangled PEM), so no key verifies', () => {
      const bundle = real('sigstore-conformance/managed-key-wrong-key_fail/bundle.sigstore.json');
      assert.equal(parseCosignPublicKey(real('sigstore-conformance/managed-key-wrong-key_fail/key.pub').toString()).ok, false);
      const artifact = real('sigstore-conformance/a.txt');
      expectStatus(verifyBundle(bundle, digestOf(artifact), policyOf({ keys: [keyOf(p256Key().publicPem)] }), artifact), 'untrusted', 'NO_MATCHING_KEY');
    });
  });
});

describe('identities are anchored and exact', () => {
  it('an exact subject is a string, not an expression', () => {
    const exact = identity({ issuer: ISSUER, subject: 'a@b.c' });
    assert.equal(matchIdentity([exact], ISSUER, 'a@b.c'), exact);
    for (const other of ['xa@b.cx', 'a@bxc', 'A@b.c']) assert.equal(matchIdentity([exact], ISSUER, other), undefined, other);
    assert.equal(matchIdentity([exact], `${ISSUER}/`, 'a@b.c'), undefined);
    assert.equal(matchIdentity([exact], undefined, 'a@b.c'), undefined);
    assert.equal(matchIdentity([exact], ISSUER, undefined), undefined);
  });

  it('an expression must match the whole subject, alternations included', () => {
    const pattern = identity({ issuer: ISSUER, subjectRegExp: 'a.*' });
    assert.ok(matchIdentity([pattern], ISSUER, 'abc'));
    assert.equal(matchIdentity([pattern], ISSUER, 'ba'), undefined);
    const alternation = identity({ issuer: ISSUER, subjectRegExp: 'x|y' });
    assert.equal(matchIdentity([alternation], ISSUER, 'xz'), undefined);
    assert.ok(matchIdentity([alternation], ISSUER, 'y'));
  });

  it('refuses an invalid expression, empty or oversized values at configuration time', () => {
    assert.equal((compileIdentity({ issuer: ISSUER, subjectRegExp: '(' }) as { ok: false; error: { code: string } }).error.code, 'INVALID_REGEXP');
    assert.equal((compileIdentity({ issuer: '', subject: 'a' }) as { ok: false; error: { code: string } }).error.code, 'MALFORMED_IDENTITY');
    assert.equal((compileIdentity({ issuer: ISSUER, subject: 'a'.repeat(2000) }) as { ok: false; error: { code: string } }).error.code, 'MALFORMED_IDENTITY');
  });

  it('a keyless signature whose SAN only contains the configured subject is not verified', () => {
    const wider = keylessSigner(sigstore, { issuer: ISSUER, subject: 'xa@b.cx', notBefore: SIGNED_AT, notAfter: new Date(SIGNED_AT.getTime() + 600_000) });
    const layer = simpleSigningLayer({ digest: DIGEST, signer: wider, rekor: { sigstore, integratedTime: AT } });
    expectStatus(verifySigLayer(layerOf(layer), layer.blob.bytes, DIGEST, keyless), 'untrusted', 'UNTRUSTED_IDENTITY');
    expectStatus(
      verifySigLayer(layerOf(layer), layer.blob.bytes, DIGEST, { ...keyless, identities: [identity({ issuer: ISSUER, subjectRegExp: 'a@b\\.c' })] }),
      'untrusted',
      'UNTRUSTED_IDENTITY'
    );
  });
});

describe('trusted roots', () => {
  const code = (bytes: Uint8Array) => (parseTrustedRoot(bytes) as { ok: false; error: { code: string } }).error?.code;
  it('counts what it holds and refuses what it cannot use', () => {
    assert.deepEqual(root.counts, { certificateAuthorities: 1, tlogs: 1, ctlogs: 1, timestampAuthorities: 0 });
    const json = JSON.parse(sigstore.trustedRootJson.toString()) as Record<string, unknown>;
    assert.equal(code(Buffer.alloc(MAX_TRUSTED_ROOT_BYTES + 1)), 'TRUSTED_ROOT_TOO_LARGE');
    assert.equal(code(Buffer.from('{')), 'MALFORMED_TRUSTED_ROOT');
    assert.equal(code(Buffer.from('[]')), 'MALFORMED_TRUSTED_ROOT');
    assert.equal(code(Buffer.from(JSON.stringify({ ...json, mediaType: 'application/json' }))), 'UNSUPPORTED_TRUSTED_ROOT');
    assert.equal(code(Buffer.from(JSON.stringify({ ...json, tlogs: 'none' }))), 'MALFORMED_TRUSTED_ROOT');
    assert.equal(code(Buffer.from(JSON.stringify({ ...json, tlogs: [{ publicKey: { rawBytes: 'AAAA' } }] }))), 'MALFORMED_TRUSTED_ROOT');
    assert.equal(code(Buffer.from(JSON.stringify({ mediaType: json.mediaType }))), 'EMPTY_TRUSTED_ROOT');
  });
});

describe('generated .sig layers', () => {
  for (const [name, make] of [
    ['ECDSA P-256 (node:crypto)', p256Key],
    ['Ed25519 (@noble/ed25519)', ed25519Key],
  ] as const) {
    it(`${name}: verified by its key, never by a swapped one, with a SET checked against the test Rekor key`, () => {
      const key: CosignKey = make();
      const policy = policyOf({ keys: [keyOf(key.publicPem)] });
      const plain = simpleSigningLayer({ digest: DIGEST, signer: key });
      expectStatus(verifySigLayer(layerOf(plain), plain.blob.bytes, DIGEST, policy), 'verified');
      expectStatus(verifySigLayer(layerOf(plain), plain.blob.bytes, DIGEST, policyOf({ keys: [keyOf(make().publicPem)] })), 'untrusted', 'NO_MATCHING_KEY');
      expectStatus(verifySigLayer(layerOf(plain), plain.blob.bytes, OTHER, policy), 'invalid', 'DIGEST_MISMATCH');
      expectStatus(verifySigLayer(layerOf(plain), plain.blob.bytes, DIGEST, { ...policy, requireTlog: true }), 'untrusted', 'TLOG_MISSING');
      const logged = simpleSigningLayer({ digest: DIGEST, signer: key, rekor: { sigstore, integratedTime: AT } });
      expectStatus(verifySigLayer(layerOf(logged), logged.blob.bytes, DIGEST, { ...policy, trustedRoot: root, requireTlog: true }), 'verified');
      // Without a root the entry cannot be checked: ignored unless required.
      expectStatus(verifySigLayer(layerOf(logged), logged.blob.bytes, DIGEST, policy), 'verified');
      expectStatus(verifySigLayer(layerOf(logged), logged.blob.bytes, DIGEST, { ...policy, requireTlog: true }), 'untrusted', 'NO_TRUSTED_ROOT');
      // A SET from another Rekor is not this root's.
      expectStatus(verifySigLayer(layerOf(logged), logged.blob.bytes, DIGEST, { ...policy, trustedRoot: rootOf(testSigstore(FROM, TO).trustedRootJson) }), 'invalid', 'TLOG_INVALID');
    });
  }

  it('a key layer with a malformed Rekor annotation is invalid when a root can check it', () => {
    const key = p256Key();
    const layer = simpleSigningLayer({ digest: DIGEST, signer: key });
    expectStatus(
      verifySigLayer({ ...layerOf(layer), bundleJson: '{' }, layer.blob.bytes, DIGEST, policyOf({ keys: [keyOf(key.publicPem)], trustedRoot: root })),
      'invalid',
      'MALFORMED_TLOG_ENTRY'
    );
  });

  it('a keyless layer whose certificate key is not one cosign accepts (P-521) is invalid', () => {
    const spki = generateKeyPairSync('ec', { namedCurve: 'secp521r1' }).publicKey.export({ format: 'der', type: 'spki' });
    const certificatePem = pem(certificate({ spki, notBefore: FROM, notAfter: TO }));
    const layer = simpleSigningLayer({ digest: DIGEST, signer: leafSigner, rekor: { sigstore, integratedTime: AT } });
    expectStatus(verifySigLayer({ ...layerOf(layer), certificatePem }, layer.blob.bytes, DIGEST, keyless), 'invalid', 'MALFORMED_CERTIFICATE');
  });

  it('a malformed signature is invalid whatever the key', () => {
    const key = p256Key();
    const layer = layerOf(simpleSigningLayer({ digest: DIGEST, signer: key }));
    expectStatus(verifySigLayer({ ...layer, signatureBase64: '!!' }, simpleSigningPayload(DIGEST), DIGEST, policyOf({ keys: [keyOf(key.publicPem)] })), 'invalid', 'MALFORMED_SIGNATURE');
  });

  it('a blob that is not the layer’s is invalid, and a digest that is not sha256 hex throws', () => {
    const layer = simpleSigningLayer({ digest: DIGEST, signer: p256Key() });
    const changed = Buffer.from(layer.blob.bytes);
    changed[10] = (changed[10] ?? 0) ^ 1;
    expectStatus(verifySigLayer(layerOf(layer), changed, DIGEST, policyOf({})), 'invalid', 'BLOB_MISMATCH');
    assert.throws(() => verifySigLayer(layerOf(layer), layer.blob.bytes, 'sha256:ABC', policyOf({})), TypeError);
    assert.throws(() => verifyBundle(Buffer.from('{}'), 'md5:00', policyOf({})), TypeError);
  });

  it('keyless: verified at the integrated time; mutations never verify', () => {
    const good = simpleSigningLayer({ digest: DIGEST, signer: leafSigner, rekor: { sigstore, integratedTime: AT } });
    const check = verifySigLayer(layerOf(good), good.blob.bytes, DIGEST, { ...keyless, requireTlog: true });
    expectStatus(check, 'verified');
    assert.equal(check.signer, `${ISSUER} ${SUBJECT}`);
    assert.equal(check.certificateNotAfter, new Date(SIGNED_AT.getTime() + 600_000).toISOString());
    // The payload names another digest.
    const other = simpleSigningLayer({ digest: OTHER, signer: leafSigner, rekor: { sigstore, integratedTime: AT } });
    expectStatus(verifySigLayer(layerOf(other), other.blob.bytes, DIGEST, keyless), 'invalid', 'DIGEST_MISMATCH');
    // A payload byte changed after signing (the layer re-pointed at the new blob).
    const payload = Buffer.from(good.blob.bytes);
    payload[payload.length - 3] = 0x20;
    const tampered = { ...layerOf(good), digest: digestOf(payload) };
    expectStatus(verifySigLayer(tampered, payload, DIGEST, keyless), 'invalid', 'BAD_SIGNATURE');
    // Signed after the certificate expired.
    const late = simpleSigningLayer({ digest: DIGEST, signer: leafSigner, rekor: { sigstore, integratedTime: AT + 3600 } });
    const expired = verifySigLayer(layerOf(late), late.blob.bytes, DIGEST, keyless);
    expectStatus(expired, 'expired', 'CERTIFICATE_EXPIRED');
    assert.ok(expired.certificateNotAfter);
    // A chain to another root.
    const stranger = testSigstore(FROM, TO);
    const foreign = keylessSigner(stranger, { issuer: ISSUER, subject: SUBJECT, notBefore: SIGNED_AT, notAfter: new Date(SIGNED_AT.getTime() + 600_000) });
    const foreignLayer = simpleSigningLayer({ digest: DIGEST, signer: foreign, rekor: { sigstore, integratedTime: AT } });
    expectStatus(verifySigLayer(layerOf(foreignLayer), foreignLayer.blob.bytes, DIGEST, keyless), 'untrusted', 'UNTRUSTED_CHAIN');
    // The SET dropped, with requireTlog.
    const noSet = withoutBundle(layerOf(good));
    expectStatus(verifySigLayer(noSet, good.blob.bytes, DIGEST, { ...keyless, requireTlog: true }), 'untrusted', 'TLOG_MISSING');
    // Another identity.
    expectStatus(
      verifySigLayer(layerOf(good), good.blob.bytes, DIGEST, { ...keyless, identities: [identity({ issuer: 'https://other.example', subject: SUBJECT })] }),
      'untrusted',
      'UNTRUSTED_IDENTITY'
    );
  });

  it('keyless: malformed certificate, SET or timestamp annotations are invalid', () => {
    const good = layerOf(simpleSigningLayer({ digest: DIGEST, signer: leafSigner, rekor: { sigstore, integratedTime: AT } }));
    const blob = simpleSigningPayload(DIGEST);
    const run = (layer: SigLayer) => verifySigLayer(layer, blob, DIGEST, keyless);
    expectStatus(run({ ...good, certificatePem: 'not a certificate' }), 'invalid', 'MALFORMED_CERTIFICATE');
    expectStatus(run({ ...good, certificatePem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }), 'invalid', 'MALFORMED_CERTIFICATE');
    expectStatus(run({ ...good, bundleJson: '{' }), 'invalid', 'MALFORMED_TLOG_ENTRY');
    const annotation = JSON.parse(good.bundleJson ?? '') as { SignedEntryTimestamp: string; Payload: Record<string, unknown> };
    expectStatus(run({ ...good, bundleJson: JSON.stringify({ ...annotation, Payload: { ...annotation.Payload, logID: 'zz' } }) }), 'invalid', 'MALFORMED_TLOG_ENTRY');
    expectStatus(
      run({ ...good, bundleJson: JSON.stringify({ ...annotation, Payload: { ...annotation.Payload, body: Buffer.from('[]').toString('base64') } }) }),
      'invalid',
      'MALFORMED_TLOG_ENTRY'
    );
    expectStatus(run({ ...good, bundleJson: JSON.stringify({ ...annotation, SignedEntryTimestamp: '' }) }), 'invalid', 'TLOG_INVALID');
    expectStatus(run({ ...good, bundleJson: JSON.stringify({ ...annotation, Payload: { ...annotation.Payload, integratedTime: AT + 1 } }) }), 'invalid', 'TLOG_INVALID');
    expectStatus(run({ ...good, rfc3161TimestampJson: '[]' }), 'invalid', 'MALFORMED_TLOG_ENTRY');
    expectStatus(run({ ...good, rfc3161TimestampJson: JSON.stringify({ SignedRFC3161Timestamp: 'AAAA' }) }), 'invalid', 'MALFORMED_BUNDLE');
  });
});

describe('generated v0.3 bundles', () => {
  const statement = signStatement([OTHER, DIGEST]);

  it('keyless DSSE: verified for a subject it names, with the inclusion proof and checkpoint', () => {
    const bundle = dsseBundle({ statement, signer: leafSigner, rekor: { sigstore, integratedTime: AT } });
    expectStatus(verifyBundle(bundle, DIGEST, { ...keyless, requireTlog: true }), 'verified');
    expectStatus(verifyBundle(bundle, `sha256:${'c3'.repeat(32)}`, keyless), 'invalid', 'DIGEST_MISMATCH');
    const json = JSON.parse(bundle.toString()) as { dsseEnvelope: { payload: string; payloadType: string } };
    const mutate = (change: (copy: typeof json) => void) => {
      const copy = JSON.parse(bundle.toString()) as typeof json;
      change(copy);
      return verifyBundle(Buffer.from(JSON.stringify(copy)), DIGEST, keyless);
    };
    expectStatus(
      mutate((copy) => {
        copy.dsseEnvelope.payload = Buffer.from(signStatement([DIGEST])).toString('base64');
      }),
      'invalid',
      'TLOG_INVALID'
    );
    expectStatus(verifyBundle(bundle, DIGEST, { ...keyless, trustedRoot: rootOf(testSigstore(FROM, TO).trustedRootJson) }), 'untrusted', 'UNTRUSTED_CHAIN');
    expectStatus(verifyBundle(bundle, DIGEST, { ...keyless, trustedRoot: undefined }), 'untrusted', 'NO_TRUSTED_ROOT');
    expectStatus(verifyBundle(bundle, DIGEST, { ...keyless, identities: [identity({ issuer: ISSUER, subjectRegExp: 'b.*' })] }), 'untrusted', 'UNTRUSTED_IDENTITY');
  });

  it('the statement must be an in-toto statement naming the digest', () => {
    const signWith = (payload: Buffer) => dsseBundle({ statement: payload, signer: leafSigner, rekor: { sigstore, integratedTime: AT } });
    expectStatus(verifyBundle(signWith(Buffer.from('not json')), DIGEST, keyless), 'invalid', 'MALFORMED_STATEMENT');
    expectStatus(verifyBundle(signWith(Buffer.from('{"subject":{}}')), DIGEST, keyless), 'invalid', 'MALFORMED_STATEMENT');
    expectStatus(verifyBundle(signWith(Buffer.from(JSON.stringify({ subject: Array.from({ length: 1025 }, () => ({})) }))), DIGEST, keyless), 'invalid', 'MALFORMED_STATEMENT');
    expectStatus(verifyBundle(signWith(Buffer.from(JSON.stringify({ subject: [1, { digest: 2 }] }))), DIGEST, keyless), 'invalid', 'DIGEST_MISMATCH');
  });

  it('key-hinted DSSE: verified by the hinted key, thresholds 0 only without requireTlog', () => {
    const key = p256Key();
    const policy = policyOf({ keys: [keyOf(p256Key().publicPem), keyOf(key.publicPem)] });
    const bundle = dsseBundle({ statement, signer: key });
    expectStatus(verifyBundle(bundle, DIGEST, policy), 'verified');
    expectStatus(verifyBundle(bundle, DIGEST, { ...policy, requireTlog: true }), 'untrusted', 'TLOG_MISSING');
    expectStatus(verifyBundle(bundle, DIGEST, policyOf({ keys: [keyOf(p256Key().publicPem)] })), 'untrusted', 'NO_MATCHING_KEY');
    const logged = dsseBundle({ statement, signer: key, rekor: { sigstore, integratedTime: AT } });
    expectStatus(verifyBundle(logged, DIGEST, { ...policy, trustedRoot: root, requireTlog: true }), 'verified');
    // The hint names a configured key whose signature fails: invalid, not another key's.
    const json = JSON.parse(bundle.toString()) as { dsseEnvelope: { signatures: { sig: string }[] } };
    const signature = json.dsseEnvelope.signatures[0];
    assert.ok(signature);
    signature.sig = key.sign(Buffer.from('other')).toString('base64');
    expectStatus(verifyBundle(Buffer.from(JSON.stringify(json)), DIGEST, policy), 'invalid', 'BAD_SIGNATURE');
    // Without a hint every key is tried.
    const unhinted = JSON.parse(bundle.toString()) as { verificationMaterial: { publicKey: { hint: string } } };
    unhinted.verificationMaterial.publicKey.hint = '';
    expectStatus(verifyBundle(Buffer.from(JSON.stringify(unhinted)), DIGEST, policy), 'verified');
  });

  it('refuses oversized, non-JSON, unknown and malformed bundles', () => {
    const policy = keyless;
    expectStatus(verifyBundle(Buffer.alloc(MAX_BUNDLE_BYTES + 1), DIGEST, policy), 'invalid', 'BUNDLE_TOO_LARGE');
    expectStatus(verifyBundle(Buffer.from([0xff]), DIGEST, policy), 'invalid', 'MALFORMED_BUNDLE');
    expectStatus(verifyBundle(Buffer.from('[]'), DIGEST, policy), 'invalid', 'UNSUPPORTED_BUNDLE');
    expectStatus(verifyBundle(Buffer.from(JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.bundle.v9.9+json' })), DIGEST, policy), 'invalid', 'UNSUPPORTED_BUNDLE');
    expectStatus(verifyBundle(Buffer.from(JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' })), DIGEST, policy), 'invalid', 'MALFORMED_BUNDLE');
    const bundle = JSON.parse(dsseBundle({ statement, signer: leafSigner, rekor: { sigstore, integratedTime: AT } }).toString()) as {
      verificationMaterial: { certificate: { rawBytes: string } };
      dsseEnvelope: { payloadType: string };
    };
    bundle.verificationMaterial.certificate.rawBytes = 'AAAA';
    expectStatus(verifyBundle(Buffer.from(JSON.stringify(bundle)), DIGEST, policy), 'invalid', 'MALFORMED_CERTIFICATE');
  });

  it('a payload type other than in-toto, a statement that is not an object, duplicate timestamps', () => {
    expectStatus(
      verifyBundle(dsseBundle({ statement, signer: leafSigner, rekor: { sigstore, integratedTime: AT }, payloadType: 'text/plain' }), DIGEST, keyless),
      'invalid',
      'WRONG_PAYLOAD_TYPE'
    );
    expectStatus(verifyBundle(dsseBundle({ statement: Buffer.from('[]'), signer: leafSigner, rekor: { sigstore, integratedTime: AT } }), DIGEST, keyless), 'invalid', 'MALFORMED_STATEMENT');
    const twice = JSON.parse(dsseBundle({ statement, signer: leafSigner, rekor: { sigstore, integratedTime: AT } }).toString()) as { verificationMaterial: { tlogEntries: unknown[] } };
    twice.verificationMaterial.tlogEntries.push(twice.verificationMaterial.tlogEntries[0]);
    expectStatus(verifyBundle(Buffer.from(JSON.stringify(twice)), DIGEST, keyless), 'invalid', 'TIMESTAMP_INVALID');
  });

  it('a certificate without the issuer extension names no issuer and matches no identity', () => {
    const anonymous = keylessSigner(sigstore, { issuer: undefined, subject: SUBJECT, notBefore: SIGNED_AT, notAfter: new Date(SIGNED_AT.getTime() + 600_000) });
    const check = verifyBundle(dsseBundle({ statement, signer: anonymous, rekor: { sigstore, integratedTime: AT } }), DIGEST, keyless);
    expectStatus(check, 'untrusted', 'UNTRUSTED_IDENTITY');
    assert.equal(check.signer, `(none) ${SUBJECT}`);
  });

  it('a keyless bundle without any trusted time is untrusted; a wrong payload type is invalid', () => {
    const noLog = dsseBundle({ statement, signer: leafSigner });
    expectStatus(verifyBundle(noLog, DIGEST, keyless), 'untrusted', 'NO_TRUSTED_TIME');
    const json = JSON.parse(dsseBundle({ statement, signer: p256Key() }).toString()) as { dsseEnvelope: { payloadType: string } };
    json.dsseEnvelope.payloadType = 'text/plain';
    expectStatus(verifyBundle(Buffer.from(JSON.stringify(json)), DIGEST, policyOf({ keys: [] })), 'untrusted', 'NO_MATCHING_KEY');
  });

  it('a message signature signs the manifest, whose bytes are needed and must be the digest', () => {
    const artifact = real('sigstore-conformance/a.txt');
    const bundle = real('sigstore-conformance/rekor2-happy-path/bundle.sigstore.json');
    const policy = policyOf({ trustedRoot: rootOf(real('sigstore-conformance/rekor2-happy-path/trusted_root.json')) });
    expectStatus(verifyBundle(bundle, digestOf(artifact), policy), 'invalid', 'MANIFEST_NEEDED');
    expectStatus(verifyBundle(bundle, DIGEST, policy, artifact), 'invalid', 'DIGEST_MISMATCH');
    expectStatus(verifyBundle(bundle, digestOf(artifact), policy, Buffer.from('other')), 'invalid', 'DIGEST_MISMATCH');
  });
});

describe('the OCI manifests the signer pushes', () => {
  it('a .sig image manifest the parser reads back, and a cosign 3 bundle referrer', () => {
    const key = p256Key();
    const { manifest, blobs } = sigManifest([
      simpleSigningLayer({ digest: DIGEST, signer: key }),
      simpleSigningLayer({ digest: DIGEST, signer: leafSigner, rekor: { sigstore, integratedTime: AT } }),
    ]);
    assert.equal(manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(unwrap(parseSigManifest(manifest.bytes)).layers.length, 2);
    assert.equal(blobs.length, 3);
    const bundle = dsseBundle({ statement: signStatement([DIGEST]), signer: key });
    const referrer = bundleReferrerManifest(bundle, { digest: DIGEST, size: 1234, mediaType: 'application/vnd.oci.image.manifest.v1+json' }, SIGNED_AT);
    const document = JSON.parse(referrer.manifest.bytes.toString()) as { artifactType: string; config: { mediaType: string }; layers: { digest: string }[]; subject: { digest: string } };
    assert.equal(document.artifactType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.equal(document.config.mediaType, 'application/vnd.oci.empty.v1+json');
    assert.equal(document.subject.digest, DIGEST);
    assert.equal(document.layers[0]?.digest, digestOf(bundle));
    assert.equal(referrer.manifest.digest, digestOf(referrer.manifest.bytes));
  });
});

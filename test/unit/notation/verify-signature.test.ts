/**
 * Notation envelopes from the test-side signer (test/support/signers), signed
 * now with certificates valid from now: every check of
 * src/notation/core/verify-signature.ts, and the mutations that must never
 * give `verified`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { parseTrustPolicy, type TrustPolicyStatement } from '../../../src/notation/core/trust-policy.js';
import { buildTrustStore, type TrustStore } from '../../../src/notation/core/trust-store.js';
import { MAX_ENVELOPE_BYTES, verifyNotationSignature, type NotationSubject, type SignatureCheck } from '../../../src/notation/core/verify-signature.js';
import { certificate } from '../../support/der-builder.js';
import { encodeCbor, issue, makeRoot, policyJson, signCose, signJws, Tagged, type CborInput, type SignOptions, type TestLeaf } from '../../support/signers/notation-signer.js';
import { accuracy, timestampToken, type TsaSigner } from '../../support/signers/tsa-signer.js';

const TARGET = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'ab'.repeat(32)}`, size: 1234 };
const SUBJECT: NotationSubject = { ...TARGET };
const DAY = 86_400_000;

let dir: string;
let root: Awaited<ReturnType<typeof makeRoot>>;
let otherRoot: Awaited<ReturnType<typeof makeRoot>>;
const leaves: Record<string, TestLeaf & { keyFile: string; certFile: string }> = {};
let store: TrustStore;
let now: Date;
let tsa: TsaSigner;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'notation-signer-'));
  root = await makeRoot(dir, 'root');
  otherRoot = await makeRoot(dir, 'other-root', 'Other Org');
  for (const kind of ['rsa-2048', 'rsa-3072', 'p256', 'p384'] as const) leaves[kind] = await issue(dir, `leaf-${kind}`, root, { kind });
  leaves.other = await issue(dir, 'leaf-other', otherRoot, { kind: 'p256' });
  leaves.intermediate = await issue(dir, 'intermediate', root, { kind: 'p256', extensions: 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign\n' });
  leaves.underIntermediate = await issue(dir, 'under-intermediate', leaves.intermediate, { kind: 'p256' });
  leaves.noCodeSigning = await issue(dir, 'no-code-signing', root, { kind: 'p256', extensions: 'keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' });
  leaves.noDigitalSignature = await issue(dir, 'no-digital-signature', root, { kind: 'p256', extensions: 'keyUsage=critical,keyEncipherment\n' });
  leaves.noKeyUsage = await issue(dir, 'no-key-usage', root, { kind: 'p256', extensions: 'subjectKeyIdentifier=hash\n' });
  leaves.caLeaf = await issue(dir, 'ca-leaf', root, { kind: 'p256', extensions: 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature,keyCertSign\n' });
  leaves.unknownCritical = await issue(dir, 'unknown-critical', root, { kind: 'p256', extensions: 'keyUsage=critical,digitalSignature\n1.2.3.4=critical,ASN1:NULL\n' });
  leaves.caNoKeyUsage = await issue(dir, 'ca-no-key-usage', root, { kind: 'p256', extensions: 'basicConstraints=critical,CA:TRUE\n' });
  leaves.underCaNoKeyUsage = await issue(dir, 'under-ca-no-key-usage', leaves.caNoKeyUsage, { kind: 'p256' });
  leaves.intermediate2 = await issue(dir, 'intermediate2', leaves.intermediate, { kind: 'p256', extensions: 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n' });
  leaves.underIntermediate2 = await issue(dir, 'under-intermediate2', leaves.intermediate2, { kind: 'p256' });
  leaves.shortLived = await issue(dir, 'short-lived', root, { kind: 'p256', days: 1 });
  leaves.rsa1024 = await issue(dir, 'rsa-1024', root, { kind: 'rsa-2048' });
  const tsaRoot = await makeRoot(dir, 'tsa-root', 'TSA Org');
  tsa = await issue(dir, 'tsa', tsaRoot, { kind: 'p256', extensions: 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n' });
  now = new Date();
  const built = buildTrustStore([
    { type: 'ca', name: 'test', certificates: [Buffer.from(root.pem)] },
    { type: 'signingAuthority', name: 'sa', certificates: [root.der] },
    { type: 'tsa', name: 'tsa', certificates: [tsaRoot.der] },
  ]);
  assert.ok(built.ok);
  store = built.value;
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function statement(extra: Record<string, unknown> = {}): TrustPolicyStatement {
  const parsed = parseTrustPolicy(policyJson({ trustStores: ['ca:test', 'signingAuthority:sa'], trustedIdentities: ['*'], ...extra }));
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.value.statements[0] as TrustPolicyStatement;
}

function options(leafName = 'p256', extra: Partial<SignOptions> = {}): SignOptions {
  const leaf = leaves[leafName] as TestLeaf;
  const chain = leafName === 'underIntermediate' ? [leaves.intermediate!.der, root.der] : leafName === 'other' ? [otherRoot.der] : [root.der];
  return { leaf, chain, target: TARGET, signingTime: now, ...extra };
}

function check(envelope: Uint8Array, mediaType = 'application/jose+json', overrides: { subject?: NotationSubject; statement?: TrustPolicyStatement; at?: Date } = {}): SignatureCheck {
  return verifyNotationSignature({
    envelope,
    envelopeMediaType: mediaType,
    subject: overrides.subject ?? SUBJECT,
    statement: overrides.statement ?? statement(),
    store,
    at: overrides.at ?? new Date(now.getTime() + 60_000),
  });
}

function assertNotVerified(result: SignatureCheck, code: string, status?: string): void {
  assert.notEqual(result.status, 'verified');
  assert.equal(result.code, code, result.detail);
  if (status !== undefined) assert.equal(result.status, status);
}

describe('verifyNotationSignature: signer-made envelopes', () => {
  for (const kind of ['rsa-2048', 'rsa-3072', 'p256', 'p384']) {
    it(`verifies a ${kind} leaf, JWS and COSE`, () => {
      const jws = check(signJws(options(kind)));
      assert.equal(jws.status, 'verified', jws.detail);
      assert.equal(jws.code, null);
      const cose = check(signCose(options(kind)), 'application/cose');
      assert.equal(cose.status, 'verified', cose.detail);
    });
  }

  it('verifies the signing-authority scheme against the signingAuthority store, with an expiry ahead', () => {
    const signed = options('p256', { scheme: 'notary.x509.signingAuthority', expiry: new Date(now.getTime() + DAY) });
    assert.equal(check(signJws(signed)).status, 'verified');
    assert.equal(check(signCose(signed), 'application/cose').status, 'verified');
    // The same envelope finds no root when the statement has only a ca store.
    assertNotVerified(check(signJws(signed), 'application/jose+json', { statement: statement({ trustStores: ['ca:test'] }) }), 'UNTRUSTED_ROOT', 'untrusted');
  });

  it('verifies a chain through an intermediate CA, and matches trusted identities by RDN subset', () => {
    assert.equal(check(signJws(options('underIntermediate'))).status, 'verified');
    const identities = statement({ trustedIdentities: ['x509.subject: C=US, ST=WA, O=Test Org, CN=leaf-p256', 'x509.subject: C=US, ST=WA, O=Else'] });
    assert.equal(check(signJws(options('p256')), 'application/jose+json', { statement: identities }).status, 'verified');
  });

  it('refuses every mutation', () => {
    const jws = signJws(options());
    const envelope = JSON.parse(jws.toString()) as Record<string, string>;
    const payload = Buffer.from(envelope.payload!, 'base64url');
    payload.writeUInt8(payload.readUInt8(payload.length - 3) ^ 1, payload.length - 3);
    assertNotVerified(check(Buffer.from(JSON.stringify({ ...envelope, payload: payload.toString('base64url') }))), 'BAD_SIGNATURE', 'invalid');
    assertNotVerified(check(jws, 'application/jose+json', { subject: { ...SUBJECT, digest: `sha256:${'cd'.repeat(32)}` } }), 'SUBJECT_MISMATCH', 'invalid');
    assertNotVerified(check(jws, 'application/jose+json', { subject: { ...SUBJECT, size: 1 } }), 'SUBJECT_MISMATCH');
    assertNotVerified(check(jws, 'application/jose+json', { subject: { ...SUBJECT, mediaType: 'application/vnd.oci.image.index.v1+json' } }), 'SUBJECT_MISMATCH');
    assert.equal(check(jws, 'application/jose+json', { subject: { digest: SUBJECT.digest, size: null, mediaType: null } }).status, 'verified');
    // A leaf swapped for another one: the signature no longer verifies with its key.
    const swapped = signJws({ ...options(), leaf: { ...leaves.p256!, der: leaves.intermediate!.der } });
    assertNotVerified(check(swapped), 'BAD_SIGNATURE');
    assertNotVerified(check(jws, 'application/jose+json', { statement: statement({ trustedIdentities: ['x509.subject: C=US, ST=WA, O=Other Org'] }) }), 'UNTRUSTED_IDENTITY', 'untrusted');
    assertNotVerified(check(signJws(options('p256', { alg: 'ES384' }))), 'ALGORITHM_KEY_MISMATCH', 'invalid');
    assertNotVerified(check(signCose(options('rsa-2048', { alg: 'PS384' })), 'application/cose'), 'ALGORITHM_KEY_MISMATCH');
    assertNotVerified(check(signJws(options('other'))), 'UNTRUSTED_ROOT', 'untrusted');
    assertNotVerified(check(signJws(options('p256', { extraCritical: ['io.cncf.notary.verificationPlugin'] }))), 'UNKNOWN_CRITICAL_HEADER', 'invalid');
    assertNotVerified(check(signCose(options('p256', { extraCritical: ['com.example.unknown'] })), 'application/cose'), 'UNKNOWN_CRITICAL_HEADER');
    assertNotVerified(check(new Uint8Array(MAX_ENVELOPE_BYTES + 1)), 'ENVELOPE_TOO_LARGE', 'invalid');
    assertNotVerified(check(jws, 'application/octet-stream'), 'UNSUPPORTED_ENVELOPE_TYPE');
    assertNotVerified(check(jws, 'application/jose+json', { statement: parseSkip() }), 'VERIFICATION_SKIPPED', 'untrusted');
  });

  it('refuses bad chains as untrusted', () => {
    assertNotVerified(check(signJws(options('noCodeSigning'))), 'INVALID_CERTIFICATE_CHAIN', 'untrusted');
    assertNotVerified(check(signJws(options('noDigitalSignature'))), 'INVALID_CERTIFICATE_CHAIN');
    assertNotVerified(check(signJws(options('noKeyUsage'))), 'INVALID_CERTIFICATE_CHAIN');
    assertNotVerified(check(signJws(options('caLeaf'))), 'INVALID_CERTIFICATE_CHAIN');
    assertNotVerified(check(signJws(options('unknownCritical'))), 'INVALID_CERTIFICATE_CHAIN');
    // Root missing from the envelope: the chain ends in a certificate that is not self-signed.
    assertNotVerified(check(signJws({ ...options(), chain: [] })), 'INVALID_CERTIFICATE_CHAIN');
    // Wrong order: the leaf is not issued by the next certificate.
    assertNotVerified(check(signJws({ ...options('underIntermediate'), chain: [root.der] })), 'INVALID_CERTIFICATE_CHAIN');
    // The leaf used as a CA: not a CA with keyCertSign.
    assertNotVerified(check(signJws({ ...options('underIntermediate'), chain: [leaves.p256!.der, root.der] })), 'INVALID_CERTIFICATE_CHAIN');
    // pathlen:0 on the intermediate with another intermediate below it.
    assertNotVerified(check(signJws({ ...options('underIntermediate2'), chain: [leaves.intermediate2!.der, leaves.intermediate!.der, root.der] })), 'INVALID_CERTIFICATE_CHAIN');
    assertNotVerified(check(signJws({ ...options(), chain: [Buffer.from('not a certificate')] })), 'MALFORMED_CERTIFICATE', 'invalid');
    assertNotVerified(check(signJws({ ...options('underCaNoKeyUsage'), chain: [leaves.caNoKeyUsage!.der, root.der] })), 'INVALID_CERTIFICATE_CHAIN');
  });

  it('judges time: expiry header, certificate validity at the instant and at the signing time', () => {
    assertNotVerified(
      check(signJws(options('p256', { expiry: new Date(now.getTime() + 1000) })), 'application/jose+json', { at: new Date(now.getTime() + DAY) }),
      'SIGNATURE_EXPIRED',
      'expired'
    );
    assertNotVerified(check(signJws(options('shortLived')), 'application/jose+json', { at: new Date(now.getTime() + 2 * DAY) }), 'CERTIFICATE_EXPIRED', 'expired');
    assertNotVerified(check(signJws(options()), 'application/jose+json', { at: new Date(now.getTime() - 2 * DAY) }), 'CERTIFICATE_NOT_YET_VALID', 'expired');
    assertNotVerified(check(signJws(options('p256', { signingTime: new Date(now.getTime() - 2 * DAY) }))), 'SIGNING_TIME_OUTSIDE_VALIDITY', 'expired');
    assertNotVerified(check(signCose(options('p256', { signingTime: new Date(now.getTime() + 40 * DAY) })), 'application/cose'), 'SIGNING_TIME_OUTSIDE_VALIDITY');
  });

  it('refuses malformed payloads', () => {
    for (const payload of ['not json', '1', '{"targetArtifact": 1}', '{"targetArtifact": {"digest": "x", "mediaType": "y", "size": -1}}', 'x'.repeat(64 * 1024 + 1)]) {
      assertNotVerified(check(signJws(options('p256', { payload: Buffer.from(payload) }))), 'MALFORMED_PAYLOAD', 'invalid');
    }
  });

  it('refuses an alg no key maps to, and a leaf key notation does not define', () => {
    const headers = new Map<number | string, CborInput>([
      [1, -8],
      [2, ['io.cncf.notary.signingScheme']],
      [3, 'application/vnd.cncf.notary.payload.v1+json'],
      ['io.cncf.notary.signingScheme', 'notary.x509'],
      ['io.cncf.notary.signingTime', new Tagged(1, Math.floor(now.getTime() / 1000))],
    ]);
    assertNotVerified(check(signCose({ ...options(), protectedHeader: headers }), 'application/cose'), 'UNSUPPORTED_ALGORITHM', 'invalid');
    const ed25519 = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' });
    const edLeaf = certificate({ spki: ed25519, notBefore: new Date(now.getTime() - DAY), notAfter: new Date(now.getTime() + DAY) });
    assertNotVerified(check(signJws({ ...options(), leaf: { ...leaves.p256!, der: edLeaf } })), 'ALGORITHM_KEY_MISMATCH');
    assert.ok(encodeCbor(1).length === 1);
  });
});

describe('verifyNotationSignature: RFC 3161 timestamps from a test-side TSA', () => {
  const stamped = (extra: Partial<SignOptions> = {}, genTime?: Date, accuracySeconds = 0) =>
    options('shortLived', { timestamp: (signature) => timestampToken(signature, { signer: tsa, genTime: genTime ?? now, accuracy: accuracy(accuracySeconds) }), ...extra });
  const withTsa = (verifyTimestamp = 'always') => statement({ trustStores: ['ca:test', 'signingAuthority:sa', 'tsa:tsa'], signatureVerification: { level: 'strict', verifyTimestamp } });
  const later = () => new Date(now.getTime() + 2 * DAY);

  it('a timestamp keeps a signature verified after its leaf expired, only with a tsa store', () => {
    const jws = check(signJws(stamped()), 'application/jose+json', { statement: withTsa(), at: later() });
    assert.equal(jws.status, 'verified', jws.detail);
    assert.match(jws.detail, /timestamped at .* by .*CN=tsa$/);
    assert.equal(check(signCose(stamped()), 'application/cose', { statement: withTsa('afterCertExpiry'), at: later() }).status, 'verified');
    assertNotVerified(check(signJws(stamped()), 'application/jose+json', { at: later() }), 'CERTIFICATE_EXPIRED', 'expired');
  });

  it('judges the range, not genTime alone, against the signing chain', () => {
    // ± 1 hour reaches before the leaf's notBefore (made moments before `now`).
    assertNotVerified(check(signJws(stamped({}, now, 3600)), 'application/jose+json', { statement: withTsa() }), 'TIMESTAMP_OUTSIDE_VALIDITY', 'expired');
    // Stamped two days after signing: after the one-day leaf expired.
    assertNotVerified(check(signJws(stamped({}, later())), 'application/jose+json', { statement: withTsa(), at: later() }), 'TIMESTAMP_OUTSIDE_VALIDITY');
  });

  it('demands a timestamp as notation does, and reads none for signingAuthority', () => {
    assertNotVerified(check(signJws(options()), 'application/jose+json', { statement: withTsa() }), 'TIMESTAMP_MISSING', 'untrusted');
    assertNotVerified(check(signJws(options('shortLived')), 'application/jose+json', { statement: withTsa(), at: later() }), 'CERTIFICATE_EXPIRED');
    assertNotVerified(check(signJws(options('shortLived')), 'application/jose+json', { statement: withTsa('afterCertExpiry'), at: later() }), 'CERTIFICATE_EXPIRED');
    assert.equal(check(signJws(options()), 'application/jose+json', { statement: withTsa('afterCertExpiry') }).status, 'verified');
    const broken = { timestamp: () => Buffer.from('not a token') };
    assertNotVerified(check(signJws(options('p256', broken)), 'application/jose+json', { statement: withTsa() }), 'TIMESTAMP_INVALID', 'invalid');
    assert.equal(check(signJws(options('p256', broken)), 'application/jose+json', { statement: withTsa('afterCertExpiry') }).status, 'verified');
    assert.equal(check(signJws(options('p256', { ...broken, scheme: 'notary.x509.signingAuthority' })), 'application/jose+json', { statement: withTsa() }).status, 'verified');
  });

  it('refuses a timestamp header that is not a token encoding', () => {
    for (const value of ['', 42, 'not base64!']) assertNotVerified(check(signJws(options('p256', { timestamp: () => value }))), 'MALFORMED_ENVELOPE', 'invalid');
    for (const value of ['text', Buffer.alloc(0)]) assertNotVerified(check(signCose(options('p256', { timestamp: () => value })), 'application/cose'), 'MALFORMED_ENVELOPE');
    const envelope = JSON.parse(signJws(options()).toString()) as { header: Record<string, unknown> };
    envelope.header['io.cncf.notary.timestampsignature'] = 'AAAA';
    assertNotVerified(check(Buffer.from(JSON.stringify(envelope))), 'MALFORMED_ENVELOPE');
  });
});

function parseSkip(): TrustPolicyStatement {
  const parsed = parseTrustPolicy(policyJson({ signatureVerification: { level: 'skip' }, registryScopes: ['registry.example/app'] }));
  assert.ok(parsed.ok);
  return parsed.value.statements[0] as TrustPolicyStatement;
}

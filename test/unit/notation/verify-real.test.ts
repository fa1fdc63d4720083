/**
 * notation-go's own envelopes (test/fixtures/real/notation-go, SOURCE.md
 * there) get the verdict notation gives them, judged at a fixed instant
 * inside their certificates' validity.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { parseTrustPolicy, type TrustPolicyStatement } from '../../../src/notation/core/trust-policy.js';
import { buildTrustStore, type TrustStore } from '../../../src/notation/core/trust-store.js';
import { verifyNotationSignature, type NotationSubject } from '../../../src/notation/core/verify-signature.js';

const ROOT = fileURLToPath(new URL('../../../../test/fixtures/real/notation-go/', import.meta.url));
const read = (path: string): Buffer => readFileSync(ROOT + path);
const AT = new Date('2024-07-01T00:00:00Z');
const STORE_DIR = 'verifier/testdata/truststore/x509/';
const MOCK: NotationSubject = {
  digest: 'sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e',
  size: 528,
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
};
const TIMESTAMPED: NotationSubject = {
  digest: 'sha256:c0669ef34cdc14332c0f1ab0c2c01acb91d96014b172f1a76f3a39e63d1f0bda',
  size: 528,
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
};
const ALPINE: NotationSubject = { digest: 'sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0', size: 481, mediaType: 'application/vnd.oci.image.manifest.v1+json' };

function storeOf(): TrustStore {
  const root = read(`${STORE_DIR}ca/valid-trust-store/NotationTestRoot.pem`);
  const built = buildTrustStore([
    { type: 'ca', name: 'valid-trust-store', certificates: [root, read(`${STORE_DIR}ca/valid-trust-store/TestTimestamp.crt`)] },
    { type: 'signingAuthority', name: 'valid-trust-store', certificates: [root] },
    { type: 'tsa', name: 'test-timestamp', certificates: [read(`${STORE_DIR}tsa/test-timestamp/globalsignRoot.cer`)] },
  ]);
  assert.ok(built.ok);
  return built.value;
}

function statementOf(identities: readonly string[] = ['*']): TrustPolicyStatement {
  const parsed = parseTrustPolicy(
    Buffer.from(
      JSON.stringify({
        version: '1.0',
        trustPolicies: [
          {
            name: 'wabbit',
            registryScopes: ['registry.acme-rockets.io/software/net-monitor'],
            signatureVerification: { level: 'strict' },
            trustStores: ['ca:valid-trust-store', 'signingAuthority:valid-trust-store', 'tsa:test-timestamp'],
            trustedIdentities: identities,
          },
        ],
      })
    )
  );
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.value.statements[0] as TrustPolicyStatement;
}

const CASES: ReadonlyArray<[string, string, NotationSubject, string, string | null]> = [
  ['internal/mock/testdata/ca_valid_sig_env.json', 'application/jose+json', MOCK, 'verified', null],
  ['internal/mock/testdata/sa_valid_sig_env.json', 'application/jose+json', MOCK, 'verified', null],
  ['internal/mock/testdata/ca_invalid_sig_env.json', 'application/jose+json', MOCK, 'invalid', 'MALFORMED_ENVELOPE'],
  ['internal/mock/testdata/sa_invalid_sig_env.json', 'application/jose+json', MOCK, 'invalid', 'MALFORMED_ENVELOPE'],
  ['internal/mock/testdata/ca_expired_sig_env.json', 'application/jose+json', MOCK, 'expired', 'SIGNATURE_EXPIRED'],
  ['internal/mock/testdata/sa_expired_sig_env.json', 'application/jose+json', MOCK, 'expired', 'SIGNATURE_EXPIRED'],
  ['verifier/testdata/timestamp/sigEnv/jwsWithTimestamp.sig', 'application/jose+json', TIMESTAMPED, 'verified', null],
  ['verifier/testdata/timestamp/sigEnv/coseWithTimestamp.sig', 'application/cose', TIMESTAMPED, 'verified', null],
  // Their "alpine" root is in no trust store of notation-go's tests either.
  ['internal/testdata/jws_signature.sig', 'application/jose+json', ALPINE, 'untrusted', 'UNTRUSTED_ROOT'],
  ['internal/testdata/cose_signature.sig', 'application/cose', ALPINE, 'untrusted', 'UNTRUSTED_ROOT'],
];

describe('notation-go fixtures', () => {
  const store = storeOf();
  for (const [path, mediaType, subject, status, code] of CASES) {
    it(`${path} → ${status}`, () => {
      const check = verifyNotationSignature({ envelope: read(path), envelopeMediaType: mediaType, subject, statement: statementOf(), store, at: AT });
      assert.equal(check.status, status, check.detail);
      assert.equal(check.code, code);
    });
  }

  it('the mock leaf matches an identity naming its C, ST and O, and not one naming another O', () => {
    const envelope = read('internal/mock/testdata/ca_valid_sig_env.json');
    const good = verifyNotationSignature({
      envelope,
      envelopeMediaType: 'application/jose+json',
      subject: MOCK,
      statement: statementOf(['x509.subject: C=US, ST=WA, O=Notary']),
      store,
      at: AT,
    });
    assert.equal(good.status, 'verified');
    assert.match(good.signer ?? '', /CN=Notation Test Root \(sha256:[0-9a-f]{64}\)$/);
    assert.equal(good.certificateNotAfter, '2122-08-06T20:38:45.000Z');
    const bad = verifyNotationSignature({
      envelope,
      envelopeMediaType: 'application/jose+json',
      subject: MOCK,
      statement: statementOf(['x509.subject: C=US, ST=WA, O=Wabbit']),
      store,
      at: AT,
    });
    assert.equal(bad.code, 'UNTRUSTED_IDENTITY');
  });

  it('the timestamped envelopes are expired once their leaf is (timestamps are not read)', () => {
    const check = verifyNotationSignature({
      envelope: read('verifier/testdata/timestamp/sigEnv/jwsWithTimestamp.sig'),
      envelopeMediaType: 'application/jose+json',
      subject: TIMESTAMPED,
      statement: statementOf(),
      store,
      at: new Date('2034-01-01T00:00:00Z'),
    });
    assert.equal(check.code, 'CERTIFICATE_EXPIRED');
  });
});

/**
 * notation-go's own envelopes (test/fixtures/real/notation-go, SOURCE.md
 * there) get the verdict notation gives them, judged at a fixed instant
 * inside their certificates' validity, and the timestamped ones also at a
 * fixed instant after their leaf expired, when only their GlobalSign
 * timestamp proves it was valid when they were signed.
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

const ALL_STORES = ['ca:valid-trust-store', 'signingAuthority:valid-trust-store', 'tsa:test-timestamp'];
const NO_TSA = ['ca:valid-trust-store', 'signingAuthority:valid-trust-store'];

function statementOf(identities: readonly string[] = ['*'], trustStores: readonly string[] = ALL_STORES, verifyTimestamp = 'always'): TrustPolicyStatement {
  const parsed = parseTrustPolicy(
    Buffer.from(
      JSON.stringify({
        version: '1.0',
        trustPolicies: [
          {
            name: 'wabbit',
            registryScopes: ['registry.acme-rockets.io/software/net-monitor'],
            signatureVerification: { level: 'strict', verifyTimestamp },
            trustStores,
            trustedIdentities: identities,
          },
        ],
      })
    )
  );
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.value.statements[0] as TrustPolicyStatement;
}

// The mock envelopes carry no timestamp: judged with a statement that names no tsa store (one that does demands a timestamp).
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
      const statement = path.includes('WithTimestamp') ? statementOf() : statementOf(['*'], NO_TSA);
      const check = verifyNotationSignature({ envelope: read(path), envelopeMediaType: mediaType, subject, statement, store, at: AT });
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
      statement: statementOf(['x509.subject: C=US, ST=WA, O=Notary'], NO_TSA),
      store,
      at: AT,
    });
    assert.equal(good.status, 'verified');
    assert.match(good.signer ?? '', /CN=Notation Test Root \(sha256:[0-9a-f]{64}\)$/);
    // Judged at AT, the verdict holds until the first certificate of the chain expires: the root, before the leaf.
    assert.equal(good.certificateNotAfter, '2120-11-09T07:00:00.000Z');
    const bad = verifyNotationSignature({
      envelope,
      envelopeMediaType: 'application/jose+json',
      subject: MOCK,
      statement: statementOf(['x509.subject: C=US, ST=WA, O=Wabbit'], NO_TSA),
      store,
      at: AT,
    });
    assert.equal(bad.code, 'UNTRUSTED_IDENTITY');
  });

  it('a statement naming a tsa store demands a timestamp of notary.x509 signatures, not of signingAuthority ones', () => {
    const verifyMock = (path: string) =>
      verifyNotationSignature({ envelope: read(path), envelopeMediaType: 'application/jose+json', subject: MOCK, statement: statementOf(), store, at: AT });
    const missing = verifyMock('internal/mock/testdata/ca_valid_sig_env.json');
    assert.equal(missing.code, 'TIMESTAMP_MISSING');
    assert.equal(missing.status, 'untrusted');
    assert.equal(verifyMock('internal/mock/testdata/sa_valid_sig_env.json').status, 'verified');
    const afterExpiry = verifyNotationSignature({
      envelope: read('internal/mock/testdata/ca_valid_sig_env.json'),
      envelopeMediaType: 'application/jose+json',
      subject: MOCK,
      statement: statementOf(['*'], ALL_STORES, 'afterCertExpiry'),
      store,
      at: AT,
    });
    assert.equal(afterExpiry.status, 'verified');
  });

  describe('after the leaf expired (2033-05-10), only their GlobalSign timestamps (2024-06-18, ± 1 s) vouch for them', () => {
    const LATER = new Date('2034-01-01T00:00:00Z');
    const FILES: ReadonlyArray<[string, string]> = [
      ['verifier/testdata/timestamp/sigEnv/jwsWithTimestamp.sig', 'application/jose+json'],
      ['verifier/testdata/timestamp/sigEnv/coseWithTimestamp.sig', 'application/cose'],
    ];
    const judge = (envelope: Uint8Array, mediaType: string, statement: TrustPolicyStatement, at = LATER) =>
      verifyNotationSignature({ envelope, envelopeMediaType: mediaType, subject: TIMESTAMPED, statement, store, at });
    /** The envelope with one byte of its timestamp token flipped (the token's DER sits as is in the COSE bstr; JWS carries it as base64). */
    const withFlippedToken = (path: string, mediaType: string, offset: number): Buffer => {
      const envelope = read(path);
      if (mediaType === 'application/cose') {
        // The token starts with SEQUENCE (30 82 ll ll) then the signedData OID.
        const start = envelope.indexOf(Buffer.from('06092a864886f70d010702', 'hex')) - 4;
        assert.ok(start > 0);
        const copy = Buffer.from(envelope);
        copy[start + offset]! ^= 1;
        return copy;
      }
      const json = JSON.parse(envelope.toString()) as { header: Record<string, string> };
      const token = Buffer.from(json.header['io.cncf.notary.timestampSignature']!, 'base64');
      token[offset]! ^= 1;
      json.header['io.cncf.notary.timestampSignature'] = token.toString('base64');
      return Buffer.from(JSON.stringify(json));
    };

    for (const [path, mediaType] of FILES) {
      it(`${path}: verified with the tsa store, expired without it`, () => {
        const check = judge(read(path), mediaType, statementOf());
        assert.equal(check.status, 'verified', check.detail);
        assert.match(check.detail, /timestamped at 2024-06-18T06:2\d:\d\d.000Z by .*Globalsign TSA for Advanced/);
        // The timestamp vouches for the signing time, and the envelope has no expiry header: the verdict has no end.
        assert.equal(check.certificateNotAfter, null);
        const withoutTsa = judge(read(path), mediaType, statementOf(['*'], NO_TSA));
        assert.equal(withoutTsa.code, 'CERTIFICATE_EXPIRED');
        assert.equal(withoutTsa.status, 'expired');
        // A tsa store the statement names but the trust store lacks trusts no TSA.
        const missingStore = judge(read(path), mediaType, statementOf(['*'], [...NO_TSA, 'tsa:absent']));
        assert.equal(missingStore.code, 'TIMESTAMP_UNTRUSTED');
      });

      it(`${path}: a flipped byte of the token or of the signature is never verified`, () => {
        // 600: inside the TSA certificate's key; 5500: inside the TSA's signature value.
        for (const offset of [60, 600, 5500]) {
          const check = judge(withFlippedToken(path, mediaType, offset), mediaType, statementOf());
          assert.notEqual(check.status, 'verified', `token byte ${offset}`);
          assert.match(String(check.code), /^(TIMESTAMP_INVALID|MALFORMED_ENVELOPE)$/);
        }
        const envelope = Buffer.from(read(path));
        // The last bytes of both envelopes lie in the signature (JWS: base64url text, COSE: the final bstr).
        const index = mediaType === 'application/cose' ? envelope.length - 1 : envelope.lastIndexOf('"') - 2;
        envelope[index] = envelope[index] === 0x41 ? 0x42 : 0x41;
        assert.equal(judge(envelope, mediaType, statementOf()).code, 'BAD_SIGNATURE');
      });

      it(`${path}: afterCertExpiry reads the token only once the leaf has expired`, () => {
        const statement = statementOf(['*'], ALL_STORES, 'afterCertExpiry');
        const broken = withFlippedToken(path, mediaType, 5500);
        assert.equal(judge(broken, mediaType, statement, AT).status, 'verified');
        assert.equal(judge(broken, mediaType, statement).code, 'TIMESTAMP_INVALID');
        assert.equal(judge(read(path), mediaType, statement).status, 'verified');
      });
    }
  });
});

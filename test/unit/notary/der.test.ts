/**
 * The DER reader (src/notary/core/der.ts) on bytes written by hand: every
 * refusal it can make, and what it reads from well-formed keys and
 * certificates. Keys and certificates are untrusted input (base64 in the
 * metadata), so each of these is reachable by whoever publishes trust data.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DerError, readCertificateFacts, readSpki } from '../../../src/notary/core/der.js';
import { basicConstraints, bitString, bmp, certificate, extension, integer, name, nullValue, oid, OIDS, p256, rsaSpki, seq, spki, TAG, tlv, utf8 } from '../../support/der-builder.js';

const bytes = (...values: number[]): Buffer => Buffer.from(values);

function refuses(run: () => unknown, message: RegExp): void {
  assert.throws(run, (error: unknown) => error instanceof DerError && message.test(error.message));
}

const NOT_BEFORE = new Date(Date.UTC(2020, 0, 2, 3, 4, 5));
const NOT_AFTER = new Date(Date.UTC(2040, 6, 8, 9, 10, 11));
const KEY = p256().spki;

/** A certificate whose tbsCertificate is replaced by `tbsFields` (the outer structure kept). */
function withTbs(...tbsFields: Buffer[]): Buffer {
  const algorithm = seq(oid(OIDS.ecdsaWithSha256));
  return seq(seq(...tbsFields), algorithm, bitString(bytes(1)));
}

/** The fields of a v3 tbsCertificate up to the SPKI, with the validity given. */
function tbsUpToSpki(notBefore: Buffer, notAfter: Buffer): Buffer[] {
  const subject = name(utf8('example'));
  return [tlv(TAG.CONTEXT_0, integer([2])), integer([1]), seq(oid(OIDS.ecdsaWithSha256)), subject, seq(notBefore, notAfter), subject, KEY];
}

describe('DER: one TLV at a time, strict DER lengths', () => {
  it('refuses a header that is cut short', () => {
    refuses(() => readSpki(bytes(0x30)), /truncated DER header/);
    refuses(() => readSpki(bytes()), /truncated DER header/);
  });

  it('refuses high tag numbers (tag byte low bits 11111)', () => {
    refuses(() => readSpki(bytes(0x1f, 0x00)), /high tag numbers/);
  });

  it('refuses the indefinite form, more than four length octets, and length octets past the input', () => {
    refuses(() => readSpki(bytes(0x30, 0x80, 0x00, 0x00)), /unsupported DER length/);
    refuses(() => readSpki(bytes(0x30, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00)), /unsupported DER length/);
    refuses(() => readSpki(bytes(0x30, 0x82, 0x01)), /unsupported DER length/);
  });

  it('refuses a long-form length with a leading zero octet', () => {
    refuses(() => readSpki(Buffer.concat([bytes(0x30, 0x82, 0x00, 0x80), Buffer.alloc(0x80)])), /leading zero byte/);
  });

  it('refuses the long form for a length under 128', () => {
    refuses(() => readSpki(Buffer.concat([bytes(0x30, 0x81, 0x05), Buffer.alloc(5)])), /long form where the short form is required/);
  });

  it('refuses a value that runs past its container', () => {
    refuses(() => readSpki(bytes(0x30, 0x05, 0x00)), /runs past its container/);
    // An inner element longer than its parent, though the input holds enough bytes.
    refuses(() => readSpki(bytes(0x30, 0x04, 0x30, 0x05, 0x00, 0x00)), /runs past its container/);
  });

  it('accepts a long-form length where it is required', () => {
    const key = readSpki(rsaSpki(Buffer.concat([bytes(0x00, 0xc0), Buffer.alloc(255, 0x11)])));
    assert.equal(key.kind, 'rsa');
  });
});

describe('DER: SubjectPublicKeyInfo', () => {
  const ecAlgorithm = seq(oid(OIDS.ecPublicKey), oid(OIDS.p256));
  const point = Buffer.concat([bytes(0x04), Buffer.alloc(64, 0x22)]);

  it('refuses what is not one SEQUENCE spanning the input', () => {
    refuses(() => readSpki(tlv(TAG.SET)), /not a DER SubjectPublicKeyInfo/);
    refuses(() => readSpki(Buffer.concat([spki(ecAlgorithm, point), bytes(0x00)])), /not a DER SubjectPublicKeyInfo/);
  });

  it('refuses a missing or extra part, an empty BIT STRING, and unused bits', () => {
    refuses(() => readSpki(seq(ecAlgorithm)), /malformed SubjectPublicKeyInfo$/);
    refuses(() => readSpki(seq(ecAlgorithm, tlv(TAG.OCTET_STRING, point))), /malformed SubjectPublicKeyInfo$/);
    refuses(() => readSpki(seq(ecAlgorithm, tlv(TAG.BIT_STRING))), /malformed SubjectPublicKeyInfo$/);
    refuses(() => readSpki(seq(ecAlgorithm, tlv(TAG.BIT_STRING, bytes(0x01), point))), /malformed SubjectPublicKeyInfo$/);
  });

  it('refuses an algorithm that is not an OID, or has more than one parameter', () => {
    refuses(() => readSpki(spki(seq(integer([1])), point)), /malformed SubjectPublicKeyInfo algorithm/);
    refuses(() => readSpki(spki(seq(), point)), /malformed SubjectPublicKeyInfo algorithm/);
    refuses(() => readSpki(spki(seq(oid(OIDS.ecPublicKey), oid(OIDS.p256), nullValue()), point)), /malformed SubjectPublicKeyInfo algorithm/);
  });

  it('reads an EC key on a named curve, and calls any other curve "other"', () => {
    assert.deepEqual(readSpki(spki(ecAlgorithm, point)), { kind: 'ec', curve: 'P-256', point });
    assert.deepEqual(readSpki(spki(seq(oid(OIDS.ecPublicKey), oid(OIDS.p384)), point)), { kind: 'ec', curve: 'P-384', point });
    // secp256k1, explicit parameters (a SEQUENCE), and no parameters at all
    assert.deepEqual(readSpki(spki(seq(oid(OIDS.ecPublicKey), oid('2b8104000a')), point)), { kind: 'other' });
    assert.deepEqual(readSpki(spki(seq(oid(OIDS.ecPublicKey), seq(integer([1]))), point)), { kind: 'other' });
    assert.deepEqual(readSpki(spki(seq(oid(OIDS.ecPublicKey)), point)), { kind: 'other' });
  });

  it('calls an unknown algorithm (DSA) "other"', () => {
    assert.deepEqual(readSpki(spki(seq(oid(OIDS.dsa)), point)), { kind: 'other' });
  });

  it('reads an Ed25519 key, and refuses one with algorithm parameters (RFC 8410 3)', () => {
    const raw = Buffer.alloc(32, 0x33);
    assert.deepEqual(readSpki(spki(seq(oid(OIDS.ed25519)), raw)), { kind: 'ed25519', raw });
    refuses(() => readSpki(spki(seq(oid(OIDS.ed25519), nullValue()), raw)), /Ed25519 key has algorithm parameters/);
  });

  describe('RSA', () => {
    const modulus = Buffer.concat([bytes(0x00, 0xc0), Buffer.alloc(255, 0x11)]);
    const rsaKey = (fields: Buffer): Buffer => spki(seq(oid(OIDS.rsaEncryption), nullValue()), fields);

    it('reads modulus and exponent without their sign bytes', () => {
      const key = readSpki(rsaSpki(modulus, bytes(0x01, 0x00, 0x01)));
      assert.equal(key.kind, 'rsa');
      assert.ok(key.kind === 'rsa');
      assert.deepEqual(Buffer.from(key.modulus), modulus.subarray(1));
      assert.deepEqual(Buffer.from(key.exponent), bytes(0x01, 0x00, 0x01));
    });

    it('refuses parameters that are missing, not NULL, or a NULL with content (RFC 3279 2.3.1)', () => {
      const fields = seq(integer(modulus), integer([3]));
      refuses(() => readSpki(spki(seq(oid(OIDS.rsaEncryption)), fields)), /RSA key parameters are not NULL/);
      refuses(() => readSpki(spki(seq(oid(OIDS.rsaEncryption), oid(OIDS.p256)), fields)), /RSA key parameters are not NULL/);
      refuses(() => readSpki(spki(seq(oid(OIDS.rsaEncryption), tlv(TAG.NULL, bytes(0))), fields)), /RSA key parameters are not NULL/);
    });

    it('refuses an RSAPublicKey that is not exactly SEQUENCE { INTEGER, INTEGER }', () => {
      refuses(() => readSpki(rsaKey(tlv(TAG.SET, integer(modulus), integer([3])))), /malformed RSA public key/);
      refuses(() => readSpki(rsaKey(seq(integer(modulus)))), /malformed RSA public key/);
      refuses(() => readSpki(rsaKey(seq(integer(modulus), nullValue()))), /malformed RSA public key/);
      refuses(() => readSpki(rsaKey(seq(integer(modulus), integer([3]), integer([3])))), /malformed RSA public key/);
      refuses(() => readSpki(rsaKey(Buffer.concat([seq(integer(modulus), integer([3])), bytes(0x00)]))), /malformed RSA public key/);
    });

    it('refuses an empty, non-minimal, negative or zero INTEGER (X.690 8.3.2; Go: "integer not minimally-encoded")', () => {
      refuses(() => readSpki(rsaSpki(modulus, bytes())), /empty DER integer/);
      refuses(() => readSpki(rsaSpki(Buffer.concat([bytes(0x00), modulus]))), /not minimally encoded/);
      refuses(() => readSpki(rsaSpki(modulus, bytes(0x00, 0x01))), /not minimally encoded/);
      refuses(() => readSpki(rsaSpki(modulus, bytes(0xff, 0x80))), /not minimally encoded/);
      refuses(() => readSpki(rsaSpki(modulus, bytes(0x80))), /not positive/);
      refuses(() => readSpki(rsaSpki(modulus.subarray(1))), /not positive/);
      refuses(() => readSpki(rsaSpki(modulus, bytes(0x00))), /not positive/);
    });

    it('accepts 0xff followed by a byte under 0x80 as the minimal encoding of a negative number, then refuses it as negative', () => {
      refuses(() => readSpki(rsaSpki(modulus, bytes(0xff, 0x7f))), /not positive/);
    });
  });
});

describe('DER: certificate facts', () => {
  it('reads validity, common name, signature algorithm, CA flag and SPKI', () => {
    const der = certificate({ spki: KEY, notBefore: NOT_BEFORE, notAfter: NOT_AFTER, commonName: 'registry.example/app', extensions: [basicConstraints('absent')] });
    const facts = readCertificateFacts(der);
    assert.equal(facts.notBefore.toISOString(), NOT_BEFORE.toISOString());
    assert.equal(facts.notAfter.toISOString(), NOT_AFTER.toISOString());
    assert.equal(facts.commonName, 'registry.example/app');
    assert.equal(facts.weakSignatureAlgorithm, false);
    assert.equal(facts.isCA, false);
    assert.deepEqual(Buffer.from(facts.spki), KEY);
  });

  it('refuses what is not one SEQUENCE spanning the input', () => {
    const der = certificate({ spki: KEY, notBefore: NOT_BEFORE, notAfter: NOT_AFTER });
    refuses(() => readCertificateFacts(Buffer.concat([der, bytes(0x00)])), /not a DER certificate/);
    refuses(() => readCertificateFacts(tlv(TAG.SET, der.subarray(2))), /not a DER certificate/);
  });

  it('refuses a certificate without tbsCertificate or signatureAlgorithm', () => {
    refuses(() => readCertificateFacts(seq()), /certificate has too few fields/);
    refuses(() => readCertificateFacts(seq(seq(integer([1])))), /certificate has too few fields/);
  });

  it('refuses a tbsCertificate with too few fields', () => {
    const [version, serial, algorithm, issuer, validity] = tbsUpToSpki(tlv(TAG.UTC_TIME, Buffer.from('200102030405Z')), tlv(TAG.UTC_TIME, Buffer.from('400708091011Z')));
    refuses(() => readCertificateFacts(withTbs()), /certificate has too few fields/);
    refuses(() => readCertificateFacts(withTbs(version as Buffer, serial as Buffer, algorithm as Buffer, issuer as Buffer, validity as Buffer)), /certificate has too few fields/);
    // validity with one time only
    const fields = tbsUpToSpki(tlv(TAG.UTC_TIME, Buffer.from('200102030405Z')), Buffer.alloc(0));
    refuses(() => readCertificateFacts(withTbs(...fields)), /certificate has too few fields/);
  });

  it('refuses a signature algorithm that is not an OID, or is empty', () => {
    const tbs = seq(...tbsUpToSpki(tlv(TAG.UTC_TIME, Buffer.from('200102030405Z')), tlv(TAG.UTC_TIME, Buffer.from('400708091011Z'))));
    refuses(() => readCertificateFacts(seq(tbs, seq(integer([1])), bitString(bytes(1)))), /signature algorithm is not an OID/);
    refuses(() => readCertificateFacts(seq(tbs, seq(), bitString(bytes(1)))), /certificate has too few fields/);
  });

  it('reads a v1 certificate (no [0] version field)', () => {
    const facts = readCertificateFacts(certificate({ spki: KEY, notBefore: NOT_BEFORE, notAfter: NOT_AFTER, commonName: 'v1', v1: true }));
    assert.equal(facts.commonName, 'v1');
    assert.deepEqual(Buffer.from(facts.spki), KEY);
  });

  it('flags SHA-1 and MD5 signature algorithms as weak', () => {
    for (const weak of [OIDS.ecdsaWithSha1, OIDS.sha1WithRsa, '2a864886f70d010104', '2a8648ce380403']) {
      assert.equal(readCertificateFacts(certificate({ spki: KEY, notBefore: NOT_BEFORE, notAfter: NOT_AFTER, signatureOid: weak })).weakSignatureAlgorithm, true, weak);
    }
  });

  describe('basicConstraints', () => {
    const isCA = (extensions: readonly Buffer[] | undefined): boolean => readCertificateFacts(certificate({ spki: KEY, notBefore: NOT_BEFORE, notAfter: NOT_AFTER, extensions })).isCA;

    it('is a CA only with cA TRUE', () => {
      assert.equal(isCA([basicConstraints('true')]), true);
      assert.equal(isCA([basicConstraints('true', 0)]), true);
      assert.equal(isCA([basicConstraints('explicit-false')]), false);
      assert.equal(isCA([basicConstraints('absent')]), false);
      // pathLenConstraint without cA: the first field is an INTEGER, not the BOOLEAN
      assert.equal(isCA([basicConstraints('absent', 3)]), false);
    });

    it('is no CA without the extension, or without extensions at all', () => {
      assert.equal(isCA(undefined), false);
      assert.equal(isCA([]), false);
      assert.equal(isCA([extension(OIDS.keyUsage, tlv(TAG.BIT_STRING, bytes(0x07, 0x80)), true)]), false);
    });

    it('ignores a basicConstraints extension whose extnID is not an OID or whose value is not an OCTET STRING', () => {
      const bogusValue = seq(oid(OIDS.basicConstraints), seq(tlv(TAG.BOOLEAN, bytes(0xff))));
      const bogusId = seq(tlv(TAG.OCTET_STRING, Buffer.from(OIDS.basicConstraints, 'hex')), tlv(TAG.OCTET_STRING, seq(tlv(TAG.BOOLEAN, bytes(0xff)))));
      assert.equal(isCA([bogusValue]), false);
      assert.equal(isCA([bogusId]), false);
    });
  });

  describe('common name', () => {
    const commonNameOf = (subject: Buffer): string | undefined => readCertificateFacts(certificate({ spki: KEY, notBefore: NOT_BEFORE, notAfter: NOT_AFTER, subject })).commonName;

    it('reads a BMPString (UTF-16BE) common name', () => {
      assert.equal(commonNameOf(name(bmp('registry.example/ünïcode'))), 'registry.example/ünïcode');
    });

    it('keeps the last common name, as Go does', () => {
      assert.equal(commonNameOf(name(utf8('first'), utf8('last'))), 'last');
    });

    it('has none when the subject has no CN, or an attribute without a value', () => {
      assert.equal(commonNameOf(name()), undefined);
      assert.equal(commonNameOf(seq(tlv(TAG.SET, seq(oid('55040a'), utf8('organisation'))))), undefined);
      assert.equal(commonNameOf(seq(tlv(TAG.SET, seq(oid(OIDS.commonName))))), undefined);
      assert.equal(commonNameOf(seq(tlv(TAG.SET, seq(utf8('not an OID'), utf8('x'))))), undefined);
    });
  });

  describe('validity times', () => {
    const validity = (notBefore: Buffer, notAfter: Buffer): { notBefore: Date; notAfter: Date } => {
      const tbs = tbsUpToSpki(notBefore, notAfter);
      return readCertificateFacts(withTbs(...tbs));
    };

    it('reads UTCTime years 50-99 as 19xx and 00-49 as 20xx (RFC 5280 4.1.2.5.1)', () => {
      const facts = validity(tlv(TAG.UTC_TIME, Buffer.from('500101000000Z')), tlv(TAG.UTC_TIME, Buffer.from('491231235959Z')));
      assert.equal(facts.notBefore.toISOString(), '1950-01-01T00:00:00.000Z');
      assert.equal(facts.notAfter.toISOString(), '2049-12-31T23:59:59.000Z');
    });

    it('reads GeneralizedTime, from year 1 to 9999', () => {
      const facts = validity(tlv(TAG.GENERALIZED_TIME, Buffer.from('00010101000000Z')), tlv(TAG.GENERALIZED_TIME, Buffer.from('99991231235959Z')));
      assert.equal(facts.notBefore.getUTCFullYear(), 1);
      assert.equal(facts.notAfter.toISOString(), '9999-12-31T23:59:59.000Z');
    });

    it('refuses times in any other form or under another tag', () => {
      const good = tlv(TAG.UTC_TIME, Buffer.from('400708091011Z'));
      for (const bad of [
        tlv(TAG.UTC_TIME, Buffer.from('4007080910Z')), // no seconds
        tlv(TAG.UTC_TIME, Buffer.from('400708091011+0100')), // offset
        tlv(TAG.UTC_TIME, Buffer.from('20400708091011Z')), // GeneralizedTime text under the UTCTime tag
        tlv(TAG.GENERALIZED_TIME, Buffer.from('400708091011Z')), // and the other way round
        tlv(TAG.GENERALIZED_TIME, Buffer.from('20400708091011.5Z')), // fractional seconds
        tlv(TAG.UTF8_STRING, Buffer.from('400708091011Z')),
      ]) {
        refuses(() => validity(bad, good), /certificate validity time is malformed/);
        refuses(() => validity(good, bad), /certificate validity time is malformed/);
      }
    });
  });
});

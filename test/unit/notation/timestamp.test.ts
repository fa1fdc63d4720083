/**
 * src/notation/core/timestamp.ts: RFC 3161 tokens from the test-side TSA
 * (test/support/signers/tsa-signer.ts), certificates made now by openssl and
 * tokens stamped now, so every instant here is relative to the real clock;
 * and notation-go's real GlobalSign token, judged with its own root.
 */
import assert from 'node:assert/strict';
import { createHash, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { parseCertificate, type NotationCertificate } from '../../../src/notation/core/certificate.js';
import { MAX_TIMESTAMP_BYTES, verifyTimestampToken } from '../../../src/notation/core/timestamp.js';
import { integer, oid, seq, tlv, TAG } from '../../support/der-builder.js';
import { issue, makeRoot, type TestCertificate } from '../../support/signers/notation-signer.js';
import { accuracy, algorithm, attribute, octets, timestampToken, TSA_OIDS, type TokenOptions, type TsaSigner } from '../../support/signers/tsa-signer.js';

const SIGNATURE = Buffer.from('the signature bytes a Notation envelope carries');
const TSA_LEAF = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n';
const REAL = fileURLToPath(new URL('../../../../test/fixtures/real/notation-go/verifier/testdata/', import.meta.url));

let dir: string;
let now: Date;
let rootCert: NotationCertificate;
let otherRootCert: NotationCertificate;
let pathLengthRootCert: NotationCertificate;
let rootSigner: TsaSigner;
const signers: Record<string, TsaSigner & TestCertificate> = {};

function parsed(der: Uint8Array): NotationCertificate {
  const certificate = parseCertificate(der);
  assert.ok(certificate !== null);
  return certificate;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsa-signer-'));
  const root = await makeRoot(dir, 'tsa-root');
  const otherRoot = await makeRoot(dir, 'tsa-other-root');
  rootCert = parsed(root.der);
  rootSigner = { key: createPrivateKey(await readFile(root.keyFile)), der: root.der };
  otherRootCert = parsed(otherRoot.der);
  const make = async (name: string, issuer: { keyFile: string; certFile: string }, extensions: string, kind: 'p256' | 'rsa-2048' = 'p256') => {
    const made = await issue(dir, name, issuer, { kind, extensions });
    signers[name] = { ...made, key: made.key, der: made.der };
    return made;
  };
  await make('tsa', root, TSA_LEAF);
  await make('tsa-rsa', root, TSA_LEAF, 'rsa-2048');
  const intermediate = await make('intermediate', root, 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\nextendedKeyUsage=timeStamping\n');
  await make('under-intermediate', intermediate, TSA_LEAF);
  const anyUsage = await make('any-usage-ca', root, 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\nextendedKeyUsage=anyExtendedKeyUsage\n');
  await make('under-any-usage', anyUsage, TSA_LEAF);
  const codeSigningCa = await make('code-signing-ca', root, 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\nextendedKeyUsage=codeSigning\n');
  await make('under-code-signing-ca', codeSigningCa, TSA_LEAF);
  const notCa = await make('not-ca', root, 'basicConstraints=critical,CA:FALSE\n');
  await make('under-not-ca', notCa, TSA_LEAF);
  const pathRoot = await makeRoot(dir, 'path-root');
  // openssl req cannot put pathlen on the root in makeRoot; a pathlen:0 intermediate below the root does the same.
  const zero = await make('pathlen-zero', pathRoot, 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign\n');
  const belowZero = await make('below-zero', zero, 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n');
  await make('under-below-zero', belowZero, TSA_LEAF);
  pathLengthRootCert = parsed(pathRoot.der);
  await make('ca-leaf', root, 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature,keyCertSign\nextendedKeyUsage=critical,timeStamping\n');
  await make('no-digital-signature', root, 'keyUsage=critical,nonRepudiation\nextendedKeyUsage=critical,timeStamping\n');
  await make('no-key-usage', root, 'extendedKeyUsage=critical,timeStamping\n');
  await make('eku-not-critical', root, 'keyUsage=critical,digitalSignature\nextendedKeyUsage=timeStamping\n');
  await make('eku-two', root, 'keyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping,codeSigning\n');
  await make('no-eku', root, 'keyUsage=critical,digitalSignature\n');
  await make('unknown-critical', root, `${TSA_LEAF}1.2.3.4=critical,ASN1:NULL\n`);
  now = new Date();
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function token(overrides: Partial<TokenOptions> = {}, signer = 'tsa'): Buffer {
  return timestampToken(SIGNATURE, { signer: signers[signer] as TsaSigner, genTime: now, ...overrides });
}

function verify(bytes: Uint8Array, roots: readonly NotationCertificate[] = [rootCert], signature: Uint8Array = SIGNATURE) {
  return verifyTimestampToken(bytes, signature, roots);
}

function assertFails(bytes: Uint8Array, code: 'TIMESTAMP_INVALID' | 'TIMESTAMP_UNTRUSTED', pattern: RegExp, roots?: readonly NotationCertificate[]): void {
  const result = verify(bytes, roots);
  assert.ok(!result.ok, 'expected a failure');
  assert.equal(result.error.code, code, result.error.detail);
  assert.match(result.error.detail, pattern);
}

describe('verifyTimestampToken: test-side tokens', () => {
  it('verifies EC and RSA TSAs, with their chain ending in the root or a root the token carries', () => {
    for (const name of ['tsa', 'tsa-rsa']) {
      const result = verify(token({}, name));
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.value.genTime.getTime(), Math.floor(now.getTime()));
      assert.equal(result.value.latest.getTime() - result.value.earliest.getTime(), 2000);
      assert.match(result.value.authority.subjectText, new RegExp(`CN=${name}$`));
    }
    assert.ok(verify(token({ certificates: [signers.tsa!.der, Buffer.from(rootCert.der)] })).ok);
    assert.ok(verify(token({ certificates: [signers['under-intermediate']!.der, signers.intermediate!.der] }, 'under-intermediate')).ok);
    assert.ok(verify(token({ certificates: [signers['under-any-usage']!.der, signers['any-usage-ca']!.der] }, 'under-any-usage')).ok);
    // The rsaEncryption OID (the hash is the digest algorithm's), another digest, a hash-algorithm-less AlgorithmIdentifier.
    assert.ok(verify(token({ signatureOid: TSA_OIDS.rsaEncryption }, 'tsa-rsa')).ok);
    assert.ok(verify(token({ digestHash: 'sha384', signatureOid: TSA_OIDS.rsaEncryption, imprintHash: 'sha512' }, 'tsa-rsa')).ok);
  });

  it('reads accuracy, the baseline policy, fractions and the optional TSTInfo fields', () => {
    const range = (options: Partial<TokenOptions>) => {
      const result = verify(token(options));
      assert.ok(result.ok, JSON.stringify(result));
      return [result.value.earliest.getTime() - result.value.genTime.getTime(), result.value.latest.getTime() - result.value.genTime.getTime()];
    };
    assert.deepEqual(range({ accuracy: null }), [0, 0]);
    assert.deepEqual(range({ accuracy: null, policy: TSA_OIDS.baselinePolicy }), [-1000, 1000]);
    assert.deepEqual(range({ accuracy: accuracy(2, 5) }), [-2005, 2005]);
    assert.deepEqual(range({ accuracy: accuracy(undefined, undefined, 500) }), [-1, 1]);
    const whole = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const stamp = whole.toISOString().slice(0, 19).replace(/[-T:]/g, '');
    const fraction = (text: string) => {
      const result = verify(token({ genTime: `${stamp}.${text}Z`, accuracy: null }));
      assert.ok(result.ok, JSON.stringify(result));
      return [result.value.genTime.getTime() - whole.getTime(), result.value.earliest.getTime() - whole.getTime(), result.value.latest.getTime() - whole.getTime()];
    };
    assert.deepEqual(fraction('25'), [250, 250, 250]);
    assert.deepEqual(fraction('0005'), [0, 0, 1]);
    const optional = (fields: Buffer[]) => [
      ...fields,
      tlv(TAG.BOOLEAN, Buffer.from([0])),
      integer([7]),
      tlv(0xa0, tlv(0xa4, seq())),
      tlv(0xa1, seq(oid('2a0305'), octets(Buffer.alloc(1))), seq(oid('2a0306'), tlv(TAG.BOOLEAN, Buffer.from([0])), octets(Buffer.alloc(1)))),
    ];
    assert.ok(verify(token({ patch: { tstInfo: optional } })).ok);
    // ESSCertIDv2 with its hash algorithm named and an issuerSerial; a CRL set beside the certificates.
    const named = timestampToken(SIGNATURE, {
      signer: signers.tsa!,
      genTime: now,
      patch: { essCertId: () => [algorithm(TSA_OIDS.sha256, false), octets(sha(signers.tsa!.der)), seq()] },
    });
    assert.ok(verify(named).ok);
    const withCrls = token({ patch: { signedData: (fields) => [...fields.slice(0, 4), tlv(0xa1), ...fields.slice(4)] } });
    assert.ok(verify(withCrls).ok);
  });

  it('refuses malformed tokens as invalid', () => {
    const malformed = (bytes: Uint8Array) => assertFails(bytes, 'TIMESTAMP_INVALID', /malformed token|bytes/);
    malformed(new Uint8Array(MAX_TIMESTAMP_BYTES + 1));
    malformed(Buffer.from('not DER'));
    malformed(token({ patch: { contentInfo: (fields) => [oid(TSA_OIDS.data), ...fields.slice(1)] } }));
    malformed(token({ patch: { signedData: (fields) => fields.map((field, index) => (index === 2 ? seq(oid(TSA_OIDS.data), tlv(0xa0, octets(Buffer.alloc(1)))) : field)) } }));
    malformed(token({ patch: { signedData: (fields) => [...fields.slice(0, 4), integer([1]), ...fields.slice(4)] } }));
    malformed(token({ patch: { signedData: (fields) => [integer([1]), ...fields.slice(1)] } }));
    malformed(token({ patch: { signedData: (fields) => [fields[0] as Buffer, tlv(TAG.SET, algorithm(TSA_OIDS.sha512)), ...fields.slice(2)] } }));
    malformed(token({ certificates: Array.from({ length: 11 }, () => signers.tsa!.der) }));
    malformed(token({ certificates: [tlv(0xa1, signers.tsa!.der)] }));
    malformed(token({ certificates: [seq(integer([1]))] }));
    malformed(token({ patch: { signedData: (fields) => fields.map((field, index) => (index === fields.length - 1 ? tlv(TAG.SET, ...children(field), ...children(field)) : field)) } }));
    malformed(token({ patch: { signerInfo: (fields) => [integer([3]), ...fields.slice(1)] } }));
    malformed(token({ signatureOid: TSA_OIDS.rsaPss }, 'tsa-rsa'));
    malformed(token({ patch: { signedAttributes: (attributes) => [...attributes, attributes[0] as Buffer] } }));
    malformed(token({ patch: { signedAttributes: (attributes) => [attribute(TSA_OIDS.contentType, oid(TSA_OIDS.tstInfo), oid(TSA_OIDS.tstInfo)), ...attributes.slice(1)] } }));
    malformed(token({ patch: { signedAttributes: (attributes) => attributes.slice(0, 2) } }));
    malformed(token({ patch: { essCertId: (fields) => [...fields, integer([1])] } }));
    malformed(token({ patch: { essCertId: (fields) => [algorithm(TSA_OIDS.sha256), ...fields, seq(), seq()] } }));
    malformed(token({ patch: { tstInfo: (fields) => [integer([2]), ...fields.slice(1)] } }));
    malformed(token({ patch: { tstInfo: (fields) => [...fields, integer([1]), integer([1])] } }));
    malformed(token({ patch: { tstInfo: (fields) => [...fields, tlv(0xa1, seq(oid('2a0305'), tlv(TAG.BOOLEAN, Buffer.from([0xff])), octets(Buffer.alloc(1))))] } }));
    malformed(token({ imprintHash: 'sha1' }));
    malformed(token({ patch: { tstInfo: (fields) => fields.map((field, index) => (index === 2 ? seq(seq(oid(TSA_OIDS.sha256), integer([1])), octets(Buffer.alloc(32))) : field)) } }));
    for (const genTime of ['20240230120000Z', '20240101120000+0100', '20240101120060Z', '20240101120000.10Z']) malformed(token({ genTime }));
    for (const field of [
      accuracy(86_401),
      accuracy(undefined, 1000),
      accuracy(undefined, 0),
      seq(integer([0xff])),
      seq(integer([])),
      seq(integer([1, 0, 0, 0, 0])),
      seq(tlv(0x81, Buffer.from([1])), tlv(0x80, Buffer.from([1]))),
    ]) {
      malformed(token({ accuracy: field }));
    }
  });

  it('refuses a token that is not over this signature, or not signed by its TSA, as invalid', () => {
    const other = verify(token(), [rootCert], Buffer.from('another signature'));
    assert.ok(!other.ok && other.error.code === 'TIMESTAMP_INVALID' && /message imprint/.test(other.error.detail));
    const invalid = (bytes: Uint8Array, pattern: RegExp) => assertFails(bytes, 'TIMESTAMP_INVALID', pattern);
    invalid(token({ patch: { signedAttributes: (attributes) => [attribute(TSA_OIDS.contentType, oid(TSA_OIDS.data)), ...attributes.slice(1)] } }), /content type/);
    invalid(
      token({ patch: { signedAttributes: (attributes) => [attributes[0] as Buffer, attribute(TSA_OIDS.messageDigest, octets(Buffer.alloc(32))), attributes[2] as Buffer] } }),
      /message digest/
    );
    invalid(token({ patch: { essCertId: () => [octets(Buffer.alloc(32))] } }), /signingCertificateV2/);
    invalid(token({ certificates: [] }), /signingCertificateV2/);
    invalid(token({ patch: { signerInfo: (fields) => [fields[0] as Buffer, seq(seq(), integer([1])), ...fields.slice(2)] } }), /signer identifier/);
    invalid(token({ patch: { signerInfo: (fields) => [fields[0] as Buffer, seq(children(fields[1] as Buffer)[0] as Buffer, integer([1])), ...fields.slice(2)] } }), /signer identifier/);
    invalid(token({ signatureOid: TSA_OIDS.sha384WithRsa }, 'tsa-rsa'), /hashes with sha384/);
    invalid(token({ signatureOid: TSA_OIDS.ecdsaWithSha256 }, 'tsa-rsa'), /needs an ec key/);
    invalid(token({ patch: { signerInfo: (fields) => [...fields.slice(0, 5), octets(flip(content(fields[5] as Buffer)))] } }), /does not verify/);
    invalid(token({ patch: { signerInfo: (fields) => [...fields.slice(0, 5), octets(Buffer.alloc(600, 1))] } }, 'tsa-rsa'), /does not verify/);
  });

  it('refuses a TSA that is not trusted or breaks the TSA certificate rules as untrusted', () => {
    const untrusted = (bytes: Uint8Array, pattern: RegExp, roots?: readonly NotationCertificate[]) => assertFails(bytes, 'TIMESTAMP_UNTRUSTED', pattern, roots);
    untrusted(token(), /reaches no root/, [otherRootCert]);
    untrusted(token(), /reaches no root/, []);
    untrusted(token({ certificates: [signers['under-intermediate']!.der] }, 'under-intermediate'), /reaches no root/);
    untrusted(token({ genTime: new Date(now.getTime() - 86_400_000) }), /was not valid at/);
    untrusted(token({ certificates: [signers['under-code-signing-ca']!.der, signers['code-signing-ca']!.der] }, 'under-code-signing-ca'), /does not allow timeStamping/);
    untrusted(token({ certificates: [signers['under-not-ca']!.der, signers['not-ca']!.der] }, 'under-not-ca'), /not a CA with keyCertSign/);
    untrusted(token({ certificates: [signers['under-below-zero']!.der, signers['below-zero']!.der, signers['pathlen-zero']!.der] }, 'under-below-zero'), /allows 0 intermediates/, [
      pathLengthRootCert,
    ]);
    untrusted(token({}, 'ca-leaf'), /is a CA/);
    // The store's root signing tokens itself: a CA, never a TSA.
    untrusted(timestampToken(SIGNATURE, { signer: rootSigner, genTime: now }), /is a CA/);
    untrusted(token({}, 'no-digital-signature'), /digitalSignature/);
    untrusted(token({}, 'no-key-usage'), /digitalSignature/);
    untrusted(token({}, 'unknown-critical'), /unhandled critical/);
    for (const name of ['eku-not-critical', 'eku-two', 'no-eku']) untrusted(token({}, name), /exactly the timeStamping/);
  });
});

describe('verifyTimestampToken: notation-go GlobalSign token', () => {
  const envelope = JSON.parse(readFileSync(`${REAL}timestamp/sigEnv/jwsWithTimestamp.sig`, 'utf8')) as { header: Record<string, string>; signature: string };
  const tokenBytes = Buffer.from(envelope.header['io.cncf.notary.timestampSignature']!, 'base64');
  const signature = Buffer.from(envelope.signature, 'base64url');
  const globalSign = parsed(readFileSync(`${REAL}truststore/x509/tsa/test-timestamp/globalsignRoot.cer`));

  it('verifies with GlobalSign Root R6: 2024-06-18T06:29:37Z ± 1 s', () => {
    const result = verifyTimestampToken(tokenBytes, signature, [globalSign]);
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.value.genTime.toISOString(), '2024-06-18T06:29:37.000Z');
    assert.equal(result.value.earliest.toISOString(), '2024-06-18T06:29:36.000Z');
    assert.equal(result.value.latest.toISOString(), '2024-06-18T06:29:38.000Z');
    assert.match(result.value.authority.subjectText, /CN=Globalsign TSA for Advanced - G4 - 202311/);
  });

  it('refuses every flipped byte of the signature, and flipped bytes across the token', () => {
    for (const index of [0, 100, signature.length - 1]) {
      const flipped = Buffer.from(signature);
      flipped[index]! ^= 1;
      assert.equal(verifyTimestampToken(tokenBytes, flipped, [globalSign]).ok, false);
    }
    // Every byte but those of the token's copy of the GlobalSign root, which is never used: the chain ends in the store's root.
    const rootStart = tokenBytes.indexOf(globalSign.der);
    assert.ok(rootStart > 0);
    for (let index = 0; index < tokenBytes.length; index += 1) {
      if (index >= rootStart && index < rootStart + globalSign.der.length) continue;
      const flipped = Buffer.from(tokenBytes);
      flipped[index]! ^= 0x01;
      assert.equal(verifyTimestampToken(flipped, signature, [globalSign]).ok, false, `byte ${index} flipped still verifies`);
    }
  });
});

function sha(der: Uint8Array): Buffer {
  return createHash('sha256').update(der).digest();
}

function children(element: Buffer): Buffer[] {
  const out: Buffer[] = [];
  const body = content(element);
  for (let offset = 0; offset < body.length;) {
    const length = body[offset + 1] as number;
    const count = length < 0x80 ? 0 : length & 0x7f;
    const size = count === 0 ? length : body.subarray(offset + 2, offset + 2 + count).reduce((sum, octet) => sum * 256 + octet, 0);
    out.push(body.subarray(offset, offset + 2 + count + size));
    offset += 2 + count + size;
  }
  return out;
}

function content(element: Buffer): Buffer {
  const length = element[1] as number;
  const count = length < 0x80 ? 0 : length & 0x7f;
  return element.subarray(2 + count);
}

function flip(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  copy[copy.length - 1]! ^= 1;
  return copy;
}

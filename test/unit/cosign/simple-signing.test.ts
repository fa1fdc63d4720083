/**
 * One legacy cosign key-based signature (src/cosign/core/simple-signing.ts).
 * The signer here is written from docs/signature-systems.md §2, not from the
 * module: node:crypto keys sign the exact payload bytes, SHA-256 unless told,
 * ECDSA signatures DER, RSA PKCS#1 v1.5, Ed25519 pure. Every mutation of
 * docs/signature-systems.md §7 item 3 that applies to a `.sig` layer must
 * never verify.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';

import {
  COSIGN_SIGNATURE_TYPE,
  MAX_PAYLOAD_BYTES,
  parseCosignPublicKey,
  verifySimpleSigning,
  type CosignPublicKey,
  type DigestAlgorithm,
  type SimpleSigningInput,
} from '../../../src/cosign/core/simple-signing.js';

const DIGEST = `sha256:${'a1'.repeat(32)}`;
const OTHER_DIGEST = `sha256:${'b2'.repeat(32)}`;
const REFERENCE = 'nexus.example:8443/team/app';

interface Signer {
  readonly privateKey: KeyObject;
  readonly publicPem: string;
  readonly hash: DigestAlgorithm | null;
}

function signer(kind: 'p256' | 'p384' | 'rsa' | 'ed25519'): Signer {
  switch (kind) {
    case 'p256':
    case 'p384': {
      const pair = generateKeyPairSync('ec', { namedCurve: kind === 'p256' ? 'P-256' : 'P-384' });
      return { privateKey: pair.privateKey, publicPem: pemOf(pair.publicKey), hash: 'sha256' };
    }
    case 'rsa': {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      return { privateKey: pair.privateKey, publicPem: pemOf(pair.publicKey), hash: 'sha256' };
    }
    case 'ed25519': {
      const pair = generateKeyPairSync('ed25519');
      return { privateKey: pair.privateKey, publicPem: pemOf(pair.publicKey), hash: null };
    }
  }
}

const pemOf = (publicKey: KeyObject): string => publicKey.export({ format: 'pem', type: 'spki' }).toString();

/** A simple-signing payload as cosign writes it (compact JSON, `optional` null unless annotated). */
function payloadOf(overrides: { digest?: string; type?: unknown; optional?: unknown } = {}): Buffer {
  const document = {
    critical: {
      identity: { 'docker-reference': REFERENCE },
      image: { 'docker-manifest-digest': overrides.digest ?? DIGEST },
      type: 'type' in overrides ? overrides.type : COSIGN_SIGNATURE_TYPE,
    },
    optional: 'optional' in overrides ? overrides.optional : null,
  };
  return Buffer.from(JSON.stringify(document));
}

const signB64 = (by: Signer, payload: Uint8Array, hash: DigestAlgorithm | null = by.hash): string => sign(hash, payload, by.privateKey).toString('base64');

function keyOf(by: Signer): CosignPublicKey {
  const parsed = parseCosignPublicKey(by.publicPem);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.value;
}

const SIGNERS = { p256: signer('p256'), p384: signer('p384'), rsa: signer('rsa'), ed25519: signer('ed25519') };

function inputFor(by: Signer, payload: Uint8Array, extra: Partial<SimpleSigningInput> = {}): SimpleSigningInput {
  return { payload, signatureBase64: signB64(by, payload), key: keyOf(by), expectedDigest: DIGEST, ...extra };
}

function failureCode(input: SimpleSigningInput): string {
  const result = verifySimpleSigning(input);
  assert.equal(result.ok, false, 'must not verify');
  return result.ok ? 'verified' : result.error.code;
}

describe('parseCosignPublicKey', () => {
  it('reads P-256, P-384, RSA and Ed25519 SPKI keys; the fingerprint is SHA-256 of the DER', () => {
    const expected = { p256: 'ecdsa-p256', p384: 'ecdsa-p384', rsa: 'rsa', ed25519: 'ed25519' } as const;
    for (const [kind, by] of Object.entries(SIGNERS)) {
      const key = keyOf(by);
      assert.equal(key.type, expected[kind as keyof typeof expected]);
      const der = createPublicKeyDer(by);
      assert.equal(key.fingerprint, createHash('sha256').update(der).digest('hex'));
    }
  });

  it('accepts CRLF line ends and surrounding blank lines', () => {
    const pem = `\r\n${SIGNERS.p256.publicPem.replace(/\n/g, '\r\n')}\r\n`;
    assert.equal(parseCosignPublicKey(pem).ok, true);
  });

  it('refuses what is not one PEM PUBLIC KEY block', () => {
    const pem = SIGNERS.p256.publicPem;
    const privatePem = SIGNERS.p256.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const body = pem.split('\n')[1] ?? '';
    for (const text of ['', 'not a key', privatePem, pem + pem, pem.replace(body, `${body.slice(0, -4)}!!!!`), pem.replace(body, body.slice(0, -1))]) {
      const parsed = parseCosignPublicKey(text);
      assert.equal(parsed.ok ? 'parsed' : parsed.error.code, 'MALFORMED_KEY', text);
    }
  });

  it('refuses a PEM block whose DER is not a SubjectPublicKeyInfo', () => {
    const parsed = parseCosignPublicKey(`-----BEGIN PUBLIC KEY-----\n${Buffer.from('not DER at all').toString('base64')}\n-----END PUBLIC KEY-----\n`);
    assert.equal(parsed.ok ? 'parsed' : parsed.error.code, 'MALFORMED_KEY');
  });

  it('refuses other curves, short RSA keys and other key types', () => {
    const pems = [
      pemOf(generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey),
      pemOf(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey),
      pemOf(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey),
      pemOf(generateKeyPairSync('x25519').publicKey),
      pemOf(generateKeyPairSync('ed448').publicKey),
    ];
    for (const pem of pems) {
      const parsed = parseCosignPublicKey(pem);
      assert.equal(parsed.ok ? 'parsed' : parsed.error.code, 'UNSUPPORTED_KEY');
    }
  });
});

function createPublicKeyDer(by: Signer): Buffer {
  const body = by.publicPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  return Buffer.from(body, 'base64');
}

describe('verifySimpleSigning: valid signatures verify', () => {
  for (const [kind, by] of Object.entries(SIGNERS)) {
    it(`${kind}: returns the key and the payload's identity`, () => {
      const result = verifySimpleSigning(inputFor(by, payloadOf()));
      assert.ok(result.ok, JSON.stringify(result));
      assert.deepEqual(result.value, { keyFingerprint: keyOf(by).fingerprint, keyType: keyOf(by).type, dockerReference: REFERENCE, annotations: null });
    });
  }

  it('returns the optional annotations; an absent `optional` is null', () => {
    const annotated = verifySimpleSigning(inputFor(SIGNERS.p256, payloadOf({ optional: { team: 'web', build: 42 } })));
    assert.ok(annotated.ok);
    assert.deepEqual(annotated.value.annotations, { team: 'web', build: 42 });
    const absent = verifySimpleSigning(inputFor(SIGNERS.p256, payloadOf({ optional: undefined })));
    assert.ok(absent.ok);
    assert.equal(absent.value.annotations, null);
  });

  it('a P-384 key signs SHA-256 by default; SHA-384 only when the caller says so', () => {
    const payload = payloadOf();
    const sha384 = signB64(SIGNERS.p384, payload, 'sha384');
    const key = keyOf(SIGNERS.p384);
    assert.equal(verifySimpleSigning({ payload, signatureBase64: sha384, key, expectedDigest: DIGEST, digestAlgorithm: 'sha384' }).ok, true);
    assert.equal(failureCode({ payload, signatureBase64: sha384, key, expectedDigest: DIGEST }), 'BAD_SIGNATURE');
  });

  it('accepts a payload of exactly the size bound and refuses one byte more', () => {
    const compact = payloadOf();
    const padded = Buffer.concat([compact, Buffer.alloc(MAX_PAYLOAD_BYTES - compact.length, ' ')]);
    assert.equal(verifySimpleSigning(inputFor(SIGNERS.p256, padded)).ok, true);
    assert.equal(failureCode(inputFor(SIGNERS.p256, Buffer.concat([padded, Buffer.from(' ')]))), 'PAYLOAD_TOO_LARGE');
  });
});

describe('verifySimpleSigning: mutations never verify', () => {
  it('any one payload byte changed', () => {
    const payload = payloadOf();
    const good = inputFor(SIGNERS.p256, payload);
    for (let index = 0; index < payload.length; index += 1) {
      const mutated = Buffer.from(payload);
      mutated[index] = (mutated[index] ?? 0) ^ 0x01;
      assert.equal(failureCode({ ...good, payload: mutated }), 'BAD_SIGNATURE', `byte ${index}`);
    }
  });

  it('a valid signature over the payload of another image', () => {
    for (const by of Object.values(SIGNERS)) {
      assert.equal(failureCode(inputFor(by, payloadOf({ digest: OTHER_DIGEST }))), 'DIGEST_MISMATCH');
    }
  });

  it('a valid signature over a payload of another type', () => {
    for (const type of ['cosign container image signature ', 'Cosign Container Image Signature', 'atomic container signature', undefined, 7]) {
      assert.equal(failureCode(inputFor(SIGNERS.p256, payloadOf({ type }))), 'WRONG_TYPE', String(type));
    }
  });

  it('a signature by another key, of each type', () => {
    const payload = payloadOf();
    for (const [kind, by] of Object.entries(SIGNERS)) {
      const stranger = signer(kind as 'p256');
      assert.equal(failureCode({ ...inputFor(by, payload), signatureBase64: signB64(stranger, payload) }), 'BAD_SIGNATURE', kind);
    }
  });

  it('a signature by a key of another type', () => {
    const payload = payloadOf();
    assert.equal(failureCode({ ...inputFor(SIGNERS.p256, payload), signatureBase64: signB64(SIGNERS.rsa, payload) }), 'BAD_SIGNATURE');
    assert.equal(failureCode({ ...inputFor(SIGNERS.ed25519, payload), signatureBase64: signB64(SIGNERS.p256, payload) }), 'BAD_SIGNATURE');
  });

  it('a truncated or re-encoded signature that is still base64', () => {
    for (const by of Object.values(SIGNERS)) {
      const good = inputFor(by, payloadOf());
      const bytes = Buffer.from(good.signatureBase64, 'base64');
      for (const signature of [bytes.subarray(0, bytes.length - 3), bytes.subarray(3), Buffer.concat([bytes, Buffer.from([0, 0, 0])]), Buffer.from([0x30, 0x00])]) {
        assert.equal(failureCode({ ...good, signatureBase64: signature.toString('base64') }), 'BAD_SIGNATURE');
      }
    }
  });

  it('a signature that is not canonical base64 of a plausible length', () => {
    const good = inputFor(SIGNERS.p256, payloadOf());
    const signature = good.signatureBase64;
    const garbled = [
      '',
      signature.slice(0, -1),
      `${signature}=`,
      'QQ',
      `${signature.slice(0, 10)}\n${signature.slice(10)}`,
      ` ${signature}`,
      `${signature.slice(0, -4)}ab-_`,
      `${signature.slice(0, -4)}!!!!`,
      'QR==',
      'A'.repeat(4096),
    ];
    for (const signatureBase64 of garbled) {
      assert.equal(failureCode({ ...good, signatureBase64 }), 'MALFORMED_SIGNATURE', JSON.stringify(signatureBase64));
    }
  });

  it('a payload over the size bound, before any signature check', () => {
    const payload = Buffer.alloc(MAX_PAYLOAD_BYTES + 1, ' ');
    assert.equal(failureCode(inputFor(SIGNERS.p256, payload)), 'PAYLOAD_TOO_LARGE');
  });

  it('validly signed payloads that are not a simple-signing document', () => {
    const document = (critical: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ critical, optional: null, ...extra });
    const identity = { 'docker-reference': REFERENCE };
    const image = { 'docker-manifest-digest': DIGEST };
    const cases: (string | Buffer)[] = [
      'not json',
      Buffer.from([0x7b, 0xff, 0x7d]),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), payloadOf()]),
      '[]',
      'null',
      '"critical"',
      JSON.stringify({ optional: null }),
      document('critical'),
      document([identity, image]),
      document({ identity, image, type: COSIGN_SIGNATURE_TYPE }, { Critical: { identity, image: { 'docker-manifest-digest': OTHER_DIGEST }, type: COSIGN_SIGNATURE_TYPE } }),
      document({ identity, image, type: COSIGN_SIGNATURE_TYPE }, { OPTIONAL: {} }),
      document({ image, type: COSIGN_SIGNATURE_TYPE }),
      document({ identity: { 'docker-reference': 5 }, image, type: COSIGN_SIGNATURE_TYPE }),
      document({ identity: { 'Docker-Reference': 'x', 'docker-reference': REFERENCE }, image, type: COSIGN_SIGNATURE_TYPE }),
      document({ identity, image, type: COSIGN_SIGNATURE_TYPE, Type: 'other' }),
      document({ identity, type: COSIGN_SIGNATURE_TYPE }),
      document({ identity, image: 'image', type: COSIGN_SIGNATURE_TYPE }),
      document({ identity, image: { 'docker-manifest-digest': DIGEST, 'Docker-Manifest-Digest': OTHER_DIGEST }, type: COSIGN_SIGNATURE_TYPE }),
      // Go's encoding/json folds the long s (U+017F) and the Kelvin sign (U+212A) into s and k when it matches field names.
      document({ identity, image: { 'docker-manifest-digest': DIGEST, 'docker-manife\u017ft-digest': OTHER_DIGEST }, type: COSIGN_SIGNATURE_TYPE }),
      document({ identity: { 'docker-reference': REFERENCE, 'doc\u212aer-reference': 'x' }, image, type: COSIGN_SIGNATURE_TYPE }),
      document({ identity, image: { 'docker-manifest-digest': DIGEST.toUpperCase().replace('SHA256', 'sha256') }, type: COSIGN_SIGNATURE_TYPE }),
      document({ identity, image: { 'docker-manifest-digest': `sha512:${'a1'.repeat(64)}` }, type: COSIGN_SIGNATURE_TYPE }),
      document({ identity, image: { 'docker-manifest-digest': 42 }, type: COSIGN_SIGNATURE_TYPE }),
      document({ identity, image, type: COSIGN_SIGNATURE_TYPE }, { optional: 'annotations' }),
      document({ identity, image, type: COSIGN_SIGNATURE_TYPE }, { optional: ['a'] }),
    ];
    for (const text of cases) {
      assert.equal(failureCode(inputFor(SIGNERS.p256, Buffer.from(text))), 'MALFORMED_PAYLOAD', String(text));
    }
  });
});

describe('verifySimpleSigning: programming errors', () => {
  it('throws on an expected digest that is not sha256:<64 lower-case hex>', () => {
    for (const expectedDigest of ['', DIGEST.toUpperCase(), DIGEST.slice(7), `${DIGEST}0`]) {
      assert.throws(() => verifySimpleSigning(inputFor(SIGNERS.p256, payloadOf(), { expectedDigest })), TypeError);
    }
  });
});

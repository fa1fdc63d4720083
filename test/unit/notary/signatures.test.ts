/**
 * Signature checks (src/notary/core/signatures.ts): each method against each
 * key family, and the threshold count. Signing keys from node:crypto and the
 * test support signers; no collection around them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';

import { importKey, type TufKey } from '../../../src/notary/core/keys.js';
import { checkThreshold, verifySignature } from '../../../src/notary/core/signatures.js';
import { oid, OIDS, seq, spki } from '../../support/der-builder.js';
import { rsaKey } from '../../support/key-encodings.js';
import { ecdsaKey, ed25519Key, type SigningKey } from '../../support/trust-factory.js';

const MESSAGE = Buffer.from('{"_type":"Targets","version":1}');
const OTHER_MESSAGE = Buffer.from('{"_type":"Targets","version":2}');

async function signed(key: SigningKey, message = MESSAGE): Promise<{ key: TufKey; method: string; sig: Buffer }> {
  const { method, sig } = await key.sign(message);
  return { key: importKey(key.keytype, key.publicB64), method, sig: Buffer.from(sig, 'base64') };
}

/** A 2048-bit RSA key (keytype `rsa`) signing with PKCS #1 v1.5, method `rsapkcs1v15`. */
const rsaPkcs1Key = (): SigningKey => rsaKey({ method: 'rsapkcs1v15' });

describe('verifySignature', () => {
  it('verifies each Notary method with its own key family, over the exact message', async () => {
    for (const make of [ecdsaKey, ed25519Key, () => rsaKey(), rsaPkcs1Key]) {
      const { key, method, sig } = await signed(await make());
      assert.equal(verifySignature(method, key, MESSAGE, sig), true, method);
      assert.equal(verifySignature(method, key, OTHER_MESSAGE, sig), false, method);
    }
  });

  it('tells RSASSA-PSS and PKCS #1 v1.5 apart', async () => {
    const pss = await signed(rsaKey());
    const pkcs1 = await signed(rsaPkcs1Key());
    assert.equal(verifySignature('rsapkcs1v15', pss.key, MESSAGE, pss.sig), false);
    assert.equal(verifySignature('rsapss', pkcs1.key, MESSAGE, pkcs1.sig), false);
  });

  it('never verifies a method with a key of another family', async () => {
    const ec = await signed(ecdsaKey());
    const ed = await signed(await ed25519Key());
    const rsa = await signed(rsaKey());
    for (const method of ['rsapss', 'rsapkcs1v15', 'eddsa']) {
      assert.equal(verifySignature(method, ec.key, MESSAGE, ec.sig), false, `${method} with ecdsa`);
    }
    for (const method of ['rsapss', 'rsapkcs1v15', 'ecdsa']) {
      assert.equal(verifySignature(method, ed.key, MESSAGE, ed.sig), false, `${method} with ed25519`);
    }
    for (const method of ['ecdsa', 'eddsa']) {
      assert.equal(verifySignature(method, rsa.key, MESSAGE, rsa.sig), false, `${method} with rsa`);
    }
  });

  it('never verifies an unknown method, nor PyCrypto PSS (which Notary cannot verify either)', async () => {
    const rsa = await signed(rsaKey());
    for (const method of ['pycrypto-pkcs#1 pss', 'RSAPSS', 'rsa', '', 'ecdsa-sha256']) {
      assert.equal(verifySignature(method, rsa.key, MESSAGE, rsa.sig), false, method);
    }
  });

  it('refuses ECDSA signatures of any length but the raw r||s of the curve, and Ed25519 signatures not 64 bytes', async () => {
    const ec = await signed(ecdsaKey());
    assert.equal(ec.sig.length, 64);
    assert.equal(verifySignature('ecdsa', ec.key, MESSAGE, ec.sig.subarray(1)), false);
    assert.equal(verifySignature('ecdsa', ec.key, MESSAGE, Buffer.concat([ec.sig, Buffer.from([0])])), false);
    const ed = await signed(await ed25519Key());
    assert.equal(verifySignature('eddsa', ed.key, MESSAGE, ed.sig.subarray(0, 63)), false);
  });

  it('never verifies with an unusable key, or one whose point is not on the curve', async () => {
    const ec = await signed(ecdsaKey());
    const unusable = importKey('ecdsa', 'AAA');
    assert.equal(verifySignature('ecdsa', unusable, MESSAGE, ec.sig), false);
    const offCurve = importKey('ecdsa', spki(seq(oid(OIDS.ecPublicKey), oid(OIDS.p256)), Buffer.concat([Buffer.from([0x04]), Buffer.alloc(64, 0x22)])).toString('base64'));
    assert.equal(offCurve.problem, undefined);
    assert.equal(verifySignature('ecdsa', offCurve, MESSAGE, ec.sig), false);
  });
});

describe('checkThreshold', () => {
  const entry = (keyid: string, signature: { method: string; sig: Buffer }): { keyid: string; method: string; sig: Buffer } => ({ keyid, method: signature.method, sig: signature.sig });

  it('counts valid signatures by listed keys, ignoring signatures by keys the role does not list', async () => {
    const a = await signed(ecdsaKey());
    const b = await signed(await ed25519Key());
    const stranger = await signed(ecdsaKey());
    const keys = new Map([
      [a.key.id, a.key],
      [b.key.id, b.key],
      [stranger.key.id, stranger.key],
    ]);
    const role = { keyids: [a.key.id, b.key.id], threshold: 2 };

    const met = checkThreshold(role, keys, MESSAGE, [entry(stranger.key.id, stranger), entry(a.key.id, a), entry(b.key.id, b)]);
    assert.ok(met.ok);
    assert.deepEqual(
      met.value.map((key) => key.id),
      [a.key.id, b.key.id]
    );

    const short = checkThreshold(role, keys, MESSAGE, [entry(stranger.key.id, stranger), entry(a.key.id, a)]);
    assert.ok(!short.ok);
    assert.equal(short.error.code, 'THRESHOLD_NOT_MET');
    assert.equal(short.error.detail, '1 valid signature(s) from distinct keys, threshold 2 (2 signature(s), 1 by listed keys)');
  });

  it('skips a listed key id that the key map lacks (a root key refused for its certificate)', async () => {
    const a = await signed(ecdsaKey());
    const result = checkThreshold({ keyids: [a.key.id], threshold: 1 }, new Map(), MESSAGE, [entry(a.key.id, a)]);
    assert.ok(!result.ok);
    assert.equal(result.error.detail, '0 valid signature(s) from distinct keys, threshold 1 (1 signature(s), 0 by listed keys)');
  });

  it('refuses a key listed under an id that is not its own (notary ErrInvalidKeyID)', async () => {
    const a = await signed(ecdsaKey());
    const foreignId = createHash('sha256').update('another key').digest('hex');
    const result = checkThreshold({ keyids: [foreignId], threshold: 1 }, new Map([[foreignId, a.key]]), MESSAGE, [entry(foreignId, a)]);
    assert.ok(!result.ok);
    assert.equal(result.error.code, 'KEY_ID_MISMATCH');
    assert.equal(result.error.detail, `key listed as ${foreignId} has id ${a.key.id}`);
  });

  it('tries every signature under a key id: a bad one first does not hide a good one, and a key counts once', async () => {
    const a = await signed(ecdsaKey());
    const bad = { method: a.method, sig: Buffer.alloc(64, 1) };
    const keys = new Map([[a.key.id, a.key]]);
    const once = checkThreshold({ keyids: [a.key.id], threshold: 1 }, keys, MESSAGE, [entry(a.key.id, bad), entry(a.key.id, a), entry(a.key.id, a)]);
    assert.ok(once.ok);
    assert.equal(once.value.length, 1);
    const twice = checkThreshold({ keyids: [a.key.id], threshold: 2 }, keys, MESSAGE, [entry(a.key.id, a), entry(a.key.id, a)]);
    assert.ok(!twice.ok);
    assert.equal(twice.error.code, 'THRESHOLD_NOT_MET');
  });
});

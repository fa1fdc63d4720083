/**
 * Signature checks as notary `tuf/signed/verify.go` VerifySignatures and
 * `tuf/signed/verifiers.go` do them, with one deliberate difference: the
 * threshold counts distinct public keys, not key ids (go-tuf GHSA-3633-5h82-39pq).
 */
import { constants, verify, type KeyObject } from 'node:crypto';

import { err, ok, type Result } from '../../lib/result.js';
import type { TufKey } from './keys.js';
import type { RoleKeys, SignatureEntry } from './model.js';

/** Every Notary method hashes the canonical bytes with SHA-256 (Ed25519 hashes internally). */
export function verifySignature(method: string, key: TufKey, message: Uint8Array, signature: Uint8Array): boolean {
  if (key.fingerprint === undefined) {
    return false;
  }
  // No try/catch (it could never be reached): the gates below pair every method with its
  // key family (usableSpki in keys.ts ties the key type to the SPKI algorithm), and for a
  // key of the right family node:crypto's one-shot verify reports a failed check as false,
  // not as an exception. Checked by hand on Node 20: RSA moduli of 2,048 to 524,288 bits,
  // even moduli, exponents from 1 to longer than the modulus, empty, short, long and
  // over-modulus signatures; ECDSA r or s zero or all ones. Were it ever to throw, the
  // collection fails with an error (scan: `error`), so nothing is newly accepted.
  switch (method) {
    case 'ecdsa':
      return (
        (key.keytype === 'ecdsa' || key.keytype === 'ecdsa-x509') &&
        signature.length === key.ecdsaSignatureLength &&
        withKey(key, (publicKey) => verify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature))
      );
    case 'eddsa':
      return key.keytype === 'ed25519' && signature.length === 64 && withKey(key, (publicKey) => verify(null, message, publicKey, signature));
    case 'rsapss':
      return isRsa(key) && withKey(key, (publicKey) => verify('sha256', message, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature));
    case 'rsapkcs1v15':
      return isRsa(key) && withKey(key, (publicKey) => verify('sha256', message, { key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature));
    default:
      // Unknown methods (and "pycrypto-pkcs#1 pss", which Notary itself cannot verify) never count.
      return false;
  }
}

function isRsa(key: TufKey): boolean {
  return key.keytype === 'rsa' || key.keytype === 'rsa-x509';
}

/** Imports the key only once a cheap check has passed (length, type). */
function withKey(key: TufKey, check: (publicKey: KeyObject) => boolean): boolean {
  const publicKey = key.publicKey;
  return publicKey !== undefined && check(publicKey);
}

export interface ThresholdFailure {
  readonly code: 'THRESHOLD_NOT_MET' | 'KEY_ID_MISMATCH';
  readonly detail: string;
}

/**
 * Counts valid signatures over `message` by the role's keys. A signature by a
 * key the role does not list is ignored; a listed key whose computed id differs
 * from the id it is listed under is a hard error (notary ErrInvalidKeyID).
 * Every signature is tried, as notary VerifySignatures does: a bad signature
 * placed before a good one under the same key id must not hide it. The work
 * stays bounded by the file's signature count (MAX_SIGNATURES, metadata-parts.ts), and a
 * key that has verified once is not tried again.
 *
 * Returns the keys that signed (one entry per key id); the threshold is met by
 * distinct public keys (their fingerprints), never by key ids.
 */
export function checkThreshold(role: RoleKeys, keys: ReadonlyMap<string, TufKey>, message: Uint8Array, signatures: readonly SignatureEntry[]): Result<readonly TufKey[], ThresholdFailure> {
  const signedBy = new Map<string, TufKey>();
  let considered = 0;
  for (const signature of signatures) {
    if (!role.keyids.includes(signature.keyid) || signedBy.has(signature.keyid)) {
      continue;
    }
    const key = keys.get(signature.keyid);
    if (key === undefined) {
      continue;
    }
    if (key.id !== signature.keyid) {
      return err({
        code: 'KEY_ID_MISMATCH',
        detail: `key listed as ${signature.keyid} has id ${key.id}`,
      });
    }
    considered++;
    if (verifySignature(signature.method, key, message, signature.sig)) {
      signedBy.set(signature.keyid, key);
    }
  }
  const distinctKeys = new Set([...signedBy.values()].map((key) => key.fingerprint)).size;
  if (distinctKeys < role.threshold) {
    return err({
      code: 'THRESHOLD_NOT_MET',
      detail: `${distinctKeys} valid signature(s) from distinct keys, threshold ${role.threshold}` + ` (${signatures.length} signature(s), ${considered} by listed keys)`,
    });
  }
  return ok([...signedBy.values()]);
}

/**
 * A cosign policy's verifiers, built once from the files the configuration
 * names (contract v1.2 `signatures.policies.<name>.cosign`): the PEM public
 * keys, read and parsed when the command starts, so that a key that cannot
 * be used is a configuration error naming its key, never a scan of tags all
 * reported `untrusted`.
 */
import { createHash } from 'node:crypto';

import { UsageError } from '../lib/errors.js';
import { parseCosignPublicKey, verifySimpleSigning, type CosignPublicKey } from './core/simple-signing.js';
import type { SigLayer } from './core/sig-manifest.js';

export interface CosignCheck {
  readonly status: 'verified' | 'invalid' | 'untrusted' | 'expired';
  readonly code: string | null;
  readonly detail: string;
  readonly signer: string | null;
  readonly certificateNotAfter: string | null;
}

export interface CosignPolicyFiles {
  readonly keys: readonly string[];
}

export interface CosignVerifiers {
  /** Hash of everything the policy trusts: stored checks are reused only under the same one. */
  readonly fingerprint: string;
  verifySigLayer(layer: SigLayer, blob: Uint8Array, digest: string): CosignCheck;
  verifyBundle(bundle: Uint8Array, digest: string): CosignCheck;
}

/** Reads and parses the policy's keys; throws UsageError naming the key and the file. */
export function loadCosignVerifiers(policy: CosignPolicyFiles, where: string, readFile: (path: string) => string): CosignVerifiers {
  const keys: CosignPublicKey[] = policy.keys.map((path, index) => {
    let pem: string;
    try {
      pem = readFile(path);
    } catch (error) {
      throw new UsageError(`${where}.keys[${index}]: cannot read ${path}: ${(error as Error).message}`);
    }
    const parsed = parseCosignPublicKey(pem);
    if (!parsed.ok) {
      throw new UsageError(`${where}.keys[${index}]: ${path} is not a usable cosign public key (${parsed.error.code}: ${parsed.error.detail})`);
    }
    return parsed.value;
  });
  const fingerprint = createHash('sha256')
    .update(keys.map((key) => key.fingerprint).join(','))
    .digest('hex');
  return {
    fingerprint,
    verifySigLayer: (layer, blob, digest) => verifyWithKeys(layer, blob, digest, keys),
    verifyBundle: () => ({ status: 'untrusted', code: 'UNSUPPORTED', detail: 'Sigstore bundles are not verified by this build', signer: null, certificateNotAfter: null }),
  };
}

/** A key-signed `.sig` layer: verified by one of the keys, else why not. */
function verifyWithKeys(layer: SigLayer, blob: Uint8Array, digest: string, keys: readonly CosignPublicKey[]): CosignCheck {
  if (layer.certificatePem !== undefined) {
    return {
      status: 'untrusted',
      code: 'KEYLESS_UNSUPPORTED',
      detail: 'a keyless (certificate) signature; this build verifies key signatures only',
      signer: null,
      certificateNotAfter: null,
    };
  }
  for (const key of keys) {
    const result = verifySimpleSigning({ payload: blob, signatureBase64: layer.signatureBase64, key, expectedDigest: digest });
    if (result.ok) {
      return { status: 'verified', code: null, detail: `signed by key ${key.fingerprint}`, signer: `key sha256:${key.fingerprint}`, certificateNotAfter: null };
    }
    if (result.error.code !== 'BAD_SIGNATURE') {
      // The key verified the signature (or the layer is malformed): what it says is wrong.
      return { status: 'invalid', code: result.error.code, detail: result.error.detail, signer: `key sha256:${key.fingerprint}`, certificateNotAfter: null };
    }
  }
  return {
    status: 'untrusted',
    code: 'NO_MATCHING_KEY',
    detail: `no configured key (${keys.length}) verifies the signature of layer ${layer.digest}`,
    signer: null,
    certificateNotAfter: null,
  };
}

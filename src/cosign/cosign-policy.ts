/**
 * A cosign policy's verifiers, built once from the files the configuration
 * names (contract v1.2 `signatures.policies.<name>.cosign`): the PEM public
 * keys, the keyless identities (compiled, anchored) and the Sigstore trusted
 * root, read and parsed when the command starts, so that a file that cannot be
 * used is a configuration error naming its key, never a scan of tags all
 * reported `untrusted`. The trusted root is never fetched (contract v1.2).
 */
import { createHash } from 'node:crypto';

import { UsageError } from '../lib/errors.js';
import { compileIdentity, type IdentityMatcher, type IdentitySpec } from './core/identity.js';
import type { SigLayer } from './core/sig-manifest.js';
import { parseCosignPublicKey, type CosignPublicKey } from './core/simple-signing.js';
import { parseTrustedRoot, type TrustedRootMaterial } from './core/trusted-root.js';
import { verifyBundle, verifySigLayer, type CosignPolicy, type SignatureCheck } from './core/verify-cosign.js';

export interface CosignPolicyFiles {
  readonly keys: readonly string[];
  readonly identities: readonly { readonly issuer: string; readonly subject?: string | undefined; readonly subjectRegExp?: string | undefined }[];
  readonly trustedRoot: string | undefined;
  readonly requireTlog: boolean;
}

export interface CosignVerifiers {
  /** Hash of everything the policy trusts: stored checks are reused only under the same one. */
  readonly fingerprint: string;
  verifySigLayer(layer: SigLayer, blob: Uint8Array, digest: string): SignatureCheck;
  verifyBundle(bundle: Uint8Array, digest: string): SignatureCheck;
}

/** Reads and parses the policy's files; throws UsageError naming the key and the file. */
export function loadCosignVerifiers(files: CosignPolicyFiles, where: string, readFile: (path: string) => Buffer): CosignVerifiers {
  const read = (path: string, key: string): Buffer => {
    try {
      return readFile(path);
    } catch (error) {
      throw new UsageError(`${key}: cannot read ${path}: ${(error as Error).message}`);
    }
  };
  const keys: CosignPublicKey[] = files.keys.map((path, index) => {
    const parsed = parseCosignPublicKey(read(path, `${where}.keys[${index}]`).toString('utf8'));
    if (!parsed.ok) {
      throw new UsageError(`${where}.keys[${index}]: ${path} is not a usable cosign public key (${parsed.error.code}: ${parsed.error.detail})`);
    }
    return parsed.value;
  });
  const identities: IdentityMatcher[] = files.identities.map((identity, index) => {
    const spec: IdentitySpec =
      identity.subjectRegExp === undefined ? { issuer: identity.issuer, subject: identity.subject ?? '' } : { issuer: identity.issuer, subjectRegExp: identity.subjectRegExp };
    const compiled = compileIdentity(spec);
    if (!compiled.ok) {
      throw new UsageError(`${where}.identities[${index}]: ${compiled.error.code}: ${compiled.error.detail}`);
    }
    return compiled.value;
  });
  let trustedRoot: TrustedRootMaterial | undefined;
  let rootHash = '-';
  if (files.trustedRoot !== undefined) {
    const bytes = read(files.trustedRoot, `${where}.trustedRoot`);
    const parsed = parseTrustedRoot(bytes);
    if (!parsed.ok) {
      throw new UsageError(`${where}.trustedRoot: ${files.trustedRoot} is not a usable Sigstore trusted root (${parsed.error.code}: ${parsed.error.detail})`);
    }
    trustedRoot = parsed.value;
    rootHash = createHash('sha256').update(bytes).digest('hex');
  }
  const policy: CosignPolicy = { keys, identities, trustedRoot, requireTlog: files.requireTlog };
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([keys.map((key) => key.fingerprint), files.identities, rootHash, files.requireTlog]))
    .digest('hex');
  return {
    fingerprint,
    verifySigLayer: (layer, blob, digest) => verifySigLayer(layer, blob, digest, policy),
    verifyBundle: (bundle, digest) => verifyBundle(bundle, digest, policy),
  };
}

/**
 * Reads the Sigstore trusted root the operator configures (a
 * `trusted_root.json`: Fulcio CAs, Rekor and CT log keys, timestamp
 * authorities) into the trust material `@sigstore/verify` checks bundles
 * against (docs/signature-systems.md §3).
 *
 * Pure (docs/house-style.md rule 1): bytes in, a value out. The trusted root
 * is never fetched: sigstore-js's own `sigstore` client would fetch it through
 * TUF, which is why only `@sigstore/verify` and its three companions are used.
 * Parsed once, when the policy is read; the material is reused for every
 * signature.
 */
import { toTrustMaterial, type TrustMaterial } from '@sigstore/verify';
import { TrustedRoot } from '@sigstore/protobuf-specs';

import { err, ok, type Result } from '../../lib/result.js';
import type { Failure } from './simple-signing.js';

/** Why a trusted root cannot be used; a closed list (docs/house-style.md rule 2). */
export const TRUSTED_ROOT_FAILURE_CODES = ['TRUSTED_ROOT_TOO_LARGE', 'MALFORMED_TRUSTED_ROOT', 'UNSUPPORTED_TRUSTED_ROOT', 'EMPTY_TRUSTED_ROOT'] as const;
export type TrustedRootFailureCode = (typeof TRUSTED_ROOT_FAILURE_CODES)[number];

/**
 * Bound on the file (docs/house-style.md rule 6). The public-good root with
 * every historical key is about 10 KiB; a private deployment's is smaller.
 */
export const MAX_TRUSTED_ROOT_BYTES = 1024 * 1024;

/**
 * The media types protobuf-specs has given the trusted root (0.1 and the
 * unversioned name of sigstore-js's own test roots); anything else is a
 * format this version does not know, refused rather than half-read.
 */
const TRUSTED_ROOT_MEDIA_TYPES: readonly string[] = ['application/vnd.dev.sigstore.trustedroot+json;version=0.1', 'application/vnd.dev.sigstore.trustedroot.v0.2+json'];

const LIST_FIELDS = ['certificateAuthorities', 'tlogs', 'ctlogs', 'timestampAuthorities'] as const;

/** A parsed trusted root: the material every keyless verification shares. */
export interface TrustedRootMaterial {
  /** Everything but the key finder, which each verification sets (a key-based bundle finds the policy's keys). */
  readonly trustMaterial: Omit<TrustMaterial, 'publicKey'>;
  /** How many Fulcio CAs, Rekor logs, CT logs and timestamp authorities it holds: for the startup log. */
  readonly counts: { readonly certificateAuthorities: number; readonly tlogs: number; readonly ctlogs: number; readonly timestampAuthorities: number };
}

/** Parses a `trusted_root.json`; every certificate and key in it is decoded now, not at the first signature. */
export function parseTrustedRoot(bytes: Uint8Array): Result<TrustedRootMaterial, Failure<TrustedRootFailureCode>> {
  if (bytes.byteLength > MAX_TRUSTED_ROOT_BYTES) return err({ code: 'TRUSTED_ROOT_TOO_LARGE', detail: `${bytes.byteLength} bytes (at most ${MAX_TRUSTED_ROOT_BYTES})` });
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch {
    return err({ code: 'MALFORMED_TRUSTED_ROOT', detail: 'not UTF-8 JSON' });
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return err({ code: 'MALFORMED_TRUSTED_ROOT', detail: 'not a JSON object' });
  const mediaType = (document as Record<string, unknown>).mediaType;
  if (typeof mediaType !== 'string' || !TRUSTED_ROOT_MEDIA_TYPES.includes(mediaType)) return err({ code: 'UNSUPPORTED_TRUSTED_ROOT', detail: `mediaType ${JSON.stringify(mediaType)}` });
  // fromJSON turns a list of the wrong type into an empty one; refused here instead, so a typo never empties a root.
  const wrongList = LIST_FIELDS.find((field) => field in document && !Array.isArray((document as Record<string, unknown>)[field]));
  if (wrongList !== undefined) return err({ code: 'MALFORMED_TRUSTED_ROOT', detail: `${wrongList} is not a list` });
  let trustMaterial: TrustMaterial;
  try {
    // fromJSON is lenient (missing lists become empty); toTrustMaterial decodes every certificate and key and throws on a bad one.
    trustMaterial = toTrustMaterial(TrustedRoot.fromJSON(document));
  } catch (error) {
    return err({ code: 'MALFORMED_TRUSTED_ROOT', detail: `a certificate or key does not decode: ${(error as Error).message}` });
  }
  const { certificateAuthorities, tlogs, ctlogs, timestampAuthorities } = trustMaterial;
  if (certificateAuthorities.length + tlogs.length + timestampAuthorities.length === 0)
    return err({ code: 'EMPTY_TRUSTED_ROOT', detail: 'no certificate authority, transparency log or timestamp authority' });
  return ok({
    trustMaterial: { certificateAuthorities, tlogs, ctlogs, timestampAuthorities },
    counts: { certificateAuthorities: certificateAuthorities.length, tlogs: tlogs.length, ctlogs: ctlogs.length, timestampAuthorities: timestampAuthorities.length },
  });
}

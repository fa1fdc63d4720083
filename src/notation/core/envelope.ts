/**
 * What the JWS and COSE readers (./jws.ts, ./cose.ts) hand the verifier: the
 * signed headers already checked for shape, the exact bytes the signature
 * covers, and the certificate chain as DER.
 * The headers follow the Notary Project signature specification
 * (docs/signature-systems.md §4).
 */
import type { Failure, NotationFailureCode } from './codes.js';

export type NotationAlgorithm = 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512';
export type SigningScheme = 'notary.x509' | 'notary.x509.signingAuthority';

export interface ParsedEnvelope {
  readonly algorithm: NotationAlgorithm;
  readonly signingScheme: SigningScheme;
  /** `io.cncf.notary.signingTime` (notary.x509) or `io.cncf.notary.authenticSigningTime` (signingAuthority). */
  readonly signingTime: Date;
  readonly expiry: Date | null;
  /** The payload bytes as signed. */
  readonly payload: Uint8Array;
  /** The exact bytes the signature covers. */
  readonly signingInput: Uint8Array;
  readonly signature: Uint8Array;
  /** Leaf first, as x5c and x5chain order them. */
  readonly certificates: readonly Uint8Array[];
  /**
   * The unsigned `io.cncf.notary.timestampSignature`: an RFC 3161
   * TimeStampToken (DER) over the signature bytes, or null without one. Read
   * and judged by ./timestamp.ts.
   */
  readonly timestampToken: Uint8Array | null;
}

export type EnvelopeFailure = Failure<Extract<NotationFailureCode, 'MALFORMED_ENVELOPE' | 'UNKNOWN_CRITICAL_HEADER' | 'UNSUPPORTED_ALGORITHM'>>;

export const PAYLOAD_CONTENT_TYPE = 'application/vnd.cncf.notary.payload.v1+json';
export const HEADER_SIGNING_SCHEME = 'io.cncf.notary.signingScheme';
export const HEADER_SIGNING_TIME = 'io.cncf.notary.signingTime';
export const HEADER_AUTHENTIC_SIGNING_TIME = 'io.cncf.notary.authenticSigningTime';
export const HEADER_EXPIRY = 'io.cncf.notary.expiry';
/** An unsigned header in both formats (JWS `header`, COSE unprotected map). */
export const HEADER_TIMESTAMP_SIGNATURE = 'io.cncf.notary.timestampSignature';
/**
 * The Notation headers a `crit` list may name. Plugin headers
 * (`io.cncf.notary.verificationPlugin`, `…MinVersion`) and extended
 * attributes are not among them: this verifier runs no plugin, so a
 * signature that demands one fails closed, as notation does without it.
 */
export const UNDERSTOOD_CRITICAL_HEADERS: ReadonlySet<string> = new Set([HEADER_SIGNING_SCHEME, HEADER_AUTHENTIC_SIGNING_TIME, HEADER_EXPIRY]);
/** Bound on the certificate chain (docs/house-style.md rule 6); real chains hold two to four. */
export const MAX_CHAIN_LENGTH = 10;

interface SignedHeaders {
  readonly signingScheme: unknown;
  readonly signingTime: Date | null | 'malformed';
  readonly authenticSigningTime: Date | null | 'malformed';
  readonly expiry: Date | null | 'malformed';
  readonly critical: readonly unknown[];
}

/**
 * The rules both envelope formats share (notation-core-go's signature
 * package): the scheme decides which time header is required and which is
 * forbidden, `crit` names only understood headers and always the scheme,
 * the expiry and the authentic signing time when present.
 */
export function checkSignedHeaders(headers: SignedHeaders): HeaderCheck {
  const { signingScheme, critical } = headers;
  for (const label of critical) {
    if (typeof label !== 'string' || !UNDERSTOOD_CRITICAL_HEADERS.has(label)) return { code: 'UNKNOWN_CRITICAL_HEADER', detail: `crit names ${JSON.stringify(label)}` };
  }
  if (new Set(critical).size !== critical.length) return { code: 'MALFORMED_ENVELOPE', detail: 'crit repeats a header' };
  if (signingScheme !== 'notary.x509' && signingScheme !== 'notary.x509.signingAuthority') return { code: 'MALFORMED_ENVELOPE', detail: `signing scheme ${JSON.stringify(signingScheme)}` };
  if (!critical.includes(HEADER_SIGNING_SCHEME)) return { code: 'MALFORMED_ENVELOPE', detail: 'crit does not name the signing scheme' };
  if (headers.signingTime === 'malformed' || headers.authenticSigningTime === 'malformed' || headers.expiry === 'malformed')
    return { code: 'MALFORMED_ENVELOPE', detail: 'a time header is malformed' };
  if (headers.expiry !== null && !critical.includes(HEADER_EXPIRY)) return { code: 'MALFORMED_ENVELOPE', detail: 'the expiry is not marked critical' };
  if (signingScheme === 'notary.x509') {
    if (headers.signingTime === null || headers.authenticSigningTime !== null) return { code: 'MALFORMED_ENVELOPE', detail: 'notary.x509 needs signingTime and no authenticSigningTime' };
    return { signingScheme, signingTime: headers.signingTime, expiry: headers.expiry };
  }
  if (headers.authenticSigningTime === null || headers.signingTime !== null || !critical.includes(HEADER_AUTHENTIC_SIGNING_TIME)) {
    return { code: 'MALFORMED_ENVELOPE', detail: 'notary.x509.signingAuthority needs a critical authenticSigningTime and no signingTime' };
  }
  return { signingScheme, signingTime: headers.authenticSigningTime, expiry: headers.expiry };
}

type HeaderCheck = EnvelopeFailure | { readonly signingScheme: SigningScheme; readonly signingTime: Date; readonly expiry: Date | null };

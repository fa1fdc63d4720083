/**
 * Reads a Notation COSE envelope (`application/cose`): a COSE_Sign1_Tagged
 * message (tag 18; RFC 9052 §4.2) with the protected header labels 1 `alg`,
 * 2 `crit`, 3 content type and Notation's text labels, and the certificate
 * chain under unprotected label 33 `x5chain` (RFC 9360)
 * (Notary Project signature-envelope-cose.md). Nothing is verified here; the
 * result says which bytes the signature covers: the CBOR encoding of
 * `["Signature1", protected, h'', payload]` (RFC 9052 §4.4), built from the
 * protected header's bytes exactly as sent.
 */
import { err, ok, type Result } from '../../lib/result.js';
import { CborError, CborTag, readCbor, type CborMap, type CborValue } from './cbor.js';
import {
  checkSignedHeaders,
  HEADER_AUTHENTIC_SIGNING_TIME,
  HEADER_EXPIRY,
  HEADER_SIGNING_SCHEME,
  HEADER_SIGNING_TIME,
  HEADER_TIMESTAMP_SIGNATURE,
  MAX_CHAIN_LENGTH,
  PAYLOAD_CONTENT_TYPE,
  type EnvelopeFailure,
  type NotationAlgorithm,
  type ParsedEnvelope,
} from './envelope.js';

export const COSE_MEDIA_TYPE = 'application/cose';

const COSE_SIGN1_TAG = 18;
/** CBOR tag 1: epoch-based date/time (RFC 8949 §3.4.2), as notation-core-go writes its times. */
const EPOCH_TIME_TAG = 1;
const LABEL_ALG = 1;
const LABEL_CRIT = 2;
const LABEL_CONTENT_TYPE = 3;
const LABEL_X5CHAIN = 33;
/** COSE algorithm identifiers (IANA COSE Algorithms registry). */
const ALGORITHMS: ReadonlyMap<number, NotationAlgorithm> = new Map([
  [-37, 'PS256'],
  [-38, 'PS384'],
  [-39, 'PS512'],
  [-7, 'ES256'],
  [-35, 'ES384'],
  [-36, 'ES512'],
]);
/** A Notation envelope is a few kilobytes with a chain; these leave room without allowing a bomb. */
const LIMITS = { maxDepth: 8, maxItems: 4096 };

export function readCoseEnvelope(bytes: Uint8Array): Result<ParsedEnvelope, EnvelopeFailure> {
  const malformed = (detail: string) => err({ code: 'MALFORMED_ENVELOPE' as const, detail });
  try {
    const message = readCbor(bytes, LIMITS);
    if (!(message instanceof CborTag) || message.tag !== COSE_SIGN1_TAG) return malformed('not a COSE_Sign1_Tagged message (tag 18)');
    const parts = message.value;
    if (!Array.isArray(parts) || parts.length !== 4) return malformed('COSE_Sign1 is not an array of four');
    const [protectedBytes, unprotected, payload, signature] = parts as CborValue[];
    // A detached payload (nil) is not used by Notation: the payload is the descriptor it signs.
    if (!(protectedBytes instanceof Uint8Array) || !(unprotected instanceof Map) || !(payload instanceof Uint8Array) || !(signature instanceof Uint8Array)) {
      return malformed('COSE_Sign1 fields are not bstr, map, bstr, bstr');
    }
    const headers = readCbor(protectedBytes, LIMITS);
    if (!(headers instanceof Map)) return malformed('the protected header is not a map');
    return readHeaders(headers as CborMap, unprotected as CborMap, protectedBytes, payload, signature);
  } catch (error) {
    /* c8 ignore next -- readCbor throws only CborError; anything else is a bug to surface */
    if (!(error instanceof CborError)) throw error;
    return malformed(`CBOR: ${error.message}`);
  }
}

function readHeaders(headers: CborMap, unprotected: CborMap, protectedBytes: Uint8Array, payload: Uint8Array, signature: Uint8Array): Result<ParsedEnvelope, EnvelopeFailure> {
  const malformed = (detail: string) => err({ code: 'MALFORMED_ENVELOPE' as const, detail });
  const alg = headers.get(LABEL_ALG);
  const algorithm = typeof alg === 'number' ? ALGORITHMS.get(alg) : undefined;
  if (algorithm === undefined) return err({ code: 'UNSUPPORTED_ALGORITHM', detail: `alg ${describeLabel(alg)}` });
  const contentType = headers.get(LABEL_CONTENT_TYPE);
  if (contentType !== PAYLOAD_CONTENT_TYPE) return malformed(`content type ${describeLabel(contentType)} is not ${PAYLOAD_CONTENT_TYPE}`);
  const crit = headers.get(LABEL_CRIT);
  if (!Array.isArray(crit)) return malformed('crit is not an array');
  const checked = checkSignedHeaders({
    signingScheme: headers.get(HEADER_SIGNING_SCHEME),
    signingTime: readTime(headers.get(HEADER_SIGNING_TIME)),
    authenticSigningTime: readTime(headers.get(HEADER_AUTHENTIC_SIGNING_TIME)),
    expiry: readTime(headers.get(HEADER_EXPIRY)),
    critical: crit as CborValue[],
  });
  if ('code' in checked) return err(checked);
  const chain = unprotected.get(LABEL_X5CHAIN);
  // RFC 9360 §2: one certificate may stand alone as a bstr, several form an array.
  const certificates = chain instanceof Uint8Array ? [chain] : Array.isArray(chain) ? (chain as CborValue[]) : [];
  if (certificates.length === 0 || certificates.length > MAX_CHAIN_LENGTH || !certificates.every((entry) => entry instanceof Uint8Array)) {
    return malformed(`x5chain is not 1 to ${MAX_CHAIN_LENGTH} certificates`);
  }
  const token = unprotected.get(HEADER_TIMESTAMP_SIGNATURE);
  if (token !== undefined && !(token instanceof Uint8Array && token.length > 0)) return malformed('the timestamp signature is not a non-empty bstr');
  const timestampToken = token === undefined ? null : token;
  return ok({ algorithm, ...checked, payload, signingInput: encodeSigStructure(protectedBytes, payload), signature, certificates, timestampToken });
}

/** A header value for a message: numbers and text as they are, anything else by kind. */
function describeLabel(value: CborValue): string {
  return typeof value === 'number' || typeof value === 'string' ? JSON.stringify(value) : 'of another type';
}

function readTime(value: CborValue): Date | null | 'malformed' {
  if (value === undefined) return null;
  if (!(value instanceof CborTag) || value.tag !== EPOCH_TIME_TAG || typeof value.value !== 'number') return 'malformed';
  return new Date(value.value * 1000);
}

/** The CBOR encoding of `["Signature1", protected, h'', payload]`. */
function encodeSigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  const context = Buffer.from('Signature1', 'ascii');
  return Buffer.concat([Uint8Array.of(0x84), head(3, context.length), context, head(2, protectedBytes.length), protectedBytes, head(2, 0), head(2, payload.length), payload]);
}

/** A definite-length head; lengths here are bounded by the envelope size, far below 2^32. */
function head(major: number, length: number): Uint8Array {
  const type = major << 5;
  if (length < 24) return Uint8Array.of(type | length);
  if (length < 0x100) return Uint8Array.of(type | 24, length);
  if (length < 0x10000) return Uint8Array.of(type | 25, length >> 8, length & 0xff);
  return Uint8Array.of(type | 26, (length >>> 24) & 0xff, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff);
}

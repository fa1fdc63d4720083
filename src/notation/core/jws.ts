/**
 * Reads a Notation JWS envelope (`application/jose+json`): the flattened JSON
 * serialisation `{payload, protected, header: {x5c, …}, signature}`
 * (Notary Project signature-envelope-jws.md). Nothing is verified here; the
 * result says which bytes the signature covers:
 * `ASCII(protected "." payload)`, the two base64url texts exactly as sent.
 *
 * Go's encoding/json, which notation reads envelopes with, matches field
 * names case-insensitively; a key that differs from a known one only by case
 * is refused so that both readers see the same fields.
 */
import { hasCaseVariant, isObject } from '../../lib/go-json-fields.js';
import { err, ok, type Result } from '../../lib/result.js';
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

export const JWS_MEDIA_TYPE = 'application/jose+json';

const ALGORITHMS: readonly NotationAlgorithm[] = ['PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** RFC 3339 date-time, as Go's time.Time marshals it. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;
const TOP_LEVEL_KEYS = ['payload', 'protected', 'header', 'signature'];
const PROTECTED_KEYS = ['alg', 'cty', 'crit', HEADER_SIGNING_SCHEME, HEADER_SIGNING_TIME, HEADER_AUTHENTIC_SIGNING_TIME, HEADER_EXPIRY];

export function readJwsEnvelope(bytes: Uint8Array): Result<ParsedEnvelope, EnvelopeFailure> {
  const malformed = (detail: string) => err({ code: 'MALFORMED_ENVELOPE' as const, detail });
  const envelope = parseJson(bytes);
  if (!isObject(envelope)) return malformed('not a JSON object');
  if (Object.keys(envelope).some((key) => !TOP_LEVEL_KEYS.includes(key))) return malformed('unknown top-level key (the general serialisation is not used by notation)');
  const { payload, protected: protectedText, header, signature } = envelope;
  if (typeof payload !== 'string' || typeof protectedText !== 'string' || typeof signature !== 'string' || !isObject(header))
    return malformed('payload, protected, header or signature missing');
  const payloadBytes = decodeBase64Url(payload);
  const protectedBytes = decodeBase64Url(protectedText);
  const signatureBytes = decodeBase64Url(signature);
  if (payloadBytes === null || protectedBytes === null || signatureBytes === null) return malformed('payload, protected or signature is not unpadded base64url');
  if (hasCaseVariant(header, ['x5c', HEADER_TIMESTAMP_SIGNATURE])) return malformed('the unprotected header spells x5c or the timestamp signature in another case');
  const chain = header.x5c;
  if (!Array.isArray(chain) || chain.length === 0 || chain.length > MAX_CHAIN_LENGTH) return malformed(`x5c is not a list of 1 to ${MAX_CHAIN_LENGTH} certificates`);
  const certificates: Uint8Array[] = [];
  for (const entry of chain) {
    // RFC 7515 §4.1.6: x5c entries are standard base64 DER, not base64url.
    if (typeof entry !== 'string' || entry.length === 0 || !BASE64.test(entry)) return malformed('an x5c entry is not base64');
    certificates.push(Uint8Array.from(Buffer.from(entry, 'base64')));
  }
  // notation-core-go keeps the token as a Go []byte, which encoding/json writes as padded standard base64.
  const token = header[HEADER_TIMESTAMP_SIGNATURE];
  if (token !== undefined && (typeof token !== 'string' || token.length === 0 || !BASE64.test(token))) return malformed('the timestamp signature is not base64');
  const timestampToken = token === undefined ? null : Uint8Array.from(Buffer.from(token, 'base64'));
  const headers = parseJson(protectedBytes);
  if (!isObject(headers)) return malformed('the protected header is not a JSON object');
  if (hasCaseVariant(headers, PROTECTED_KEYS)) return malformed('the protected header spells a known key in another case');
  const { alg, cty, crit } = headers;
  if (!ALGORITHMS.includes(alg as NotationAlgorithm)) return err({ code: 'UNSUPPORTED_ALGORITHM', detail: `alg ${JSON.stringify(alg)}` });
  if (cty !== PAYLOAD_CONTENT_TYPE) return err({ code: 'MALFORMED_ENVELOPE', detail: `cty ${JSON.stringify(cty)} is not ${PAYLOAD_CONTENT_TYPE}` });
  if (!Array.isArray(crit)) return malformed('crit is not a list');
  const checked = checkSignedHeaders({
    signingScheme: headers[HEADER_SIGNING_SCHEME],
    signingTime: readTime(headers[HEADER_SIGNING_TIME]),
    authenticSigningTime: readTime(headers[HEADER_AUTHENTIC_SIGNING_TIME]),
    expiry: readTime(headers[HEADER_EXPIRY]),
    critical: crit as unknown[],
  });
  if ('code' in checked) return err(checked);
  return ok({
    algorithm: alg as NotationAlgorithm,
    ...checked,
    payload: payloadBytes,
    signingInput: Uint8Array.from(Buffer.from(`${protectedText}.${payload}`, 'ascii')),
    signature: signatureBytes,
    certificates,
    timestampToken,
  });
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch {
    return undefined;
  }
}

/** Unpadded base64url that re-encodes to itself (RFC 7515 §2). */
function decodeBase64Url(text: string): Uint8Array | null {
  if (!BASE64URL.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? Uint8Array.from(bytes) : null;
}

function readTime(value: unknown): Date | null | 'malformed' {
  if (value === undefined) return null;
  const fields = typeof value === 'string' ? RFC3339.exec(value) : null;
  if (fields === null) return 'malformed';
  // Go's time.Parse refuses out-of-range fields; Date.parse would roll 31 February over into March.
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = fields.slice(1).map((field) => Number(field ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return 'malformed';
  return new Date(value as string);
}

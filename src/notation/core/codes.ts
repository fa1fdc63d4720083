/**
 * The closed lists of the Notation core (docs/house-style.md rule 2): why a
 * trust policy is refused, why a trust store certificate is refused, and why
 * a signature is not `verified`. They become database values and report
 * fields, so they only grow by a deliberate change here.
 */

/** Why `trustpolicy.json` is refused. */
export const TRUST_POLICY_FAILURE_CODES = [
  'MALFORMED_JSON',
  'UNSUPPORTED_VERSION',
  'INVALID_STATEMENT',
  'INVALID_SCOPE',
  'OVERLAPPING_SCOPE',
  'INVALID_TRUST_STORE',
  'INVALID_IDENTITY',
] as const;
export type TrustPolicyFailureCode = (typeof TRUST_POLICY_FAILURE_CODES)[number];

/** Why a trust store is refused. */
export const TRUST_STORE_FAILURE_CODES = ['INVALID_STORE_NAME', 'MALFORMED_CERTIFICATE', 'NOT_A_ROOT', 'EMPTY_STORE', 'TOO_MANY_CERTIFICATES'] as const;
export type TrustStoreFailureCode = (typeof TRUST_STORE_FAILURE_CODES)[number];

/** Why a Notation signature is not `verified`. */
export const NOTATION_FAILURE_CODES = [
  // integrity → `invalid`
  'ENVELOPE_TOO_LARGE',
  'UNSUPPORTED_ENVELOPE_TYPE',
  'MALFORMED_ENVELOPE',
  'UNKNOWN_CRITICAL_HEADER',
  'UNSUPPORTED_ALGORITHM',
  'ALGORITHM_KEY_MISMATCH',
  'BAD_SIGNATURE',
  'MALFORMED_PAYLOAD',
  'SUBJECT_MISMATCH',
  'TIMESTAMP_INVALID',
  // authenticity → `untrusted`
  'MALFORMED_CERTIFICATE',
  'INVALID_CERTIFICATE_CHAIN',
  'UNTRUSTED_ROOT',
  'UNTRUSTED_IDENTITY',
  'VERIFICATION_SKIPPED',
  'TIMESTAMP_UNTRUSTED',
  'TIMESTAMP_MISSING',
  // time → `expired`
  'CERTIFICATE_EXPIRED',
  'CERTIFICATE_NOT_YET_VALID',
  'SIGNING_TIME_OUTSIDE_VALIDITY',
  'SIGNATURE_EXPIRED',
  'TIMESTAMP_OUTSIDE_VALIDITY',
] as const;
export type NotationFailureCode = (typeof NOTATION_FAILURE_CODES)[number];

export interface Failure<C extends string> {
  readonly code: C;
  readonly detail: string;
}

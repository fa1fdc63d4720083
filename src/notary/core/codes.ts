/**
 * The closed sets of outcomes. They are stored in SQLite and used as bounded
 * Prometheus label values, so nothing outside these lists is ever produced.
 */

/** Why trust data failed verification (contract status `invalid`, or `expired` for EXPIRED). */
export const TRUST_FAILURE_CODES = [
  'MALFORMED_METADATA',
  'WRONG_TYPE',
  'THRESHOLD_NOT_MET',
  'KEY_ID_MISMATCH',
  'HASH_MISMATCH',
  'LENGTH_MISMATCH',
  'MISSING_METADATA',
  'ROOT_CERTIFICATE_INVALID',
  'ROOT_ROTATION_INVALID',
  'ROLLBACK',
  /** A bound on what one collection may make us do was hit (delegation count or depth). */
  'LIMIT_EXCEEDED',
  'EXPIRED',
] as const;
export type TrustFailureCode = (typeof TRUST_FAILURE_CODES)[number];

/** The base roles of every Notary collection (notary `tuf/data/roles.go` BaseRoles). */
export const BASE_ROLES = ['root', 'targets', 'snapshot', 'timestamp'] as const;
export type BaseRole = (typeof BASE_ROLES)[number];

/** Pseudo-role for the earliest notAfter of the root's certificates (contract: metrics and `trust`). */
export const ROOT_CERTIFICATE_ROLE = 'root-certificate';

/** docker pull honours a tag from this delegation first, then from top-level `targets`. */
export const RELEASES_ROLE = 'targets/releases';

export interface TrustFailure {
  readonly code: TrustFailureCode;
  /** The role whose metadata failed, e.g. `snapshot` or `targets/releases`. */
  readonly role: string;
  readonly detail: string;
}

/** Contract statuses of one collection (`inspect`). */
export const COLLECTION_STATUSES = ['valid', 'unsigned', 'invalid', 'expired', 'error'] as const;
export type CollectionStatus = (typeof COLLECTION_STATUSES)[number];

/** Contract statuses of one tag, in precedence order. */
export const TAG_STATUSES = ['error', 'invalid', 'expired', 'unsigned', 'digest_mismatch', 'signed'] as const;
export type TagStatus = (typeof TAG_STATUSES)[number];

/** Why a tag is not `signed`, beyond the trust failure codes. */
export const TAG_REASON_CODES = ['NO_TRUST_DATA', 'NOT_SIGNED', 'ONLY_IN_OTHER_DELEGATION', 'SIGNED_DIGEST_DIFFERS', 'SIGNED_LENGTH_DIFFERS', 'FETCH_FAILED'] as const;
export type TagReasonCode = (typeof TAG_REASON_CODES)[number];

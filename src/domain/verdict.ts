/**
 * A tag's verdict: the one value every stage after the verification agrees
 * on. The scan makes it, the store keeps it and its history, the report, the
 * API, the status page and the metrics show it.
 */
import { createHash } from 'node:crypto';

import type { TagStatus } from '../notary/core/codes.js';
import type { Coverage, SystemSignature } from './signatures.js';

export interface TagVerdictRecord {
  readonly repository: string;
  readonly image: string;
  readonly tag: string;
  readonly gun: string;
  readonly digest: string | null;
  readonly size: number | null;
  readonly status: TagStatus;
  readonly role: string | null;
  readonly reasonCode: string | null;
  readonly reason: string | null;
  readonly signedDigest: string | null;
  readonly trustExpires: string | null;
  /**
   * Contract v1.2: each signature system's entry and the coverage, present
   * when the configuration has a `signatures` section (absent: v1.1 output).
   */
  readonly signatures?: readonly SystemSignature[] | undefined;
  readonly coverage?: Coverage | undefined;
}

/** A verdict as the database holds it: with when it was first seen and since when it holds. */
export interface StoredTag extends TagVerdictRecord {
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  readonly statusSince: string;
  readonly digestSince: string;
  readonly lastScanId: number;
}

/** A tag's verdict as the previous scan left it, for change detection. */
export interface IndexedTag {
  readonly status: TagStatus;
  readonly digest: string | null;
  /** The role the tag was honoured from (`targets/releases`, `targets`), if any. */
  readonly role: string | null;
  /** Contract v1.2: the coverage stored, null when the tag was audited by DCT alone. */
  readonly coverage?: Coverage | null;
  readonly fingerprint: string;
}

/** One verdict with what was there before (undefined: a new tag). */
export interface VerdictWrite {
  readonly verdict: TagVerdictRecord;
  readonly previous: IndexedTag | undefined;
}

/**
 * What decides whether a verdict changed: everything the report and metrics
 * show, hashed (a rescan keeps one per tag in memory, so it stays small).
 */
export function verdictFingerprint(verdict: TagVerdictRecord): string {
  const fields = [verdict.gun, verdict.digest, verdict.size, verdict.status, verdict.role, verdict.reasonCode, verdict.reason, verdict.signedDigest, verdict.trustExpires];
  // Appended only when present, so a database written before v1.2 keeps its fingerprints.
  if (verdict.signatures !== undefined) {
    fields.push(verdict.coverage ?? null, JSON.stringify(verdict.signatures));
  }
  return createHash('sha1').update(fields.join('\u0000')).digest('base64');
}

/** A verdict differs from the stored one (or there was none): it must be written. */
export function verdictChanged(verdict: TagVerdictRecord, previous: IndexedTag | undefined): boolean {
  return previous === undefined || previous.fingerprint !== verdictFingerprint(verdict);
}

/** A tag whose status the audit could not establish: `error`, never signed. */
export function unknownVerdict(
  tag: { readonly repository: string; readonly image: string; readonly tag: string; readonly gun: string },
  reason: string,
  lastKnown?: Pick<TagVerdictRecord, 'digest' | 'size'>
): TagVerdictRecord {
  return {
    ...tag,
    digest: lastKnown?.digest ?? null,
    size: lastKnown?.size ?? null,
    status: 'error',
    role: null,
    reasonCode: 'FETCH_FAILED',
    reason: `FETCH_FAILED: ${reason}`,
    signedDigest: null,
    trustExpires: null,
  };
}

/**
 * The outage rule: what a tag's verdict is while the source that would
 * decide it (Notary for its trust data, Nexus for its listing) cannot be
 * reached. An outage is its own signal (`source_up`, the scan outcome and the
 * scan alerts); it must not reset when a finding was first seen, nor resolve
 * and re-fire the finding's alert.
 *
 * - A finding seen before (invalid, digest_mismatch, expired, unsigned) for the
 *   same digest stays, as the last known verdict, with the outage named in its
 *   reason: its status, `statusSince` and per-tag series do not move.
 * - A tag last seen `signed` becomes `error`: a stale `signed` is never shown
 *   as fresh.
 * - Anything else (no previous verdict, `error`, another digest) is `error`.
 */
import type { TagStatus } from '../notary/core/codes.js';
import type { StoredTag, TagVerdictRecord } from '../domain/verdict.js';

const CARRIED: ReadonlySet<TagStatus> = new Set(['invalid', 'digest_mismatch', 'expired', 'unsigned']);

/** Marks a carried reason; what follows it is replaced at each outage scan, so it never nests. */
const LAST_KNOWN = ' [last known; ';

/** `unknown`: the `error` verdict the scan reached; `previous`: the stored one, if any. */
export function verdictThroughOutage(unknown: TagVerdictRecord, previous: StoredTag | undefined): TagVerdictRecord {
  if (previous === undefined || !CARRIED.has(previous.status) || (unknown.digest !== null && previous.digest !== unknown.digest)) {
    return unknown;
  }
  const earlier = previous.reason ?? previous.status;
  const cut = earlier.indexOf(LAST_KNOWN);
  const why = (unknown.reason ?? 'a source could not be reached').replace(/^FETCH_FAILED: /, '');
  return {
    ...unknown,
    digest: previous.digest,
    size: previous.size,
    status: previous.status,
    role: previous.role,
    reasonCode: previous.reasonCode,
    reason: `${cut < 0 ? earlier : earlier.slice(0, cut)}${LAST_KNOWN}${why}]`,
    signedDigest: previous.signedDigest,
    trustExpires: previous.trustExpires,
  };
}

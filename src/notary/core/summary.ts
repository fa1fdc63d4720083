/**
 * What a verified (or failed) collection means for tags, reduced to plain data:
 * docker's honoured targets, the tags only other delegations sign, the role
 * expiries and any failure. It is what a scan needs to judge tags, it is
 * JSON-serialisable, and it is stored per GUN so that an unchanged collection
 * (byte-identical timestamp) is judged again without fetching or verifying.
 */
import type { Result } from '../../lib/result.js';
import { RELEASES_ROLE, type TrustFailure, type TrustFailureCode } from './codes.js';
import type { FileMeta } from './model.js';
import type { CollectionFailure, VerifiedCollection } from './verify-collection.js';

export interface SummaryRole {
  readonly role: string;
  readonly version: number;
  /** RFC 3339 (UTC, milliseconds). */
  readonly expires: string;
  /** sha256 hex of the served bytes ('' for root-certificate). */
  readonly sha256: string;
  readonly length: number;
}

export interface HonouredEntry {
  /** `sha256:<hex>`. */
  readonly digest: string;
  readonly length: number;
  /** `targets/releases` or `targets`. */
  readonly role: string;
}

/**
 * Bumped whenever what the core accepts or concludes changes: a summary stored
 * under another revision is not reused for an unchanged timestamp, so an
 * upgrade re-verifies every collection with the new rules.
 */
export const SUMMARY_REVISION = 5;

export interface TrustSummary {
  /** SUMMARY_REVISION of the core that made it (absent before revision 2). */
  readonly revision: number;
  /** The collection failed verification: every tag is invalid. */
  readonly failure: TrustFailure | null;
  readonly roles: readonly SummaryRole[];
  /** Tag → what docker pull would get (releases first, then targets). */
  readonly honoured: Readonly<Record<string, HonouredEntry>>;
  /** targets/releases exists but failed: its tags fail closed (no fallback to targets). */
  readonly releasesInvalid: { readonly code: TrustFailureCode; readonly detail: string } | null;
  /** Tags signed only by delegations docker does not honour → those roles. */
  readonly otherDelegations: Readonly<Record<string, readonly string[]>>;
  /** The first delegation that failed verification (the collection is then `invalid` for inspect). */
  readonly invalidDelegation: TrustFailure | null;
  /** Verification warnings that change no verdict (e.g. a spare root certificate lapsing early). */
  readonly warnings: readonly string[];
}

function digestOf(meta: FileMeta): string {
  return 'sha256:' + Buffer.from(meta.hashes.get('sha256') as Uint8Array).toString('hex');
}

/** Notary paths are string prefixes; "" delegates everything (docker adds releases with [""]). */
function pathAllowed(paths: readonly string[], name: string): boolean {
  return paths.some((path) => name.startsWith(path));
}

function summaryRoles(roles: VerifiedCollection['roles']): SummaryRole[] {
  return roles.map((r) => ({ role: r.role, version: r.version, expires: r.expires.toISOString(), sha256: r.sha256, length: r.length }));
}

export function summarize(verification: Result<VerifiedCollection, CollectionFailure>): TrustSummary {
  if (!verification.ok) {
    const { code, role, detail, roles } = verification.error;
    return {
      revision: SUMMARY_REVISION,
      failure: { code, role, detail },
      roles: summaryRoles(roles),
      honoured: {},
      releasesInvalid: null,
      otherDelegations: {},
      invalidDelegation: null,
      warnings: [],
    };
  }
  const collection = verification.value;
  const honoured: Record<string, HonouredEntry> = Object.create(null) as Record<string, HonouredEntry>;
  const otherDelegations: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  let invalidDelegation: TrustFailure | null = null;
  let releasesInvalid: TrustSummary['releasesInvalid'] = null;
  for (const [name, state] of collection.delegations) {
    if (state.state === 'invalid') {
      invalidDelegation ??= state.failure;
      if (name === RELEASES_ROLE) {
        releasesInvalid = { code: state.failure.code, detail: state.failure.detail };
      }
    }
  }
  if (releasesInvalid === null) {
    const releases = collection.delegations.get(RELEASES_ROLE);
    if (releases?.state === 'verified') {
      for (const [tag, meta] of releases.targets) {
        if (pathAllowed(releases.paths, tag)) {
          honoured[tag] = { digest: digestOf(meta), length: meta.length, role: RELEASES_ROLE };
        }
      }
    }
    // docker's lookup (notary GetTargetByName(tag, releases, targets)) walks the
    // whole releases subtree, parents first, before targets: a tag that a
    // delegation below releases signs, and releases does not, is found there,
    // and docker refuses it, even when targets signs it too.
    const foundBelowReleases = new Set<string>();
    for (const [name, state] of collection.delegations) {
      if (state.state === 'verified' && name.startsWith(RELEASES_ROLE + '/')) {
        for (const tag of state.targets.keys()) {
          if (honoured[tag] === undefined && pathAllowed(state.paths, tag)) {
            foundBelowReleases.add(tag);
          }
        }
      }
    }
    for (const [tag, meta] of collection.targets) {
      if (!foundBelowReleases.has(tag)) {
        honoured[tag] ??= { digest: digestOf(meta), length: meta.length, role: 'targets' };
      }
    }
  }
  for (const [name, state] of collection.delegations) {
    if (name === RELEASES_ROLE || state.state !== 'verified') {
      continue;
    }
    for (const tag of state.targets.keys()) {
      if (honoured[tag] === undefined && pathAllowed(state.paths, tag)) {
        (otherDelegations[tag] ??= []).push(name);
      }
    }
  }
  return {
    revision: SUMMARY_REVISION,
    failure: null,
    roles: summaryRoles(collection.roles),
    honoured,
    releasesInvalid,
    otherDelegations,
    invalidDelegation,
    warnings: collection.warnings,
  };
}

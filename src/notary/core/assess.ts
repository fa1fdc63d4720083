/**
 * Turns a verified (or failed) collection into the contract's verdicts at an
 * instant: the collection status for `inspect`, and one tag's status for `scan`.
 * Docker's rule (docker/cli trust.go getTrustedPullTargets): a tag is honoured
 * from `targets/releases` first, else from top-level `targets`; any other
 * delegation does not count for `docker pull`.
 */
import { timingSafeEqual } from 'node:crypto';

import type { Result } from '../../lib/result.js';
import {
  RELEASES_ROLE,
  ROOT_CERTIFICATE_ROLE,
  type CollectionStatus,
  type TagReasonCode,
  type TagStatus,
  type TrustFailureCode,
} from './codes.js';
import type { FileMeta } from './model.js';
import type { CollectionFailure, RoleRecord, VerifiedCollection } from './verify-collection.js';

/** What the fetch and verification of one GUN produced. */
export type TrustEvidence =
  /** Notary answered 404: no trust data for this GUN. */
  | { readonly kind: 'absent' }
  /** The trust data could not be fetched (network, timeout, 5xx, auth). */
  | { readonly kind: 'unavailable'; readonly detail: string }
  | { readonly kind: 'checked'; readonly verification: Result<VerifiedCollection, CollectionFailure> };

export type ReasonCode = TrustFailureCode | TagReasonCode;

export interface HonouredTarget {
  readonly tag: string;
  /** `sha256:<hex>`, as the registry's Docker-Content-Digest. */
  readonly digest: string;
  readonly length: number;
  readonly role: string;
}

/** The roles a verdict from `role` depends on (contract: `trustExpires`). */
function chainOf(role: string): string[] {
  const base = ['root', ROOT_CERTIFICATE_ROLE, 'timestamp', 'snapshot', 'targets'];
  return role === 'targets' ? base : [...base, role];
}

function expiryOf(collection: VerifiedCollection, roles: readonly string[]): Date | undefined {
  let earliest: RoleRecord | undefined;
  for (const record of collection.roles) {
    if (roles.includes(record.role) && (earliest === undefined || record.expires < earliest.expires)) {
      earliest = record;
    }
  }
  return earliest?.expires;
}

/** Roles expired at `now`: Notary fails when `expires` is before now (signed.IsExpired; no skew). */
export function expiredRoles(collection: VerifiedCollection, now: Date): string[] {
  return collection.roles.filter((record) => record.expires.getTime() < now.getTime()).map((r) => r.role);
}

function digestOf(meta: FileMeta): string {
  return 'sha256:' + Buffer.from(meta.hashes.get('sha256') as Uint8Array).toString('hex');
}

function pathAllowed(paths: readonly string[], name: string): boolean {
  // Notary paths are string prefixes; "" delegates everything (docker adds releases with [""]).
  return paths.some((path) => name.startsWith(path));
}

type Resolution =
  | { readonly kind: 'found'; readonly role: string; readonly meta: FileMeta }
  | { readonly kind: 'releases-invalid'; readonly code: TrustFailureCode; readonly detail: string }
  | { readonly kind: 'other-delegations'; readonly roles: readonly string[] }
  | { readonly kind: 'not-found' };

/** Finds the target docker pull would use for `tag`. An invalid releases role fails closed. */
function resolveTag(collection: VerifiedCollection, tag: string): Resolution {
  const releases = collection.delegations.get(RELEASES_ROLE);
  if (releases?.state === 'invalid') {
    // docker would silently fall back to `targets` here (notary skips invalid
    // delegations); an auditor must not (Connaisseur #2151, "stealthy fallback").
    return { kind: 'releases-invalid', code: releases.failure.code, detail: releases.failure.detail };
  }
  if (releases?.state === 'verified' && pathAllowed(releases.paths, tag)) {
    const meta = releases.targets.get(tag);
    if (meta !== undefined) {
      return { kind: 'found', role: RELEASES_ROLE, meta };
    }
  }
  const meta = collection.targets.get(tag);
  if (meta !== undefined) {
    return { kind: 'found', role: 'targets', meta };
  }
  const others: string[] = [];
  for (const [name, state] of collection.delegations) {
    if (state.state === 'verified' && pathAllowed(state.paths, tag) && state.targets.has(tag)) {
      others.push(name);
    }
  }
  return others.length > 0 ? { kind: 'other-delegations', roles: others } : { kind: 'not-found' };
}

/** Every target docker pull would honour, sorted by tag. Empty when releases is invalid. */
export function honouredTargets(collection: VerifiedCollection): HonouredTarget[] {
  const names = new Set<string>(collection.targets.keys());
  const releases = collection.delegations.get(RELEASES_ROLE);
  if (releases?.state === 'invalid') {
    return [];
  }
  if (releases?.state === 'verified') {
    for (const name of releases.targets.keys()) {
      names.add(name);
    }
  }
  const result: HonouredTarget[] = [];
  for (const tag of [...names].sort()) {
    const resolution = resolveTag(collection, tag);
    if (resolution.kind === 'found') {
      result.push({ tag, digest: digestOf(resolution.meta), length: resolution.meta.length, role: resolution.role });
    }
  }
  return result;
}

export interface CollectionAssessment {
  readonly status: CollectionStatus;
  readonly reasonCode: ReasonCode | null;
  readonly reason: string | null;
  readonly targets: readonly HonouredTarget[];
  readonly roles: readonly RoleRecord[];
}

/** The `inspect` verdict: invalid if any role fails (delegations included), then expired, else valid. */
export function assessCollection(evidence: TrustEvidence, now: Date): CollectionAssessment {
  if (evidence.kind === 'absent') {
    return { status: 'unsigned', reasonCode: 'NO_TRUST_DATA', reason: 'Notary has no trust data for this GUN', targets: [], roles: [] };
  }
  if (evidence.kind === 'unavailable') {
    return { status: 'error', reasonCode: 'FETCH_FAILED', reason: evidence.detail, targets: [], roles: [] };
  }
  const verification = evidence.verification;
  if (!verification.ok) {
    const failure = verification.error;
    return {
      status: 'invalid',
      reasonCode: failure.code,
      reason: `${failure.role}: ${failure.detail}`,
      targets: [],
      roles: failure.roles,
    };
  }
  const collection = verification.value;
  const targets = honouredTargets(collection);
  for (const state of collection.delegations.values()) {
    if (state.state === 'invalid') {
      const { code, role, detail } = state.failure;
      return { status: 'invalid', reasonCode: code, reason: `${role}: ${detail}`, targets, roles: collection.roles };
    }
  }
  const expired = expiredRoles(collection, now);
  if (expired.length > 0) {
    return {
      status: 'expired',
      reasonCode: 'EXPIRED',
      reason: `expired at ${now.toISOString()}: ${expired.join(', ')}`,
      targets,
      roles: collection.roles,
    };
  }
  if (targets.length === 0) {
    return { status: 'valid', reasonCode: null, reason: 'trust data is valid but signs no tag', targets, roles: collection.roles };
  }
  return { status: 'valid', reasonCode: null, reason: null, targets, roles: collection.roles };
}

/** The manifest Nexus serves for a tag now. */
export interface ServedManifest {
  readonly digest: string;
  /** Manifest size in bytes, when known. */
  readonly size: number | undefined;
}

export interface TagJudgement {
  readonly status: TagStatus;
  readonly reasonCode: ReasonCode | null;
  readonly reason: string | null;
  /** The role the tag was found in (`targets/releases` or `targets`), if any. */
  readonly role: string | null;
  readonly signedDigest: string | null;
  /** Earliest expiry among the roles the verdict depends on. */
  readonly trustExpires: Date | null;
}

/** One tag's contract status at `now` (precedence error > invalid > expired > unsigned > digest_mismatch > signed). */
export function judgeTag(evidence: TrustEvidence, tag: string, manifest: ServedManifest, now: Date): TagJudgement {
  const judgement = (
    status: TagStatus,
    reasonCode: ReasonCode | null,
    reason: string | null,
    extra: Partial<Pick<TagJudgement, 'role' | 'signedDigest' | 'trustExpires'>> = {}
  ): TagJudgement => ({
    status,
    reasonCode,
    reason,
    role: extra.role ?? null,
    signedDigest: extra.signedDigest ?? null,
    trustExpires: extra.trustExpires ?? null,
  });

  if (evidence.kind === 'absent') {
    return judgement('unsigned', 'NO_TRUST_DATA', 'Notary has no trust data for this image');
  }
  if (evidence.kind === 'unavailable') {
    return judgement('error', 'FETCH_FAILED', evidence.detail);
  }
  if (!evidence.verification.ok) {
    const failure = evidence.verification.error;
    return judgement('invalid', failure.code, `${failure.role}: ${failure.detail}`);
  }
  const collection = evidence.verification.value;
  const resolution = resolveTag(collection, tag);
  if (resolution.kind === 'releases-invalid') {
    return judgement('invalid', resolution.code, `${RELEASES_ROLE}: ${resolution.detail}`);
  }
  const role = resolution.kind === 'found' ? resolution.role : 'targets';
  const chain = chainOf(role);
  const trustExpires = expiryOf(collection, chain) ?? null;
  const expired = expiredRoles(collection, now).filter((name) => chain.includes(name));
  if (expired.length > 0) {
    return judgement('expired', 'EXPIRED', `expired at ${now.toISOString()}: ${expired.join(', ')}`, {
      role: resolution.kind === 'found' ? role : null,
      trustExpires,
    });
  }
  if (resolution.kind === 'other-delegations') {
    return judgement(
      'unsigned',
      'ONLY_IN_OTHER_DELEGATION',
      `signed only in ${resolution.roles.join(', ')}, which docker pull does not honour (only ${RELEASES_ROLE} and targets)`
    );
  }
  if (resolution.kind === 'not-found') {
    return judgement('unsigned', 'NOT_SIGNED', `tag is in neither ${RELEASES_ROLE} nor targets`);
  }
  const signedDigest = digestOf(resolution.meta);
  const extra = { role, signedDigest, trustExpires };
  if (!digestsEqual(signedDigest, manifest.digest)) {
    return judgement('digest_mismatch', 'SIGNED_DIGEST_DIFFERS', `signed ${signedDigest}, Nexus serves ${manifest.digest}`, extra);
  }
  if (manifest.size !== undefined && manifest.size !== resolution.meta.length) {
    return judgement(
      'digest_mismatch',
      'SIGNED_LENGTH_DIFFERS',
      `signed length ${resolution.meta.length}, Nexus serves ${manifest.size} bytes`,
      extra
    );
  }
  return judgement('signed', null, null, extra);
}

function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a.toLowerCase());
  const right = Buffer.from(b.toLowerCase());
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Verifies one GUN's trust collection the way the Notary client does
 * (notary `client/tufclient.go` Update, `tuf/builder.go`), as a pure function of
 * the fetched bytes, what was trusted before, and `now`.
 *
 * Order: root (certificates, self-signature, rotation) → timestamp → snapshot
 * → root and targets against snapshot → delegations, parents first.
 * Expiry is not a verification failure here: `assess.ts` judges it per role,
 * so that expired trust reads as `expired` and not as `invalid`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

import { sha256Hex } from '../../lib/digest.js';
import { err, ok, type Result } from '../../lib/result.js';
import { RELEASES_ROLE, ROOT_CERTIFICATE_ROLE, type TrustFailure, type TrustFailureCode } from './codes.js';
import { checkRootCertificate, type TufKey } from './keys.js';
import type { DelegatedRole, FileMeta, Root, RoleKeys, SignatureEntry, Snapshot, Targets } from './model.js';
import { parseRoot, parseSnapshot, parseTargets, parseTimestamp } from './parse-roles.js';
import { checkThreshold } from './signatures.js';

/** The bytes of one collection, as served. Delegations are keyed by role name. */
export interface TrustCollectionBytes {
  readonly root: Uint8Array;
  readonly timestamp: Uint8Array;
  readonly snapshot: Uint8Array;
  readonly targets: Uint8Array;
  readonly delegations: ReadonlyMap<string, Uint8Array>;
}

/** What was trusted before for this GUN: the rollback floor and the pinned root (TOFU). */
export interface TrustHistory {
  /** The root bytes trusted on first use; a different root must be signed by it. */
  readonly pinnedRoot?: Uint8Array | undefined;
  /** Root versions between the pinned root and the current one, oldest first (`<N>.root.json`). */
  readonly intermediateRoots?: readonly Uint8Array[] | undefined;
  /** The highest version seen per role, with the sha256 (hex) of that version's bytes. */
  readonly roles: ReadonlyMap<string, RoleVersion>;
}

export interface RoleVersion {
  readonly version: number;
  readonly sha256: string;
}

export const NO_HISTORY: TrustHistory = { roles: new Map() };

export interface RoleRecord {
  readonly role: string;
  readonly version: number;
  readonly expires: Date;
  /** sha256 (hex) of the served bytes; empty for `root-certificate`. */
  readonly sha256: string;
  readonly length: number;
}

export type DelegationState =
  | {
      readonly state: 'verified';
      readonly record: RoleRecord;
      readonly targets: ReadonlyMap<string, FileMeta>;
      /** The delegation's paths, restricted to its parent's (prefixes, not globs). */
      readonly paths: readonly string[];
    }
  | { readonly state: 'invalid'; readonly failure: TrustFailure };

export interface VerifiedCollection {
  readonly gun: string;
  /** root, root-certificate, timestamp, snapshot, targets and every verified delegation. */
  readonly roles: readonly RoleRecord[];
  readonly targets: ReadonlyMap<string, FileMeta>;
  /** Every delegation reachable from `targets`, in walk order (parents first). */
  readonly delegations: ReadonlyMap<string, DelegationState>;
  /** Things that do not fail verification but an operator should hear of (a root certificate lapsing early). */
  readonly warnings: readonly string[];
  /**
   * Delegations that a verified parent names and the snapshot lists, but whose
   * bytes were not given (each is also `invalid`, MISSING_METADATA, so the
   * verdicts fail closed). A caller that fetches parents first (as the Notary
   * client walks them) fetches these and verifies again; nothing else is needed.
   */
  readonly unserved: readonly string[];
}

/** A failed collection still reports the roles that verified before the failure. */
export interface CollectionFailure extends TrustFailure {
  readonly roles: readonly RoleRecord[];
}

/** How deep delegations may nest (a hostile targets file must not make the walk unbounded). */
const MAX_DELEGATION_DEPTH = 8;

export function verifyCollection(gun: string, bytes: TrustCollectionBytes, history: TrustHistory, now: Date): Result<VerifiedCollection, CollectionFailure> {
  const records: RoleRecord[] = [];
  const failure = (code: TrustFailureCode, role: string, detail: string): Result<never, CollectionFailure> => err({ code, role, detail, roles: records });

  // Root: structure, certificates and self-signature, then rotation from the pinned root.
  const rootResult = loadRoot(gun, bytes.root, now);
  if (!rootResult.ok) {
    return failure(rootResult.error.code, 'root', rootResult.error.detail);
  }
  const { root, certificateExpiry, warnings } = rootResult.value;
  const rotation = checkRotation(gun, root, bytes.root, history, now);
  if (rotation !== undefined) {
    return failure(rotation.code, 'root', rotation.detail);
  }
  const rollback = checkVersion('root', root.version, bytes.root, history);
  if (rollback !== undefined) {
    return failure('ROLLBACK', 'root', rollback);
  }
  records.push(record('root', root, bytes.root));
  records.push({
    role: ROOT_CERTIFICATE_ROLE,
    version: root.version,
    expires: certificateExpiry,
    sha256: '',
    length: 0,
  });

  // Timestamp: signed by root's timestamp keys; names the snapshot by hash.
  const timestampResult = parseTimestamp(bytes.timestamp);
  if (!timestampResult.ok) {
    return failure(timestampResult.error.code, 'timestamp', timestampResult.error.detail);
  }
  const timestamp = timestampResult.value;
  const timestampProblem = signatureProblem(root.roles.timestamp, root.keys, timestamp) ?? versionProblem('timestamp', timestamp.version, bytes.timestamp, history);
  if (timestampProblem !== undefined) {
    return failure(timestampProblem.code, 'timestamp', timestampProblem.detail);
  }
  records.push(record('timestamp', timestamp, bytes.timestamp));

  // Snapshot: hash and length from timestamp, then its own signatures.
  const snapshotProblem = metaProblem(bytes.snapshot, timestamp.snapshot, 'snapshot', 'timestamp');
  if (snapshotProblem !== undefined) {
    return failure(snapshotProblem.code, 'snapshot', snapshotProblem.detail);
  }
  const snapshotResult = parseSnapshot(bytes.snapshot);
  if (!snapshotResult.ok) {
    return failure(snapshotResult.error.code, 'snapshot', snapshotResult.error.detail);
  }
  const snapshot = snapshotResult.value;
  const snapshotSignatureProblem = signatureProblem(root.roles.snapshot, root.keys, snapshot) ?? versionProblem('snapshot', snapshot.version, bytes.snapshot, history);
  if (snapshotSignatureProblem !== undefined) {
    return failure(snapshotSignatureProblem.code, 'snapshot', snapshotSignatureProblem.detail);
  }
  records.push(record('snapshot', snapshot, bytes.snapshot));

  // Root must be the one snapshot names (notary validateChecksumsFromSnapshot).
  const rootMetaProblem = metaProblem(bytes.root, snapshot.root, 'root', 'snapshot');
  if (rootMetaProblem !== undefined) {
    return failure(rootMetaProblem.code, 'root', rootMetaProblem.detail);
  }

  // Top-level targets: any failure is fatal for the GUN (notary downloadTargets).
  const targetsProblem = metaProblem(bytes.targets, snapshot.targets, 'targets', 'snapshot');
  if (targetsProblem !== undefined) {
    return failure(targetsProblem.code, 'targets', targetsProblem.detail);
  }
  const targetsResult = parseTargets(bytes.targets, 'targets');
  if (!targetsResult.ok) {
    return failure(targetsResult.error.code, 'targets', targetsResult.error.detail);
  }
  const targets = targetsResult.value;
  const targetsSignatureProblem = signatureProblem(root.roles.targets, root.keys, targets) ?? versionProblem('targets', targets.version, bytes.targets, history);
  if (targetsSignatureProblem !== undefined) {
    return failure(targetsSignatureProblem.code, 'targets', targetsSignatureProblem.detail);
  }
  records.push(record('targets', targets, bytes.targets));

  const unserved: string[] = [];
  const delegations = walkDelegations(targets, snapshot, bytes, history, unserved);
  for (const state of delegations.values()) {
    if (state.state === 'verified') {
      records.push(state.record);
    }
  }
  return ok({ gun, roles: records, targets: targets.targets, delegations, warnings, unserved });
}

interface Problem {
  readonly code: TrustFailureCode;
  readonly detail: string;
}

function record(role: string, metadata: { version: number; expires: Date }, bytes: Uint8Array): RoleRecord {
  return { role, version: metadata.version, expires: metadata.expires, sha256: sha256Hex(bytes), length: bytes.length };
}

interface LoadedRoot {
  readonly root: Root;
  /** When root's unexpired certificates can no longer meet its threshold (the `root-certificate` role). */
  readonly certificateExpiry: Date;
  /** Root certificates that lapse before that instant: harmless now, worth a word. */
  readonly warnings: readonly string[];
}

/**
 * Parses root and checks its certificates and self-signature (notary
 * trustpinning/certs.go ValidateRoot). Certificate expiry is not a failure
 * here: the client drops expired leaf certificates (validRootLeafCerts) and
 * fails only when those left cannot meet root's threshold, so the instant that
 * happens becomes the `root-certificate` expiry, which `assess.ts` judges.
 */
function loadRoot(gun: string, bytes: Uint8Array, now: Date): Result<LoadedRoot, Problem> {
  const parsed = parseRoot(bytes);
  if (!parsed.ok) {
    return parsed;
  }
  const root = parsed.value;
  const roleKeys = root.roles.root;
  const validKeys = new Map<string, TufKey>();
  const certificateProblems: string[] = [];
  for (const keyid of roleKeys.keyids) {
    const key = root.keys.get(keyid) as TufKey;
    const problem = key.problem ?? checkRootCertificate(key, gun, now);
    if (problem === undefined) {
      validKeys.set(keyid, key);
    } else {
      certificateProblems.push(problem);
    }
  }
  const threshold = checkThreshold(roleKeys, validKeys, root.message, root.signatures);
  if (!threshold.ok) {
    // When certificates were refused, they are the cause worth reporting.
    if (threshold.error.code === 'THRESHOLD_NOT_MET' && certificateProblems.length > 0) {
      return err({ code: 'ROOT_CERTIFICATE_INVALID', detail: certificateProblems.join('; ') });
    }
    return err(threshold.error);
  }
  const certificateExpiry = thresholdExpiry(threshold.value, roleKeys.threshold);
  const warnings = [...validKeys.values()]
    .filter((key) => certificateNotAfter(key) < certificateExpiry.getTime())
    .map(
      (key) =>
        `root key ${key.id.slice(0, 12)}: its certificate lapses at ${new Date(certificateNotAfter(key)).toISOString()},` +
        ` before the root certificates that meet the threshold (${certificateExpiry.toISOString()})`
    );
  return ok({ root, certificateExpiry, warnings });
}

/** A root key stops counting when any certificate of its bundle lapses (leaf or intermediate). */
function certificateNotAfter(key: TufKey): number {
  return Math.min(...key.certificates.map((certificate) => certificate.notAfter.getTime()));
}

/**
 * The instant after which fewer than `threshold` distinct signing keys still
 * hold an unexpired certificate: the threshold-th latest expiry among them
 * (one key under two certificates counts once, with the later expiry).
 */
function thresholdExpiry(signers: readonly TufKey[], threshold: number): Date {
  const latestByKey = new Map<string | undefined, number>();
  for (const key of signers) {
    latestByKey.set(key.fingerprint, Math.max(latestByKey.get(key.fingerprint) ?? Number.NEGATIVE_INFINITY, certificateNotAfter(key)));
  }
  const expiries = [...latestByKey.values()].sort((a, b) => b - a);
  return new Date(expiries[threshold - 1] as number);
}

/**
 * A root other than the pinned one must be signed by a threshold of the pinned
 * root's root keys, directly or through each intermediate version
 * (notary tufclient.go updateRoot; certs.go ValidateRoot "havePrevRoot": the
 * previous certificates' expiry is not checked).
 */
function checkRotation(gun: string, root: Root, rootBytes: Uint8Array, history: TrustHistory, now: Date): Problem | undefined {
  const pinnedBytes = history.pinnedRoot;
  if (pinnedBytes === undefined || bytesEqual(pinnedBytes, rootBytes)) {
    return undefined;
  }
  const pinned = parseRoot(pinnedBytes);
  if (!pinned.ok) {
    return { code: 'ROOT_ROTATION_INVALID', detail: `pinned root cannot be parsed: ${pinned.error.detail}` };
  }
  if (root.version < pinned.value.version) {
    return { code: 'ROLLBACK', detail: `root version ${root.version} is lower than pinned version ${pinned.value.version}` };
  }
  if (signedByPrevious(pinned.value, root)) {
    return undefined;
  }
  let previous = pinned.value;
  for (const [index, intermediateBytes] of (history.intermediateRoots ?? []).entries()) {
    const intermediate = loadRoot(gun, intermediateBytes, now);
    if (!intermediate.ok || !signedByPrevious(previous, intermediate.value.root)) {
      return {
        code: 'ROOT_ROTATION_INVALID',
        detail: `intermediate root ${index + 1} is not signed by the root before it`,
      };
    }
    previous = intermediate.value.root;
  }
  if (previous !== pinned.value && signedByPrevious(previous, root)) {
    return undefined;
  }
  return {
    code: 'ROOT_ROTATION_INVALID',
    detail: `root version ${root.version} is not signed by the pinned root (version ${pinned.value.version}); if the repository was re-initialised on purpose, re-pin it`,
  };
}

/** Root versions a rotation walk may need in between: no more are fetched (notary tufclient.go bounds its walk too). */
export const MAX_ROOT_WALK = 256;

/**
 * The root versions strictly between the pinned root and `rootBytes` that
 * `verifyCollection` will need in `history.intermediateRoots`: only when the
 * new root is more than one version ahead and the pinned root did not sign it
 * directly (notary tufclient.go updateRoot walks `<N>.root.json` one version
 * at a time). A hint for the fetcher, read from unverified bytes:
 * `verifyCollection` checks every byte it is then given.
 */
export function intermediateRootsNeeded(rootBytes: Uint8Array, history: TrustHistory): { readonly from: number; readonly to: number } | undefined {
  const pinnedBytes = history.pinnedRoot;
  if (pinnedBytes === undefined || bytesEqual(pinnedBytes, rootBytes)) {
    return undefined;
  }
  const pinned = parseRoot(pinnedBytes);
  const root = parseRoot(rootBytes);
  if (!pinned.ok || !root.ok) {
    return undefined;
  }
  const gap = root.value.version - pinned.value.version;
  if (gap < 2 || gap > MAX_ROOT_WALK || signedByPrevious(pinned.value, root.value)) {
    return undefined;
  }
  return { from: pinned.value.version + 1, to: root.value.version - 1 };
}

function signedByPrevious(previous: Root, next: Root): boolean {
  return checkThreshold(previous.roles.root, previous.keys, next.message, next.signatures).ok;
}

/** `roleKeys` is never missing: root's base roles exist by construction (model.ts Root.roles), a delegation carries its own. */
function signatureProblem(roleKeys: RoleKeys, keys: ReadonlyMap<string, TufKey>, metadata: { message: Uint8Array; signatures: readonly SignatureEntry[] }): Problem | undefined {
  const result = checkThreshold(roleKeys, keys, metadata.message, metadata.signatures);
  return result.ok ? undefined : result.error;
}

function versionProblem(role: string, version: number, bytes: Uint8Array, history: TrustHistory): Problem | undefined {
  const detail = checkVersion(role, version, bytes, history);
  return detail === undefined ? undefined : { code: 'ROLLBACK', detail };
}

/**
 * Rollback (TUF 5.3/5.4 version checks; notary tryLoadRemote minVersion): a
 * version below the one seen before, or the same version with other bytes
 * (equivocation), is refused.
 */
function checkVersion(role: string, version: number, bytes: Uint8Array, history: TrustHistory): string | undefined {
  const seen = history.roles.get(role);
  if (seen === undefined) {
    return undefined;
  }
  if (version < seen.version) {
    return `${role} version ${version} is lower than version ${seen.version} seen before`;
  }
  if (version === seen.version && sha256Hex(bytes) !== seen.sha256) {
    return `${role} version ${version} differs from the version ${version} seen before`;
  }
  return undefined;
}

/**
 * Checks served bytes against the hashes and length their parent lists (notary CheckHashes; length exact).
 * `meta` is never missing: timestamp and snapshot must list it to parse (parse-roles.ts), and an
 * unlisted delegation is MISSING_METADATA before this is reached (walkDelegations).
 */
function metaProblem(bytes: Uint8Array, meta: FileMeta, role: string, parent: string): Problem | undefined {
  for (const [algorithm, expected] of meta.hashes) {
    const actual = createHash(algorithm).update(bytes).digest();
    if (!timingSafeEqual(actual, expected)) {
      return { code: 'HASH_MISMATCH', detail: `${role} ${algorithm} differs from the hash in ${parent}` };
    }
  }
  if (bytes.length !== meta.length) {
    return {
      code: 'LENGTH_MISMATCH',
      detail: `${role} is ${bytes.length} bytes, ${parent} says ${meta.length}`,
    };
  }
  return undefined;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Pre-order walk of the delegation tree (notary client/tufclient.go
 * downloadTargets: a role's children before its later siblings), except that
 * `targets/releases` comes first among targets' children: docker's verdicts
 * rest on it alone, so no other subtree may use up a bound before it is read.
 *
 * Notary skips an invalid delegation with a warning; we keep it as `invalid`
 * so that the verdicts fail closed and the auditor says so. Two cases are
 * stricter than the client, on purpose:
 * - a delegation that its parent declares but the snapshot does not list is
 *   MISSING_METADATA. The client skips it ("no checksum"), and docker then
 *   falls back to `targets`; but the snapshot key is usually held by the
 *   server, so a server that drops `targets/releases` from the snapshot would
 *   silently swap the release signatures for older ones in `targets`.
 * - a role nested deeper than the bound is invalid (LIMIT_EXCEEDED) instead
 *   of being left unread. The count needs no bound of its own: only roles the
 *   snapshot lists are fetched and verified, and it lists at most 256.
 */
function walkDelegations(targets: Targets, snapshot: Snapshot, bytes: TrustCollectionBytes, history: TrustHistory, unserved: string[]): Map<string, DelegationState> {
  interface Pending {
    readonly role: DelegatedRole;
    readonly parent: Targets;
    readonly parentPaths: readonly string[] | undefined;
    readonly depth: number;
  }
  const states = new Map<string, DelegationState>();
  const children = (parent: Targets, parentPaths: readonly string[] | undefined, depth: number): Pending[] => parent.delegations.map((role) => ({ role, parent, parentPaths, depth }));
  const topLevel = children(targets, undefined, 1);
  // A stack: the next role to visit is last.
  const stack = [...topLevel.filter((p) => p.role.name !== RELEASES_ROLE), ...topLevel.filter((p) => p.role.name === RELEASES_ROLE)].reverse();
  for (let pending = stack.pop(); pending !== undefined; pending = stack.pop()) {
    // Each name is visited once: a name is a direct child of exactly one parent
    // (parseTargets), and a parent that declares it twice does not parse.
    const { role, parent, parentPaths, depth } = pending;
    const invalid = (code: TrustFailureCode, detail: string): void => {
      states.set(role.name, { state: 'invalid', failure: { code, role: role.name, detail } });
    };
    if (depth > MAX_DELEGATION_DEPTH) {
      invalid('LIMIT_EXCEEDED', `delegations nest deeper than ${MAX_DELEGATION_DEPTH} levels`);
      continue;
    }
    const meta = snapshot.meta.get(role.name);
    if (meta === undefined) {
      invalid('MISSING_METADATA', `${role.name} is delegated but the snapshot does not list it (never signed, or withheld)`);
      continue;
    }
    const roleBytes = bytes.delegations.get(role.name);
    if (roleBytes === undefined) {
      invalid('MISSING_METADATA', `snapshot lists ${role.name} but it was not served`);
      unserved.push(role.name);
      continue;
    }
    const problem = metaProblem(roleBytes, meta, role.name, 'snapshot');
    if (problem !== undefined) {
      invalid(problem.code, problem.detail);
      continue;
    }
    const parsed = parseTargets(roleBytes, role.name);
    if (!parsed.ok) {
      invalid(parsed.error.code, parsed.error.detail);
      continue;
    }
    const delegation = parsed.value;
    const signature = signatureProblem(role, parent.delegationKeys, delegation);
    if (signature !== undefined) {
      invalid(signature.code, signature.detail);
      continue;
    }
    const rollback = checkVersion(role.name, delegation.version, roleBytes, history);
    if (rollback !== undefined) {
      invalid('ROLLBACK', rollback);
      continue;
    }
    // notary tuf/data/roles.go Restrict: a child keeps only paths under one of its parent's.
    const paths = parentPaths === undefined ? role.paths : role.paths.filter((path) => parentPaths.some((allowed) => path.startsWith(allowed)));
    states.set(role.name, {
      state: 'verified',
      record: record(role.name, delegation, roleBytes),
      targets: delegation.targets,
      paths,
    });
    stack.push(...children(delegation, paths, depth + 1).reverse());
  }
  return states;
}

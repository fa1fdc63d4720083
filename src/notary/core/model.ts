/**
 * Notary's metadata formats (notary `tuf/data/{types,root,targets,snapshot,timestamp}.go`)
 * as typed values, and the grammar of a delegation name. These are not TUF 1.0
 * files: `_type` is capitalised, there is no `spec_version`, hashes, keys and
 * signatures are base64, and `expires` carries nanoseconds and offsets.
 * `parse-roles.ts` builds these values, strictly.
 */
import type { BaseRole, TrustFailureCode } from './codes.js';
import type { TufKey } from './keys.js';

export interface ParseFailure {
  readonly code: Extract<TrustFailureCode, 'MALFORMED_METADATA' | 'WRONG_TYPE'>;
  readonly detail: string;
}

export interface SignatureEntry {
  readonly keyid: string;
  readonly method: string;
  readonly sig: Uint8Array;
}

export interface RoleKeys {
  readonly keyids: readonly string[];
  readonly threshold: number;
}

/** Length and hashes of a file, as snapshot and timestamp list them. */
export interface FileMeta {
  readonly length: number;
  /** Algorithm → digest bytes; sha256 is always present. */
  readonly hashes: ReadonlyMap<string, Uint8Array>;
}

export interface Signed {
  readonly version: number;
  readonly expires: Date;
  /** The canonical bytes of `signed`: what the signatures cover. */
  readonly message: Uint8Array;
  readonly signatures: readonly SignatureEntry[];
}

export interface Root extends Signed {
  readonly keys: ReadonlyMap<string, TufKey>;
  /** Every base role, present by construction (parseRoot refuses a root missing one). */
  readonly roles: Readonly<Record<BaseRole, RoleKeys>>;
}

export interface Timestamp extends Signed {
  readonly snapshot: FileMeta;
}

export interface Snapshot extends Signed {
  readonly meta: ReadonlyMap<string, FileMeta>;
  /** `meta` root and targets, present by construction (notary IsValidSnapshotStructure). */
  readonly root: FileMeta;
  readonly targets: FileMeta;
}

export interface DelegatedRole extends RoleKeys {
  readonly name: string;
  readonly paths: readonly string[];
}

export interface Targets extends Signed {
  readonly targets: ReadonlyMap<string, FileMeta>;
  readonly delegationKeys: ReadonlyMap<string, TufKey>;
  readonly delegations: readonly DelegatedRole[];
}

/** notary tuf/data/roles.go IsDelegation: lower-case path segments under `targets/`, path-clean. */
const DELEGATION_NAME = /^targets(?:\/[-a-z0-9_]+)+$/;

/** A delegation role name Notary could have written (and nothing that could leave a URL path). */
export function isDelegationName(name: string): boolean {
  return name.length < 256 && DELEGATION_NAME.test(name);
}

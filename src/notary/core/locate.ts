/**
 * Reads, from still-unverified metadata, which files to fetch next and under
 * which immutable name (`<role>.<sha256 hex>.json`, notary ConsistentName).
 * These are hints for the fetcher only: `verifyCollection` checks every byte.
 */
import type { FileMeta } from './model.js';
import { parseSnapshot, parseTimestamp } from './parse-roles.js';

export interface FileLocation {
  /** sha256 of the file, hex: the consistent-name URL component. */
  readonly sha256: string;
  readonly length: number;
}

function locationOf(meta: FileMeta): FileLocation {
  return { sha256: Buffer.from(meta.hashes.get('sha256') as Uint8Array).toString('hex'), length: meta.length };
}

export function locateSnapshot(timestamp: Uint8Array): FileLocation | undefined {
  const parsed = parseTimestamp(timestamp);
  return parsed.ok ? locationOf(parsed.value.snapshot) : undefined;
}

/** Every file the snapshot lists (root, targets, delegations), by role name. */
export function locateRoles(snapshot: Uint8Array): ReadonlyMap<string, FileLocation> | undefined {
  const parsed = parseSnapshot(snapshot);
  if (!parsed.ok) {
    return undefined;
  }
  const locations = new Map<string, FileLocation>();
  for (const [role, meta] of parsed.value.meta) {
    locations.set(role, locationOf(meta));
  }
  return locations;
}

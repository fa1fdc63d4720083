/**
 * The audit database: scans, the latest verdict per tag and the history of its
 * changes, and per GUN what was trusted (rollback floors, pinned roots).
 * Statements are prepared once; every write method is one transaction, so a
 * killed process leaves whole batches, never half of one.
 */
import type { TagStatus } from '../notary/core/codes.js';
import type { TrustSummary } from '../notary/core/summary.js';
import { createHash } from 'node:crypto';

import { sha256Hex } from '../lib/digest.js';
import type { RoleRecord, RoleVersion, TrustHistory } from '../notary/core/verify-collection.js';
import type { Db } from './database.js';

export type ScanOutcome = 'complete' | 'partial' | 'failed';

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
}

export interface StoredTag extends TagVerdictRecord {
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  readonly statusSince: string;
  readonly digestSince: string;
  readonly lastScanId: number;
}

export interface TrustRoleRecord {
  readonly gun: string;
  readonly role: string;
  readonly version: number;
  readonly expires: string;
}

export interface ScanRecord {
  readonly id: number;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly evaluatedAt: string;
  readonly outcome: ScanOutcome | 'running' | 'interrupted';
  readonly summary: Readonly<Record<string, number>> | null;
  readonly error: string | null;
  readonly nexusRequests: number;
  readonly notaryRequests: number;
  /** 'forecast': a scan with `--at`, which changed nothing but its own row. */
  readonly kind: ScanKind;
}

export type ScanKind = 'audit' | 'forecast';

/** What a verified collection leaves behind for the next scan. */
export interface TrustUpdate {
  readonly gun: string;
  /** Roles with their served bytes' sha256; `root-certificate` is skipped. */
  readonly roles: readonly RoleRecord[];
  /** The verified root bytes, pinned on first use and re-pinned after a verified rotation. */
  readonly root: Uint8Array;
}

/** Per GUN: the summary a timestamp led to, and the role files behind it (incremental rescans). */
export interface GunStateUpdate {
  readonly gun: string;
  readonly timestampSha256: string;
  readonly summary: TrustSummary;
  /** Role → bytes of the verified files; absent when nothing was refetched. */
  readonly files: ReadonlyMap<string, Uint8Array> | undefined;
}

/** A tag's verdict as the previous scan left it, for change detection. */
export interface IndexedTag {
  readonly status: TagStatus;
  readonly digest: string | null;
  /** The role the tag was honoured from (`targets/releases`, `targets`), if any. */
  readonly role: string | null;
  readonly fingerprint: string;
}

/** One verdict with what was there before (undefined: a new tag). */
export interface VerdictWrite {
  readonly verdict: TagVerdictRecord;
  readonly previous: IndexedTag | undefined;
}

export interface Batch {
  readonly verdicts: readonly VerdictWrite[];
  readonly trust: readonly TrustUpdate[];
  /** Per GUN checked this scan, its roles now (empty: no trust data any more). GUNs that failed to fetch keep theirs. */
  readonly trustRoles: readonly { readonly gun: string; readonly roles: readonly TrustRoleRecord[] }[];
  readonly gunStates: readonly GunStateUpdate[];
  /** GUNs that have no trust data any more. */
  readonly clearedGuns: readonly string[];
}

/**
 * What decides whether a verdict changed: everything the report and metrics
 * show, hashed (a rescan keeps one per tag in memory, so it stays small).
 */
export function verdictFingerprint(verdict: TagVerdictRecord): string {
  return createHash('sha1')
    .update([verdict.gun, verdict.digest, verdict.size, verdict.status, verdict.role, verdict.reasonCode, verdict.reason, verdict.signedDigest, verdict.trustExpires].join('\u0000'))
    .digest('base64');
}

interface TagRow {
  repository: string;
  image: string;
  tag: string;
  gun: string;
  digest: string | null;
  size: number | null;
  status: TagStatus;
  role: string | null;
  reason_code: string | null;
  reason: string | null;
  signed_digest: string | null;
  trust_expires: string | null;
  first_seen_at: string;
  last_seen_at: string;
  status_since: string;
  digest_since: string;
  last_scan_id: number;
}

interface ScanRow {
  id: number;
  started_at: string;
  finished_at: string | null;
  evaluated_at: string;
  outcome: ScanRecord['outcome'];
  summary_json: string | null;
  error: string | null;
  nexus_requests: number;
  notary_requests: number;
  kind: ScanKind;
}

function toStoredTag(row: TagRow): StoredTag {
  return {
    repository: row.repository,
    image: row.image,
    tag: row.tag,
    gun: row.gun,
    digest: row.digest,
    size: row.size,
    status: row.status,
    role: row.role,
    reasonCode: row.reason_code,
    reason: row.reason,
    signedDigest: row.signed_digest,
    trustExpires: row.trust_expires,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    statusSince: row.status_since,
    digestSince: row.digest_since,
    lastScanId: row.last_scan_id,
  };
}

function toScanRecord(row: ScanRow): ScanRecord {
  return {
    id: row.id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    evaluatedAt: row.evaluated_at,
    outcome: row.outcome,
    summary: row.summary_json === null ? null : (JSON.parse(row.summary_json) as Record<string, number>),
    error: row.error,
    nexusRequests: row.nexus_requests,
    notaryRequests: row.notary_requests,
    kind: row.kind,
  };
}

export interface TagQuery {
  readonly status?: TagStatus | undefined;
  readonly repository?: string | undefined;
  readonly limit: number;
  /** Keyset cursor: the last (repository, image, tag) of the previous page. */
  readonly after?: { readonly repository: string; readonly image: string; readonly tag: string } | undefined;
}

export class ScanStore {
  readonly #db: Db;
  readonly #statements;

  constructor(db: Db) {
    this.#db = db;
    this.#statements = {
      interrupt: db.prepare(`UPDATE scans SET outcome = 'interrupted', finished_at = ? WHERE outcome = 'running'`),
      beginScan: db.prepare(`INSERT INTO scans (started_at, evaluated_at, outcome, kind) VALUES (?, ?, 'running', ?)`),
      finishScan: db.prepare(
        `UPDATE scans SET finished_at = ?, outcome = ?, summary_json = ?, error = ?, nexus_requests = ?, notary_requests = ? WHERE id = ?`
      ),
      tagIndex: db.prepare(`SELECT image, tag, status, digest, role, fingerprint FROM tags WHERE repository = ?`),
      upsertTag: db.prepare(`
        INSERT INTO tags (repository, image, tag, gun, digest, size, status, role, reason_code, reason, signed_digest,
                          trust_expires, first_seen_at, last_seen_at, status_since, digest_since, last_scan_id, fingerprint)
        VALUES (@repository, @image, @tag, @gun, @digest, @size, @status, @role, @reason_code, @reason, @signed_digest,
                @trust_expires, @at, @at, @at, @at, @last_scan_id, @fingerprint)
        ON CONFLICT (repository, image, tag) DO UPDATE SET
          gun = excluded.gun, digest = excluded.digest, size = excluded.size, status = excluded.status,
          role = excluded.role, reason_code = excluded.reason_code, reason = excluded.reason,
          signed_digest = excluded.signed_digest, trust_expires = excluded.trust_expires,
          last_seen_at = excluded.last_seen_at, last_scan_id = excluded.last_scan_id, fingerprint = excluded.fingerprint,
          status_since = CASE WHEN tags.status IS excluded.status THEN tags.status_since ELSE excluded.status_since END,
          digest_since = CASE WHEN tags.digest IS excluded.digest THEN tags.digest_since ELSE excluded.digest_since END`),
      touchRepository: db.prepare(`UPDATE tags SET last_seen_at = ?, last_scan_id = ? WHERE repository = ?`),
      gunState: db.prepare(`SELECT timestamp_sha256, summary_json FROM gun_state WHERE gun = ?`),
      upsertGunState: db.prepare(`
        INSERT INTO gun_state (gun, timestamp_sha256, summary_json, checked_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (gun) DO UPDATE SET timestamp_sha256 = excluded.timestamp_sha256, summary_json = excluded.summary_json,
          checked_at = excluded.checked_at`),
      deleteGunState: db.prepare(`DELETE FROM gun_state WHERE gun = ?`),
      roleFile: db.prepare(`SELECT bytes FROM role_files WHERE gun = ? AND role = ? AND sha256 = ?`),
      pinnedRootBySha: db.prepare(`SELECT root AS bytes FROM pinned_roots WHERE gun = ? AND sha256 = ?`),
      deleteRoleFiles: db.prepare(`DELETE FROM role_files WHERE gun = ?`),
      insertRoleFile: db.prepare(`INSERT INTO role_files (gun, role, sha256, bytes) VALUES (?, ?, ?, ?)`),
      addHistory: db.prepare(
        `INSERT INTO tag_history (repository, image, tag, scan_id, at, event, status, digest, reason_code, role) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
      ),
      deleteTag: db.prepare(`DELETE FROM tags WHERE repository = ? AND image = ? AND tag = ?`),
      roleVersions: db.prepare(`SELECT role, version, sha256 FROM role_versions WHERE gun = ?`),
      upsertRoleVersion: db.prepare(`
        INSERT INTO role_versions (gun, role, version, sha256, expires, updated_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (gun, role) DO UPDATE SET version = excluded.version, sha256 = excluded.sha256,
          expires = excluded.expires, updated_at = excluded.updated_at
        WHERE excluded.version >= role_versions.version`),
      pinnedRoot: db.prepare(`SELECT root FROM pinned_roots WHERE gun = ?`),
      pinRoot: db.prepare(`
        INSERT INTO pinned_roots (gun, root, version, sha256, pinned_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (gun) DO UPDATE SET root = excluded.root, version = excluded.version, sha256 = excluded.sha256,
          updated_at = excluded.updated_at WHERE excluded.sha256 <> pinned_roots.sha256`),
      insertTrustRole: db.prepare(`INSERT INTO trust_roles (gun, role, version, expires, scan_id) VALUES (?, ?, ?, ?, ?)`),
      deleteTrustRolesOfGun: db.prepare(`DELETE FROM trust_roles WHERE gun = ?`),
      deleteOrphanTrustRoles: db.prepare(`DELETE FROM trust_roles WHERE gun NOT IN (SELECT gun FROM tags)`),
      latestCompleteScan: db.prepare(`SELECT * FROM scans WHERE outcome = 'complete' AND kind = 'audit' ORDER BY id DESC LIMIT 1`),
      latestFinishedScan: db.prepare(
        `SELECT * FROM scans WHERE outcome IN ('complete', 'partial') AND kind = 'audit' ORDER BY id DESC LIMIT 1`
      ),
      recentScans: db.prepare(`SELECT * FROM scans ORDER BY id DESC LIMIT ?`),
      allTags: db.prepare(`SELECT * FROM tags ORDER BY repository, image, tag`),
      oneTag: db.prepare(`SELECT * FROM tags WHERE repository = ? AND image = ? AND tag = ?`),
      trustRoles: db.prepare(`SELECT gun, role, version, expires FROM trust_roles ORDER BY gun, role`),
      tagHistory: db.prepare(`SELECT * FROM tag_history WHERE repository = ? AND image = ? AND tag = ? ORDER BY id`),
    };
  }

  /** Marks scans left 'running' by a killed process as interrupted; returns how many. */
  markInterruptedScans(at: string): number {
    return this.#statements.interrupt.run(at).changes;
  }

  beginScan(startedAt: string, evaluatedAt: string, kind: ScanKind = 'audit'): number {
    return Number(this.#statements.beginScan.run(startedAt, evaluatedAt, kind).lastInsertRowid);
  }

  /** Rollback floors and the pinned root of one GUN: the input of the verification core. */
  loadHistory(gun: string): TrustHistory {
    const roles = new Map<string, RoleVersion>();
    for (const row of this.#statements.roleVersions.all(gun) as { role: string; version: number; sha256: string }[]) {
      roles.set(row.role, { version: row.version, sha256: row.sha256 });
    }
    const pinned = this.#statements.pinnedRoot.get(gun) as { root: Buffer } | undefined;
    return { pinnedRoot: pinned?.root, roles };
  }

  /**
   * Writes one batch: verdicts that changed, and what the batch's GUNs leave
   * behind (rollback floors, pinned roots, their roles and incremental state).
   * One transaction.
   */
  writeBatch(scanId: number, at: string, batch: Batch): void {
    const s = this.#statements;
    this.#db.transaction(() => {
      for (const update of batch.trust) {
        for (const role of update.roles) {
          if (role.sha256 !== '') {
            s.upsertRoleVersion.run(update.gun, role.role, role.version, role.sha256, role.expires.toISOString(), at);
          }
        }
        const root = update.roles.find((role) => role.role === 'root');
        if (root !== undefined) {
          s.pinRoot.run(update.gun, Buffer.from(update.root), root.version, root.sha256, at, at);
        }
      }
      for (const { gun, roles } of batch.trustRoles) {
        s.deleteTrustRolesOfGun.run(gun);
        for (const role of roles) {
          s.insertTrustRole.run(gun, role.role, role.version, role.expires, scanId);
        }
      }
      for (const state of batch.gunStates) {
        s.upsertGunState.run(state.gun, state.timestampSha256, JSON.stringify(state.summary), at);
        if (state.files !== undefined) {
          s.deleteRoleFiles.run(state.gun);
          for (const [role, bytes] of state.files) {
            s.insertRoleFile.run(state.gun, role, sha256Hex(bytes), Buffer.from(bytes));
          }
        }
      }
      for (const gun of batch.clearedGuns) {
        s.deleteGunState.run(gun);
        s.deleteRoleFiles.run(gun);
      }
      for (const write of batch.verdicts) {
        this.#writeVerdict(scanId, at, write);
      }
    })();
  }

  #writeVerdict(scanId: number, at: string, { verdict, previous }: VerdictWrite): void {
    const s = this.#statements;
    s.upsertTag.run({
      repository: verdict.repository,
      image: verdict.image,
      tag: verdict.tag,
      gun: verdict.gun,
      digest: verdict.digest,
      size: verdict.size,
      status: verdict.status,
      role: verdict.role,
      reason_code: verdict.reasonCode,
      reason: verdict.reason,
      signed_digest: verdict.signedDigest,
      trust_expires: verdict.trustExpires,
      at,
      last_scan_id: scanId,
      fingerprint: verdictFingerprint(verdict),
    });
    const history = (event: 'new' | 'status' | 'repushed' | 'role'): void => {
      s.addHistory.run(verdict.repository, verdict.image, verdict.tag, scanId, at, event, verdict.status, verdict.digest, verdict.reasonCode, verdict.role);
    };
    if (previous === undefined) {
      history('new');
      return;
    }
    if (previous.digest !== verdict.digest) {
      history('repushed');
    }
    if (previous.status !== verdict.status) {
      history('status');
    } else if (previous.role !== verdict.role) {
      // Same status from another role: e.g. targets/releases stopped being delegated
      // and the tag is now honoured from targets.
      history('role');
    }
  }

  /** The verdicts the previous scans left for a repository, keyed `image\u0000tag`. */
  loadTagIndex(repository: string): Map<string, IndexedTag> {
    const index = new Map<string, IndexedTag>();
    for (const row of this.#statements.tagIndex.iterate(repository) as IterableIterator<{ image: string; tag: string; status: TagStatus; digest: string | null; role: string | null; fingerprint: string }>) {
      index.set(`${row.image}\u0000${row.tag}`, { status: row.status, digest: row.digest, role: row.role, fingerprint: row.fingerprint });
    }
    return index;
  }

  /**
   * Closes a repository that was listed completely: the tags it no longer has
   * are deleted (with a 'deleted' history row), the others marked seen.
   */
  finishRepository(scanId: number, at: string, repository: string, gone: ReadonlyMap<string, IndexedTag>): void {
    const s = this.#statements;
    this.#db.transaction(() => {
      for (const [key, tag] of gone) {
        const [image, name] = key.split('\u0000') as [string, string];
        s.deleteTag.run(repository, image, name);
        s.addHistory.run(repository, image, name, scanId, at, 'deleted', tag.status, tag.digest, null, tag.role);
      }
      s.touchRepository.run(at, scanId, repository);
    })();
  }

  /** One tag's latest verdict. */
  tag(repository: string, image: string, tag: string): StoredTag | undefined {
    const row = this.#statements.oneTag.get(repository, image, tag) as TagRow | undefined;
    return row === undefined ? undefined : toStoredTag(row);
  }

  /** The incremental state of a GUN: the timestamp its summary came from. */
  gunState(gun: string): { timestampSha256: string; summary: TrustSummary } | undefined {
    const row = this.#statements.gunState.get(gun) as { timestamp_sha256: string; summary_json: string } | undefined;
    return row === undefined ? undefined : { timestampSha256: row.timestamp_sha256, summary: JSON.parse(row.summary_json) as TrustSummary };
  }

  /** Bytes of a role file verified before, if its hash is still the one wanted. */
  roleFile(gun: string, role: string, sha256: string): Uint8Array | undefined {
    // The root is not kept twice: the pinned root is the verified current one.
    const row = (role === 'root' ? this.#statements.pinnedRootBySha.get(gun, sha256) : this.#statements.roleFile.get(gun, role, sha256)) as
      | { bytes: Buffer }
      | undefined;
    return row?.bytes;
  }

  /** Ends a scan; trust roles of GUNs that no tag uses any more are dropped. */
  finishScan(
    scanId: number,
    result: {
      finishedAt: string;
      outcome: ScanOutcome;
      summary: Readonly<Record<string, number>>;
      error: string | null;
      nexusRequests: number;
      notaryRequests: number;
    }
  ): void {
    const s = this.#statements;
    this.#db.transaction(() => {
      s.deleteOrphanTrustRoles.run();
      s.finishScan.run(
        result.finishedAt,
        result.outcome,
        JSON.stringify(result.summary),
        result.error,
        result.nexusRequests,
        result.notaryRequests,
        scanId
      );
    })();
    // Fold the write-ahead log back into the database once per scan, so it does not grow with the registry.
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** The last audit that completed (complete or partial; never a forecast): what metrics and /readyz start from. */
  latestFinishedScan(): ScanRecord | undefined {
    const row = this.#statements.latestFinishedScan.get() as ScanRow | undefined;
    return row === undefined ? undefined : toScanRecord(row);
  }

  /** The last audit in which every source answered (never a forecast). */
  latestCompleteScan(): ScanRecord | undefined {
    const row = this.#statements.latestCompleteScan.get() as ScanRow | undefined;
    return row === undefined ? undefined : toScanRecord(row);
  }

  recentScans(limit: number): ScanRecord[] {
    return (this.#statements.recentScans.all(limit) as ScanRow[]).map(toScanRecord);
  }

  allTags(): StoredTag[] {
    return (this.#statements.allTags.all() as TagRow[]).map(toStoredTag);
  }

  /** Latest verdicts, filtered and paged by keyset (repository, image, tag). */
  queryTags(query: TagQuery): StoredTag[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.status !== undefined) {
      where.push('status = ?');
      params.push(query.status);
    }
    if (query.repository !== undefined) {
      where.push('repository = ?');
      params.push(query.repository);
    }
    if (query.after !== undefined) {
      where.push('(repository, image, tag) > (?, ?, ?)');
      params.push(query.after.repository, query.after.image, query.after.tag);
    }
    const sql = `SELECT * FROM tags ${where.length === 0 ? '' : 'WHERE ' + where.join(' AND ')} ORDER BY repository, image, tag LIMIT ?`;
    return (this.#db.prepare(sql).all(...params, query.limit) as TagRow[]).map(toStoredTag);
  }

  trustRoles(): TrustRoleRecord[] {
    return this.#statements.trustRoles.all() as TrustRoleRecord[];
  }

  tagHistory(repository: string, image: string, tag: string): { event: string; status: string | null; digest: string | null; role: string | null; at: string; scan_id: number }[] {
    return this.#statements.tagHistory.all(repository, image, tag) as { event: string; status: string | null; digest: string | null; role: string | null; at: string; scan_id: number }[];
  }

  /** How many tags have each status now (statuses with none are absent). The status page. */
  countTagsByStatus(): Partial<Record<TagStatus, number>> {
    const counts: Partial<Record<TagStatus, number>> = {};
    for (const row of this.#db.prepare(`SELECT status, count(*) AS n FROM tags GROUP BY status`).all() as { status: TagStatus; n: number }[]) {
      counts[row.status] = row.n;
    }
    return counts;
  }

  /**
   * Latest verdicts with one of `statuses`, in the order of that list (worst
   * first, for the status page), then the most recent change first, then by
   * name; paged by offset, so every tag is on exactly one page.
   */
  tagsInStatusOrder(query: { readonly statuses: readonly TagStatus[]; readonly limit: number; readonly offset: number }): StoredTag[] {
    if (query.statuses.length === 0) {
      return [];
    }
    const marks = query.statuses.map(() => '?').join(', ');
    const rank = query.statuses.map((_, i) => `WHEN ? THEN ${i}`).join(' ');
    const sql = `SELECT * FROM tags WHERE status IN (${marks}) ORDER BY CASE status ${rank} END, status_since DESC, repository, image, tag LIMIT ? OFFSET ?`;
    return (this.#db.prepare(sql).all(...query.statuses, ...query.statuses, query.limit, query.offset) as TagRow[]).map(toStoredTag);
  }

  /**
   * Roles (per GUN) whose expiry is before `instant` (ISO 8601), or before
   * `roleInstants[role]` for the roles named there; soonest first: the first
   * `limit` and how many there are.
   */
  trustRolesExpiringBefore(instant: string, limit: number, roleInstants: Readonly<Record<string, string>> = {}): { readonly total: number; readonly roles: TrustRoleRecord[] } {
    const special = Object.entries(roleInstants);
    const bound = special.length === 0 ? '?' : `CASE role ${special.map(() => 'WHEN ? THEN ?').join(' ')} ELSE ? END`;
    const params = [...special.flat(), instant];
    // Compared as instants, not strings: julianday() reads every ISO 8601 form the roles are stored in.
    const where = `WHERE julianday(expires) < julianday(${bound})`;
    const total = (this.#db.prepare(`SELECT count(*) AS n FROM trust_roles ${where}`).get(...params) as { n: number }).n;
    const roles = this.#db
      .prepare(`SELECT gun, role, version, expires FROM trust_roles ${where} ORDER BY julianday(expires), gun, role LIMIT ?`)
      .all(...params, limit) as TrustRoleRecord[];
    return { total, roles };
  }
}

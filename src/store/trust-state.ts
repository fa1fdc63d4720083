/**
 * What the store keeps per GUN between scans: the rollback floors
 * (`role_versions`) and the pinned root (`pinned_roots`), which are the
 * verification core's history; the incremental state (`gun_state`: the
 * timestamp a summary came from, `role_files`: the verified files behind it);
 * and the roles as last checked (`trust_roles`: the report and the expiry
 * metrics).
 */
import type { TrustRoleRecord } from '../domain/scan.js';
import type { TrustSummary } from '../notary/core/summary.js';
import { sha256Hex } from '../lib/digest.js';
import type { RoleRecord, RoleVersion, TrustHistory } from '../notary/core/verify-collection.js';
import type { Db } from './database.js';

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

export interface GunState {
  readonly timestampSha256: string;
  readonly summary: TrustSummary;
}

export class TrustStateRows {
  readonly #db: Db;
  readonly #statements;

  constructor(db: Db) {
    this.#db = db;
    this.#statements = {
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
      trustRoles: db.prepare(`SELECT gun, role, version, expires FROM trust_roles ORDER BY gun, role`),
    };
  }

  /** Rollback floors and the pinned root of one GUN: the input of the verification core. */
  history(gun: string): TrustHistory {
    const roles = new Map<string, RoleVersion>();
    for (const row of this.#statements.roleVersions.all(gun) as { role: string; version: number; sha256: string }[]) {
      roles.set(row.role, { version: row.version, sha256: row.sha256 });
    }
    const pinned = this.#statements.pinnedRoot.get(gun) as { root: Buffer } | undefined;
    return { pinnedRoot: pinned?.root, roles };
  }

  /** Raises the rollback floors (never lowers them) and re-pins the root. */
  recordVerified(update: TrustUpdate, at: string): void {
    const s = this.#statements;
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

  replaceRoles(scanId: number, gun: string, roles: readonly TrustRoleRecord[]): void {
    this.#statements.deleteTrustRolesOfGun.run(gun);
    for (const role of roles) {
      this.#statements.insertTrustRole.run(gun, role.role, role.version, role.expires, scanId);
    }
  }

  writeGunState(state: GunStateUpdate, at: string): void {
    const s = this.#statements;
    s.upsertGunState.run(state.gun, state.timestampSha256, JSON.stringify(state.summary), at);
    if (state.files !== undefined) {
      s.deleteRoleFiles.run(state.gun);
      for (const [role, bytes] of state.files) {
        s.insertRoleFile.run(state.gun, role, sha256Hex(bytes), Buffer.from(bytes));
      }
    }
  }

  /** A GUN with no trust data any more. */
  clear(gun: string): void {
    this.#statements.deleteGunState.run(gun);
    this.#statements.deleteRoleFiles.run(gun);
  }

  /** The incremental state of a GUN: the timestamp its summary came from. */
  gunState(gun: string): GunState | undefined {
    const row = this.#statements.gunState.get(gun) as { timestamp_sha256: string; summary_json: string } | undefined;
    return row === undefined ? undefined : { timestampSha256: row.timestamp_sha256, summary: JSON.parse(row.summary_json) as TrustSummary };
  }

  /** Bytes of a role file verified before, if its hash is still the one wanted. */
  roleFile(gun: string, role: string, sha256: string): Uint8Array | undefined {
    // The root is not kept twice: the pinned root is the verified current one.
    const statement = role === 'root' ? this.#statements.pinnedRootBySha : this.#statements.roleFile;
    const row = (role === 'root' ? statement.get(gun, sha256) : statement.get(gun, role, sha256)) as { bytes: Buffer } | undefined;
    return row?.bytes;
  }

  /** Trust roles of GUNs that no tag uses any more are dropped. */
  deleteOrphanRoles(): void {
    this.#statements.deleteOrphanTrustRoles.run();
  }

  roles(): TrustRoleRecord[] {
    return this.#statements.trustRoles.all() as TrustRoleRecord[];
  }

  /**
   * Roles (per GUN) whose expiry is before `instant` (ISO 8601), or before
   * `roleInstants[role]` for the roles named there; soonest first: the first
   * `limit` and how many there are.
   */
  expiringBefore(instant: string, limit: number, roleInstants: Readonly<Record<string, string>> = {}): { readonly total: number; readonly roles: TrustRoleRecord[] } {
    const special = Object.entries(roleInstants);
    const bound = special.length === 0 ? '?' : `CASE role ${special.map(() => 'WHEN ? THEN ?').join(' ')} ELSE ? END`;
    const params = [...special.flat(), instant];
    // Compared as instants, not strings: julianday() reads every ISO 8601 form the roles are stored in.
    const where = `WHERE julianday(expires) < julianday(${bound})`;
    const total = (this.#db.prepare(`SELECT count(*) AS n FROM trust_roles ${where}`).get(...params) as { n: number }).n;
    const roles = this.#db.prepare(`SELECT gun, role, version, expires FROM trust_roles ${where} ORDER BY julianday(expires), gun, role LIMIT ?`).all(...params, limit) as TrustRoleRecord[];
    return { total, roles };
  }
}

/**
 * The `tags` and `tag_history` tables: the latest verdict per tag, and every
 * change of it (new, status, repushed, role, deleted), for the API, the status
 * page and the metrics.
 */
import { verdictFingerprint, type IndexedTag, type StoredTag, type VerdictWrite } from '../domain/verdict.js';
import { SIGNATURE_SYSTEMS, systemsOf, type Coverage, type SystemSignature } from '../domain/signatures.js';
import type { TagStatus } from '../notary/core/codes.js';
import type { Db } from './database.js';

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
  signatures_json: string | null;
  coverage: Coverage | null;
  first_seen_at: string;
  last_seen_at: string;
  status_since: string;
  digest_since: string;
  last_scan_id: number;
}

export interface TagQuery {
  readonly status?: TagStatus | undefined;
  /** Contract v1.2: only tags of this coverage. */
  readonly coverage?: Coverage | undefined;
  readonly repository?: string | undefined;
  readonly limit: number;
  /** Keyset cursor: the last (repository, image, tag) of the previous page. */
  readonly after?: { readonly repository: string; readonly image: string; readonly tag: string } | undefined;
}

/** The status page's order: these statuses, worst first; with `coverage` (contract v1.2), only tags of that coverage. */
export interface StatusOrderQuery {
  readonly statuses: readonly TagStatus[];
  readonly coverage?: Coverage | undefined;
  readonly limit: number;
  readonly offset: number;
}

export interface TagHistoryRow {
  readonly event: string;
  readonly status: string | null;
  readonly digest: string | null;
  readonly role: string | null;
  readonly at: string;
  readonly scan_id: number;
  /** Contract v1.2: the coverage after a 'coverage' change, and the systems gained and lost ('+cosign -dct'). */
  readonly coverage: string | null;
  readonly systems: string | null;
}

type HistoryEvent = 'new' | 'status' | 'repushed' | 'role' | 'deleted' | 'coverage';

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
    ...(row.signatures_json === null ? {} : { signatures: JSON.parse(row.signatures_json) as SystemSignature[], coverage: row.coverage ?? 'none' }),
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    statusSince: row.status_since,
    digestSince: row.digest_since,
    lastScanId: row.last_scan_id,
  };
}

/**
 * The systems a tag gained and lost ('+cosign -dct'), or undefined when its
 * verified set is the same (or it was not audited beyond DCT before).
 */
function coverageChange(previous: Coverage | null, now: Coverage | undefined): string | undefined {
  if (previous === null || now === undefined || now === previous) {
    return undefined;
  }
  const before = new Set(systemsOf(previous));
  const after = new Set(systemsOf(now));
  const gained = SIGNATURE_SYSTEMS.filter((system) => after.has(system) && !before.has(system)).map((system) => `+${system}`);
  const lost = SIGNATURE_SYSTEMS.filter((system) => before.has(system) && !after.has(system)).map((system) => `-${system}`);
  return [...gained, ...lost].join(' ');
}

/** A tag of a repository, by name. */
export interface TagName {
  readonly image: string;
  readonly tag: string;
}

/** A stored tag the scan did not list, with what change detection compares with. */
export interface UnlistedTag extends TagName {
  readonly indexed: IndexedTag;
}

/** Stored tags of the repository that the scan did not list (`t` is the `tags` row). */
const UNLISTED = `NOT EXISTS (SELECT 1 FROM listed_tags l WHERE l.scan_id = @scanId AND l.repository = t.repository AND l.image = t.image AND l.tag = t.tag)`;

export class VerdictRows {
  readonly #db: Db;
  readonly #statements;

  constructor(db: Db) {
    this.#db = db;
    // What a scan listed per repository, so the tags it no longer has are found by a
    // query instead of holding every stored tag in memory. TEMP: per connection, never on disk.
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS listed_tags (
      scan_id INTEGER NOT NULL, repository TEXT NOT NULL, image TEXT NOT NULL, tag TEXT NOT NULL,
      PRIMARY KEY (scan_id, repository, image, tag)) WITHOUT ROWID`);
    this.#statements = {
      markListed: db.prepare(`INSERT OR IGNORE INTO listed_tags (scan_id, repository, image, tag) VALUES (?, ?, ?, ?)`),
      forgetListed: db.prepare(`DELETE FROM listed_tags WHERE scan_id = ? AND repository = ?`),
      countUnlisted: db.prepare(`SELECT count(*) AS n FROM tags t WHERE t.repository = @repository AND ${UNLISTED}`),
      firstUnlisted: db.prepare(
        `SELECT image, tag, status, digest, role, coverage, fingerprint FROM tags t WHERE t.repository = @repository AND ${UNLISTED} ORDER BY image, tag LIMIT @limit`
      ),
      nextUnlisted: db.prepare(
        `SELECT image, tag, status, digest, role, coverage, fingerprint FROM tags t WHERE t.repository = @repository AND (image, tag) > (@image, @tag) AND ${UNLISTED} ORDER BY image, tag LIMIT @limit`
      ),
      historyOfUnlisted: db.prepare(`
        INSERT INTO tag_history (repository, image, tag, scan_id, at, event, status, digest, reason_code, role)
        SELECT repository, image, tag, @scanId, @at, 'deleted', status, digest, NULL, role FROM tags t
        WHERE t.repository = @repository AND ${UNLISTED} ORDER BY image, tag`),
      deleteUnlisted: db.prepare(`DELETE FROM tags AS t WHERE t.repository = @repository AND ${UNLISTED}`),
      ofGun: db.prepare(`SELECT repository, image, tag FROM tags WHERE gun = ? ORDER BY repository, image, tag`),
      serving: db.prepare(`SELECT tag FROM tags WHERE repository = ? AND image = ? AND digest = ? ORDER BY tag`),
      fingerprintOne: db.prepare(`SELECT fingerprint FROM tags WHERE repository = ? AND image = ? AND tag = ?`),
      indexedOne: db.prepare(`SELECT status, digest, role, coverage, fingerprint FROM tags WHERE repository = ? AND image = ? AND tag = ?`),
      upsert: db.prepare(`
        INSERT INTO tags (repository, image, tag, gun, digest, size, status, role, reason_code, reason, signed_digest,
                          trust_expires, signatures_json, coverage, first_seen_at, last_seen_at, status_since, digest_since, last_scan_id, fingerprint)
        VALUES (@repository, @image, @tag, @gun, @digest, @size, @status, @role, @reason_code, @reason, @signed_digest,
                @trust_expires, @signatures_json, @coverage, @at, @at, @at, @at, @last_scan_id, @fingerprint)
        ON CONFLICT (repository, image, tag) DO UPDATE SET
          gun = excluded.gun, digest = excluded.digest, size = excluded.size, status = excluded.status,
          role = excluded.role, reason_code = excluded.reason_code, reason = excluded.reason,
          signed_digest = excluded.signed_digest, trust_expires = excluded.trust_expires,
          signatures_json = excluded.signatures_json, coverage = excluded.coverage,
          last_seen_at = excluded.last_seen_at, last_scan_id = excluded.last_scan_id, fingerprint = excluded.fingerprint,
          status_since = CASE WHEN tags.status IS excluded.status THEN tags.status_since ELSE excluded.status_since END,
          digest_since = CASE WHEN tags.digest IS excluded.digest THEN tags.digest_since ELSE excluded.digest_since END`),
      touchRepository: db.prepare(`UPDATE tags SET last_seen_at = ?, last_scan_id = ? WHERE repository = ?`),
      addHistory: db.prepare(`INSERT INTO tag_history (repository, image, tag, scan_id, at, event, status, digest, reason_code, role) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      addCoverageHistory: db.prepare(
        `INSERT INTO tag_history (repository, image, tag, scan_id, at, event, status, digest, reason_code, role, coverage, systems) VALUES (?, ?, ?, ?, ?, 'coverage', ?, ?, ?, ?, ?, ?)`
      ),
      delete: db.prepare(`DELETE FROM tags WHERE repository = ? AND image = ? AND tag = ?`),
      all: db.prepare(`SELECT * FROM tags ORDER BY repository, image, tag`),
      one: db.prepare(`SELECT * FROM tags WHERE repository = ? AND image = ? AND tag = ?`),
      history: db.prepare(`SELECT * FROM tag_history WHERE repository = ? AND image = ? AND tag = ? ORDER BY id`),
      countByStatus: db.prepare(`SELECT status, count(*) AS n FROM tags GROUP BY status`),
      countByStatusOfCoverage: db.prepare(`SELECT status, count(*) AS n FROM tags WHERE coverage = ? GROUP BY status`),
      countByCoverage: db.prepare(`SELECT coverage, count(*) AS n FROM tags WHERE coverage IS NOT NULL GROUP BY coverage`),
    };
  }

  /** The stored row is still what `previous` says was read (absent both, or the same fingerprint). */
  unchangedSince({ verdict, previous }: VerdictWrite): boolean {
    const row = this.#statements.fingerprintOne.get(verdict.repository, verdict.image, verdict.tag) as { fingerprint: string } | undefined;
    return row?.fingerprint === previous?.fingerprint;
  }

  /** Writes a changed verdict and the history events the change amounts to. */
  write(scanId: number, at: string, { verdict, previous }: VerdictWrite): void {
    const s = this.#statements;
    s.upsert.run({
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
      signatures_json: verdict.signatures === undefined ? null : JSON.stringify(verdict.signatures),
      coverage: verdict.coverage ?? null,
      at,
      last_scan_id: scanId,
      fingerprint: verdictFingerprint(verdict),
    });
    const history = (event: HistoryEvent): void => {
      s.addHistory.run(verdict.repository, verdict.image, verdict.tag, scanId, at, event, verdict.status, verdict.digest, verdict.reasonCode, verdict.role);
    };
    if (previous === undefined) {
      history('new');
      return;
    }
    const systems = coverageChange(previous.coverage ?? null, verdict.coverage);
    if (systems !== undefined && verdict.coverage !== undefined) {
      s.addCoverageHistory.run(verdict.repository, verdict.image, verdict.tag, scanId, at, verdict.status, verdict.digest, verdict.reasonCode, verdict.role, verdict.coverage, systems);
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

  /** Records tags as listed by a scan (see `closeRepository`, `unlisted`). */
  markListed(scanId: number, repository: string, tags: readonly TagName[]): void {
    for (const { image, tag } of tags) {
      this.#statements.markListed.run(scanId, repository, image, tag);
    }
  }

  /** Forgets which tags of the repository the scan listed. */
  forgetListed(scanId: number, repository: string): void {
    this.#statements.forgetListed.run(scanId, repository);
  }

  /** How many stored tags of the repository the scan did not list. */
  countUnlisted(scanId: number, repository: string): number {
    return (this.#statements.countUnlisted.get({ scanId, repository }) as { n: number }).n;
  }

  /** Up to `limit` stored tags of the repository the scan did not list, in (image, tag) order after `after`. */
  unlisted(scanId: number, repository: string, after: TagName | undefined, limit: number): UnlistedTag[] {
    type Row = { image: string; tag: string; status: TagStatus; digest: string | null; role: string | null; coverage: Coverage | null; fingerprint: string };
    const s = this.#statements;
    const rows = (after === undefined ? s.firstUnlisted.all({ scanId, repository, limit }) : s.nextUnlisted.all({ scanId, repository, limit, ...after })) as Row[];
    return rows.map((row) => ({ image: row.image, tag: row.tag, indexed: { status: row.status, digest: row.digest, role: row.role, coverage: row.coverage, fingerprint: row.fingerprint } }));
  }

  /**
   * Deletes the tags of a completely listed repository the scan did not list
   * (each with a 'deleted' row), marks the rest seen; how many were deleted.
   */
  closeRepository(scanId: number, at: string, repository: string): number {
    const s = this.#statements;
    s.historyOfUnlisted.run({ scanId, at, repository });
    const deleted = s.deleteUnlisted.run({ scanId, repository }).changes;
    s.touchRepository.run(at, scanId, repository);
    return deleted;
  }

  /** Deletes tags, each with a 'deleted' history row recording what it was. */
  deleteTags(scanId: number, at: string, repository: string, gone: readonly { readonly image: string; readonly tag: string; readonly previous: IndexedTag }[]): void {
    const s = this.#statements;
    for (const { image, tag, previous } of gone) {
      s.delete.run(repository, image, tag);
      s.addHistory.run(repository, image, tag, scanId, at, 'deleted', previous.status, previous.digest, null, previous.role);
    }
  }

  /** The tags whose trust data is that GUN's. */
  ofGun(gun: string): { repository: string; image: string; tag: string }[] {
    return this.#statements.ofGun.all(gun) as { repository: string; image: string; tag: string }[];
  }

  /** The tags of an image that serve `digest`. */
  serving(repository: string, image: string, digest: string): string[] {
    return (this.#statements.serving.all(repository, image, digest) as { tag: string }[]).map((row) => row.tag);
  }

  /** One tag's entry of the index, for change detection outside a scan. */
  indexed(repository: string, image: string, tag: string): IndexedTag | undefined {
    return this.#statements.indexedOne.get(repository, image, tag) as IndexedTag | undefined;
  }

  one(repository: string, image: string, tag: string): StoredTag | undefined {
    const row = this.#statements.one.get(repository, image, tag) as TagRow | undefined;
    return row === undefined ? undefined : toStoredTag(row);
  }

  all(): StoredTag[] {
    return (this.#statements.all.all() as TagRow[]).map(toStoredTag);
  }

  /** Latest verdicts, filtered and paged by keyset (repository, image, tag). */
  query(query: TagQuery): StoredTag[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.status !== undefined) {
      where.push('status = ?');
      params.push(query.status);
    }
    if (query.coverage !== undefined) {
      where.push('coverage = ?');
      params.push(query.coverage);
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

  history(repository: string, image: string, tag: string): TagHistoryRow[] {
    return this.#statements.history.all(repository, image, tag) as TagHistoryRow[];
  }

  /** How many tags have each status now (statuses with none are absent); with `coverage`, among the tags of that coverage only. */
  countByStatus(coverage?: Coverage): Partial<Record<TagStatus, number>> {
    const counts: Partial<Record<TagStatus, number>> = {};
    const rows = coverage === undefined ? this.#statements.countByStatus.all() : this.#statements.countByStatusOfCoverage.all(coverage);
    for (const row of rows as { status: TagStatus; n: number }[]) {
      counts[row.status] = row.n;
    }
    return counts;
  }

  /** Contract v1.2: how many tags have each coverage now (tags audited by DCT alone, and coverages with none, are absent). */
  countByCoverage(): Partial<Record<Coverage, number>> {
    const counts: Partial<Record<Coverage, number>> = {};
    for (const row of this.#statements.countByCoverage.all() as { coverage: Coverage; n: number }[]) {
      counts[row.coverage] = row.n;
    }
    return counts;
  }

  /**
   * Latest verdicts with one of `statuses`, in the order of that list (worst
   * first, for the status page), then the most recent change first, then by
   * name; paged by offset, so every tag is on exactly one page.
   */
  inStatusOrder(query: StatusOrderQuery): StoredTag[] {
    if (query.statuses.length === 0) {
      return [];
    }
    const marks = query.statuses.map(() => '?').join(', ');
    const rank = query.statuses.map((_, i) => `WHEN ? THEN ${i}`).join(' ');
    const ofCoverage = query.coverage === undefined ? '' : ' AND coverage = ?';
    const sql = `SELECT * FROM tags WHERE status IN (${marks})${ofCoverage} ORDER BY CASE status ${rank} END, status_since DESC, repository, image, tag LIMIT ? OFFSET ?`;
    const params = [...query.statuses, ...(query.coverage === undefined ? [] : [query.coverage]), ...query.statuses, query.limit, query.offset];
    return (this.#db.prepare(sql).all(...params) as TagRow[]).map(toStoredTag);
  }
}

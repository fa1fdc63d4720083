/**
 * The audit database behind one facade: scans (`scans.ts`), verdicts and
 * their history (`verdicts.ts`) and what is kept per GUN between scans
 * (`trust-state.ts`). Statements are prepared once; every write method is one
 * transaction, so a killed process leaves whole batches, never half of one.
 */
import type { ScanKind, ScanRecord, TrustRoleRecord } from '../domain/scan.js';
import type { IndexedTag, StoredTag, VerdictWrite } from '../domain/verdict.js';
import type { Coverage } from '../domain/signatures.js';
import type { TagStatus } from '../notary/core/codes.js';
import type { TrustHistory } from '../notary/core/verify-collection.js';
import type { Db } from './database.js';
import { ScanRows, type FinishedScan } from './scans.js';
import { SignatureEvidenceRows, type SignatureEvidence } from './signature-evidence.js';
import { TrustStateRows, type GunState, type GunStateUpdate, type TrustUpdate } from './trust-state.js';
import { VerdictRows, type StatusOrderQuery, type TagHistoryRow, type TagName, type TagQuery, type UnlistedTag } from './verdicts.js';

export type { FinishedScan } from './scans.js';
export type { GunState, GunStateUpdate, TrustUpdate } from './trust-state.js';
export type { StatusOrderQuery, TagHistoryRow, TagName, TagQuery, UnlistedTag } from './verdicts.js';

/** What one write of a scan carries: changed verdicts and what its GUNs leave behind. */
export interface Batch {
  readonly verdicts: readonly VerdictWrite[];
  readonly trust: readonly TrustUpdate[];
  /** Per GUN checked this scan, its roles now (empty: no trust data any more). GUNs that failed to fetch keep theirs. */
  readonly trustRoles: readonly { readonly gun: string; readonly roles: readonly TrustRoleRecord[] }[];
  readonly gunStates: readonly GunStateUpdate[];
  /** GUNs that have no trust data any more. */
  readonly clearedGuns: readonly string[];
}

export class ScanStore {
  readonly #db: Db;
  readonly scans: ScanRows;
  readonly verdicts: VerdictRows;
  readonly trust: TrustStateRows;
  readonly signatureEvidenceRows: SignatureEvidenceRows;

  constructor(db: Db) {
    this.#db = db;
    this.scans = new ScanRows(db);
    this.verdicts = new VerdictRows(db);
    this.trust = new TrustStateRows(db);
    this.signatureEvidenceRows = new SignatureEvidenceRows(db);
  }

  /** The tags of an image that serve `digest` (a signature artifact of it was pushed or deleted). */
  tagsServing(repository: string, image: string, digest: string): string[] {
    return this.verdicts.serving(repository, image, digest);
  }

  /** What cosign and Notation verified for a digest, and what led to it (contract v1.2). */
  signatureEvidence(repository: string, image: string, digest: string): SignatureEvidence | undefined {
    return this.signatureEvidenceRows.one(repository, image, digest);
  }

  saveSignatureEvidence(repository: string, image: string, digest: string, evidence: SignatureEvidence, at: string): void {
    this.signatureEvidenceRows.save(repository, image, digest, evidence, at);
  }

  /** Runs `work` in one transaction: all of its writes, or none. */
  transaction<T>(work: () => T): T {
    return this.#db.transaction(work)();
  }

  /** Marks scans left 'running' by a killed process as interrupted; returns how many. */
  markInterruptedScans(at: string): number {
    return this.scans.markInterrupted(at);
  }

  beginScan(startedAt: string, evaluatedAt: string, kind: ScanKind = 'audit'): number {
    return this.scans.begin(startedAt, evaluatedAt, kind);
  }

  /** Rollback floors and the pinned root of one GUN: the input of the verification core. */
  loadHistory(gun: string): TrustHistory {
    return this.trust.history(gun);
  }

  /** Writes one batch in one transaction: changed verdicts, and what the batch's GUNs leave behind. */
  writeBatch(scanId: number, at: string, batch: Batch): void {
    this.#writeBatch(scanId, at, batch, true);
  }

  /**
   * `scanWrite`: a scan's verdict is not written over a row that changed since
   * the scan read it. A scan judges from what it read at listing time, so an
   * event audit that wrote in between (a `.sig` pushed, trust data published)
   * knows more; the next scan judges the tag again. An event's verdict is
   * always written.
   */
  #writeBatch(scanId: number, at: string, batch: Batch, scanWrite: boolean): void {
    this.transaction(() => {
      for (const update of batch.trust) {
        this.trust.recordVerified(update, at);
      }
      for (const { gun, roles } of batch.trustRoles) {
        this.trust.replaceRoles(scanId, gun, roles);
      }
      for (const state of batch.gunStates) {
        this.trust.writeGunState(state, at);
      }
      for (const gun of batch.clearedGuns) {
        this.trust.clear(gun);
      }
      for (const write of batch.verdicts) {
        if (!scanWrite || this.verdicts.unchangedSince(write)) {
          this.verdicts.write(scanId, at, write);
        }
      }
    });
  }

  /** Records tags a scan listed in a repository (one transaction for the lot). */
  markListed(scanId: number, repository: string, tags: readonly TagName[]): void {
    this.transaction(() => this.verdicts.markListed(scanId, repository, tags));
  }

  /** How many stored tags of the repository the scan did not list (a forecast's deleted tags). */
  countUnlisted(scanId: number, repository: string): number {
    return this.verdicts.countUnlisted(scanId, repository);
  }

  /** Up to `limit` stored tags of the repository the scan did not list, in (image, tag) order after `after`. */
  unlistedTags(scanId: number, repository: string, after: TagName | undefined, limit: number): UnlistedTag[] {
    return this.verdicts.unlisted(scanId, repository, after, limit);
  }

  /** Closes a repository that was listed completely: the tags it no longer has are deleted, the others marked seen; how many were deleted. */
  finishRepository(scanId: number, at: string, repository: string): number {
    return this.transaction(() => {
      const deleted = this.verdicts.closeRepository(scanId, at, repository);
      this.signatureEvidenceRows.forgetUnused(repository);
      return deleted;
    });
  }

  /** Forgets which tags of the repository the scan listed. */
  forgetListed(scanId: number, repository: string): void {
    this.verdicts.forgetListed(scanId, repository);
  }

  /**
   * Verdicts found between scans (an event): written as one batch attributed
   * to the audit in progress or the last one; false when no audit has begun
   * yet (the caller waits for the first).
   */
  writeBetweenScans(at: string, batch: Batch): boolean {
    const scanId = this.scans.latestAuditId();
    if (scanId === undefined) {
      return false;
    }
    this.#writeBatch(scanId, at, batch, false);
    return true;
  }

  /** Tags deleted in Nexus between scans (an event), each with a 'deleted' history row; how many were known. */
  forgetTags(at: string, repository: string, tags: readonly { readonly image: string; readonly tag: string }[]): number {
    const scanId = this.scans.latestAuditId();
    if (scanId === undefined) {
      return 0;
    }
    const gone = tags.flatMap(({ image, tag }) => {
      const previous = this.verdicts.indexed(repository, image, tag);
      return previous === undefined ? [] : [{ image, tag, previous }];
    });
    this.transaction(() => this.verdicts.deleteTags(scanId, at, repository, gone));
    return gone.length;
  }

  /** The tags whose trust data is that GUN's (a changefeed record names a GUN). */
  tagsOfGun(gun: string): { repository: string; image: string; tag: string }[] {
    return this.verdicts.ofGun(gun);
  }

  /** One tag's entry of the change-detection index. */
  indexedTag(repository: string, image: string, tag: string): IndexedTag | undefined {
    return this.verdicts.indexed(repository, image, tag);
  }

  /** One tag's latest verdict. */
  tag(repository: string, image: string, tag: string): StoredTag | undefined {
    return this.verdicts.one(repository, image, tag);
  }

  gunState(gun: string): GunState | undefined {
    return this.trust.gunState(gun);
  }

  roleFile(gun: string, role: string, sha256: string): Uint8Array | undefined {
    return this.trust.roleFile(gun, role, sha256);
  }

  /** Ends a scan; trust roles of GUNs that no tag uses any more are dropped. */
  finishScan(scanId: number, result: FinishedScan): void {
    this.transaction(() => {
      this.trust.deleteOrphanRoles();
      this.scans.finish(scanId, result);
    });
    // Fold the write-ahead log back into the database once per scan, so it does not grow with the registry.
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** The last audit that completed (complete or partial; never a forecast): what metrics and /readyz start from. */
  latestFinishedScan(): ScanRecord | undefined {
    return this.scans.latestFinished();
  }

  /** The last audit in which every source answered (never a forecast). */
  latestCompleteScan(): ScanRecord | undefined {
    return this.scans.latestComplete();
  }

  recentScans(limit: number): ScanRecord[] {
    return this.scans.recent(limit);
  }

  allTags(): StoredTag[] {
    return this.verdicts.all();
  }

  queryTags(query: TagQuery): StoredTag[] {
    return this.verdicts.query(query);
  }

  trustRoles(): TrustRoleRecord[] {
    return this.trust.roles();
  }

  tagHistory(repository: string, image: string, tag: string): TagHistoryRow[] {
    return this.verdicts.history(repository, image, tag);
  }

  countTagsByStatus(coverage?: Coverage): Partial<Record<TagStatus, number>> {
    return this.verdicts.countByStatus(coverage);
  }

  countTagsByCoverage(): Partial<Record<Coverage, number>> {
    return this.verdicts.countByCoverage();
  }

  tagsInStatusOrder(query: StatusOrderQuery): StoredTag[] {
    return this.verdicts.inStatusOrder(query);
  }

  trustRolesExpiringBefore(instant: string, limit: number, roleInstants: Readonly<Record<string, string>> = {}): { readonly total: number; readonly roles: TrustRoleRecord[] } {
    return this.trust.expiringBefore(instant, limit, roleInstants);
  }
}

/** The `scans` table: one row per scan, from `running` to its outcome. */
import type { ScanKind, ScanOutcome, ScanRecord } from '../domain/scan.js';
import type { Db } from './database.js';

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

export interface FinishedScan {
  readonly finishedAt: string;
  readonly outcome: ScanOutcome;
  readonly summary: Readonly<Record<string, number>>;
  readonly error: string | null;
  readonly nexusRequests: number;
  readonly notaryRequests: number;
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

export class ScanRows {
  readonly #statements;

  constructor(db: Db) {
    this.#statements = {
      interrupt: db.prepare(`UPDATE scans SET outcome = 'interrupted', finished_at = ? WHERE outcome = 'running'`),
      begin: db.prepare(`INSERT INTO scans (started_at, evaluated_at, outcome, kind) VALUES (?, ?, 'running', ?)`),
      finish: db.prepare(`UPDATE scans SET finished_at = ?, outcome = ?, summary_json = ?, error = ?, nexus_requests = ?, notary_requests = ? WHERE id = ?`),
      latestComplete: db.prepare(`SELECT * FROM scans WHERE outcome = 'complete' AND kind = 'audit' ORDER BY id DESC LIMIT 1`),
      latestFinished: db.prepare(`SELECT * FROM scans WHERE outcome IN ('complete', 'partial') AND kind = 'audit' ORDER BY id DESC LIMIT 1`),
      recent: db.prepare(`SELECT * FROM scans ORDER BY id DESC LIMIT ?`),
      latestAuditId: db.prepare(`SELECT max(id) AS id FROM scans WHERE kind = 'audit'`),
    };
  }

  markInterrupted(at: string): number {
    return this.#statements.interrupt.run(at).changes;
  }

  begin(startedAt: string, evaluatedAt: string, kind: ScanKind): number {
    return Number(this.#statements.begin.run(startedAt, evaluatedAt, kind).lastInsertRowid);
  }

  finish(scanId: number, result: FinishedScan): void {
    this.#statements.finish.run(result.finishedAt, result.outcome, JSON.stringify(result.summary), result.error, result.nexusRequests, result.notaryRequests, scanId);
  }

  latestFinished(): ScanRecord | undefined {
    const row = this.#statements.latestFinished.get() as ScanRow | undefined;
    return row === undefined ? undefined : toScanRecord(row);
  }

  latestComplete(): ScanRecord | undefined {
    const row = this.#statements.latestComplete.get() as ScanRow | undefined;
    return row === undefined ? undefined : toScanRecord(row);
  }

  /** The audit in progress, or the last one: what a verdict recorded between scans is attributed to. */
  latestAuditId(): number | undefined {
    return (this.#statements.latestAuditId.get() as { id: number | null }).id ?? undefined;
  }

  recent(limit: number): ScanRecord[] {
    return (this.#statements.recent.all(limit) as ScanRow[]).map(toScanRecord);
  }
}

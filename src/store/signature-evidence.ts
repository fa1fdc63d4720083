/**
 * The `signature_evidence` table (contract v1.2): what cosign and Notation
 * verified for a digest, with the key of what led to it, so that a rescan
 * where nothing changed reuses it instead of fetching and verifying again.
 */
import type { SystemSignature } from '../domain/signatures.js';
import type { Db } from './database.js';

export interface SignatureEvidence {
  readonly source: string;
  readonly entries: readonly SystemSignature[];
  readonly validUntil: string | null;
}

export class SignatureEvidenceRows {
  readonly #statements;

  constructor(db: Db) {
    this.#statements = {
      one: db.prepare(`SELECT source, entries_json, valid_until FROM signature_evidence WHERE repository = ? AND image = ? AND digest = ?`),
      save: db.prepare(`
        INSERT INTO signature_evidence (repository, image, digest, source, entries_json, valid_until, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (repository, image, digest) DO UPDATE SET
          source = excluded.source, entries_json = excluded.entries_json, valid_until = excluded.valid_until, updated_at = excluded.updated_at`),
      // Evidence of digests no tag of the repository points to any more (re-pushed or deleted tags).
      forgetUnused: db.prepare(`
        DELETE FROM signature_evidence AS e WHERE e.repository = ?
          AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.repository = e.repository AND t.image = e.image AND t.digest = e.digest)`),
    };
  }

  one(repository: string, image: string, digest: string): SignatureEvidence | undefined {
    const row = this.#statements.one.get(repository, image, digest) as { source: string; entries_json: string; valid_until: string | null } | undefined;
    return row === undefined ? undefined : { source: row.source, entries: JSON.parse(row.entries_json) as SystemSignature[], validUntil: row.valid_until };
  }

  save(repository: string, image: string, digest: string, evidence: SignatureEvidence, at: string): void {
    this.#statements.save.run(repository, image, digest, evidence.source, JSON.stringify(evidence.entries), evidence.validUntil, at);
  }

  forgetUnused(repository: string): number {
    return this.#statements.forgetUnused.run(repository).changes;
  }
}

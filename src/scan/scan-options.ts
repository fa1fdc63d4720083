/** The scan's interface: what it needs, what it is told, who hears its findings and what it returns. */
import type { ScanOutcome, ScanSummary, TrustRoleRecord } from '../domain/scan.js';
import type { TagVerdictRecord } from '../domain/verdict.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Batch } from '../store/scan-store.js';
import type { ArtifactSource, RepositorySource, TrustSource } from './ports.js';
import type { VerdictState } from './repository-audit.js';
import type { RepositoryTarget } from './repositories.js';
import type { SignatureVerifiers, SignatureStatePort } from './signature-checker.js';
import type { SourceError } from './tally.js';
import type { TrustState } from './trust-checker.js';
import type { CollectionVerifier } from './verifier.js';

/** What a scan needs of the store. */
export interface ScanStorePort extends TrustState, VerdictState, SignatureStatePort {
  beginScan(startedAt: string, evaluatedAt: string, kind: 'audit' | 'forecast'): number;
  writeBatch(scanId: number, at: string, batch: Batch): void;
  finishScan(scanId: number, result: { finishedAt: string; outcome: ScanOutcome; summary: ScanSummary; error: string | null; nexusRequests: number; notaryRequests: number }): void;
}

export interface ScanDependencies {
  readonly nexus: RepositorySource;
  readonly notary: TrustSource;
  /** The registry API of a repository: digests REST does not give, the sample, and the signatures of contract v1.2. */
  readonly registryFor: (repository: string) => ArtifactSource;
  readonly store: ScanStorePort;
  readonly clock: Clock;
  readonly log: Logger;
  /** Where collections are verified (default: in this thread). */
  readonly verifier?: CollectionVerifier;
}

/** Who hears the scan's findings as they are made (the CLI's report; the daemon reads the database instead). */
export interface ScanListener {
  verdict(verdict: TagVerdictRecord): void;
  /** The roles of one GUN checked. */
  trustRoles(roles: readonly TrustRoleRecord[]): void;
}

export interface ScanOptions {
  /** Configured repositories; undefined: every Docker repository Nexus lists. */
  readonly repositories: readonly RepositoryTarget[] | undefined;
  /** Tags per scan whose REST digest is double-checked against the registry API. */
  readonly registrySample: number;
  /** Evaluate expiry at this instant instead of now (`--at`): a forecast, which writes nothing but its own scan row. */
  readonly evaluateAt?: Date | undefined;
  /** Trust collections fetched at once. */
  readonly concurrency?: number;
  /** `expiryWarningDays` in milliseconds: roles expiring this soon are listed in `expiringSoon`. */
  readonly expiryWarningMs?: number;
  /** Bytes of trust data the scan may hold at once, fetched and not yet written: a collection that does not fit is that GUN's `error`. */
  readonly inFlightBytes?: number;
  readonly signal?: AbortSignal | undefined;
  /** Changed verdicts per database transaction. */
  readonly batchSize?: number;
  readonly progressIntervalMs?: number;
  readonly listener?: ScanListener;
  /** Contract v1.2, when the configuration has `signatures`: each policy's verifiers by name. */
  readonly signatures?: SignatureAuditPlan | undefined;
}

/** How the scan audits signatures beyond DCT (contract v1.2). */
export interface SignatureAuditPlan {
  readonly policies: ReadonlyMap<string, SignatureVerifiers>;
}

export interface ScanResult {
  readonly scanId: number;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly evaluatedAt: Date;
  readonly outcome: ScanOutcome;
  readonly summary: ScanSummary;
  /** Roles that expire within `expiryWarningMs` of the evaluation instant, soonest first (the roles the server renews left out). */
  readonly expiringSoon: readonly TrustRoleRecord[];
  /** A repository could not be listed (or Nexus not reached): the audit is incomplete. */
  readonly nexusFailed: boolean;
  readonly problems: readonly string[];
  readonly nexusRequests: number;
  readonly notaryRequests: number;
  readonly tagsJudged: number;
  readonly verdictsWritten: number;
  readonly deletedTags: number;
  /** Images whose timestamp was unchanged, so nothing else was fetched or verified. */
  readonly unchangedImages: number;
  /** The failures of this scan by source and reason (for metrics). */
  readonly sourceErrors: readonly SourceError[];
  /** Contract v1.2: per repository, whether its referrers came from the API or the fallback tags. */
  readonly referrersModes: Readonly<Record<string, 'api' | 'tag_fallback'>>;
}

/** A scan as a value: its outcome, its per-status tally and its stored record. */
import type { TagStatus } from '../notary/core/codes.js';

export type ScanOutcome = 'complete' | 'partial' | 'failed';

/** 'forecast': a scan with `--at`, which changes nothing but its own row. */
export type ScanKind = 'audit' | 'forecast';

export type ScanSummary = Record<TagStatus | 'skipped', number>;

/** In the contract's order (the JSON report's `summary`). */
const SUMMARY_KEYS = ['signed', 'unsigned', 'digest_mismatch', 'expired', 'invalid', 'error', 'skipped'] as const satisfies readonly (keyof ScanSummary)[];

export function emptySummary(): ScanSummary {
  return Object.fromEntries(SUMMARY_KEYS.map((key) => [key, 0])) as ScanSummary;
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
  readonly kind: ScanKind;
}

/** One role of one GUN as the last check found it (the report's `trust`, the expiry metrics). */
export interface TrustRoleRecord {
  readonly gun: string;
  readonly role: string;
  readonly version: number;
  readonly expires: string;
}

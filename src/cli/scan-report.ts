/** The `scan` outputs: the contract's JSON report and the human table, and the exit status. */
import type { TrustRoleRecord } from '../domain/scan.js';
import type { TagVerdictRecord } from '../domain/verdict.js';
import type { ScanListener, ScanResult } from '../scan/scanner.js';
import { contractTag } from '../scan/tag-json.js';
import { formatInstant } from '../lib/instant.js';
import { renderTable, terminalSafe } from './format.js';

export const SCAN_EXIT = { ok: 0, findings: 1, usage: 2, incomplete: 3 } as const;

/** 0 all signed; 1 findings (including per-tag Notary errors); 3 Nexus or the database failed. */
export function scanExitStatus(result: ScanResult): number {
  if (result.outcome === 'failed' || result.nexusFailed) {
    return SCAN_EXIT.incomplete;
  }
  const findings = result.tagsJudged !== result.summary.signed;
  return findings || result.outcome !== 'complete' ? SCAN_EXIT.findings : SCAN_EXIT.ok;
}

/** Tags listed one per line in the human output when the registry is small; findings always are. */
const LIST_ALL_UP_TO = 200;

/**
 * What the report lists, collected while the scan runs: 'all' keeps every tag
 * (the JSON report); 'findings' keeps every tag while there are at most 200,
 * then only those not signed (the human table), so a large registry's signed
 * tags are never held in memory.
 */
export class ScanReport implements ScanListener {
  readonly #mode: 'all' | 'findings';
  readonly #tags: TagVerdictRecord[] = [];
  readonly #trust: TrustRoleRecord[] = [];
  #heard = 0;

  constructor(mode: 'all' | 'findings') {
    this.#mode = mode;
  }

  verdict(verdict: TagVerdictRecord): void {
    this.#heard++;
    if (this.#mode === 'all' || verdict.status !== 'signed' || this.#heard <= LIST_ALL_UP_TO) {
      this.#tags.push(verdict);
    }
  }

  trustRoles(roles: readonly TrustRoleRecord[]): void {
    if (this.#mode === 'all') {
      this.#trust.push(...roles);
    }
  }

  /** The tags kept, sorted by repository, image, tag. */
  get tags(): readonly TagVerdictRecord[] {
    return this.#tags.sort((a, b) => compare(a.repository, b.repository) || compare(a.image, b.image) || compare(a.tag, b.tag));
  }

  /** The roles of every GUN checked ('all'), sorted by GUN and role. */
  get trust(): readonly TrustRoleRecord[] {
    return this.#trust.sort((a, b) => compare(a.gun, b.gun) || compare(a.role, b.role));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The contract's JSON report (`scan --json`). */
export function renderScanJson(result: ScanResult, listed: ScanReport): string {
  const report = {
    scan: {
      id: result.scanId,
      startedAt: result.startedAt.toISOString(),
      finishedAt: result.finishedAt.toISOString(),
      evaluatedAt: result.evaluatedAt.toISOString(),
      outcome: result.outcome,
    },
    summary: result.summary,
    tags: listed.tags.map(contractTag),
    trust: listed.trust.map((role) => ({
      gun: role.gun,
      role: role.role,
      version: role.version,
      expires: formatInstant(new Date(role.expires)),
    })),
  };
  return JSON.stringify(report, null, 2) + '\n';
}

export function renderScanHuman(result: ScanResult, listed: ScanReport): string {
  const s = result.summary;
  let text =
    `Scan ${result.scanId}: ${result.outcome}, ${result.tagsJudged} tags in ${((result.finishedAt.getTime() - result.startedAt.getTime()) / 1000).toFixed(1)} s, expiry evaluated at ${formatInstant(result.evaluatedAt) ?? ''}\n` +
    `signed ${s.signed}  unsigned ${s.unsigned}  digest_mismatch ${s.digest_mismatch}  expired ${s.expired}  invalid ${s.invalid}  error ${s.error}  skipped ${s.skipped}\n`;
  const shown = result.tagsJudged <= LIST_ALL_UP_TO ? listed.tags : listed.tags.filter((tag) => tag.status !== 'signed');
  // Contract v1.2: with signatures configured, each tag's coverage is a column of its own.
  const withCoverage = shown.some((tag) => tag.coverage !== undefined);
  if (shown.length > 0) {
    text +=
      '\n' +
      renderTable(
        ['REPOSITORY', 'IMAGE', 'TAG', 'STATUS', ...(withCoverage ? ['COVERAGE'] : []), 'ROLE', 'TRUST EXPIRES', 'REASON'],
        shown.map((tag) => [
          tag.repository,
          tag.image,
          tag.tag,
          tag.status,
          ...(withCoverage ? [tag.coverage ?? '-'] : []),
          tag.role ?? '-',
          formatInstant(tag.trustExpires === null ? null : new Date(tag.trustExpires)) ?? '-',
          tag.reason ?? '',
        ])
      );
  }
  const modes = Object.entries(result.referrersModes);
  if (modes.length > 0) {
    text += `\nReferrers (cosign 3 bundles, Notation): ${modes.map(([repository, mode]) => `${repository} ${mode === 'api' ? 'by the OCI referrers API' : 'by sha256-<hex> fallback tags'}`).join('; ')}\n`;
  }
  if (shown.length < result.tagsJudged) {
    text += `(${result.tagsJudged - shown.length} signed tags not listed; use --json for every tag)\n`;
  }
  if (result.expiringSoon.length > 0) {
    text +=
      `\nExpiring within the warning window (re-sign before then):\n` +
      renderTable(
        ['GUN', 'ROLE', 'EXPIRES'],
        result.expiringSoon.slice(0, LIST_ALL_UP_TO).map((role) => [role.gun, role.role, formatInstant(new Date(role.expires)) ?? ''])
      );
    if (result.expiringSoon.length > LIST_ALL_UP_TO) {
      text += `(${result.expiringSoon.length - LIST_ALL_UP_TO} more; see trust_auditor_trust_expiry_timestamp_seconds)\n`;
    }
  }
  if (result.problems.length > 0) {
    text +=
      '\nProblems:\n' +
      [...new Set(result.problems)]
        .slice(0, 20)
        .map((p) => `  ${terminalSafe(p)}`)
        .join('\n') +
      '\n';
  }
  return text;
}

/**
 * What the status page shows, read once from the store and the service: the
 * query string checked, the latest audit, the sources as it saw them, counts
 * by status and one page of tags. Nothing here writes markup
 * (`page.ts` renders the view).
 */
import { TAG_STATUSES, type TagStatus } from '../../notary/core/codes.js';
import { COVERAGES, type Coverage } from '../../domain/signatures.js';
import { err, ok, type Result } from '../../lib/result.js';
import type { AuditService } from '../../scheduler/audit-service.js';
import type { SourceError } from '../../scan/scanner.js';
import type { ScanRecord, TrustRoleRecord } from '../../domain/scan.js';
import type { StoredTag } from '../../domain/verdict.js';
import type { ScanStore } from '../../store/scan-store.js';

/** Findings, worst first: what is broken or tampered with, then what is merely unsigned. */
export const SEVERITY_ORDER: readonly TagStatus[] = ['invalid', 'digest_mismatch', 'expired', 'error', 'unsigned'];

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
/** Keeps the row offset a safe integer for SQLite. */
const MAX_PAGE_NUMBER = 1_000_000_000;
/** Expiring roles listed; the rest are counted and are in /metrics. */
const EXPIRING_SHOWN = 100;
export const DAY_MS = 86_400_000;

/** `status=` on the page: every finding (default), every tag, or one status. */
export type StatusFilter = 'findings' | 'all' | TagStatus;

/**
 * Contract v1.2's migration view: present once any tag has a coverage (the
 * configuration has `signatures`) or the query asks for one; absent, the
 * page is exactly the v1.1 page.
 */
export interface CoverageView {
  /** Tags of each coverage value, every status included; 0 for a value no tag has. */
  readonly counts: Readonly<Record<Coverage, number>>;
  /** `coverage=` on the page: only tags of this coverage (undefined: any). */
  readonly filter: Coverage | undefined;
}

/** What the query string asks for. */
export interface PageQuery {
  readonly filter: StatusFilter;
  readonly page: number;
  readonly pageSize: number;
  /** Only present when the query has `coverage=`. */
  readonly coverage?: Coverage;
}

export type SourceHealth = { readonly state: 'up' } | { readonly state: 'down'; readonly reasons: readonly string[] } | { readonly state: 'unknown'; readonly why: string };

/** Everything the page shows, read in one go. */
export interface StatusPageView {
  readonly now: Date;
  readonly version: string;
  /** The newest audit that has ended, whatever its outcome (never a forecast, never the one running). */
  readonly latest: ScanRecord | undefined;
  /** The audit running now; `true` while it is starting and has no row yet. */
  readonly running: ScanRecord | true | undefined;
  /** The last audit that completed (complete or partial): the verdicts below are at least that recent. */
  readonly lastFinished: ScanRecord | undefined;
  /** The latest scan's problems, when this process ran it (undefined: not known here; the log has them). */
  readonly problems: readonly string[] | undefined;
  readonly sources: { readonly nexus: SourceHealth; readonly notary: SourceHealth };
  readonly nextScanAt: Date | undefined;
  readonly expiryWarningDays: number;
  readonly expiring: { readonly total: number; readonly roles: readonly TrustRoleRecord[] };
  readonly counts: Readonly<Record<TagStatus, number>>;
  readonly filter: StatusFilter;
  /** 1-based. */
  readonly page: number;
  readonly pageSize: number;
  /** Tags that match the filter (and the coverage filter), over all pages. */
  readonly total: number;
  readonly rows: readonly StoredTag[];
  /** Where docs/runbooks.md is published (links `<runbookUrl>#<alert>`); undefined: name the file and section as text. */
  readonly runbookUrl: string | undefined;
  /** Contract v1.2: the coverage column, counts and filter; undefined when no tag has a coverage. */
  readonly coverage?: CoverageView | undefined;
}

export interface StatusPageSources {
  readonly store: ScanStore;
  readonly service: Pick<AuditService, 'running' | 'lastResult'>;
  readonly version: string;
  readonly expiryWarningDays: number;
  readonly nextScanAt?: (() => Date | undefined) | undefined;
  readonly runbookUrl?: string | undefined;
}

/** The statuses a filter shows, in page order. */
export function statusesOf(filter: StatusFilter): readonly TagStatus[] {
  if (filter === 'findings') {
    return SEVERITY_ORDER;
  }
  return filter === 'all' ? [...SEVERITY_ORDER, 'signed'] : [filter];
}

/** Reads `status`, `coverage`, `page` and `limit` from the query string; an error names the bad parameter. */
export function parsePageQuery(query: URLSearchParams): Result<PageQuery, string> {
  const status = query.get('status') ?? 'findings';
  if (status !== 'findings' && status !== 'all' && !(TAG_STATUSES as readonly string[]).includes(status)) {
    return err(`status must be findings, all, or one of ${SEVERITY_ORDER.join(', ')}, signed`);
  }
  const coverage = query.get('coverage');
  // A closed set, like the status: the value goes back into links and the SQL parameters.
  if (coverage !== null && !(COVERAGES as readonly string[]).includes(coverage)) {
    return err(`coverage must be one of ${COVERAGES.join(', ')}`);
  }
  const page = wholeNumber(query.get('page'), 1, MAX_PAGE_NUMBER);
  if (page === undefined) {
    return err(`page must be a whole number from 1 to ${MAX_PAGE_NUMBER}`);
  }
  const pageSize = wholeNumber(query.get('limit'), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  if (pageSize === undefined) {
    return err(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  return ok({ filter: status as StatusFilter, page, pageSize, ...(coverage === null ? {} : { coverage: coverage as Coverage }) });
}

function wholeNumber(value: string | null, fallback: number, max: number): number | undefined {
  if (value === null) {
    return fallback;
  }
  if (!/^\d{1,10}$/.test(value)) {
    return undefined;
  }
  const n = Number(value);
  return n >= 1 && n <= max ? n : undefined;
}

/** Reads what the page shows from the store and the service; `now` is the one clock reading the page uses. */
export function gatherStatusPage(sources: StatusPageSources, query: URLSearchParams, now: Date): Result<StatusPageView, string> {
  const parsed = parsePageQuery(query);
  if (!parsed.ok) {
    return parsed;
  }
  const { filter, page, pageSize, coverage } = parsed.value;
  const { store, service } = sources;
  // A forecast (`scan --at`) changes nothing the page shows; it is never the latest scan.
  const audits = store.recentScans(20).filter((scan) => scan.kind !== 'forecast');
  const runningRow = audits.find((scan) => scan.outcome === 'running');
  const latest = audits.find((scan) => scan.outcome !== 'running') ?? store.latestFinishedScan();
  const result = service.lastResult;
  const ranHere = latest !== undefined && result !== undefined && result.scanId === latest.id;
  const counted = store.countTagsByStatus();
  const counts = Object.fromEntries(TAG_STATUSES.map((status) => [status, counted[status] ?? 0])) as Record<TagStatus, number>;
  const statuses = statusesOf(filter);
  const coverageView = gatherCoverage(store, coverage);
  // The counts by status stay over every tag; only the table (and its total) follows the coverage filter.
  const matching = coverage === undefined ? counts : store.countTagsByStatus(coverage);
  const total = statuses.reduce((sum, status) => sum + (matching[status] ?? 0), 0);
  const warnUntil = new Date(now.getTime() + sources.expiryWarningDays * DAY_MS).toISOString();
  return ok({
    now,
    version: sources.version,
    latest,
    running: service.running ? (runningRow ?? true) : undefined,
    lastFinished: store.latestFinishedScan(),
    problems: ranHere ? result.problems : undefined,
    sources: sourceHealth(latest, ranHere ? result.sourceErrors : undefined),
    nextScanAt: sources.nextScanAt?.(),
    expiryWarningDays: sources.expiryWarningDays,
    // Timestamps only once expired: notary-server renews them itself, as the
    // TrustAuditorTrustDataExpiringSoon rule knows (docs/runbooks.md).
    expiring: store.trustRolesExpiringBefore(warnUntil, EXPIRING_SHOWN, { timestamp: now.toISOString() }),
    counts,
    filter,
    page,
    pageSize,
    total,
    rows: store.tagsInStatusOrder({ statuses, coverage, limit: pageSize, offset: (page - 1) * pageSize }),
    runbookUrl: sources.runbookUrl,
    ...(coverageView === undefined ? {} : { coverage: coverageView }),
  });
}

/** The migration view's counts, when any tag has a coverage or the query filters by one. */
function gatherCoverage(store: ScanStore, filter: Coverage | undefined): CoverageView | undefined {
  const counted = store.countTagsByCoverage();
  if (filter === undefined && Object.keys(counted).length === 0) {
    return undefined;
  }
  return { counts: Object.fromEntries(COVERAGES.map((coverage) => [coverage, counted[coverage] ?? 0])) as Record<Coverage, number>, filter };
}

/** As the latest scan saw them: from its request failures when this process ran it, else from its outcome. */
function sourceHealth(latest: ScanRecord | undefined, errors: readonly SourceError[] | undefined): StatusPageView['sources'] {
  if (latest === undefined) {
    const unknown: SourceHealth = { state: 'unknown', why: 'no scan has ended yet' };
    return { nexus: unknown, notary: unknown };
  }
  if (errors !== undefined) {
    const of = (source: SourceError['source'], requests: number): SourceHealth => {
      const reasons = new Map<string, number>();
      for (const error of errors) {
        if (error.source === source) {
          reasons.set(error.reason, (reasons.get(error.reason) ?? 0) + 1);
        }
      }
      if (reasons.size > 0) {
        return { state: 'down', reasons: [...reasons].map(([reason, n]) => `${reason} ×${n}`) };
      }
      // No failure because no request: a scan that stopped at Nexus never asked Notary.
      return requests === 0 ? { state: 'unknown', why: 'not asked: the scan stopped before it' } : { state: 'up' };
    };
    return { nexus: of('nexus', latest.nexusRequests), notary: of('notary', latest.notaryRequests) };
  }
  if (latest.outcome === 'complete') {
    return { nexus: { state: 'up' }, notary: { state: 'up' } };
  }
  const unknown: SourceHealth = { state: 'unknown', why: 'the daemon restarted since this scan: see its error, trust_auditor_source_up and the log' };
  return { nexus: unknown, notary: unknown };
}

/**
 * The read-only status page at `/`, for the engineer paged at 3 a.m.: the
 * latest scan's outcome first (a failed scan in red with its error), the
 * sources as that scan saw them, counts by status, every finding worst first
 * and paged (never cut off), what expires soon, and where the runbook is.
 *
 * `gatherStatusPage` reads the store and the service once; `renderStatusPage`
 * is a pure function of what it gathered and of one clock reading. Every value
 * that reaches the HTML is escaped: names and reasons come from Nexus and
 * Notary, which may be hostile (README, Security). The page has no script, and
 * the server sends a Content-Security-Policy that allows none.
 */
import { TAG_STATUSES, type TagStatus } from '../notary/core/codes.js';
import { err, ok, type Result } from '../lib/result.js';
import type { AuditService } from '../scheduler/audit-service.js';
import type { SourceError } from '../scan/scanner.js';
import type { ScanRecord, TrustRoleRecord } from '../domain/scan.js';
import type { StoredTag } from '../domain/verdict.js';
import type { ScanStore } from '../store/scan-store.js';

/** Findings, worst first: what is broken or tampered with, then what is merely unsigned. */
export const SEVERITY_ORDER: readonly TagStatus[] = ['invalid', 'digest_mismatch', 'expired', 'error', 'unsigned'];

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
/** Keeps the row offset a safe integer for SQLite. */
const MAX_PAGE_NUMBER = 1_000_000_000;
/** Seconds between reloads (`<meta http-equiv="refresh">`: no script needed). */
export const REFRESH_SECONDS = 60;
/** Problems of a scan listed on the page; the rest are counted and are in the log. */
const PROBLEMS_SHOWN = 10;
/** Expiring roles listed; the rest are counted and are in /metrics. */
const EXPIRING_SHOWN = 100;
const DAY_MS = 86_400_000;

/** `status=` on the page: every finding (default), every tag, or one status. */
export type StatusFilter = 'findings' | 'all' | TagStatus;

export type SourceHealth =
  | { readonly state: 'up' }
  | { readonly state: 'down'; readonly reasons: readonly string[] }
  | { readonly state: 'unknown'; readonly why: string };

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
  /** Tags that match the filter, over all pages. */
  readonly total: number;
  readonly rows: readonly StoredTag[];
  /** Where docs/runbooks.md is published (links `<runbookUrl>#<alert>`); undefined: name the file and section as text. */
  readonly runbookUrl: string | undefined;
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

/** Reads `status`, `page` and `limit` from the query string; an error names the bad parameter. */
export function parsePageQuery(query: URLSearchParams): Result<{ filter: StatusFilter; page: number; pageSize: number }, string> {
  const status = query.get('status') ?? 'findings';
  if (status !== 'findings' && status !== 'all' && !(TAG_STATUSES as readonly string[]).includes(status)) {
    return err(`status must be findings, all, or one of ${SEVERITY_ORDER.join(', ')}, signed`);
  }
  const page = wholeNumber(query.get('page'), 1, MAX_PAGE_NUMBER);
  if (page === undefined) {
    return err(`page must be a whole number from 1 to ${MAX_PAGE_NUMBER}`);
  }
  const pageSize = wholeNumber(query.get('limit'), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  if (pageSize === undefined) {
    return err(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  return ok({ filter: status as StatusFilter, page, pageSize });
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
  const { filter, page, pageSize } = parsed.value;
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
  const total = statuses.reduce((sum, status) => sum + counts[status], 0);
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
    rows: store.tagsInStatusOrder({ statuses, limit: pageSize, offset: (page - 1) * pageSize }),
    runbookUrl: sources.runbookUrl,
  });
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

// ---------------------------------------------------------------------------
// Rendering: pure.

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g;

function hex(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Text content: markup characters as references, and control or direction characters made visible (`\u001b`), never obeyed. */
export function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`).replace(CONTROL, (c) => `<span class="ctl" title="control character">${hex(c)}</span>`);
}

/** An attribute value (always double-quoted): the same, with control characters written as `\uXXXX`. */
export function escapeAttr(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`).replace(CONTROL, hex);
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** "3 days", "1 hour", "45 seconds": rounded to the unit a reader cares about at that distance. */
export function durationText(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 90) {
    return plural(seconds, 'second');
  }
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) {
    return plural(minutes, 'minute');
  }
  const hours = Math.round(minutes / 60);
  if (hours < 48) {
    return plural(hours, 'hour');
  }
  const days = Math.round(hours / 24);
  return days < 730 ? plural(days, 'day') : plural(Math.floor(days / 365), 'year');
}

/** "3 days ago", "in 14 days", "just now". */
export function relativeTime(instant: Date, now: Date): string {
  const ms = instant.getTime() - now.getTime();
  if (Math.abs(ms) < 10_000) {
    return 'just now';
  }
  return ms < 0 ? `${durationText(ms)} ago` : `in ${durationText(ms)}`;
}

function utc(date: Date): string {
  return date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
}

/** A relative time, with the absolute instant for machines (`datetime`) and people (`title`). */
function timeTag(iso: string | null | undefined, now: Date, options: { id?: string; expiry?: boolean } = {}): string {
  if (iso === null || iso === undefined) {
    return '<span class="none">–</span>';
  }
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return escapeText(iso);
  }
  let text = relativeTime(date, now);
  if (options.expiry === true && date.getTime() <= now.getTime()) {
    text = `expired ${text}`;
  }
  const id = options.id === undefined ? '' : ` id="${escapeAttr(options.id)}"`;
  return `<time${id} datetime="${escapeAttr(date.toISOString())}" title="${escapeAttr(utc(date))}">${escapeText(text)}</time>`;
}

function number(n: number): string {
  return n.toLocaleString('en-US');
}

interface Runbook {
  readonly alert: string;
  readonly what: string;
}

/** docs/runbooks.md: one section per alert, anchored by its lower-cased name. */
const STATUS_RUNBOOKS: Readonly<Record<TagStatus, Runbook>> = {
  invalid: { alert: 'TrustAuditorTrustDataInvalid', what: 'The trust data fails verification (signature, hash, threshold, rollback, root): the tag is not trusted. Until its reason code shows otherwise, treat it as tampering.' },
  digest_mismatch: { alert: 'TrustAuditorDigestMismatch', what: 'Signed, but for another manifest than Nexus serves now: pushed over without content trust, or altered. Content-trust pulls get the old signed image.' },
  expired: { alert: 'TrustAuditorTagTrustExpired', what: 'A role the tag depends on has expired: content-trust pulls of the tag fail.' },
  error: { alert: 'TrustAuditorScanFailing', what: 'The tag could not be judged: its trust data could not be fetched, or its repository could not be listed. It is not known to be signed.' },
  unsigned: { alert: 'TrustAuditorUnsignedTag', what: 'No signature docker pull accepts with DOCKER_CONTENT_TRUST=1 (neither in targets/releases nor in targets).' },
  signed: { alert: '', what: 'Signed in targets/releases or targets, for the digest Nexus serves, with every role valid.' },
};
const SCAN_RUNBOOK: Runbook = { alert: 'TrustAuditorScanFailing', what: 'The latest scan did not complete: Nexus, Notary or the database did not answer every request.' };
const STALE_RUNBOOK: Runbook = { alert: 'TrustAuditorScanStale', what: 'No scan has completed: every verdict on this page is out of date.' };
const EXPIRING_RUNBOOK: Runbook = { alert: 'TrustAuditorTrustDataExpiringSoon', what: 'A role expires within the warning window; when it does, the tags that depend on it become expired.' };
const ROOT_CERTIFICATE_RUNBOOK: Runbook = { alert: 'TrustAuditorRootCertificateExpiringSoon', what: 'The root certificate of a GUN expires: only a root key rotation renews it.' };

function runbookLink(runbook: Runbook, base: string | undefined): string {
  const anchor = runbook.alert.toLowerCase();
  if (base === undefined) {
    return `<span class="runbook">runbook <code>docs/runbooks.md#${escapeText(anchor)}</code></span>`;
  }
  return `<a class="runbook" href="${escapeAttr(`${base.replace(/#.*$/s, '')}#${anchor}`)}">runbook ${escapeText(runbook.alert)}</a>`;
}

function statusLabel(status: TagStatus): string {
  return status.replace('_', ' ');
}

/** A link to this page with other parameters; only values we produced go in (a filter, whole numbers). */
function pageHref(filter: StatusFilter, page: number, pageSize: number): string {
  const params: string[] = [];
  if (filter !== 'findings') {
    params.push(`status=${filter}`);
  }
  if (page !== 1) {
    params.push(`page=${page}`);
  }
  if (pageSize !== DEFAULT_PAGE_SIZE) {
    params.push(`limit=${pageSize}`);
  }
  return params.length === 0 ? './' : `?${params.join('&amp;')}`;
}

function outcomeClass(scan: ScanRecord | undefined): string {
  if (scan === undefined) {
    return 'outcome-none';
  }
  return scan.outcome === 'complete' ? 'outcome-complete' : 'outcome-failed';
}

function tookText(from: string, to: string | null): string {
  if (to === null) {
    return '';
  }
  const s = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(s) ? `, took ${s < 10 ? s.toFixed(1) : number(Math.round(s))} s` : '';
}

function renderScan(view: StatusPageView): string {
  const { latest, now, lastFinished, runbookUrl } = view;
  const parts: string[] = [];
  if (latest === undefined) {
    parts.push('<h2 id="scan-headline">No scan has ended yet</h2>');
    parts.push('<p>The first scan starts with the daemon; this page reloads by itself.</p>');
  } else {
    const verb = latest.outcome === 'complete' ? 'complete' : latest.outcome === 'partial' ? 'partial: not every source answered' : latest.outcome;
    parts.push(`<h2 id="scan-headline">Latest scan #${latest.id}: <span id="scan-outcome">${escapeText(verb)}</span></h2>`);
    parts.push(
      `<p>${latest.finishedAt === null ? 'Started' : 'Ended'} ${timeTag(latest.finishedAt ?? latest.startedAt, now)}${tookText(latest.startedAt, latest.finishedAt)}` +
        ` · expiry evaluated at ${timeTag(latest.evaluatedAt, now)} · ${number(latest.nexusRequests)} Nexus and ${number(latest.notaryRequests)} Notary requests</p>`
    );
    const error = latest.error ?? '';
    if (error !== '') {
      parts.push(`<p class="error"><strong>Error:</strong> <span id="scan-error">${escapeText(error)}</span></p>`);
    }
    // The scan row's error may already quote the first problems: list the others.
    const problems = [...new Set(view.problems ?? [])].filter((problem) => !error.includes(problem));
    if (problems.length > 0) {
      const more = problems.length - PROBLEMS_SHOWN;
      parts.push(
        `<p class="problems-title"><strong>${error === '' ? 'Problems' : 'Other problems'} (${number(problems.length)}):</strong></p><ul id="problems">${problems
          .slice(0, PROBLEMS_SHOWN)
          .map((problem) => `<li>${escapeText(problem)}</li>`)
          .join('')}${more > 0 ? `<li class="more">and ${number(more)} more: see the daemon's log</li>` : ''}</ul>`
      );
    } else if (latest.outcome !== 'complete' && view.problems === undefined && error === '') {
      parts.push('<p class="error">The daemon restarted since this scan: its problems are in the log.</p>');
    }
    if (latest.outcome !== 'complete') {
      parts.push(`<p class="todo"><strong>What to do:</strong> ${escapeText(SCAN_RUNBOOK.what)} ${runbookLink(SCAN_RUNBOOK, runbookUrl)}.</p>`);
      if (lastFinished === undefined) {
        parts.push(`<p class="todo" id="verdicts-from">No scan has completed yet. ${runbookLink(STALE_RUNBOOK, runbookUrl)}.</p>`);
      } else if (lastFinished.id !== latest.id) {
        parts.push(
          `<p id="verdicts-from">The verdicts below are the latest known for each tag; the last scan that completed is #${lastFinished.id}, ended ${timeTag(lastFinished.finishedAt, now)}. A tag that could not be judged since keeps its finding, or is <code>error</code> if it was signed: never a stale signed.</p>`
        );
      }
    }
  }
  if (view.running !== undefined) {
    parts.push(
      view.running === true
        ? '<p id="running" class="running">A scan is starting.</p>'
        : `<p id="running" class="running">Scan #${view.running.id} is running, started ${timeTag(view.running.startedAt, now)}.</p>`
    );
  }
  return `<section id="scan" class="banner ${outcomeClass(latest)}">\n${parts.join('\n')}\n</section>`;
}

function sourceCard(id: string, name: string, health: SourceHealth): string {
  const detail = health.state === 'up' ? 'answered every request' : health.state === 'down' ? health.reasons.join(', ') : health.why;
  return `<div class="card source-${health.state}" id="${id}" data-state="${health.state}"><h3>${name}</h3><p class="state">${health.state}</p><p class="detail">${escapeText(detail)}</p></div>`;
}

function renderHealth(view: StatusPageView): string {
  // A failed scan listed little or nothing: the count that means something is the last completed scan's.
  const failed = view.latest !== undefined && (view.latest.outcome === 'failed' || view.latest.outcome === 'interrupted');
  const skippedScan = failed ? view.lastFinished : view.latest;
  const skipped = skippedScan?.summary?.['skipped'];
  const expiringNow = view.expiring.total;
  return `<section id="health" aria-label="Sources and schedule">
${sourceCard('source-nexus', 'Nexus', view.sources.nexus)}
${sourceCard('source-notary', 'Notary', view.sources.notary)}
<div class="card" id="skipped"><h3>Skipped</h3><p class="state">${skipped === undefined ? '–' : number(skipped)}</p><p class="detail">cosign signature tags, not audited${failed && skippedScan !== undefined ? ` (scan #${skippedScan.id})` : ''}</p></div>
<div class="card" id="next"><h3>Next scan</h3><p class="state">${view.nextScanAt === undefined ? 'not scheduled' : timeTag(view.nextScanAt.toISOString(), view.now, { id: 'next-scan' })}</p><p class="detail">${view.nextScanAt === undefined ? 'no schedule known to this page' : 'on the <code>schedule</code>'}</p></div>
<div class="card${expiringNow > 0 ? ' warn' : ''}" id="expiry-window"><h3>Expiry warning</h3><p class="state">${plural(view.expiryWarningDays, 'day')}</p><p class="detail"><a href="#expiring">${expiringNow === 0 ? 'nothing expires within it' : `${plural(expiringNow, 'role')} expired or expiring`}</a></p></div>
</section>`;
}

function renderCounts(view: StatusPageView): string {
  const findings = SEVERITY_ORDER.reduce((sum, status) => sum + view.counts[status], 0);
  const all = findings + view.counts.signed;
  const link = (filter: StatusFilter, label: string, n: number, cls: string): string =>
    `<a class="count ${cls}${view.filter === filter ? ' current' : ''}${n === 0 ? ' zero' : ''}" href="${pageHref(filter, 1, view.pageSize)}" data-status="${filter}"${view.filter === filter ? ' aria-current="page"' : ''}><span class="label">${label}</span> <strong>${number(n)}</strong></a>`;
  return `<nav id="counts" aria-label="Counts by status">
${link('findings', 'findings', findings, 'total')}
${[...SEVERITY_ORDER, 'signed' as const].map((status) => link(status, statusLabel(status), view.counts[status], `status-${status}`)).join('\n')}
${link('all', 'all tags', all, 'total')}
</nav>`;
}

function renderReason(reason: string | null): string {
  if (reason === null || reason === '') {
    return '';
  }
  const match = /^([A-Z][A-Z_]+): /.exec(reason);
  return match === null ? escapeText(reason) : `<code>${escapeText(match[1] ?? '')}</code> ${escapeText(reason.slice(match[0].length))}`;
}

/** A GUN or a role name may wrap after a `/`, nowhere else. */
function breakAtSlashes(text: string): string {
  return text.split('/').map(escapeText).join('/<wbr>');
}

function renderRow(tag: StoredTag, view: StatusPageView): string {
  const expires = tag.trustExpires === null ? undefined : Date.parse(tag.trustExpires);
  const soon = expires !== undefined && expires - view.now.getTime() < view.expiryWarningDays * DAY_MS;
  const cell = (label: string, content: string, cls = ''): string => `<td data-label="${label}"${cls === '' ? '' : ` class="${cls}"`}>${content}</td>`;
  return (
    `<tr class="status-${tag.status}" data-status="${tag.status}">` +
    cell('Status', `<a class="badge status-${tag.status}" href="#do-${tag.status}">${statusLabel(tag.status)}</a>`) +
    cell('Repository', escapeText(tag.repository)) +
    cell('Image', escapeText(tag.image)) +
    `<td data-label="Tag" class="tag"${tag.digest === null ? '' : ` title="${escapeAttr(tag.digest)}"`}>${escapeText(tag.tag)}</td>` +
    cell('GUN', breakAtSlashes(tag.gun), 'gun') +
    cell('Role', tag.role === null ? '<span class="none">–</span>' : breakAtSlashes(tag.role), 'role') +
    cell('Reason', renderReason(tag.reason), 'reason') +
    cell('Since', timeTag(tag.statusSince, view.now)) +
    cell('Trust expires', timeTag(tag.trustExpires, view.now, { expiry: true }), soon ? 'expiry soon' : 'expiry') +
    '</tr>'
  );
}

function renderPager(view: StatusPageView, pages: number, id: string): string {
  const { page, pageSize, filter, total } = view;
  const first = Math.min(total, (page - 1) * pageSize + 1);
  const last = Math.min(total, page * pageSize);
  const range = `<span class="range">${total === 0 ? 'none' : `${number(first)}–${number(last)} of ${number(total)}`}${pages > 1 ? ` · page ${number(page)} of ${number(pages)}` : ''}</span>`;
  if (pages <= 1) {
    return `<nav id="${id}" class="pager" aria-label="Pages">${range}</nav>`;
  }
  const shown = new Set([1, pages, page - 2, page - 1, page, page + 1, page + 2].filter((n) => n >= 1 && n <= pages));
  const numbers = [...shown].sort((a, b) => a - b);
  const links: string[] = [];
  let previous = 0;
  for (const n of numbers) {
    if (n > previous + 1) {
      links.push('<span class="gap">…</span>');
    }
    links.push(n === page ? `<strong aria-current="page">${number(n)}</strong>` : `<a href="${pageHref(filter, n, pageSize)}">${number(n)}</a>`);
    previous = n;
  }
  const prev = page > 1 ? `<a rel="prev" href="${pageHref(filter, Math.min(page - 1, pages), pageSize)}">‹ previous</a>` : '<span class="disabled">‹ previous</span>';
  const next = page < pages ? `<a rel="next" href="${pageHref(filter, page + 1, pageSize)}">next ›</a>` : '<span class="disabled">next ›</span>';
  return `<nav id="${id}" class="pager" aria-label="Pages">${range} ${prev} ${links.join(' ')} ${next}</nav>`;
}

function renderFindings(view: StatusPageView): string {
  const { filter, total, rows, counts } = view;
  const pages = Math.max(1, Math.ceil(total / view.pageSize));
  const title =
    filter === 'findings'
      ? `Findings <span class="n">${number(total)}</span>`
      : filter === 'all'
        ? `All tags <span class="n">${number(total)}</span>`
        : `<span class="badge status-${filter}">${statusLabel(filter)}</span> <span class="n">${number(total)}</span>`;
  const note =
    filter === 'findings' || filter === 'all'
      ? `<p class="note">Worst first (${statusesOf(filter).map(statusLabel).join(', ')}), the most recent change first within a status. Nothing is left out: page through them, or pick a status above.</p>`
      : filter === 'signed'
        ? ''
        : `<p class="note">${escapeText(STATUS_RUNBOOKS[filter].what)} ${runbookLink(STATUS_RUNBOOKS[filter], view.runbookUrl)}.</p>`;
  let body: string;
  if (total === 0) {
    const noTags = SEVERITY_ORDER.every((status) => counts[status] === 0) && counts.signed === 0;
    body =
      filter === 'findings'
        ? `<p id="no-findings">${noTags ? 'No tag has been audited yet.' : 'Every audited tag is signed.'}</p>`
        : `<p id="no-findings">${filter === 'all' ? 'No tag has been audited yet.' : `No tag is ${statusLabel(filter)}.`}</p>`;
  } else if (rows.length === 0) {
    body = `<p id="past-end">Page ${number(view.page)} is past the last page: <a href="${pageHref(filter, pages, view.pageSize)}">go to page ${number(pages)}</a>.</p>`;
  } else {
    body = `<div class="scroll"><table id="findings"><thead><tr><th>Status</th><th>Repository</th><th>Image</th><th>Tag</th><th>GUN</th><th>Role</th><th>Reason</th><th>Since</th><th>Trust expires</th></tr></thead><tbody>
${rows.map((tag) => renderRow(tag, view)).join('\n')}
</tbody></table></div>`;
  }
  return `<section id="findings-section">
<h2>${title}</h2>
${note}
${total > 0 ? renderPager(view, pages, 'pager') : ''}
${body}
${rows.length > 0 && pages > 1 ? renderPager(view, pages, 'pager-bottom') : ''}
</section>`;
}

function renderExpiring(view: StatusPageView): string {
  const { expiring, now } = view;
  const window = plural(view.expiryWarningDays, 'day');
  let body: string;
  if (expiring.total === 0) {
    body = `<p id="nothing-expiring">No role expires within ${window}.</p>`;
  } else {
    const hasRootCertificate = expiring.roles.some((role) => role.role === 'root-certificate');
    body = `<div class="scroll"><table id="expiring-roles"><thead><tr><th>GUN</th><th>Role</th><th>Version</th><th>Expires</th></tr></thead><tbody>
${expiring.roles
  .map((role) => {
    const past = Date.parse(role.expires) <= now.getTime();
    return `<tr class="${past ? 'past' : 'soon'}"><td data-label="GUN" class="gun">${breakAtSlashes(role.gun)}</td><td data-label="Role">${escapeText(role.role)}</td><td data-label="Version">${number(role.version)}</td><td data-label="Expires">${timeTag(role.expires, now, { expiry: true })}</td></tr>`;
  })
  .join('\n')}
</tbody></table></div>
${expiring.total > expiring.roles.length ? `<p class="more">The ${number(expiring.roles.length)} soonest of ${number(expiring.total)} are listed; every one is in <a href="/metrics">/metrics</a> as <code>trust_auditor_trust_expiry_timestamp_seconds</code>.</p>` : ''}
<p class="todo">${escapeText(EXPIRING_RUNBOOK.what)} ${runbookLink(EXPIRING_RUNBOOK, view.runbookUrl)}${hasRootCertificate ? `; root certificates: ${runbookLink(ROOT_CERTIFICATE_RUNBOOK, view.runbookUrl)}` : ''}.</p>`;
  }
  return `<section id="expiring">
<h2>Expiring within ${window} <span class="n">${number(expiring.total)}</span></h2>
<p class="note">Roles that have expired or expire before ${utc(new Date(now.getTime() + view.expiryWarningDays * DAY_MS))} (<code>expiryWarningDays</code>: ${window}). Timestamps appear only once expired: notary-server renews them itself.</p>
${body}
</section>`;
}

function renderRunbooks(view: StatusPageView): string {
  const item = (id: string, term: string, runbook: Runbook): string =>
    `<div id="${id}"><dt>${term}</dt><dd>${escapeText(runbook.what)} ${runbookLink(runbook, view.runbookUrl)}.</dd></div>`;
  // Folded away while there is nothing to do; a status link (#do-…) opens it.
  const needed = view.latest?.outcome !== 'complete' || SEVERITY_ORDER.some((status) => view.counts[status] > 0) || view.expiring.total > 0;
  return `<section id="runbooks">
<details${needed ? ' open' : ''}><summary><h2>What to do</h2></summary>
<dl>
${SEVERITY_ORDER.map((status) => item(`do-${status}`, `<span class="badge status-${status}">${statusLabel(status)}</span>`, STATUS_RUNBOOKS[status])).join('\n')}
${item('do-scan', 'scan failed or partial', SCAN_RUNBOOK)}
${item('do-stale', 'no recent scan', STALE_RUNBOOK)}
${item('do-expiring', 'expiring soon', EXPIRING_RUNBOOK)}
</dl>
<p class="note">${view.runbookUrl === undefined ? 'The runbooks are <code>docs/runbooks.md</code> in the trust-auditor sources, one section per alert; set <code>TRUST_AUDITOR_RUNBOOK_URL</code> to where you publish them to get links here.' : `Runbooks: <a href="${escapeAttr(view.runbookUrl)}">${escapeText(view.runbookUrl)}</a>.`}</p>
</details>
</section>`;
}

function pageTitle(view: StatusPageView): string {
  const findings = SEVERITY_ORDER.reduce((sum, status) => sum + view.counts[status], 0);
  const scan = view.latest === undefined ? 'no scan yet' : view.latest.outcome === 'complete' ? '' : `scan ${view.latest.outcome}`;
  const parts = [scan, findings === 0 ? (view.counts.signed > 0 ? 'all signed' : '') : `${number(findings)} finding${findings === 1 ? '' : 's'}`].filter((part) => part !== '');
  return `${parts.join(', ')}${parts.length > 0 ? ' · ' : ''}trust-auditor`;
}

const STYLE = `
:root { --red: #b3261e; --red-bg: #fdecea; --amber: #8a5a00; --amber-bg: #fff4d6; --green: #1e6b2f; --green-bg: #e6f4ea; --blue-bg: #e8f0fe; --line: #d0d4da; --muted: #5f6670; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.25rem 1.5rem 2rem; color: #1f2328; line-height: 1.4; font-size: 15px; }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.25rem 1rem; }
h1 { font-size: 1.5rem; margin: 0; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 0.5rem; }
h3 { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); margin: 0; font-weight: 600; }
.meta, .note { color: var(--muted); font-size: 0.85rem; margin: 0.25rem 0; }
.n { color: var(--muted); font-weight: normal; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.85em; background: #f1f3f5; padding: 0 0.2em; border-radius: 3px; }
a { color: #0b57d0; }
time { text-decoration: underline dotted #999; text-underline-offset: 2px; }
.none { color: #999; }
.ctl { color: #fff; background: #6f42c1; border-radius: 2px; padding: 0 0.15em; font-family: ui-monospace, monospace; font-size: 0.85em; }
.banner { margin: 1rem 0; padding: 0.75rem 1rem; border-radius: 6px; border-left: 8px solid; }
.banner h2 { margin: 0 0 0.35rem; font-size: 1.35rem; }
.banner p, .banner ul { margin: 0.3rem 0; }
.outcome-complete { background: var(--green-bg); border-color: var(--green); }
.outcome-complete h2 { color: var(--green); }
.outcome-failed { background: var(--red-bg); border-color: var(--red); }
.outcome-failed h2, .outcome-failed .error strong { color: var(--red); }
.outcome-none { background: var(--amber-bg); border-color: var(--amber); }
#scan-error, #problems li { font-family: ui-monospace, monospace; font-size: 0.85rem; overflow-wrap: anywhere; }
.running { background: var(--blue-bg); padding: 0.3rem 0.5rem; border-radius: 4px; }
#health { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: 0.6rem; margin: 1rem 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 0.75rem; background: #fff; }
.card .state { font-size: 1.25rem; font-weight: 600; margin: 0.15rem 0; }
.card .detail { color: var(--muted); font-size: 0.8rem; margin: 0; overflow-wrap: anywhere; }
.source-up { border-left: 6px solid var(--green); } .source-up .state { color: var(--green); }
.source-down { border-left: 6px solid var(--red); background: var(--red-bg); } .source-down .state { color: var(--red); }
.source-unknown { border-left: 6px solid var(--amber); } .source-unknown .state { color: var(--amber); }
.card.warn { border-left: 6px solid var(--amber); background: var(--amber-bg); }
#counts { display: flex; flex-wrap: wrap; gap: 0.4rem; margin: 1rem 0; }
.count { display: inline-flex; gap: 0.4rem; align-items: baseline; padding: 0.3rem 0.65rem; border: 1px solid var(--line); border-radius: 999px; text-decoration: none; color: inherit; background: #fff; }
.count.current { outline: 2px solid #1f2328; }
.count.zero { opacity: 0.55; }
.count.status-invalid:not(.zero), .count.status-digest_mismatch:not(.zero), .count.status-expired:not(.zero) { background: var(--red-bg); border-color: var(--red); }
.count.status-error:not(.zero), .count.status-unsigned:not(.zero) { background: var(--amber-bg); border-color: var(--amber); }
.count.status-signed:not(.zero) { background: var(--green-bg); border-color: var(--green); }
.badge { display: inline-block; padding: 0.05rem 0.45rem; border-radius: 4px; font-size: 0.8rem; font-weight: 600; color: #fff; text-decoration: none; white-space: nowrap; }
.badge.status-invalid, .badge.status-digest_mismatch, .badge.status-expired { background: var(--red); }
.badge.status-error { background: #c2410c; }
.badge.status-unsigned { background: var(--amber); }
.badge.status-signed { background: var(--green); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 0.35rem 0.5rem; text-align: left; font-size: 0.875rem; vertical-align: top; }
th { background: #f6f8fa; position: sticky; top: 0; white-space: nowrap; }
td { white-space: nowrap; }
td.reason { white-space: normal; overflow-wrap: anywhere; min-width: 20rem; }
td.gun, td.role { white-space: nowrap; }
tr.status-invalid td:first-child, tr.status-digest_mismatch td:first-child, tr.status-expired td:first-child { box-shadow: inset 4px 0 var(--red); }
tr.status-error td:first-child { box-shadow: inset 4px 0 #c2410c; }
tr.status-unsigned td:first-child { box-shadow: inset 4px 0 var(--amber); }
tbody tr:nth-child(even) { background: #fafbfc; }
td.expiry.soon, tr.past td, tr.soon td:last-child { color: var(--red); font-weight: 600; }
.pager { display: flex; flex-wrap: wrap; gap: 0.35rem 0.6rem; align-items: baseline; margin: 0.5rem 0; font-size: 0.9rem; }
.pager .range { color: var(--muted); margin-right: 0.5rem; }
.disabled, .gap { color: #aaa; }
#runbooks summary { cursor: pointer; }
#runbooks summary h2 { display: inline-block; }
#runbooks dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.4rem 1rem; margin: 0; }
#runbooks dl > div { display: contents; }
#runbooks dt { font-weight: 600; }
#runbooks dd { margin: 0; }
#runbooks dl > div:target dd { background: #fff8c5; }
footer { margin-top: 2rem; color: var(--muted); font-size: 0.85rem; }
@media (max-width: 700px) {
  body { margin: 0.75rem; font-size: 14px; }
  .banner { padding: 0.6rem 0.75rem; }
  #health { grid-template-columns: 1fr 1fr; }
  #findings, #findings tbody, #findings tr, #findings td, #expiring-roles, #expiring-roles tbody, #expiring-roles tr, #expiring-roles td { display: block; width: auto; }
  #findings thead, #expiring-roles thead { display: none; }
  #findings tr, #expiring-roles tr { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 0.6rem; padding: 0.3rem 0; background: #fff; }
  #findings td, #expiring-roles td { border: none; padding: 0.1rem 0.6rem; white-space: normal; overflow-wrap: anywhere; min-width: 0; }
  #findings td::before, #expiring-roles td::before { content: attr(data-label) ": "; color: var(--muted); font-size: 0.8rem; }
  #findings td:first-child::before { content: ""; }
  tr.status-invalid td:first-child, tr.status-digest_mismatch td:first-child, tr.status-expired td:first-child, tr.status-error td:first-child, tr.status-unsigned td:first-child { box-shadow: none; }
  tr.status-invalid, tr.status-digest_mismatch, tr.status-expired { border-left: 6px solid var(--red) !important; }
  tr.status-error { border-left: 6px solid #c2410c !important; }
  tr.status-unsigned { border-left: 6px solid var(--amber) !important; }
  #runbooks dl { grid-template-columns: 1fr; }
}
`;

/** The whole page; a pure function of the view. */
export function renderStatusPage(view: StatusPageView): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<title>${escapeAttr(pageTitle(view))}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>trust-auditor</h1><p class="meta">as of <time id="rendered" datetime="${view.now.toISOString()}">${utc(view.now)}</time> · reloads every ${REFRESH_SECONDS} s · version ${escapeText(view.version)}</p></header>
${renderScan(view)}
${renderHealth(view)}
${renderCounts(view)}
${renderFindings(view)}
${renderExpiring(view)}
${renderRunbooks(view)}
<footer><a href="/metrics">/metrics</a> · <a href="/api/v1/tags?status=unsigned">/api/v1/tags</a> · <a href="/api/v1/scans">/api/v1/scans</a> · trust-auditor ${escapeText(view.version)}</footer>
</body>
</html>
`;
}

/** A bad query string: say which parameter, and link back. */
export function renderStatusPageError(message: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Bad request · trust-auditor</title></head>
<body style="font-family: system-ui, sans-serif; margin: 1.5rem">
<h1>trust-auditor</h1>
<p id="bad-request">${escapeText(message)}.</p>
<p><a href="./">Back to the status page</a></p>
</body>
</html>
`;
}

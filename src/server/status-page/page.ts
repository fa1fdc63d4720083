/**
 * The read-only status page at `/`, for the engineer paged at 3 a.m.: the
 * latest scan's outcome first (a failed scan in red with its error), the
 * sources as that scan saw them, counts by status, every finding worst first
 * and paged (never cut off), what expires soon, and where the runbook is.
 *
 * `gatherStatusPage` (view-model.ts) reads the store and the service once;
 * `renderStatusPage` is a pure function of what it gathered and of one clock
 * reading. Every value that reaches the HTML is escaped (escape.ts): names and
 * reasons come from Nexus and Notary, which may be hostile (README, Security).
 * The page has no script, and the server sends a Content-Security-Policy that
 * allows none.
 */
import { COVERAGE_STYLE, renderCoverageCounts } from './coverage-section.js';
import { escapeAttr, escapeText } from './escape.js';
import { renderExpiring } from './expiring-section.js';
import { renderCounts, renderFindings } from './findings-section.js';
import { number, utc } from './format.js';
import { renderRunbooks } from './runbooks.js';
import { renderHealth, renderScan } from './scan-section.js';
import { STYLE } from './stylesheet.js';
import { DEFAULT_PAGE_SIZE, SEVERITY_ORDER, type StatusPageView } from './view-model.js';

/** Seconds between reloads (`<meta http-equiv="refresh">`: no script needed). */
export const REFRESH_SECONDS = 60;

function pageTitle(view: StatusPageView): string {
  const findings = SEVERITY_ORDER.reduce((sum, status) => sum + view.counts[status], 0);
  const scan = view.latest === undefined ? 'no scan yet' : view.latest.outcome === 'complete' ? '' : `scan ${view.latest.outcome}`;
  const parts = [scan, findings === 0 ? (view.counts.signed > 0 ? 'all signed' : '') : `${number(findings)} finding${findings === 1 ? '' : 's'}`].filter((part) => part !== '');
  return `${parts.join(', ')}${parts.length > 0 ? ' · ' : ''}trust-auditor`;
}

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
${view.coverage === undefined ? '' : `<style>${COVERAGE_STYLE}</style>\n`}</head>
<body>
<header><h1>trust-auditor</h1><p class="meta">as of <time id="rendered" datetime="${view.now.toISOString()}">${utc(view.now)}</time> · reloads every ${REFRESH_SECONDS} s · version ${escapeText(view.version)}</p></header>
${renderScan(view)}
${renderHealth(view)}
${renderCounts(view)}
${view.coverage === undefined ? '' : `${renderCoverageCounts(view.coverage, view.pageSize, DEFAULT_PAGE_SIZE)}\n`}${renderFindings(view)}
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

/** The counts by status, and the findings table with its pager: worst first, never cut off. */
import type { Coverage } from '../../domain/signatures.js';
import type { StoredTag } from '../../domain/verdict.js';
import { renderCoverageCell } from './coverage-section.js';
import { breakAtSlashes, escapeAttr, escapeText } from './escape.js';
import { number, statusLabel, timeTag } from './format.js';
import { runbookLink, STATUS_RUNBOOKS } from './runbooks.js';
import { DAY_MS, DEFAULT_PAGE_SIZE, SEVERITY_ORDER, statusesOf, type StatusFilter, type StatusPageView } from './view-model.js';

/** A link to this page with other parameters; only values we produced go in (a filter from a closed set, whole numbers). */
function pageHref(filter: StatusFilter, page: number, pageSize: number, coverage: Coverage | undefined): string {
  const params: string[] = [];
  if (filter !== 'findings') {
    params.push(`status=${filter}`);
  }
  if (coverage !== undefined) {
    params.push(`coverage=${coverage}`);
  }
  if (page !== 1) {
    params.push(`page=${page}`);
  }
  if (pageSize !== DEFAULT_PAGE_SIZE) {
    params.push(`limit=${pageSize}`);
  }
  return params.length === 0 ? './' : `?${params.join('&amp;')}`;
}

export function renderCounts(view: StatusPageView): string {
  const findings = SEVERITY_ORDER.reduce((sum, status) => sum + view.counts[status], 0);
  const all = findings + view.counts.signed;
  const link = (filter: StatusFilter, label: string, n: number, cls: string): string =>
    `<a class="count ${cls}${view.filter === filter ? ' current' : ''}${n === 0 ? ' zero' : ''}" href="${pageHref(filter, 1, view.pageSize, view.coverage?.filter)}" data-status="${filter}"${view.filter === filter ? ' aria-current="page"' : ''}><span class="label">${label}</span> <strong>${number(n)}</strong></a>`;
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
    (view.coverage === undefined ? '' : renderCoverageCell(tag)) +
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
  const coverage = view.coverage?.filter;
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
    links.push(n === page ? `<strong aria-current="page">${number(n)}</strong>` : `<a href="${pageHref(filter, n, pageSize, coverage)}">${number(n)}</a>`);
    previous = n;
  }
  const prev = page > 1 ? `<a rel="prev" href="${pageHref(filter, Math.min(page - 1, pages), pageSize, coverage)}">‹ previous</a>` : '<span class="disabled">‹ previous</span>';
  const next = page < pages ? `<a rel="next" href="${pageHref(filter, page + 1, pageSize, coverage)}">next ›</a>` : '<span class="disabled">next ›</span>';
  return `<nav id="${id}" class="pager" aria-label="Pages">${range} ${prev} ${links.join(' ')} ${next}</nav>`;
}

export function renderFindings(view: StatusPageView): string {
  const { filter, total, rows, counts } = view;
  const coverage = view.coverage?.filter;
  const pages = Math.max(1, Math.ceil(total / view.pageSize));
  const coverageNote =
    coverage === undefined
      ? ''
      : ` <span class="coverage-filter" id="coverage-filter">coverage <code>${coverage}</code> · <a href="${pageHref(filter, 1, view.pageSize, undefined)}">any coverage</a></span>`;
  const title =
    (filter === 'findings'
      ? `Findings <span class="n">${number(total)}</span>`
      : filter === 'all'
        ? `All tags <span class="n">${number(total)}</span>`
        : `<span class="badge status-${filter}">${statusLabel(filter)}</span> <span class="n">${number(total)}</span>`) + coverageNote;
  const note =
    filter === 'findings' || filter === 'all'
      ? `<p class="note">Worst first (${statusesOf(filter).map(statusLabel).join(', ')}), the most recent change first within a status. Nothing is left out: page through them, or pick a status above.</p>`
      : filter === 'signed'
        ? ''
        : `<p class="note">${escapeText(STATUS_RUNBOOKS[filter].what)} ${runbookLink(STATUS_RUNBOOKS[filter], view.runbookUrl)}.</p>`;
  let body: string;
  if (total === 0 && coverage !== undefined) {
    body = `<p id="no-findings">No tag with coverage <code>${coverage}</code> among ${filter === 'findings' ? 'the findings' : filter === 'all' ? 'the audited tags' : `the ${statusLabel(filter)} tags`}.</p>`;
  } else if (total === 0) {
    const noTags = SEVERITY_ORDER.every((status) => counts[status] === 0) && counts.signed === 0;
    body =
      filter === 'findings'
        ? `<p id="no-findings">${noTags ? 'No tag has been audited yet.' : 'Every audited tag is signed.'}</p>`
        : `<p id="no-findings">${filter === 'all' ? 'No tag has been audited yet.' : `No tag is ${statusLabel(filter)}.`}</p>`;
  } else if (rows.length === 0) {
    body = `<p id="past-end">Page ${number(view.page)} is past the last page: <a href="${pageHref(filter, pages, view.pageSize, coverage)}">go to page ${number(pages)}</a>.</p>`;
  } else {
    body = `<div class="scroll"><table id="findings"><thead><tr><th>Status</th><th>Repository</th><th>Image</th><th>Tag</th>${view.coverage === undefined ? '' : '<th>Coverage</th>'}<th>GUN</th><th>Role</th><th>Reason</th><th>Since</th><th>Trust expires</th></tr></thead><tbody>
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

/**
 * The migration view of contract v1.2 ("Signature systems beyond DCT"): the
 * counts by coverage, grouped by how far the migration away from DCT has
 * come, and each tag's coverage with one mark per signature system. Rendered
 * only when the view has a coverage (`view.coverage`); without it the page is
 * the v1.1 page, byte for byte.
 */
import { COVERAGES, SIGNATURE_SYSTEMS, systemsOf, type Coverage, type SignatureSystem, type SystemSignature, type SystemStatus } from '../../domain/signatures.js';
import type { StoredTag } from '../../domain/verdict.js';
import { escapeAttr, escapeText } from './escape.js';
import { number } from './format.js';
import type { CoverageView } from './view-model.js';

/**
 * How far a coverage has come, as docs/signature-systems.md ("Migration view")
 * defines it and the dashboard counts it: `moved` when cosign or Notation
 * verifies and DCT no longer does, `in_progress` while DCT and another system
 * both verify, `not_started` when only DCT or nothing verifies.
 */
export const MIGRATION_STAGES = ['not_started', 'in_progress', 'moved'] as const;
export type MigrationStage = (typeof MIGRATION_STAGES)[number];

export const STAGE_OF: Readonly<Record<Coverage, MigrationStage>> = {
  none: 'not_started',
  dct_only: 'not_started',
  dct_cosign: 'in_progress',
  dct_notation: 'in_progress',
  all: 'in_progress',
  cosign_only: 'moved',
  notation_only: 'moved',
  cosign_notation: 'moved',
};

const STAGE_LABEL: Readonly<Record<MigrationStage, string>> = { not_started: 'not started', in_progress: 'in progress', moved: 'moved' };

const SYSTEM_LABEL: Readonly<Record<SignatureSystem, string>> = { dct: 'DCT', cosign: 'cosign', notation: 'Notation' };

export function coverageLabel(coverage: Coverage): string {
  if (coverage === 'none') {
    return 'none';
  }
  if (coverage === 'all') {
    return 'all three';
  }
  const systems = systemsOf(coverage);
  return systems.length === 1 ? `${SYSTEM_LABEL[systems[0] as SignatureSystem]} only` : systems.map((system) => SYSTEM_LABEL[system]).join(' + ');
}

/** One character per system status, so a row stays narrow; the title says it in words. */
const STATUS_MARK: Readonly<Record<SystemStatus, string>> = {
  verified: '✓',
  absent: '–',
  invalid: '✗',
  untrusted: '?',
  expired: '⌛',
  error: '!',
  not_configured: '·',
};

/** A link to this page listing every tag of one coverage (or of any, `undefined`), whatever its status. */
export function coverageHref(coverage: Coverage | undefined, pageSize: number, defaultPageSize: number): string {
  const params = ['status=all', ...(coverage === undefined ? [] : [`coverage=${coverage}`]), ...(pageSize === defaultPageSize ? [] : [`limit=${pageSize}`])];
  return `?${params.join('&amp;')}`;
}

/** The counts by coverage, in three groups (not started, in progress, moved); each a link to its tags. */
export function renderCoverageCounts(coverage: CoverageView, pageSize: number, defaultPageSize: number): string {
  const link = (value: Coverage | undefined, label: string, n: number): string => {
    const current = coverage.filter === value;
    const cls = value === undefined ? 'total' : `coverage-${value}`;
    return `<a class="count ${cls}${current ? ' current' : ''}${n === 0 ? ' zero' : ''}" href="${coverageHref(value, pageSize, defaultPageSize)}" data-coverage="${value ?? 'any'}"${current ? ' aria-current="page"' : ''}><span class="label">${label}</span> <strong>${number(n)}</strong></a>`;
  };
  const all = COVERAGES.reduce((sum, value) => sum + coverage.counts[value], 0);
  const groups = MIGRATION_STAGES.map((stage) => {
    const values = COVERAGES.filter((value) => STAGE_OF[value] === stage);
    const n = values.reduce((sum, value) => sum + coverage.counts[value], 0);
    return `<span class="stage" data-stage="${stage}"><span class="stage-name">${STAGE_LABEL[stage]} <strong>${number(n)}</strong></span> ${values.map((value) => link(value, coverageLabel(value), coverage.counts[value])).join(' ')}</span>`;
  });
  return `<nav id="coverage-counts" aria-label="Counts by coverage">
<span class="heading">Signature coverage</span>
${groups.join('\n')}
${link(undefined, 'any coverage', all)}
</nav>`;
}

function systemMark(entry: SystemSignature): string {
  const title = `${SYSTEM_LABEL[entry.system]}: ${entry.status.replace('_', ' ')}${entry.reason === null || entry.reason === '' ? '' : ` (${entry.reason})`}`;
  return `<span class="sys sys-${entry.status}" data-system="${entry.system}" data-system-status="${entry.status}" title="${escapeAttr(title)}">${SYSTEM_LABEL[entry.system]}&#160;${STATUS_MARK[entry.status]}</span>`;
}

/** A row's coverage cell: the value, then one mark per system with its reason as title text. */
export function renderCoverageCell(tag: StoredTag): string {
  if (tag.signatures === undefined || tag.coverage === undefined) {
    return '<td data-label="Coverage" class="coverage"><span class="none">–</span></td>';
  }
  // In the contract's order of systems, whatever order the entries were stored in; an unknown system is not shown.
  const entries = SIGNATURE_SYSTEMS.flatMap((system) => tag.signatures?.filter((entry) => entry.system === system) ?? []);
  return `<td data-label="Coverage" class="coverage" data-coverage="${tag.coverage}"><span class="coverage-value stage-${STAGE_OF[tag.coverage]}">${escapeText(coverageLabel(tag.coverage))}</span> ${entries.map(systemMark).join(' ')}</td>`;
}

/** Added as a second style element, only with the migration view, so that the v1.1 page keeps its bytes. */
export const COVERAGE_STYLE = `
#coverage-counts { display: flex; flex-wrap: wrap; gap: 0.4rem 1rem; align-items: baseline; margin: 0 0 1rem; }
#coverage-counts .heading { font-weight: 600; }
#coverage-counts .stage { display: inline-flex; flex-wrap: wrap; gap: 0.4rem; align-items: baseline; border-left: 4px solid var(--line); padding-left: 0.5rem; }
#coverage-counts .stage[data-stage="moved"] { border-color: var(--green); }
#coverage-counts .stage[data-stage="in_progress"] { border-color: var(--amber); }
#coverage-counts .stage-name { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); }
.coverage-value { font-weight: 600; margin-right: 0.2rem; }
.coverage-value.stage-moved { color: var(--green); }
.coverage-value.stage-in_progress { color: var(--amber); }
.sys { display: inline-block; font-size: 0.8rem; border: 1px solid var(--line); border-radius: 4px; padding: 0 0.3rem; }
.sys-verified { border-color: var(--green); color: var(--green); background: var(--green-bg); }
.sys-invalid, .sys-expired { border-color: var(--red); color: var(--red); background: var(--red-bg); }
.sys-untrusted, .sys-error { border-color: var(--amber); color: var(--amber); background: var(--amber-bg); }
.sys-absent, .sys-not_configured { color: var(--muted); }
.coverage-filter { font-size: 0.85rem; font-weight: normal; color: var(--muted); }
`;

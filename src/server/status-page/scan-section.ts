/** The page's head: the latest scan's outcome (a failed scan in red with its error) and the cards of the sources and the schedule. */
import type { ScanRecord } from '../../domain/scan.js';
import { escapeText } from './escape.js';
import { number, plural, timeTag } from './format.js';
import { runbookLink, SCAN_RUNBOOK, STALE_RUNBOOK } from './runbooks.js';
import type { SourceHealth, StatusPageView } from './view-model.js';

/** Problems of a scan listed on the page; the rest are counted and are in the log. */
const PROBLEMS_SHOWN = 10;

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

export function renderScan(view: StatusPageView): string {
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

export function renderHealth(view: StatusPageView): string {
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

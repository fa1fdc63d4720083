/** The read-only status page at `/`: last scan, counts by status, and the findings. */
import { TAG_STATUSES } from '../notary/core/codes.js';
import type { AuditService } from '../scan/audit-service.js';
import type { ScanStore } from '../store/scan-store.js';

const FINDINGS_SHOWN = 500;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderStatusPage(options: { store: ScanStore; service: AuditService; version: string }): string {
  const { store, service } = options;
  const last = store.latestFinishedScan();
  const tags = store.allTags();
  const counts = Object.fromEntries(TAG_STATUSES.map((status) => [status, 0])) as Record<string, number>;
  for (const tag of tags) {
    counts[tag.status] = (counts[tag.status] ?? 0) + 1;
  }
  const findings = tags.filter((tag) => tag.status !== 'signed');
  const rows = findings
    .slice(0, FINDINGS_SHOWN)
    .map(
      (tag) =>
        `<tr class="${escapeHtml(tag.status)}"><td>${escapeHtml(tag.repository)}</td><td>${escapeHtml(tag.image)}</td><td>${escapeHtml(tag.tag)}</td>` +
        `<td>${escapeHtml(tag.status)}</td><td class="reason">${escapeHtml(tag.reason ?? '')}</td><td>${escapeHtml(tag.statusSince.replace(/\.\d{3}Z$/, 'Z'))}</td></tr>`
    )
    .join('\n');
  const scanLine =
    last === undefined
      ? 'No scan has completed yet.'
      : `Last scan #${last.id}: <strong>${escapeHtml(last.outcome)}</strong>, finished ${escapeHtml(last.finishedAt ?? '')}, expiry evaluated at ${escapeHtml(last.evaluatedAt)}.`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>trust-auditor</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin-top: 1rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; font-size: 0.9rem; white-space: nowrap; vertical-align: top; }
td.reason { white-space: normal; overflow-wrap: anywhere; max-width: 40rem; }
th { background: #f3f3f3; }
.counts span { display: inline-block; margin-right: 1.2rem; }
tr.invalid td, tr.digest_mismatch td, tr.expired td { background: #fde8e8; }
tr.unsigned td, tr.error td { background: #fff6e0; }
</style>
</head>
<body>
<h1>trust-auditor</h1>
<p id="last-scan">${scanLine}${service.running ? ' A scan is running now.' : ''}</p>
<p class="counts" id="counts">${TAG_STATUSES.map((status) => `<span>${status}: <strong data-status="${status}">${counts[status] ?? 0}</strong></span>`).join('')}</p>
<h2>Findings (${findings.length})</h2>
${
  findings.length === 0
    ? '<p id="no-findings">Every audited tag is signed.</p>'
    : `<table id="findings"><thead><tr><th>Repository</th><th>Image</th><th>Tag</th><th>Status</th><th>Reason</th><th>Since</th></tr></thead><tbody>
${rows}
</tbody></table>${findings.length > FINDINGS_SHOWN ? `<p>Showing ${FINDINGS_SHOWN}; see /api/v1/tags for all.</p>` : ''}`
}
<p><a href="/metrics">/metrics</a> · <a href="/api/v1/tags?status=unsigned">/api/v1/tags</a> · <a href="/api/v1/scans">/api/v1/scans</a> · version ${escapeHtml(options.version)}</p>
</body>
</html>
`;
}

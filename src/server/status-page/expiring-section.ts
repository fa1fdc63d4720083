/** The roles that have expired or expire within the warning window, soonest first. */
import { breakAtSlashes, escapeText } from './escape.js';
import { number, plural, timeTag, utc } from './format.js';
import { EXPIRING_RUNBOOK, ROOT_CERTIFICATE_RUNBOOK, runbookLink } from './runbooks.js';
import { DAY_MS, type StatusPageView } from './view-model.js';

export function renderExpiring(view: StatusPageView): string {
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

/** What to do about each finding: the runbook of docs/runbooks.md behind each alert, and the page's "What to do" section. */
import type { TagStatus } from '../../notary/core/codes.js';
import { escapeAttr, escapeText } from './escape.js';
import { statusLabel } from './format.js';
import { SEVERITY_ORDER, type StatusPageView } from './view-model.js';

interface Runbook {
  readonly alert: string;
  readonly what: string;
}

/** docs/runbooks.md: one section per alert, anchored by its lower-cased name. */
export const STATUS_RUNBOOKS: Readonly<Record<TagStatus, Runbook>> = {
  invalid: {
    alert: 'TrustAuditorTrustDataInvalid',
    what: 'The trust data fails verification (signature, hash, threshold, rollback, root): the tag is not trusted. Until its reason code shows otherwise, treat it as tampering.',
  },
  digest_mismatch: {
    alert: 'TrustAuditorDigestMismatch',
    what: 'Signed, but for another manifest than Nexus serves now: pushed over without content trust, or altered. Content-trust pulls get the old signed image.',
  },
  expired: { alert: 'TrustAuditorTagTrustExpired', what: 'A role the tag depends on has expired: content-trust pulls of the tag fail.' },
  error: { alert: 'TrustAuditorScanFailing', what: 'The tag could not be judged: its trust data could not be fetched, or its repository could not be listed. It is not known to be signed.' },
  unsigned: { alert: 'TrustAuditorUnsignedTag', what: 'No signature docker pull accepts with DOCKER_CONTENT_TRUST=1 (neither in targets/releases nor in targets).' },
  signed: { alert: '', what: 'Signed in targets/releases or targets, for the digest Nexus serves, with every role valid.' },
};
export const SCAN_RUNBOOK: Runbook = { alert: 'TrustAuditorScanFailing', what: 'The latest scan did not complete: Nexus, Notary or the database did not answer every request.' };
export const STALE_RUNBOOK: Runbook = { alert: 'TrustAuditorScanStale', what: 'No scan has completed: every verdict on this page is out of date.' };
export const EXPIRING_RUNBOOK: Runbook = {
  alert: 'TrustAuditorTrustDataExpiringSoon',
  what: 'A role expires within the warning window; when it does, the tags that depend on it become expired.',
};
export const ROOT_CERTIFICATE_RUNBOOK: Runbook = { alert: 'TrustAuditorRootCertificateExpiringSoon', what: 'The root certificate of a GUN expires: only a root key rotation renews it.' };

/** Contract v1.2: the alerts of the migration view, listed under "What to do" once a tag has a coverage. */
export const SIGNATURE_RUNBOOKS = {
  invalid: {
    alert: 'TrustAuditorSignatureInvalid',
    what: 'A cosign or Notation signature of the tag is bad, or signs another digest: whatever the repository requires, treat it as tampering until its reason shows otherwise.',
  },
  lost: {
    alert: 'TrustAuditorSignatureSystemLost',
    what: 'Fewer tags of a repository verify with cosign or Notation than an hour before: a signature was removed, the tag was pushed again without one, or the policy no longer trusts its signer.',
  },
} as const satisfies Readonly<Record<string, Runbook>>;

export function runbookLink(runbook: Runbook, base: string | undefined): string {
  const anchor = runbook.alert.toLowerCase();
  if (base === undefined) {
    return `<span class="runbook">runbook <code>docs/runbooks.md#${escapeText(anchor)}</code></span>`;
  }
  return `<a class="runbook" href="${escapeAttr(`${base.replace(/#.*$/s, '')}#${anchor}`)}">runbook ${escapeText(runbook.alert)}</a>`;
}

export function renderRunbooks(view: StatusPageView): string {
  const item = (id: string, term: string, runbook: Runbook): string => `<div id="${id}"><dt>${term}</dt><dd>${escapeText(runbook.what)} ${runbookLink(runbook, view.runbookUrl)}.</dd></div>`;
  // Folded away while there is nothing to do; a status link (#do-…) opens it.
  const needed = view.latest?.outcome !== 'complete' || SEVERITY_ORDER.some((status) => view.counts[status] > 0) || view.expiring.total > 0;
  return `<section id="runbooks">
<details${needed ? ' open' : ''}><summary><h2>What to do</h2></summary>
<dl>
${SEVERITY_ORDER.map((status) => item(`do-${status}`, `<span class="badge status-${status}">${statusLabel(status)}</span>`, STATUS_RUNBOOKS[status])).join('\n')}
${item('do-scan', 'scan failed or partial', SCAN_RUNBOOK)}
${item('do-stale', 'no recent scan', STALE_RUNBOOK)}
${item('do-expiring', 'expiring soon', EXPIRING_RUNBOOK)}
${view.coverage === undefined ? '' : `${item('do-signature-invalid', 'cosign or Notation invalid', SIGNATURE_RUNBOOKS.invalid)}\n${item('do-signature-lost', 'signature system lost', SIGNATURE_RUNBOOKS.lost)}\n`}</dl>
<p class="note">${view.runbookUrl === undefined ? 'The runbooks are <code>docs/runbooks.md</code> in the trust-auditor sources, one section per alert; set <code>web.runbookUrl</code> in the configuration to where you publish them to get links here.' : `Runbooks: <a href="${escapeAttr(view.runbookUrl)}">${escapeText(view.runbookUrl)}</a>.`}</p>
</details>
</section>`;
}

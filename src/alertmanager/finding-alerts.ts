/**
 * The alerts that stand for the findings, as Alertmanager's v2 API takes them
 * (`postableAlert` of its OpenAPI: labels, annotations, startsAt, endsAt,
 * generatorURL), and which of them one push must send. Pure: the instant and
 * what was sent before are arguments.
 *
 * Alertmanager keeps an alert firing until its endsAt and merges alerts by
 * their label set; a client re-sends what still fires before endsAt passes,
 * and resolves an alert by sending it with endsAt now or earlier (Prometheus
 * does both, with endsAt a few evaluation intervals ahead).
 */
import type { StoredTag } from '../domain/verdict.js';
import type { TagStatus } from '../notary/core/codes.js';

export const FINDING_ALERT_NAME = 'TrustAuditorTagFinding';

/** The statuses that are findings, worst first (the status page's order). */
export const FINDING_STATUSES = ['invalid', 'digest_mismatch', 'expired', 'error', 'unsigned'] as const satisfies readonly TagStatus[];
export type FindingStatus = (typeof FINDING_STATUSES)[number];

/** The severity of the rule in deploy/prometheus/alerts.yml that fires for the same status. */
export const SEVERITY_OF_STATUS: Readonly<Record<FindingStatus, 'critical' | 'warning'>> = {
  invalid: 'critical',
  digest_mismatch: 'critical',
  expired: 'critical',
  error: 'warning',
  unsigned: 'warning',
};

/** The section of docs/runbooks.md for each status (the status page links the same ones). */
export const RUNBOOK_OF_STATUS: Readonly<Record<FindingStatus, string>> = {
  invalid: 'TrustAuditorTrustDataInvalid',
  digest_mismatch: 'TrustAuditorDigestMismatch',
  expired: 'TrustAuditorTagTrustExpired',
  error: 'TrustAuditorScanFailing',
  unsigned: 'TrustAuditorUnsignedTag',
};

/** Annotation values are cut here: a reason quotes names from Nexus and Notary. */
export const MAX_ANNOTATION_CHARS = 1024;

export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL?: string;
}

/** What one push needs besides the findings. */
export interface FindingAlertContext {
  readonly now: Date;
  /** How long a sent alert fires without being sent again. */
  readonly holdMs: number;
  /** The site's copy of docs/runbooks.md (`web.runbookUrl`); undefined: a `runbook` annotation names the section. */
  readonly runbookUrl: string | undefined;
  /** The status page, linked as each alert's generatorURL with `?status=`. */
  readonly statusPageUrl: URL | undefined;
}

export const isFinding = (status: TagStatus): status is FindingStatus => (FINDING_STATUSES as readonly TagStatus[]).includes(status);

/** One alert per finding tag: its identity and status are labels, the rest annotations. */
export function findingAlert(tag: StoredTag & { readonly status: FindingStatus }, context: FindingAlertContext): PostableAlert {
  const runbook = RUNBOOK_OF_STATUS[tag.status].toLowerCase();
  const annotations: Record<string, string> = {
    summary: cut(`${tag.repository}/${tag.image}:${tag.tag} is ${tag.status}`),
    description: cut(tag.reason ?? `status ${tag.status}`),
    gun: cut(tag.gun),
  };
  // Without a site's copy there is no URL to give: the section is named instead, as the status page does.
  if (context.runbookUrl === undefined) {
    annotations['runbook'] = `docs/runbooks.md#${runbook}`;
  } else {
    annotations['runbook_url'] = `${context.runbookUrl.replace(/#.*$/s, '')}#${runbook}`;
  }
  if (tag.digest !== null) {
    annotations['digest'] = tag.digest;
  }
  return {
    labels: {
      alertname: FINDING_ALERT_NAME,
      severity: SEVERITY_OF_STATUS[tag.status],
      repository: tag.repository,
      image: tag.image,
      tag: tag.tag,
      status: tag.status,
    },
    annotations,
    // When the tag entered this status, so Alertmanager shows how long it has been a finding.
    startsAt: earlier(tag.statusSince, context.now),
    endsAt: new Date(context.now.getTime() + context.holdMs).toISOString(),
    ...(context.statusPageUrl === undefined ? {} : { generatorURL: statusLink(context.statusPageUrl, tag.status) }),
  };
}

/** Alertmanager identifies an alert by its label set. */
export function alertKey(alert: PostableAlert): string {
  return JSON.stringify(Object.entries(alert.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface PushPlan {
  /** Firing alerts first, then the resolved ones. */
  readonly alerts: readonly PostableAlert[];
  readonly firing: ReadonlyMap<string, PostableAlert>;
  readonly resolved: number;
}

/**
 * Every finding again (so it stays firing past its last endsAt), and every
 * alert sent before whose finding is gone, resolved: the tag was signed,
 * deleted, changed status (a new label set) or fell outside the cap.
 */
export function planPush(previous: ReadonlyMap<string, PostableAlert>, current: readonly PostableAlert[], now: Date): PushPlan {
  const firing = new Map(current.map((alert) => [alertKey(alert), alert]));
  const resolved = [...previous].filter(([key]) => !firing.has(key)).map(([, alert]) => ({ ...alert, endsAt: now.toISOString() }));
  return { alerts: [...firing.values(), ...resolved], firing, resolved: resolved.length };
}

function cut(text: string): string {
  return text.length <= MAX_ANNOTATION_CHARS ? text : `${text.slice(0, MAX_ANNOTATION_CHARS - 1)}…`;
}

/** An instant that is not after `now` (a clock stepped back must not make startsAt lie ahead). */
function earlier(instant: string, now: Date): string {
  const at = Date.parse(instant);
  return Number.isNaN(at) || at > now.getTime() ? now.toISOString() : new Date(at).toISOString();
}

function statusLink(page: URL, status: FindingStatus): string {
  const link = new URL(page.href);
  link.search = '';
  link.hash = '';
  link.searchParams.set('status', status);
  return link.href;
}

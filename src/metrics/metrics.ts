/**
 * The contract's metrics (prefix `trust_auditor_`) on a private prom-client
 * registry. Values come from the last completed scan: the scan hands over an
 * immutable snapshot, and each scrape renders it in synchronous `collect()`
 * callbacks that reset and refill their series, so a scrape never does scan
 * work and a tag that disappeared has no series left (prom-client pitfalls;
 * Prometheus "Writing exporters": cached values are noted in HELP).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import { FETCH_ERROR_CODES, type FetchErrorCode } from '../lib/errors.js';
import type { Coverage, SignatureSystem, SystemStatus } from '../domain/signatures.js';
import { TAG_STATUSES, type TagStatus } from '../notary/core/codes.js';

export const SOURCES = ['nexus', 'notary'] as const;
export type Source = (typeof SOURCES)[number];

export interface MetricsSnapshot {
  /** Per-tag series (all tags, or only findings when the registry is too large for per-tag series). */
  readonly tags: readonly { readonly repository: string; readonly image: string; readonly tag: string; readonly status: TagStatus }[];
  /** Tag counts per repository and status, over all tags. */
  readonly counts: readonly { readonly repository: string; readonly status: TagStatus; readonly count: number }[];
  readonly expiries: readonly { readonly gun: string; readonly role: string; readonly expiresSeconds: number }[];
  readonly lastSuccessSeconds: number | undefined;
  readonly durationSeconds: number;
  readonly scanUp: boolean;
  readonly sourceUp: Readonly<Record<Source, boolean>>;
  /** Contract v1.2, with `signatures` configured; undefined: those series are absent. */
  readonly signatures?: SignatureSnapshot | undefined;
}

/** The migration view's series (contract v1.2). Labels only from configuration or closed sets. */
export interface SignatureSnapshot {
  readonly tags: readonly { readonly repository: string; readonly image: string; readonly tag: string; readonly coverage: Coverage }[];
  readonly coverageCounts: readonly { readonly repository: string; readonly coverage: Coverage; readonly count: number }[];
  readonly statusCounts: readonly { readonly repository: string; readonly system: SignatureSystem; readonly status: SystemStatus; readonly count: number }[];
  /** Per repository, policy and system: the earliest notAfter of the verified signers' certificates. */
  readonly certificateExpiries: readonly { readonly repository: string; readonly policy: string; readonly system: SignatureSystem; readonly expiresSeconds: number }[];
}

/**
 * What became of an event (closed set): `accepted` (queued for an audit),
 * `unauthorized` (no or a wrong signature), `malformed` (not a component
 * event), `ignored` (another format, or a repository not audited), `dropped`
 * (the queue was full: the next scan repairs it), `failed` (the audit it
 * asked for could not be done).
 */
export const EVENT_RESULTS = ['accepted', 'unauthorized', 'malformed', 'ignored', 'dropped', 'failed'] as const;
export type EventResult = (typeof EVENT_RESULTS)[number];

export interface Metrics {
  readonly registry: Registry;
  /** An event from a source and what became of it. */
  countEvent(source: Source, result: EventResult): void;
  /** Seconds from an event's arrival to the verdict it led to being recorded. */
  observeEventToVerdict(source: Source, seconds: number): void;
  /** Replaces what scrapes show with the result of a completed scan. */
  publish(snapshot: MetricsSnapshot): void;
  /** Counts a scan's source failures by reason (closed set: FetchErrorCode). */
  countSourceErrors(errors: readonly { readonly source: Source; readonly reason: FetchErrorCode }[]): void;
}

const FROM_LAST_SCAN = 'Values come from the last completed scan, not from the moment of the scrape.';

export interface MetricsOptions {
  readonly version: string;
  readonly nodeVersion: string;
  readonly defaultMetrics: boolean;
  /** `expiryWarningDays` in seconds: the window the expiry alert rules compare against. */
  readonly expiryWarningSeconds: number;
  /** The longest gap the schedule leaves between scans: what the staleness rules compare against. */
  readonly scanIntervalSeconds: number;
  /** Contract v1.2: the coverage and signature series, registered only with `signatures` configured (without it /metrics is v1.1's). */
  readonly signatureSeries?: boolean;
}

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) {
    collectDefaultMetrics({ register: registry });
    // prom-client names these gauges *_total, which promtool rightly flags
    // ("non-counter metrics should not have _total suffix"); a clean scrape matters more.
    for (const misnamed of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
      registry.removeSingleMetric(misnamed);
    }
  }
  let snapshot: MetricsSnapshot | undefined;

  new Gauge({
    name: 'trust_auditor_tag_status',
    help: `1 for each tag with its trust status (signed, unsigned, digest_mismatch, expired, invalid, error). ${FROM_LAST_SCAN}`,
    labelNames: ['repository', 'image', 'tag', 'status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const tag of snapshot?.tags ?? []) {
        this.set({ repository: tag.repository, image: tag.image, tag: tag.tag, status: tag.status }, 1);
      }
    },
  });

  new Gauge({
    name: 'trust_auditor_tags',
    help: `Number of tags per repository and trust status. ${FROM_LAST_SCAN}`,
    labelNames: ['repository', 'status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const entry of snapshot?.counts ?? []) {
        this.set({ repository: entry.repository, status: entry.status }, entry.count);
      }
    },
  });

  if (options.signatureSeries === true) {
    new Gauge({
      name: 'trust_auditor_tag_coverage',
      help: `1 for each tag with its coverage: the signature systems (dct, cosign, notation) that verified it, e.g. dct_cosign or none. ${FROM_LAST_SCAN}`,
      labelNames: ['repository', 'image', 'tag', 'coverage'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const tag of snapshot?.signatures?.tags ?? []) {
          this.set({ repository: tag.repository, image: tag.image, tag: tag.tag, coverage: tag.coverage }, 1);
        }
      },
    });

    new Gauge({
      name: 'trust_auditor_tags_by_coverage',
      help: `Number of tags per repository and coverage (every coverage value, 0 included). ${FROM_LAST_SCAN}`,
      labelNames: ['repository', 'coverage'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const entry of snapshot?.signatures?.coverageCounts ?? []) {
          this.set({ repository: entry.repository, coverage: entry.coverage }, entry.count);
        }
      },
    });

    new Gauge({
      name: 'trust_auditor_signatures',
      help: `Number of tags per repository, signature system (dct, cosign, notation) and that system's status (verified, absent, invalid, untrusted, expired, error, not_configured). ${FROM_LAST_SCAN}`,
      labelNames: ['repository', 'system', 'status'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const entry of snapshot?.signatures?.statusCounts ?? []) {
          this.set({ repository: entry.repository, system: entry.system, status: entry.status }, entry.count);
        }
      },
    });

    new Gauge({
      name: 'trust_auditor_signature_cert_expiry_timestamp_seconds',
      help: `Unix time at which the first verified signature of a repository's tags stops verifying, per policy and system: for Notation the earliest of the expiry header and, without a trusted timestamp, the chain certificates' notAfter; for cosign keyless the leaf's notAfter, information only, as those are judged at their transparency-log time; key signatures have none. ${FROM_LAST_SCAN}`,
      labelNames: ['repository', 'policy', 'system'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const entry of snapshot?.signatures?.certificateExpiries ?? []) {
          this.set({ repository: entry.repository, policy: entry.policy, system: entry.system }, entry.expiresSeconds);
        }
      },
    });
  }

  new Gauge({
    name: 'trust_auditor_trust_expiry_timestamp_seconds',
    help: `Unix time at which a role of a GUN's trust data expires (root, targets, snapshot, timestamp, each delegation, and root-certificate: the earliest notAfter of the root certificates). ${FROM_LAST_SCAN}`,
    labelNames: ['gun', 'role'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const expiry of snapshot?.expiries ?? []) {
        this.set({ gun: expiry.gun, role: expiry.role }, expiry.expiresSeconds);
      }
    },
  });

  new Gauge({
    name: 'trust_auditor_scan_last_success_timestamp_seconds',
    help: 'Unix time at which the last scan that audited every configured repository finished.',
    registers: [registry],
    collect() {
      this.reset();
      if (snapshot?.lastSuccessSeconds !== undefined) {
        this.set(snapshot.lastSuccessSeconds);
      }
    },
  });

  new Gauge({
    name: 'trust_auditor_scan_duration_seconds',
    help: `How long the last scan took. ${FROM_LAST_SCAN}`,
    registers: [registry],
    collect() {
      this.reset();
      if (snapshot !== undefined) {
        this.set(snapshot.durationSeconds);
      }
    },
  });

  new Gauge({
    name: 'trust_auditor_scan_up',
    help: '1 if the last scan completed (every source answered), 0 otherwise.',
    registers: [registry],
    collect() {
      this.set(snapshot?.scanUp === true ? 1 : 0);
    },
  });

  new Gauge({
    name: 'trust_auditor_source_up',
    help: `1 if the source (nexus, notary) answered every request of the last scan, 0 otherwise. ${FROM_LAST_SCAN}`,
    labelNames: ['source'] as const,
    registers: [registry],
    collect() {
      for (const source of SOURCES) {
        this.set({ source }, snapshot === undefined ? 0 : snapshot.sourceUp[source] ? 1 : 0);
      }
    },
  });

  const sourceErrors = new Counter({
    name: 'trust_auditor_source_errors_total',
    help: `Requests to a source that failed, by reason (${FETCH_ERROR_CODES.join(', ')}).`,
    labelNames: ['source', 'reason'] as const,
    registers: [registry],
  });
  for (const source of SOURCES) {
    for (const reason of FETCH_ERROR_CODES) {
      sourceErrors.inc({ source, reason }, 0);
    }
  }

  const events = new Counter({
    name: 'trust_auditor_events_total',
    help: `Events received (Nexus webhooks, Notary changefeed records), by source and result (${EVENT_RESULTS.join(', ')}).`,
    labelNames: ['source', 'result'] as const,
    registers: [registry],
  });
  for (const source of SOURCES) {
    for (const result of EVENT_RESULTS) {
      events.inc({ source, result }, 0);
    }
  }
  const eventToVerdict = new Histogram({
    name: 'trust_auditor_event_to_verdict_seconds',
    help: "Seconds from an event's arrival to the verdict it led to being recorded (for a new tag left unsigned, the grace window included).",
    labelNames: ['source'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });

  const buildInfo = new Gauge({
    name: 'trust_auditor_build_info',
    help: 'Always 1; labelled with the trust-auditor version and the Node.js version.',
    labelNames: ['version', 'node_version'] as const,
    registers: [registry],
  });
  buildInfo.set({ version: options.version, node_version: options.nodeVersion }, 1);

  // The configuration the shipped alert rules need, as series: change the
  // config, and the rules follow without editing them.
  new Gauge({
    name: 'trust_auditor_expiry_warning_seconds',
    help: 'How long before a role expires it is reported as expiring soon (expiryWarningDays, in seconds).',
    registers: [registry],
  }).set(options.expiryWarningSeconds);
  new Gauge({
    name: 'trust_auditor_scan_interval_seconds',
    help: 'The longest time the configured schedule leaves between two scans, in seconds.',
    registers: [registry],
  }).set(options.scanIntervalSeconds);

  return {
    registry,
    publish(next) {
      snapshot = next;
    },
    countEvent(source, result) {
      events.inc({ source, result });
    },
    observeEventToVerdict(source, seconds) {
      eventToVerdict.observe({ source }, seconds);
    },
    countSourceErrors(errors) {
      for (const error of errors) {
        sourceErrors.inc({ source: error.source, reason: error.reason });
      }
    },
  };
}

/** Tag counts per repository with every status present (0 included), so dashboards need no `or`. */
export function countByRepository(tags: readonly { readonly repository: string; readonly status: TagStatus }[], repositories: readonly string[]): MetricsSnapshot['counts'] {
  const counts = new Map<string, number>();
  for (const repository of repositories) {
    for (const status of TAG_STATUSES) {
      counts.set(`${repository}\u0000${status}`, 0);
    }
  }
  for (const tag of tags) {
    const key = `${tag.repository}\u0000${tag.status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => {
    const [repository, status] = key.split('\u0000') as [string, TagStatus];
    return { repository, status, count };
  });
}

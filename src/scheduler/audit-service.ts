/**
 * The daemon's scanning side: one scan at a time, triggered by the schedule, the
 * API or start-up; after each scan the metrics are replaced from the database,
 * so that they always describe the last completed scan, including the tags of
 * a repository that could not be listed this time.
 */
import type { ScanRecord } from '../domain/scan.js';
import type { Clock } from '../lib/clock.js';
import { describeError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics, MetricsSnapshot } from '../metrics/metrics.js';
import { failedScanSnapshot, metricsSnapshot, sourcesUp, type TagSeries } from '../metrics/snapshot.js';
import { runScan, type ScanDependencies, type ScanOptions, type ScanResult } from '../scan/scanner.js';
import type { ScanStore } from '../store/scan-store.js';

export type { TagSeries } from '../metrics/snapshot.js';

export interface AuditServiceOptions {
  readonly deps: ScanDependencies;
  readonly store: ScanStore;
  readonly metrics: Metrics;
  readonly clock: Clock;
  readonly log: Logger;
  readonly scanOptions: Omit<ScanOptions, 'signal' | 'evaluateAt' | 'listener'>;
  /** 'findings': per-tag series only for tags that are not signed (very large registries). */
  readonly tagSeries: TagSeries;
  /**
   * Told after the metrics are published again (a scan ended, events changed
   * verdicts, the last scan was loaded at start): the Alertmanager push. It
   * must return at once; the scan does not wait for it.
   */
  readonly onPublished?: (() => void) | undefined;
}

export type TriggerResult = { readonly accepted: true } | { readonly accepted: false; readonly reason: 'running' | 'stopping' };

export class AuditService {
  readonly #options: AuditServiceOptions;
  #running: Promise<void> | undefined;
  #abort: AbortController | undefined;
  #stopping = false;
  #ready = false;
  #lastResult: ScanResult | undefined;

  constructor(options: AuditServiceOptions) {
    this.#options = options;
  }

  /** Ready once a scan has completed in this process or a previous one was loaded from the database. */
  get ready(): boolean {
    return this.#ready;
  }

  get running(): boolean {
    return this.#running !== undefined;
  }

  get lastResult(): ScanResult | undefined {
    return this.#lastResult;
  }

  /** Publishes what the database holds from earlier runs; true when there was a finished scan. */
  loadPrevious(): boolean {
    const last = this.#options.store.latestFinishedScan();
    if (last === undefined) {
      return false;
    }
    this.#publish(last, undefined);
    this.#ready = true;
    this.#options.log.info({ scanId: last.id, finishedAt: last.finishedAt }, 'Loaded the last scan from the database');
    return true;
  }

  /** Publishes the metrics again from the database (verdicts recorded between scans, by events). */
  republish(): void {
    const last = this.#options.store.latestFinishedScan();
    if (last !== undefined) {
      this.#publish(last, this.#lastResult);
    }
  }

  /** Starts a scan unless one is running (never two at once). */
  trigger(reason: 'startup' | 'schedule' | 'api'): TriggerResult {
    const log = this.#options.log;
    if (this.#stopping) {
      return { accepted: false, reason: 'stopping' };
    }
    if (this.#running !== undefined) {
      log.warn({ trigger: reason }, reason === 'schedule' ? 'Scheduled scan skipped: the previous scan is still running' : 'Scan request refused: a scan is already running');
      return { accepted: false, reason: 'running' };
    }
    const abort = new AbortController();
    this.#abort = abort;
    log.info({ trigger: reason }, 'Scan triggered');
    this.#running = this.#scan(abort.signal).finally(() => {
      this.#running = undefined;
      this.#abort = undefined;
    });
    return { accepted: true };
  }

  /** Resolves when the scan in progress (if any) has ended. */
  async idle(): Promise<void> {
    await this.#running;
  }

  /** Stops accepting scans; lets the running one finish for up to `graceMs`, then aborts it. */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    const running = this.#running;
    if (running === undefined) {
      return;
    }
    const timer = setTimeout(() => {
      this.#options.log.warn({ graceMs }, 'Aborting the running scan for shutdown');
      this.#abort?.abort(new Error('shutdown'));
    }, graceMs);
    try {
      await running;
    } finally {
      clearTimeout(timer);
    }
  }

  async #scan(signal: AbortSignal): Promise<void> {
    const { deps, scanOptions, metrics, store, log } = this.#options;
    try {
      const result = await runScan(deps, { ...scanOptions, signal });
      this.#lastResult = result;
      metrics.countSourceErrors(result.sourceErrors);
      const record = store.recentScans(1)[0];
      if (record !== undefined && record.outcome !== 'failed') {
        this.#publish(record, result);
        this.#ready = true;
      } else {
        this.#publishFailure(result);
      }
    } catch (error) {
      log.error({ error: describeError(error) }, 'Scan crashed');
    }
  }

  #snapshotFromStore(scan: ScanRecord, result: ScanResult | undefined): MetricsSnapshot {
    const { store, tagSeries } = this.#options;
    return metricsSnapshot({
      scan,
      tags: store.allTags(),
      trustRoles: store.trustRoles(),
      latestComplete: store.latestCompleteScan(),
      tagSeries,
      // Loaded from the database, the sources' health is only known through the outcome.
      sourceUp: result === undefined ? undefined : sourcesUp(result.sourceErrors),
      signaturePolicyOf: this.#signaturePolicyOf(),
    });
  }

  /** Contract v1.2: with `signatures` configured, which policy audits a repository (for the certificate expiry series). */
  #signaturePolicyOf(): ((repository: string) => string | undefined) | undefined {
    const { scanOptions } = this.#options;
    if (scanOptions.signatures === undefined) {
      return undefined;
    }
    return (repository) => scanOptions.repositories?.find((candidate) => candidate.name === repository)?.signaturePolicy;
  }

  #publish(scan: ScanRecord, result: ScanResult | undefined): void {
    this.#options.metrics.publish(this.#snapshotFromStore(scan, result));
    this.#options.onPublished?.();
  }

  /** A failed scan leaves the last verdicts in place but says the scan and the sources are down. */
  #publishFailure(result: ScanResult): void {
    const previous = this.#options.store.latestFinishedScan();
    const base = previous === undefined ? undefined : this.#snapshotFromStore(previous, undefined);
    this.#options.metrics.publish(failedScanSnapshot(base, (result.finishedAt.getTime() - result.startedAt.getTime()) / 1000, result.sourceErrors));
    // The last verdicts still stand (the metrics keep them too): their alerts are sent again, not left to expire.
    this.#options.onPublished?.();
  }
}

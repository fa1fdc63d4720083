/**
 * Pushes the findings to Alertmanager's v2 API (`POST /api/v2/alerts`) after
 * each scan and audit on push, for sites that run no Prometheus rules. It
 * never blocks or fails what asked for it: one push at a time, a request
 * coming during a push runs once after it, failures are logged and counted,
 * and the alerts stay firing in Alertmanager until their endsAt meanwhile.
 */
import type { StoredTag } from '../domain/verdict.js';
import type { Clock } from '../lib/clock.js';
import { describeError } from '../lib/errors.js';
import { basicAuthorization, type Credentials } from '../lib/http/basic-auth.js';
import { urlUnder } from '../lib/http/base-url.js';
import type { HttpClient } from '../lib/http/http-client.js';
import { statusError } from '../lib/http/status-error.js';
import type { Logger } from '../lib/logger.js';
import { DEFAULT_RETRY, realSleep, RetryableStatusError, retryAfterMs, withRetry, type RetryPolicy, type Sleep } from '../lib/retry.js';
import { findingAlert, isFinding, planPush, type PostableAlert } from './finding-alerts.js';

/** Alerts per request: a body of a few hundred kilobytes at most (each alert is under 5 KiB: annotations are cut at 1 KiB). */
export const ALERTS_PER_REQUEST = 200;
/** Alertmanager answers a post with an empty body or a short error. */
const RESPONSE_LIMIT = 64 * 1024;

export interface FindingsPage {
  /** The findings, worst first, at most the limit asked for. */
  readonly tags: readonly StoredTag[];
  /** How many findings there are in all. */
  readonly total: number;
}

export interface AlertPusherOptions {
  readonly http: HttpClient;
  /** Alertmanager's base URL (a path prefix is kept: `http://am:9093/alertmanager`). */
  readonly url: URL;
  readonly credentials: Credentials | undefined;
  readonly clock: Clock;
  readonly log: Logger;
  /** How long a pushed alert fires without being sent again. */
  readonly holdMs: number;
  /** At most this many findings are pushed; the worst first. */
  readonly maxAlerts: number;
  readonly runbookUrl: string | undefined;
  readonly statusPageUrl: URL | undefined;
  /** The current findings, worst first (the store's status order). */
  readonly findings: (limit: number) => FindingsPage;
  readonly retry?: RetryPolicy;
  readonly sleep?: Sleep;
  readonly random?: () => number;
}

export interface PushCounts {
  /** Pushes that reached Alertmanager whole. */
  readonly pushes: number;
  /** Pushes of which a request failed after its retries. */
  readonly failures: number;
  /** Findings left out of pushes by `maxAlerts`, in all. */
  readonly capped: number;
}

export class AlertPusher {
  readonly #options: AlertPusherOptions;
  readonly #endpoint: URL;
  readonly #abort = new AbortController();
  /** What Alertmanager was last told is firing, by label set. */
  #firing: ReadonlyMap<string, PostableAlert> = new Map();
  #running: Promise<void> | undefined;
  #again = false;
  #counts: PushCounts = { pushes: 0, failures: 0, capped: 0 };

  constructor(options: AlertPusherOptions) {
    this.#options = options;
    this.#endpoint = urlUnder(options.url, 'api/v2/alerts');
  }

  get counts(): PushCounts {
    return this.#counts;
  }

  /** Pushes the findings soon; returns at once. */
  notify(): void {
    if (this.#abort.signal.aborted) {
      return;
    }
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
  }

  /** Resolves when no push is running or waiting. */
  async idle(): Promise<void> {
    while (this.#running !== undefined) {
      await this.#running;
    }
  }

  /** Aborts a push in progress (shutdown must not wait for a slow Alertmanager) and takes no more. */
  async stop(): Promise<void> {
    this.#abort.abort(new Error('shutdown'));
    await this.idle();
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      await this.#pushOnce();
    } while (this.#again && !this.#abort.signal.aborted);
  }

  async #pushOnce(): Promise<void> {
    const { clock, log, maxAlerts, findings } = this.#options;
    const now = clock.now();
    const page = findings(maxAlerts);
    const context = { now, holdMs: this.#options.holdMs, runbookUrl: this.#options.runbookUrl, statusPageUrl: this.#options.statusPageUrl };
    const current = page.tags.slice(0, maxAlerts).flatMap((tag) => (isFinding(tag.status) ? [findingAlert({ ...tag, status: tag.status }, context)] : []));
    const plan = planPush(this.#firing, current, now);
    const capped = Math.max(0, page.total - current.length);
    if (capped > 0) {
      this.#counts = { ...this.#counts, capped: this.#counts.capped + capped };
      log.warn({ findings: page.total, pushed: current.length, maxAlerts }, 'More findings than alertmanager.maxAlerts: the worst are pushed, the rest wait');
    }
    try {
      for (let start = 0; start < plan.alerts.length; start += ALERTS_PER_REQUEST) {
        await this.#post(plan.alerts.slice(start, start + ALERTS_PER_REQUEST));
      }
      this.#firing = plan.firing;
      this.#counts = { ...this.#counts, pushes: this.#counts.pushes + 1 };
      log.debug({ firing: plan.firing.size, resolved: plan.resolved }, 'Findings pushed to Alertmanager');
    } catch (error) {
      if (this.#abort.signal.aborted) {
        return;
      }
      // Keep what may still fire there, so that the next push resolves it.
      this.#firing = new Map([...this.#firing, ...plan.firing]);
      this.#counts = { ...this.#counts, failures: this.#counts.failures + 1 };
      log.error({ error: describeError(error), failures: this.#counts.failures }, 'Pushing the findings to Alertmanager failed; the next scan tries again');
    }
  }

  async #post(alerts: readonly PostableAlert[]): Promise<void> {
    const { http, credentials, clock } = this.#options;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (credentials !== undefined) {
      headers['authorization'] = basicAuthorization(credentials);
    }
    const body = JSON.stringify(alerts);
    await withRetry(
      async () => {
        const response = await http.send(this.#endpoint, { method: 'POST', headers, body, maxBytes: RESPONSE_LIMIT, what: 'Alertmanager alerts', signal: this.#abort.signal });
        if (response.status !== 200) {
          const error = statusError('Alertmanager alerts', response.url, response.status, { suffix: errorText(response.body) });
          const retryAfter = response.headers['retry-after'];
          throw new RetryableStatusError(error, retryAfterMs(typeof retryAfter === 'string' ? retryAfter : undefined, clock.now()));
        }
      },
      {
        policy: this.#options.retry ?? DEFAULT_RETRY,
        sleep: this.#options.sleep ?? realSleep,
        ...(this.#options.random === undefined ? {} : { random: this.#options.random }),
        signal: this.#abort.signal,
        onRetry: (error, delayMs, attempt) => this.#options.log.warn({ error: describeError(error), delayMs: Math.round(delayMs), attempt }, 'Alertmanager push failed; retrying'),
      }
    );
  }
}

/** Alertmanager's error body (a JSON string or `{code, message}`), shortened for the log. */
function errorText(body: Buffer): string {
  const text = body.toString('utf8').replace(/\s+/g, ' ').trim();
  return text === '' ? '' : `: ${text.slice(0, 200)}`;
}

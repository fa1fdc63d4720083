/**
 * Retries with exponential back-off and jitter for transient failures
 * (timeouts, refused or reset connections, HTTP 5xx, 429 with Retry-After),
 * within a bounded number of attempts and a bounded wait.
 */
import { FetchError } from './errors.js';

export interface RetryPolicy {
  /** Attempts after the first. */
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseDelayMs: 500, maxDelayMs: 15_000 };

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export function isTransient(error: unknown): error is FetchError {
  return error instanceof FetchError && (error.code === 'TIMEOUT' || error.code === 'CONNECTION' || error.code === 'HTTP_5XX' || error.status === 429);
}

/** A wait the server asked for (429/503 Retry-After), in ms, if it is one we can honour. */
export function retryAfterMs(header: string | undefined, now: Date): number | undefined {
  if (header === undefined) {
    return undefined;
  }
  if (/^\d+$/.test(header.trim())) {
    return Number(header.trim()) * 1000;
  }
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}

export class RetryableStatusError extends FetchError {
  readonly retryAfterMs: number | undefined;

  constructor(error: FetchError, retryAfter: number | undefined) {
    super(error.code, error.message, { cause: error.cause, ...(error.status === undefined ? {} : { status: error.status }) });
    this.retryAfterMs = retryAfter;
  }
}

export interface RetryOptions {
  readonly policy: RetryPolicy;
  readonly sleep: Sleep;
  /** Jitter source, in [0, 1) like Math.random (the default); injected so tests can fix the delays. */
  readonly random?: () => number;
  readonly signal?: AbortSignal | undefined;
  readonly onRetry?: (error: FetchError, delayMs: number, attemptNumber: number) => void;
}

/**
 * Runs `attempt`, and again after a transient failure: at most `policy.retries`
 * more times, waiting half to all of `baseDelayMs · 2^n` (capped at
 * `maxDelayMs`), or longer if the server's Retry-After asks and the cap allows.
 */
export async function withRetry<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, sleep, signal, onRetry } = options;
  const random = options.random ?? Math.random;
  for (let tried = 0; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransient(error) || tried >= policy.retries || signal?.aborted === true) {
        throw error;
      }
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** tried);
      const jittered = backoff / 2 + random() * (backoff / 2);
      const asked = error instanceof RetryableStatusError ? error.retryAfterMs : undefined;
      if (asked !== undefined && asked > policy.maxDelayMs) {
        throw error; // the server wants a longer pause than we may take
      }
      const delay = Math.max(jittered, asked ?? 0);
      onRetry?.(error, delay, tried + 1);
      await sleep(delay, signal);
    }
  }
}

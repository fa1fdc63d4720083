/**
 * Follows Notary's changefeed between scheduled scans: every `intervalMs` it
 * asks for the newest record's ID and, when the feed moved, for the records
 * since the last one seen, and hands the distinct GUNs they name (deletions
 * included) to `onChanged`. It is a hint, never the truth: the scheduled scan
 * still audits everything, and anything the follower misses it catches.
 *
 * Starting, it takes the newest ID as its cursor and does not replay history.
 * A memory-backed Notary restarts its IDs at 1 (notary server/storage/memory.go
 * writeChange): a newest ID below the cursor means a restart, and the cursor
 * goes back to the newest. (A restarted server that already wrote more records
 * than the cursor is indistinguishable from one that did not restart; its
 * trust data is gone anyway, which the next scan reports.)
 *
 * Nothing is thrown out of a timer: a failed tick is logged, once per run of the
 * same failure, and the next tick tries again. A 401 or 403 (no
 * `registry:catalog:*` scope) is logged once as such and the scheduled scan is
 * all there is until it is granted. The changefeed comes through the port below,
 * so this folder imports no Notary client (docs/architecture.md §1).
 */
import { describeError, FetchError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';

/** What the follower needs of a changefeed client (`NotaryChangefeed` satisfies it). */
export interface ChangefeedPort {
  /** The newest record's ID; undefined for an empty feed. */
  latestId(signal?: AbortSignal): Promise<number | undefined>;
  /** The records after `id`, oldest first, and the ID to continue from. */
  changesAfter(id: number, signal?: AbortSignal): Promise<ChangeBatchView>;
}

export interface ChangeBatchView {
  readonly records: readonly { readonly id: number; readonly gun: string }[];
  readonly lastId: number;
  readonly skipped?: number;
}

/** What one tick does, decided from the cursor and the newest ID alone. */
export type TickPlan =
  | { readonly kind: 'start'; readonly cursor: number }
  | { readonly kind: 'idle' }
  | { readonly kind: 'restarted'; readonly cursor: number }
  | { readonly kind: 'fetch'; readonly after: number };

/**
 * `cursor` undefined: not started. An empty feed reads as ID 0, the position
 * before the first record, so that the first record written is new.
 */
export function planTick(cursor: number | undefined, newest: number | undefined): TickPlan {
  const latest = newest ?? 0;
  if (cursor === undefined) {
    return { kind: 'start', cursor: latest };
  }
  if (latest < cursor) {
    return { kind: 'restarted', cursor: latest };
  }
  return latest === cursor ? { kind: 'idle' } : { kind: 'fetch', after: cursor };
}

/**
 * The distinct GUNs of the records past `cursor`, in the order first named,
 * and the next cursor, which never moves backwards.
 */
export function absorbBatch(cursor: number, batch: ChangeBatchView): { readonly guns: readonly string[]; readonly cursor: number } {
  const guns = new Set<string>();
  for (const record of batch.records) {
    if (record.id > cursor) {
      guns.add(record.gun);
    }
  }
  return { guns: [...guns], cursor: Math.max(cursor, batch.lastId) };
}

export interface FollowerTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ChangefeedFollowerOptions {
  readonly changefeed: ChangefeedPort;
  /** The GUNs with new records since the last tick; awaited before the next tick is planned. */
  readonly onChanged: (guns: readonly string[]) => void | Promise<void>;
  readonly logger: Logger;
  /** Between the end of one tick and the start of the next; default 10 s. */
  readonly intervalMs?: number;
  readonly timers?: FollowerTimers;
}

export interface ChangefeedFollower {
  /** The last ID seen; undefined until the first tick succeeds. */
  readonly cursor: number | undefined;
  /** Clears the timer, aborts a tick in flight and waits for it to end. */
  stop(): Promise<void>;
}

export const DEFAULT_FOLLOW_INTERVAL_MS = 10_000;

const NODE_TIMERS: FollowerTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Starts following: the first tick now (it takes the starting point), then one every `intervalMs`. */
export function startChangefeedFollower(options: ChangefeedFollowerOptions): ChangefeedFollower {
  const intervalMs = options.intervalMs ?? DEFAULT_FOLLOW_INTERVAL_MS;
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new RangeError(`intervalMs must be a positive number of milliseconds, not ${intervalMs}`);
  }
  const timers = options.timers ?? NODE_TIMERS;
  const { changefeed, logger } = options;
  const abort = new AbortController();
  let cursor: number | undefined;
  let timer: unknown;
  let running: Promise<void> | undefined;
  let stopped = false;
  /** The failure being repeated tick after tick, logged at its first occurrence only. */
  let failing: string | undefined;

  const tick = async (): Promise<void> => {
    const signal = abort.signal;
    const plan = planTick(cursor, await changefeed.latestId(signal));
    if (plan.kind === 'start') {
      cursor = plan.cursor;
      logger.info({ cursor }, 'following the Notary changefeed');
    } else if (plan.kind === 'restarted') {
      logger.warn({ cursor, newest: plan.cursor }, 'the Notary changefeed went back (a server restart with memory storage?); following from its newest record');
      cursor = plan.cursor;
    } else if (plan.kind === 'fetch') {
      const batch = await changefeed.changesAfter(plan.after, signal);
      if (stopped) {
        return;
      }
      const next = absorbBatch(plan.after, batch);
      cursor = next.cursor;
      if ((batch.skipped ?? 0) > 0) {
        logger.warn({ skipped: batch.skipped, cursor }, 'changefeed records with names that are not valid GUNs were skipped');
      }
      if (next.guns.length > 0) {
        logger.debug({ guns: next.guns.length, cursor }, 'changefeed records since the last tick');
        try {
          await options.onChanged(next.guns);
        } catch (error) {
          // The records were delivered: replaying them would not make a failing consumer succeed.
          logger.error({ error: describeError(error) }, 'handling changefeed records failed');
        }
      }
    }
  };

  const run = async (): Promise<void> => {
    try {
      await tick();
      if (failing !== undefined && !stopped) {
        logger.info({ cursor }, 'the Notary changefeed answers again');
      }
      failing = undefined;
    } catch (error) {
      if (stopped) {
        return;
      }
      const kind = error instanceof FetchError ? error.code : 'UNEXPECTED';
      if (kind !== failing) {
        failing = kind;
        if (kind === 'AUTH') {
          logger.warn({ error: describeError(error) }, 'not allowed to read the Notary changefeed; new signatures wait for the scheduled scan');
        } else {
          logger.warn({ code: kind, error: describeError(error) }, 'reading the Notary changefeed failed; retrying at the next tick');
        }
      } else {
        logger.debug({ code: kind }, 'reading the Notary changefeed failed again');
      }
    }
  };

  const schedule = (delay: number): void => {
    timer = timers.setTimeout(() => {
      timer = undefined;
      running = run().finally(() => {
        running = undefined;
        if (!stopped) {
          schedule(intervalMs);
        }
      });
    }, delay);
  };

  schedule(0);
  return {
    get cursor() {
      return cursor;
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) {
        timers.clearTimeout(timer);
        timer = undefined;
      }
      abort.abort(new Error('the changefeed follower stopped'));
      await running;
    },
  };
}

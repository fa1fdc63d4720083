/**
 * Where trust collections are verified: in this thread, or spread over worker
 * threads. Verification is pure CPU (signatures, hashes, canonical JSON) and a
 * first scan verifies every image once, so on a machine with more than one
 * core the workers let the main thread keep fetching and writing meanwhile.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

import { summarize, type TrustSummary } from '../notary/core/summary.js';
import { verifyCollection, type RoleRecord, type TrustCollectionBytes, type TrustHistory } from '../notary/core/verify-collection.js';
import type { TrustFailure } from '../notary/core/codes.js';

export interface VerificationOutcome {
  readonly summary: TrustSummary;
  /** Verified roles (for rollback floors), or undefined when verification failed. */
  readonly roles: readonly RoleRecord[] | undefined;
  readonly failure: TrustFailure | undefined;
  /** Delegations a verified parent names that the bytes lacked: fetch them and verify again. */
  readonly unserved: readonly string[];
}

export interface CollectionVerifier {
  /**
   * Verifies one collection judged at `now`. When `signal` aborts, the
   * verification is dropped, waiting or running, and the promise rejects
   * with `signal.reason`.
   */
  verify(gun: string, bytes: TrustCollectionBytes, history: TrustHistory, now: Date, signal?: AbortSignal): Promise<VerificationOutcome>;
  close(): Promise<void>;
}

export function verifyToOutcome(gun: string, bytes: TrustCollectionBytes, history: TrustHistory, now: Date): VerificationOutcome {
  const verification = verifyCollection(gun, bytes, history, now);
  const summary = summarize(verification);
  if (verification.ok) {
    return { summary, roles: verification.value.roles, failure: undefined, unserved: verification.value.unserved };
  }
  const { code, role, detail } = verification.error;
  return { summary, roles: undefined, failure: { code, role, detail }, unserved: [] };
}

/** Verifies in the calling thread. */
export const inlineVerifier: CollectionVerifier = {
  verify: async (gun, bytes, history, now, signal) => {
    signal?.throwIfAborted();
    return verifyToOutcome(gun, bytes, history, now);
  },
  close: async () => undefined,
};

export interface WorkerVerifierOptions {
  /** Worker threads (default: one per core, at most 4). */
  readonly size?: number;
  /** Time one verification may run in its worker before the worker is replaced. */
  readonly timeoutMs?: number;
  /** Heap limit of each worker: hostile data that exhausts it kills that worker, not the daemon. */
  readonly maxHeapMb?: number;
  /**
   * Young generation of each worker. V8's default (up to 16 MB per semi-space)
   * let each worker hold ~47 MB through a first scan, mostly short-lived
   * garbage; a verification keeps little alive, so a small nursery costs
   * only more frequent, cheap scavenges (docs/performance.md, "Where the memory went").
   */
  readonly maxYoungMb?: number;
  /** The worker script (tests inject misbehaving ones). */
  readonly workerUrl?: URL;
}

interface Task {
  readonly id: number;
  readonly gun: string;
  readonly request: unknown;
  readonly resolve: (outcome: VerificationOutcome) => void;
  readonly reject: (error: unknown) => void;
  /** Forgets the task's abort listener; called once the task is settled. */
  readonly forget: () => void;
}

/** What a worker posts: that it is ready, then one answer per verification. */
export type WorkerMessage = { readonly ready: true } | { readonly id: number; readonly outcome?: VerificationOutcome; readonly error?: string };

interface Slot {
  readonly worker: Worker;
  /** Whether the worker has loaded its script: its time limit must not count its start-up. */
  ready: boolean;
  /** The one verification posted to this worker and not answered yet. */
  running: Task | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Why the worker is being stopped, if we stopped it: it takes no more work. */
  stopping: string | undefined;
  lastError: Error | undefined;
}

/**
 * A pool of worker threads running the same pure core, started on the first
 * verification: a rescan where nothing changed needs none. Measured on 2 cores
 * (npm run bench, 1,000 images): two workers scan in 7.3 s, one in 9.6 s; the
 * main thread mostly waits on I/O meanwhile.
 *
 * Verifications wait in one queue and each worker is given one at a time, so
 * that a verification still waiting can be dropped when its scan is aborted,
 * and none waits behind a worker that hangs. A worker that dies (heap limit,
 * crash), overruns its time or runs a verification whose scan was aborted
 * fails only that verification and is replaced: scans never overlap, so one
 * dead worker must not hang every later scan.
 *
 * Kept hand-written rather than piscina 5 by measurement (docs/performance.md,
 * "The verification worker pool"): piscina used 11-20 % more CPU per
 * collection and 27 MB more memory, and has no time limit of its own.
 */
export function createWorkerVerifier(options: WorkerVerifierOptions = {}): CollectionVerifier {
  const size = options.size ?? Math.min(4, availableParallelism());
  const timeoutMs = options.timeoutMs ?? 120_000;
  const workerUrl = options.workerUrl ?? new URL('./verify-worker.js', import.meta.url);
  const maxHeapMb = options.maxHeapMb ?? 1024;
  const maxYoungMb = options.maxYoungMb ?? 4;
  let slots: Slot[] = [];
  const waiting: Task[] = [];
  let nextId = 0;
  let closed = false;

  const stop = (slot: Slot, why: string): void => {
    clearTimeout(slot.timer);
    slot.stopping = why;
    void slot.worker.terminate();
  };

  /** Gives waiting verifications to idle workers, oldest first. */
  const dispatch = (): void => {
    for (const slot of slots) {
      const task = slot.ready && slot.running === undefined && slot.stopping === undefined ? waiting.shift() : undefined;
      if (task === undefined) {
        continue;
      }
      slot.running = task;
      slot.worker.postMessage(task.request);
      slot.timer = setTimeout(() => stop(slot, `verification of ${task.gun} ran longer than ${timeoutMs / 1000} s`), timeoutMs).unref();
    }
  };

  const spawn = (): Slot => {
    const worker = new Worker(workerUrl, { resourceLimits: { maxOldGenerationSizeMb: maxHeapMb, maxYoungGenerationSizeMb: maxYoungMb } });
    worker.unref();
    const slot: Slot = { worker, ready: false, running: undefined, timer: undefined, stopping: undefined, lastError: undefined };
    worker.on('message', (message: WorkerMessage) => {
      if ('ready' in message) {
        slot.ready = true;
        dispatch();
        return;
      }
      const task = slot.running;
      if (task?.id !== message.id) {
        return;
      }
      clearTimeout(slot.timer);
      slot.running = undefined;
      task.forget();
      if (message.outcome !== undefined) {
        task.resolve(message.outcome);
      } else {
        task.reject(new Error(`verification of ${task.gun} failed: ${message.error ?? 'unknown error'}`));
      }
      dispatch();
    });
    worker.on('error', (error) => {
      slot.lastError = error;
    });
    worker.on('exit', (code) => {
      clearTimeout(slot.timer);
      slots = slots.filter((other) => other !== slot);
      // A worker that dies before it is ready (its script does not load) fails
      // the oldest waiting verification, as if it had been running it: the
      // next worker then fails the next one, and no scan waits for ever.
      const task = slot.running ?? (slot.ready || closed ? undefined : waiting.shift());
      task?.forget();
      if (closed) {
        task?.reject(new Error('the verifier is closed'));
        return;
      }
      task?.reject(new Error(slot.stopping ?? `the verification worker died (exit code ${code}${slot.lastError === undefined ? '' : `: ${slot.lastError.message}`})`));
      slots.push(spawn());
      dispatch();
    });
    return slot;
  };

  return {
    verify(gun, bytes, history, now, signal) {
      if (closed) {
        return Promise.reject(new Error('the verifier is closed'));
      }
      if (signal?.aborted === true) {
        return Promise.reject(signal.reason);
      }
      if (slots.length === 0) {
        slots = Array.from({ length: size }, spawn);
      }
      const id = nextId++;
      return new Promise<VerificationOutcome>((resolve, reject) => {
        const onAbort = (): void => {
          const queued = waiting.indexOf(task);
          if (queued >= 0) {
            waiting.splice(queued, 1);
          }
          const slot = slots.find((candidate) => candidate.running === task);
          if (slot !== undefined) {
            // The core is synchronous: only ending its thread stops it.
            slot.running = undefined;
            stop(slot, `verification of ${gun} was aborted`);
          }
          reject(signal?.reason);
        };
        const task: Task = { id, gun, request: { id, gun, bytes, history, now }, resolve, reject, forget: () => signal?.removeEventListener('abort', onAbort) };
        signal?.addEventListener('abort', onAbort, { once: true });
        waiting.push(task);
        dispatch();
      });
    },
    async close() {
      closed = true;
      for (const task of waiting.splice(0)) {
        task.forget();
        task.reject(new Error('the verifier is closed'));
      }
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}

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
  verify(gun: string, bytes: TrustCollectionBytes, history: TrustHistory, now: Date): Promise<VerificationOutcome>;
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
  verify: async (gun, bytes, history, now) => verifyToOutcome(gun, bytes, history, now),
  close: async () => undefined,
};

export interface WorkerVerifierOptions {
  /** Worker threads (default: one per core, at most 4). */
  readonly size?: number;
  /** Time one verification may run in its worker before the worker is replaced. */
  readonly timeoutMs?: number;
  /** Heap limit of each worker: hostile data that exhausts it kills that worker, not the daemon. */
  readonly maxHeapMb?: number;
  /** The worker script (tests inject misbehaving ones). */
  readonly workerUrl?: URL;
}

interface Task {
  readonly id: number;
  readonly gun: string;
  readonly request: unknown;
  readonly resolve: (outcome: VerificationOutcome) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  /** Posted and unanswered, in order: the worker runs them one at a time, so the first is running. */
  readonly inFlight: Task[];
  timer: NodeJS.Timeout | undefined;
  /** Why the worker is being stopped, if we stopped it. */
  stopping: string | undefined;
  lastError: Error | undefined;
}

/**
 * A pool of worker threads running the same pure core, started on the first
 * verification: a rescan where nothing changed needs none. Measured on 2 cores
 * (npm run bench, 1,000 images): two workers scan in 7.3 s, one in 9.6 s; the
 * main thread mostly waits on I/O meanwhile.
 *
 * A worker that dies (heap limit, crash) or overruns its time fails only the
 * verification it was running, is replaced, and the verifications queued
 * behind it move to the new worker: scans never overlap, so one dead worker
 * must not hang every later scan.
 */
export function createWorkerVerifier(options: WorkerVerifierOptions = {}): CollectionVerifier {
  const size = options.size ?? Math.min(4, availableParallelism());
  const timeoutMs = options.timeoutMs ?? 120_000;
  const workerUrl = options.workerUrl ?? new URL('./verify-worker.js', import.meta.url);
  const maxHeapMb = options.maxHeapMb ?? 1024;
  let slots: Slot[] = [];
  let nextId = 0;
  let closed = false;

  /** Starts the time limit of the task the worker is running now. */
  const arm = (slot: Slot): void => {
    clearTimeout(slot.timer);
    const running = slot.inFlight[0];
    slot.timer =
      running === undefined
        ? undefined
        : setTimeout(() => {
            slot.stopping = `verification of ${running.gun} ran longer than ${timeoutMs / 1000} s`;
            void slot.worker.terminate();
          }, timeoutMs).unref();
  };

  const dispatch = (task: Task): void => {
    let chosen = slots[0] as Slot;
    for (const slot of slots) {
      if (slot.inFlight.length < chosen.inFlight.length) {
        chosen = slot;
      }
    }
    chosen.inFlight.push(task);
    chosen.worker.postMessage(task.request);
    if (chosen.inFlight.length === 1) {
      arm(chosen);
    }
  };

  const spawn = (): Slot => {
    const worker = new Worker(workerUrl, { resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } });
    worker.unref();
    const slot: Slot = { worker, inFlight: [], timer: undefined, stopping: undefined, lastError: undefined };
    worker.on('message', (message: { id: number; outcome?: VerificationOutcome; error?: string }) => {
      const index = slot.inFlight.findIndex((task) => task.id === message.id);
      if (index < 0) {
        return;
      }
      const [task] = slot.inFlight.splice(index, 1) as [Task];
      arm(slot);
      if (message.outcome !== undefined) {
        task.resolve(message.outcome);
      } else {
        task.reject(new Error(`verification of ${task.gun} failed: ${message.error ?? 'unknown error'}`));
      }
    });
    worker.on('error', (error) => {
      slot.lastError = error;
    });
    worker.on('exit', (code) => {
      clearTimeout(slot.timer);
      slots = slots.filter((other) => other !== slot);
      const [running, ...queued] = slot.inFlight;
      if (closed) {
        for (const task of slot.inFlight) {
          task.reject(new Error('the verifier is closed'));
        }
        return;
      }
      const why = slot.stopping ?? `the verification worker died (exit code ${code}${slot.lastError === undefined ? '' : `: ${slot.lastError.message}`})`;
      running?.reject(new Error(why));
      slots.push(spawn());
      queued.forEach(dispatch);
    });
    return slot;
  };

  return {
    verify(gun, bytes, history, now) {
      if (closed) {
        return Promise.reject(new Error('the verifier is closed'));
      }
      if (slots.length === 0) {
        slots = Array.from({ length: size }, spawn);
      }
      const id = nextId++;
      return new Promise<VerificationOutcome>((resolve, reject) => {
        dispatch({ id, gun, request: { id, gun, bytes, history, now }, resolve, reject });
      });
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}

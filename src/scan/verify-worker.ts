/** A verification worker thread: runs the pure core on what the pool posts. */
import { parentPort } from 'node:worker_threads';

import type { TrustCollectionBytes, TrustHistory } from '../notary/core/verify-collection.js';
import { verifyToOutcome, type WorkerMessage } from './verifier.js';

interface Request {
  readonly id: number;
  readonly gun: string;
  readonly bytes: TrustCollectionBytes;
  readonly history: TrustHistory;
  readonly now: Date;
}

const post = (message: WorkerMessage): void => parentPort?.postMessage(message);

parentPort?.on('message', (request: Request) => {
  try {
    post({ id: request.id, outcome: verifyToOutcome(request.gun, request.bytes, request.history, request.now) });
  } catch (error) {
    post({ id: request.id, error: (error as Error).message });
  }
});
// Only now does the pool give this worker work: its time limit must not count loading this script.
post({ ready: true });

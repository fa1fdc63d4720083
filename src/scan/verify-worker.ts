/** A verification worker thread: runs the pure core on what the pool posts. */
import { parentPort } from 'node:worker_threads';

import type { TrustCollectionBytes, TrustHistory } from '../notary/core/verify-collection.js';
import { verifyToOutcome } from './verifier.js';

interface Request {
  readonly id: number;
  readonly gun: string;
  readonly bytes: TrustCollectionBytes;
  readonly history: TrustHistory;
  readonly now: Date;
}

parentPort?.on('message', (request: Request) => {
  try {
    const outcome = verifyToOutcome(request.gun, request.bytes, request.history, request.now);
    parentPort?.postMessage({ id: request.id, outcome });
  } catch (error) {
    parentPort?.postMessage({ id: request.id, error: (error as Error).message });
  }
});

/**
 * A verification worker that misbehaves on request, by GUN: for the pool's
 * tests. Any other GUN gets a well-formed outcome echoing the GUN.
 */
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', (request: { id: number; gun: string }) => {
  switch (request.gun) {
    case 'throws':
      throw new Error('hostile data broke the worker');
    case 'exits':
      return process.exit(3);
    case 'hangs':
      for (;;) {
        // a verification that never ends
      }
    case 'exhausts-heap': {
      const hoard: number[][] = [];
      for (;;) {
        hoard.push(new Array<number>(1_000_000).fill(hoard.length));
      }
    }
    default:
      parentPort?.postMessage({ id: request.id, outcome: { summary: { gun: request.gun }, roles: undefined, failure: undefined } });
  }
});
// As verify-worker.ts does: the pool gives work only to a worker that has said it is ready.
parentPort?.postMessage({ ready: true });

/**
 * The verification worker pool after a worker dies or hangs: only the
 * verification that was running fails, the worker is replaced, and every
 * verification queued behind it still completes. An aborted scan drops its
 * verifications, waiting or running.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { NO_HISTORY } from '../../../src/notary/core/verify-collection.js';
import { createWorkerVerifier, type CollectionVerifier } from '../../../src/scan/verifier.js';

const WORKER = new URL('../../support/misbehaving-worker.js', import.meta.url);
const NO_BYTES = { root: new Uint8Array(), timestamp: new Uint8Array(), snapshot: new Uint8Array(), targets: new Uint8Array(), delegations: new Map() };

function verify(pool: CollectionVerifier, gun: string, signal?: AbortSignal): Promise<string> {
  return pool.verify(gun, NO_BYTES, NO_HISTORY, new Date(), signal).then(
    (outcome) => `ok ${(outcome.summary as unknown as { gun: string }).gun}`,
    (error: unknown) => `failed: ${error instanceof Error ? error.message : String(error)}`
  );
}

/** Settles within `ms`, or says it did not; the wait keeps the process alive (the pool's workers do not). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'pending'>((resolve) => {
    timer = setTimeout(() => resolve('pending'), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('verification worker pool', () => {
  // Only the hang needs a short time limit; the others keep a long one so that a busy machine cannot turn them into timeouts.
  for (const [gun, behaviour, timeoutMs, expected] of [
    ['throws', 'throws', 15_000, /^failed: the verification worker died \(exit code 1: hostile data broke the worker\)$/],
    ['exits', 'exits', 15_000, /^failed: the verification worker died \(exit code 3\)$/],
    ['exhausts-heap', 'exhausts its heap', 15_000, /^failed: the verification worker died \(exit code 1: .*memory/i],
    ['hangs', 'hangs past its time', 500, /^failed: verification of hangs ran longer than 0\.5 s$/],
  ] as const) {
    it(`a worker that ${behaviour} fails only its own verification; the others complete`, async () => {
      const pool = createWorkerVerifier({ size: 2, timeoutMs, maxHeapMb: 32, workerUrl: WORKER });
      try {
        const results = Promise.all([verify(pool, 'a'), verify(pool, gun), verify(pool, 'b'), verify(pool, 'c'), verify(pool, 'd'), verify(pool, 'e')]);

        const settled = await within(results, 20_000);

        assert.notEqual(settled, 'pending', 'every verification settles');
        const [a, bad, ...rest] = settled as string[];
        assert.equal(a, 'ok a');
        assert.match(bad ?? '', expected);
        assert.deepEqual(rest, ['ok b', 'ok c', 'ok d', 'ok e']);
        // And the pool keeps working afterwards, at full size.
        assert.deepEqual(await Promise.all(['f', 'g', 'h'].map((next) => verify(pool, next))), ['ok f', 'ok g', 'ok h']);
      } finally {
        await pool.close();
      }
    });
  }

  it('an abort drops the running and the waiting verifications at once; the worker is replaced', async () => {
    const pool = createWorkerVerifier({ size: 1, timeoutMs: 60_000, workerUrl: WORKER });
    try {
      const scan = new AbortController();
      const running = verify(pool, 'hangs', scan.signal);
      const waiting = verify(pool, 'a', scan.signal);
      const unrelated = verify(pool, 'b');
      setTimeout(() => scan.abort('shutdown'), 200).unref();

      const settled = await within(Promise.all([running, waiting]), 5_000);

      assert.deepEqual(settled, ['failed: shutdown', 'failed: shutdown']);
      assert.equal(await within(unrelated, 5_000), 'ok b');
    } finally {
      await pool.close();
    }
  });

  it('refuses a verification whose signal has already aborted', async () => {
    const pool = createWorkerVerifier({ size: 1, workerUrl: WORKER });
    try {
      assert.equal(await verify(pool, 'a', AbortSignal.abort('shutdown')), 'failed: shutdown');
      assert.equal(await verify(pool, 'b', new AbortController().signal), 'ok b');
    } finally {
      await pool.close();
    }
  });

  it('a worker whose script does not load fails the verification instead of keeping it waiting', async () => {
    const pool = createWorkerVerifier({ size: 1, workerUrl: new URL('./no-such-worker.js', import.meta.url) });
    try {
      assert.match(await within(verify(pool, 'a'), 10_000), /^failed: the verification worker died \(exit code 1/);
    } finally {
      await pool.close();
    }
  });

  it('refuses work once closed', async () => {
    const pool = createWorkerVerifier({ size: 1, workerUrl: WORKER });
    assert.equal(await verify(pool, 'a'), 'ok a');
    await pool.close();

    assert.equal(await verify(pool, 'b'), 'failed: the verifier is closed');
  });
});

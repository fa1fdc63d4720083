import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { fixedClock } from '../../../src/lib/clock.js';
import { FetchError } from '../../../src/lib/errors.js';
import { isTransient, retryAfterMs, RetryableStatusError, withRetry, type RetryPolicy } from '../../../src/lib/retry.js';

const POLICY: RetryPolicy = { retries: 3, baseDelayMs: 100, maxDelayMs: 1_000 };

/** An attempt that fails with `errors` in turn, then answers 'done'. */
function failing(errors: readonly Error[]): { attempt: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    attempt: async () => {
      const error = errors[calls++];
      if (error !== undefined) {
        throw error;
      }
      return 'done';
    },
    calls: () => calls,
  };
}

function recordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { sleep: async (ms) => void waits.push(ms), waits };
}

describe('withRetry', () => {
  const timeout = (): FetchError => new FetchError('TIMEOUT', 'slow');

  it('waits exactly half the back-off when random gives 0, and all of it just under 1', async () => {
    for (const [value, expected] of [
      [0, [50, 100, 200]],
      [0.999_999, [99.99995, 199.9999, 399.9998]],
    ] as const) {
      const { attempt, calls } = failing([timeout(), timeout(), timeout()]);
      const { sleep, waits } = recordingSleep();
      assert.equal(await withRetry(attempt, { policy: POLICY, sleep, random: () => value }), 'done');
      assert.equal(calls(), 4);
      assert.deepEqual(
        waits.map((ms) => Number(ms.toFixed(5))),
        expected
      );
    }
  });

  it('caps the back-off at maxDelayMs', async () => {
    const { attempt } = failing([timeout(), timeout(), timeout()]);
    const { sleep, waits } = recordingSleep();
    await withRetry(attempt, { policy: { retries: 3, baseDelayMs: 400, maxDelayMs: 1_000 }, sleep, random: () => 0.5 });
    assert.deepEqual(waits, [300, 600, 750]);
  });

  it('reports each retry with its delay and number', async () => {
    const { attempt } = failing([timeout(), new FetchError('HTTP_5XX', 'oops', { status: 502 })]);
    const reported: [string, number, number][] = [];
    await withRetry(attempt, {
      policy: POLICY,
      sleep: async () => undefined,
      random: () => 0,
      onRetry: (error, delayMs, attemptNumber) => reported.push([error.code, delayMs, attemptNumber]),
    });
    assert.deepEqual(reported, [
      ['TIMEOUT', 50, 1],
      ['HTTP_5XX', 100, 2],
    ]);
  });

  it('gives up after policy.retries more attempts with the last error', async () => {
    const last = new FetchError('CONNECTION', 'refused, finally');
    const { attempt, calls } = failing([timeout(), timeout(), timeout(), last]);
    await assert.rejects(withRetry(attempt, { policy: POLICY, sleep: async () => undefined, random: () => 0 }), (error) => error === last);
    assert.equal(calls(), 4);
  });

  it('does not retry what is not transient', async () => {
    for (const error of [new FetchError('AUTH', 'no', { status: 401 }), new FetchError('HTTP_4XX', 'gone', { status: 404 }), new Error('bug')]) {
      const { attempt, calls } = failing([error]);
      await assert.rejects(withRetry(attempt, { policy: POLICY, sleep: async () => undefined, random: () => 0 }), (thrown) => thrown === error);
      assert.equal(calls(), 1);
    }
  });

  it('waits as long as Retry-After asks when that is longer than the back-off, and gives up when it is over the cap', async () => {
    const asked = new RetryableStatusError(new FetchError('HTTP_4XX', 'slow down', { status: 429 }), 700);
    const { sleep, waits } = recordingSleep();
    await withRetry(failing([asked]).attempt, { policy: POLICY, sleep, random: () => 0 });
    assert.deepEqual(waits, [700]);

    const tooLong = new RetryableStatusError(new FetchError('HTTP_5XX', 'maintenance', { status: 503 }), 60_000);
    const { attempt, calls } = failing([tooLong]);
    await assert.rejects(withRetry(attempt, { policy: POLICY, sleep: async () => undefined, random: () => 0 }), (error) => error === tooLong);
    assert.equal(calls(), 1);
  });

  it('stops without retrying once the signal is aborted', async () => {
    const controller = new AbortController();
    const { attempt, calls } = failing([timeout(), timeout()]);
    controller.abort();
    await assert.rejects(withRetry(attempt, { policy: POLICY, sleep: async () => undefined, random: () => 0, signal: controller.signal }), FetchError);
    assert.equal(calls(), 1);
  });
});

describe('isTransient', () => {
  it('is true for timeouts, connection failures, 5xx and 429 only', () => {
    assert.equal(isTransient(new FetchError('TIMEOUT', '')), true);
    assert.equal(isTransient(new FetchError('CONNECTION', '')), true);
    assert.equal(isTransient(new FetchError('HTTP_5XX', '', { status: 500 })), true);
    assert.equal(isTransient(new FetchError('HTTP_4XX', '', { status: 429 })), true);
    assert.equal(isTransient(new FetchError('HTTP_4XX', '', { status: 404 })), false);
    assert.equal(isTransient(new FetchError('TLS', '')), false);
    assert.equal(isTransient(new Error('TIMEOUT')), false);
  });
});

describe('retryAfterMs', () => {
  const clock = fixedClock(new Date('2030-01-01T00:00:00Z'));

  it('reads seconds and HTTP dates against the injected clock', () => {
    assert.equal(retryAfterMs('120', clock.now()), 120_000);
    assert.equal(retryAfterMs(' 5 ', clock.now()), 5_000);
    assert.equal(retryAfterMs('Tue, 01 Jan 2030 00:00:30 GMT', clock.now()), 30_000);
    assert.equal(retryAfterMs('Mon, 31 Dec 2029 23:59:00 GMT', clock.now()), 0, 'a date in the past means now');
  });

  it('ignores what it cannot read', () => {
    assert.equal(retryAfterMs(undefined, clock.now()), undefined);
    assert.equal(retryAfterMs('soon', clock.now()), undefined);
    assert.equal(retryAfterMs('', clock.now()), undefined);
  });

  it('the fixed clock answers the same instant every time, as a fresh Date', () => {
    const first = clock.now();
    first.setTime(0);
    assert.equal(clock.now().toISOString(), '2030-01-01T00:00:00.000Z');
  });
});

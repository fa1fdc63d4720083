import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FetchError } from '../../../src/lib/errors.js';
import type { LogFields, Logger } from '../../../src/lib/logger.js';
import { absorbBatch, planTick, startChangefeedFollower, type ChangeBatchView, type ChangefeedPort, type FollowerTimers } from '../../../src/scheduler/changefeed-follower.js';

describe('planning a changefeed tick', () => {
  it('starts at the newest ID, or at 0 for an empty feed (no history replayed)', () => {
    assert.deepEqual(planTick(undefined, 42), { kind: 'start', cursor: 42 });
    assert.deepEqual(planTick(undefined, undefined), { kind: 'start', cursor: 0 });
  });

  it('idles when nothing is newer, fetches when something is', () => {
    assert.deepEqual(planTick(42, 42), { kind: 'idle' });
    assert.deepEqual(planTick(0, undefined), { kind: 'idle' });
    assert.deepEqual(planTick(42, 43), { kind: 'fetch', after: 42 });
    assert.deepEqual(planTick(0, 1), { kind: 'fetch', after: 0 });
  });

  it('sees a restart when the newest ID is below the cursor (memory storage counts from 1 again)', () => {
    assert.deepEqual(planTick(42, 3), { kind: 'restarted', cursor: 3 });
    assert.deepEqual(planTick(42, undefined), { kind: 'restarted', cursor: 0 });
  });
});

describe('absorbing a batch of records', () => {
  const batch = (ids: [number, string][], lastId: number): ChangeBatchView => ({ records: ids.map(([id, gun]) => ({ id, gun })), lastId });

  it('gives the distinct GUNs in the order first named, and the last ID as the cursor', () => {
    const result = absorbBatch(
      10,
      batch(
        [
          [11, 'h/b'],
          [12, 'h/a'],
          [13, 'h/b'],
          [14, 'h/c'],
        ],
        14
      )
    );
    assert.deepEqual(result, { guns: ['h/b', 'h/a', 'h/c'], cursor: 14 });
  });

  it('moves past records that were all skipped, and ignores records at or before the cursor', () => {
    assert.deepEqual(absorbBatch(10, batch([], 15)), { guns: [], cursor: 15 });
    assert.deepEqual(
      absorbBatch(
        10,
        batch(
          [
            [9, 'h/old'],
            [10, 'h/seen'],
            [11, 'h/new'],
          ],
          11
        )
      ),
      { guns: ['h/new'], cursor: 11 }
    );
  });

  it('never moves the cursor back', () => {
    assert.deepEqual(absorbBatch(10, batch([], 4)), { guns: [], cursor: 10 });
  });
});

/** Timers fired by hand; `tick()` runs the next one and waits until the follower has planned the one after. */
class ManualTimers implements FollowerTimers {
  readonly delays: number[] = [];
  #next = 0;
  readonly #pending = new Map<number, () => void>();

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = ++this.#next;
    this.#pending.set(handle, callback);
    this.delays.push(ms);
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  get pending(): number {
    return this.#pending.size;
  }

  async tick(): Promise<void> {
    const [handle, callback] = [...this.#pending][0] ?? assert.fail('no timer pending');
    this.#pending.delete(handle);
    callback();
    for (let i = 0; i < 100 && this.#pending.size === 0; i++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly fields: LogFields;
}

function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (fields: LogFields, message: string): void => {
      lines.push({ level, message, fields });
    };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

/** A changefeed over an editable list of records; `failWith` makes every call throw. */
class FakeFeed implements ChangefeedPort {
  records: { id: number; gun: string }[] = [];
  failWith: Error | undefined;
  calls: string[] = [];

  add(...guns: string[]): void {
    for (const gun of guns) {
      this.records.push({ id: (this.records.at(-1)?.id ?? 0) + 1, gun });
    }
  }

  async latestId(): Promise<number | undefined> {
    this.calls.push('latestId');
    if (this.failWith !== undefined) {
      throw this.failWith;
    }
    return this.records.at(-1)?.id;
  }

  async changesAfter(id: number): Promise<ChangeBatchView> {
    this.calls.push(`changesAfter(${id})`);
    if (this.failWith !== undefined) {
      throw this.failWith;
    }
    const records = this.records.filter((record) => record.id > id);
    return { records, lastId: records.at(-1)?.id ?? id };
  }
}

function follow(feed: FakeFeed, onChanged: (guns: readonly string[]) => void | Promise<void> = () => undefined) {
  const timers = new ManualTimers();
  const { logger, lines } = capturingLogger();
  const follower = startChangefeedFollower({ changefeed: feed, onChanged, logger, timers, intervalMs: 10_000 });
  return { timers, lines, follower };
}

describe('the changefeed follower', () => {
  it('starts at the newest record without replaying it, then reports the GUNs of new records every interval', async () => {
    const feed = new FakeFeed();
    feed.add('h/old-a', 'h/old-b');
    const reported: (readonly string[])[] = [];
    const { timers, follower } = follow(feed, (guns) => {
      reported.push(guns);
    });
    assert.equal(timers.delays[0], 0, 'the first tick runs at once');
    await timers.tick();
    assert.equal(follower.cursor, 2);
    assert.deepEqual(reported, []);
    assert.equal(timers.delays[1], 10_000);

    await timers.tick();
    assert.deepEqual(feed.calls, ['latestId', 'latestId'], 'an idle tick costs one request');

    feed.add('h/a', 'h/b', 'h/a');
    await timers.tick();
    assert.deepEqual(reported, [['h/a', 'h/b']]);
    assert.equal(follower.cursor, 5);
    assert.deepEqual(feed.calls.slice(2), ['latestId', 'changesAfter(2)']);

    await timers.tick();
    assert.equal(reported.length, 1, 'nothing reported twice');
    await follower.stop();
    assert.equal(timers.pending, 0);
  });

  it('from an empty feed, reports the first record ever written', async () => {
    const feed = new FakeFeed();
    const reported: (readonly string[])[] = [];
    const { timers, follower } = follow(feed, (guns) => {
      reported.push(guns);
    });
    await timers.tick();
    assert.equal(follower.cursor, 0);
    feed.add('h/first');
    await timers.tick();
    assert.deepEqual(reported, [['h/first']]);
    await follower.stop();
  });

  it('resets to the newest record after a server restart, without reporting, and follows on from there', async () => {
    const feed = new FakeFeed();
    feed.add('h/a', 'h/b', 'h/c', 'h/d');
    const reported: (readonly string[])[] = [];
    const { timers, lines, follower } = follow(feed, (guns) => {
      reported.push(guns);
    });
    await timers.tick();
    assert.equal(follower.cursor, 4);
    feed.records = [];
    feed.add('h/after-restart');
    await timers.tick();
    assert.equal(follower.cursor, 1);
    assert.deepEqual(reported, []);
    assert.ok(lines.some((line) => line.level === 'warn' && /went back/.test(line.message)));
    feed.add('h/next');
    await timers.tick();
    assert.deepEqual(reported, [['h/next']]);
    await follower.stop();
  });

  it('logs a failure once per run, keeps ticking, and says when the feed answers again', async () => {
    const feed = new FakeFeed();
    const { timers, lines, follower } = follow(feed);
    feed.failWith = new FetchError('CONNECTION', 'notary down');
    await timers.tick();
    await timers.tick();
    await timers.tick();
    assert.equal(follower.cursor, undefined);
    const warnings = lines.filter((line) => line.level === 'warn');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.fields['code'], 'CONNECTION');
    assert.equal(timers.pending, 1, 'the next tick is planned');
    feed.failWith = new FetchError('TIMEOUT', 'slow');
    await timers.tick();
    assert.equal(lines.filter((line) => line.level === 'warn').length, 2, 'another failure is logged');
    feed.failWith = undefined;
    await timers.tick();
    assert.equal(follower.cursor, 0);
    assert.ok(lines.some((line) => line.level === 'info' && /answers again/.test(line.message)));
    await follower.stop();
  });

  it('logs a 401/403 (AUTH) once, as not allowed, and never throws out of the timer', async () => {
    const feed = new FakeFeed();
    const { timers, lines, follower } = follow(feed);
    feed.failWith = new FetchError('AUTH', 'the changefeed: not authorised (HTTP 401)', { status: 401 });
    for (let i = 0; i < 5; i++) {
      await timers.tick();
    }
    const warnings = lines.filter((line) => line.level === 'warn');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]?.message ?? '', /not allowed/);
    feed.failWith = new Error('a bug');
    await timers.tick();
    assert.equal(lines.filter((line) => line.level === 'warn').at(-1)?.fields['code'], 'UNEXPECTED');
    assert.equal(timers.pending, 1);
    await follower.stop();
  });

  it('moves on when onChanged fails, logging it (a replay would fail the same way)', async () => {
    const feed = new FakeFeed();
    let calls = 0;
    const { timers, lines, follower } = follow(feed, async () => {
      calls++;
      throw new Error('consumer broke');
    });
    await timers.tick();
    feed.add('h/a');
    await timers.tick();
    await timers.tick();
    assert.equal(calls, 1);
    assert.equal(follower.cursor, 1);
    assert.ok(lines.some((line) => line.level === 'error' && line.fields['error'] === 'consumer broke'));
    await follower.stop();
  });

  it('stops: the pending timer is cleared, a tick in flight is aborted and awaited, nothing is reported after', async () => {
    let newest: number | undefined = undefined; // empty at the start, one record later
    let release: (() => void) | undefined;
    let seenSignal: AbortSignal | undefined;
    const slow: ChangefeedPort = {
      latestId: async () => newest,
      changesAfter: async (_id, signal) => {
        seenSignal = signal;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return { records: [{ id: 1, gun: 'h/late' }], lastId: 1 };
      },
    };
    const reported: (readonly string[])[] = [];
    const timers = new ManualTimers();
    const { logger, lines } = capturingLogger();
    const follower = startChangefeedFollower({ changefeed: slow, onChanged: (guns) => void reported.push(guns), logger, timers });
    await timers.tick();
    newest = 1;
    const ticking = timers.tick();
    for (let i = 0; i < 20 && release === undefined; i++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.ok(release !== undefined, 'changesAfter is in flight');
    const stopping = follower.stop();
    assert.equal(seenSignal?.aborted, true);
    release();
    await stopping;
    await ticking;
    assert.deepEqual(reported, []);
    assert.equal(follower.cursor, 0);
    assert.equal(timers.pending, 0);
    assert.ok(!lines.some((line) => line.level === 'warn'));
  });

  it('refuses an interval that is not a positive number', () => {
    const { logger } = capturingLogger();
    for (const intervalMs of [0, -1, Number.NaN]) {
      assert.throws(() => startChangefeedFollower({ changefeed: new FakeFeed(), onChanged: () => undefined, logger, intervalMs, timers: new ManualTimers() }), RangeError);
    }
  });
});

/** The event queue with a fake auditor: grace for fresh pushes, collapsing, the cap, deletions, changefeed GUNs, shutdown. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { TagVerdictRecord } from '../../../src/domain/verdict.js';
import { systemClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/logger.js';
import type { EventResult, Source } from '../../../src/metrics/metrics.js';
import { NoScanYetError } from '../../../src/scan/tag-audit.js';
import { EventQueue, type EventQueueOptions } from '../../../src/scheduler/event-queue.js';
import { verdictRecord } from '../../support/verdicts.js';

const verdict = (tag: string, status: TagVerdictRecord['status']): TagVerdictRecord => verdictRecord({ tag, status });

interface World {
  readonly queue: EventQueue;
  readonly audits: string[][];
  readonly recorded: string[];
  readonly counted: string[];
  readonly observed: number[];
  readonly forgotten: string[];
  status: Map<string, TagVerdictRecord['status']>;
  /** Tags the registry still serves although an event said deleted. */
  readonly stillServed: Set<string>;
}

const until = async (condition: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 200 && !condition(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(condition(), what);
};

function world(overrides: Partial<EventQueueOptions> = {}): World {
  const w = {
    audits: [] as string[][],
    recorded: [] as string[],
    counted: [] as string[],
    observed: [] as number[],
    forgotten: [] as string[],
    status: new Map<string, TagVerdictRecord['status']>(),
    stillServed: new Set<string>(),
  };
  const queue = new EventQueue({
    audit: async (_target, _image, tags, record) => {
      w.audits.push([...tags]);
      const verdicts = tags.map((tag) => verdict(tag, w.status.get(tag) ?? 'signed'));
      const recorded = verdicts.filter((v) => record(v));
      w.recorded.push(...recorded.map((v) => `${v.tag}=${v.status}`));
      return { verdicts, recorded };
    },
    forgetIfGone: async (_target, _image, tags) => {
      w.forgotten.push(...tags.filter((tag) => !w.stillServed.has(tag)));
      return tags.filter((tag) => w.stillServed.has(tag));
    },
    targetOf: async (name) => (name === 'docker-hosted' ? { name, gunPrefix: 'r.example' } : undefined),
    tagsOfGun: (gun) => (gun === 'r.example/app' ? [{ repository: 'docker-hosted', image: 'app', tag: 'v1' }] : []),
    countEvent: (source: Source, result: EventResult) => w.counted.push(`${source}:${result}`),
    observeEventToVerdict: (_source, seconds) => w.observed.push(seconds),
    onRecorded: () => undefined,
    graceMs: 150,
    clock: systemClock,
    log: silentLogger,
    ...overrides,
  });
  return { queue, ...w };
}

describe('EventQueue', () => {
  it('records a signed push at once, with its event-to-verdict time', async () => {
    const w = world();
    assert.equal(w.queue.pushed('docker-hosted', 'app', 'v1'), 'accepted');
    await until(() => w.recorded.length === 1, 'recorded');
    assert.deepEqual(w.recorded, ['v1=signed']);
    assert.equal(w.observed.length, 1);
    assert.ok((w.observed[0] as number) < 1);
    await w.queue.stop();
  });

  it('holds an unsigned push for the grace window, then records what it is then', async () => {
    const w = world();
    w.status.set('v2', 'unsigned');
    w.queue.pushed('docker-hosted', 'app', 'v2');
    await until(() => w.audits.length === 1, 'first check');
    assert.deepEqual(w.recorded, [], 'not recorded within the grace window');
    await until(() => w.recorded.length === 1, 'checked again after the grace window');
    assert.deepEqual(w.recorded, ['v2=unsigned']);
    assert.ok((w.observed[0] as number) >= 0.15, 'timed from the push, grace included');

    w.status.set('v3', 'unsigned');
    w.queue.pushed('docker-hosted', 'app', 'v3');
    await until(() => w.audits.length === 3, 'v3 checked');
    w.status.set('v3', 'signed'); // the publisher signs within the window
    await until(() => w.recorded.length === 2, 'v3 recorded');
    assert.equal(w.recorded[1], 'v3=signed');
    await w.queue.stop();
  });

  it('collapses the events for one image into one check, and drops past the cap', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = world({
      maxPending: 2,
      targetOf: async (name) => {
        await gate;
        return { name, gunPrefix: 'r.example' };
      },
    });
    slow.queue.pushed('docker-hosted', 'app', 'a'); // taken at once, waits at the gate
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(slow.queue.pushed('docker-hosted', 'app', 'b'), 'accepted');
    assert.equal(slow.queue.pushed('docker-hosted', 'app', 'c'), 'accepted');
    assert.equal(slow.queue.pushed('docker-hosted', 'app', 'c'), 'accepted', 'the same tag again is no new entry');
    assert.equal(slow.queue.pushed('docker-hosted', 'app', 'd'), 'dropped', 'a third tag waiting is past the cap of 2');
    release();
    await until(() => slow.audits.length === 2, 'two checks');
    assert.deepEqual(slow.audits, [['a'], ['b', 'c']]);
    await slow.queue.stop();
  });

  it('forgets deleted tags the registry no longer serves, audits those it does, re-audits a changed GUN, and ignores unknown repositories and GUNs', async () => {
    const w = world();
    w.stillServed.add('claimed-gone');
    assert.equal(w.queue.deleted('docker-hosted', 'app', 'old'), 'accepted');
    await until(() => w.forgotten.length === 1, 'old forgotten');
    assert.deepEqual(w.forgotten, ['old']);
    assert.equal(w.audits.length, 0, 'a confirmed deletion needs no audit');
    w.queue.deleted('docker-hosted', 'app', 'claimed-gone');
    await until(() => w.audits.length === 1, 'a tag still served is audited instead');
    assert.deepEqual(w.audits[0], ['claimed-gone']);
    assert.deepEqual(w.forgotten, ['old'], 'an event alone never makes a finding disappear');
    w.queue.trustChanged(['r.example/app', 'r.example/unknown']);
    await until(() => w.recorded.length === 2, 'changefeed GUN re-audited');
    assert.deepEqual(w.counted, ['notary:accepted', 'notary:ignored']);
    w.queue.pushed('docker-other', 'app', 'v1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(w.audits.length, 2, 'a repository that is not audited is not checked');
    await w.queue.stop();
  });

  it('waits for the first scan, counts a failed check, and aborts the check in progress on stop', async () => {
    let attempts = 0;
    const waiting = world({
      audit: async (_t, _i, tags) => {
        attempts++;
        if (attempts === 1) {
          throw new NoScanYetError();
        }
        return { verdicts: tags.map((tag) => verdict(tag, 'signed')), recorded: tags.map((tag) => verdict(tag, 'signed')) };
      },
    });
    waiting.queue.pushed('docker-hosted', 'app', 'v1');
    await until(() => attempts === 2, 'retried once a scan exists');
    await waiting.queue.stop();

    const failing = world({ audit: async () => Promise.reject(new Error('boom')) });
    failing.queue.pushed('docker-hosted', 'app', 'v1');
    await until(() => failing.counted.includes('nexus:failed'), 'failure counted');
    await failing.queue.stop();

    let aborted = false;
    const hanging = world({
      audit: (_t, _i, _tags, _record, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(signal.reason as Error);
          });
        }),
    });
    hanging.queue.pushed('docker-hosted', 'app', 'v1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await hanging.queue.stop();
    assert.ok(aborted, 'stop aborts the check in progress');
    assert.equal(hanging.queue.pushed('docker-hosted', 'app', 'v2'), 'dropped', 'a stopped queue takes nothing');
  });

  it('a signature artifact pushed or deleted audits again, without grace, the tags serving the digest it names (contract v1.2)', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const w = world({ tagsServing: (_repository, image, named) => (image === 'app' && named === digest ? ['v1', 'latest'] : []) });
    w.status.set('v1', 'unsigned');
    w.status.set('latest', 'unsigned');
    assert.equal(w.queue.pushed('docker-hosted', 'app', `sha256-${'a'.repeat(64)}.sig`), 'accepted');
    await until(() => w.recorded.length === 2, 'recorded without waiting for the grace window');
    assert.deepEqual(w.audits.flat().sort(), ['latest', 'v1']);
    assert.equal(w.queue.deleted('docker-hosted', 'app', `sha256-${'a'.repeat(64)}`), 'accepted', 'the referrers fallback tag');
    assert.equal(w.queue.pushed('docker-hosted', 'app', `sha256-${'b'.repeat(64)}.sig`), 'ignored', 'no stored tag serves that digest');
    await w.queue.stop();
  });

  it('without signatures configured, a cosign artifact tag is never audited as an image', async () => {
    const w = world();
    assert.equal(w.queue.pushed('docker-hosted', 'app', `sha256-${'a'.repeat(64)}.sig`), 'ignored');
    assert.equal(w.queue.pushed('docker-hosted', 'app', `sha256-${'a'.repeat(64)}.att`), 'ignored');
    assert.equal(w.queue.pendingTags, 0);
    await w.queue.stop();
  });
});

/**
 * Audit on push: events (Nexus webhooks, Notary changefeed records) name tags
 * to audit between scheduled scans. Events for one image collapse into one
 * check; a new or re-pushed tag that is still unsigned (or not yet signed for
 * its new digest) waits `graceMs` before it is recorded, because docker pushes
 * first and signs after (DOCKER_CONTENT_TRUST=1 push). The queue is bounded:
 * past `maxPending` tags, events are dropped and counted, and the next
 * scheduled scan, which audits everything, repairs what they would have done.
 * Events run beside a scan: both write whole batches to the same store.
 */
import type { TagVerdictRecord } from '../domain/verdict.js';
import type { Clock } from '../lib/clock.js';
import { describeError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { EventResult, Source } from '../metrics/metrics.js';
import type { RepositoryTarget } from '../scan/repositories.js';
import { isArtifactTag } from '../scan/cosign.js';
import { NoScanYetError } from '../scan/tag-audit.js';

export interface EventQueueOptions {
  /** Audits tags of one image and records the verdicts `record` accepts (scan/tag-audit.ts `auditTags`). */
  readonly audit: (
    target: RepositoryTarget,
    image: string,
    tags: readonly string[],
    record: (verdict: TagVerdictRecord) => boolean,
    signal: AbortSignal
  ) => Promise<{ readonly verdicts: readonly TagVerdictRecord[]; readonly recorded: readonly TagVerdictRecord[] }>;
  /**
   * Removes from the store the tags Nexus really no longer serves (the
   * registry answers 404), and returns those it still serves: an event alone
   * never makes a finding disappear.
   */
  readonly forgetIfGone: (target: RepositoryTarget, image: string, tags: readonly string[], signal: AbortSignal) => Promise<readonly string[]>;
  /** The audited repository of that name with its GUN prefix; undefined when it is not audited. */
  readonly targetOf: (repository: string) => Promise<RepositoryTarget | undefined>;
  /**
   * Contract v1.2, with signatures configured: the stored tags of an image
   * that serve `digest`, which a signature artifact pushed or deleted
   * (`sha256-<hex>.sig`, the referrers fallback tag) concerns. Undefined:
   * artifact tags are ignored (they are not images, and have no verdict).
   */
  readonly tagsServing?: ((repository: string, image: string, digest: string) => readonly string[]) | undefined;
  /** The stored tags of a GUN (a changefeed record names a GUN, not tags). */
  readonly tagsOfGun: (gun: string) => readonly { readonly repository: string; readonly image: string; readonly tag: string }[];
  readonly countEvent: (source: Source, result: EventResult) => void;
  readonly observeEventToVerdict: (source: Source, seconds: number) => void;
  /** Called after verdicts were recorded (the metrics are published again). */
  readonly onRecorded: () => void;
  readonly graceMs: number;
  /** Tags waiting at most; past it events are dropped (default 10,000). */
  readonly maxPending?: number;
  /** Images checked at once (default 4): each check waits mostly on a few requests. */
  readonly concurrency?: number;
  readonly clock: Clock;
  readonly log: Logger;
}

interface PendingTag {
  readonly source: Source;
  /** A deletion to confirm, rather than a tag to audit. */
  readonly deleted: boolean;
  /** When the first event still waiting for this tag arrived (ms). */
  readonly arrivedAt: number;
  /** Until when an unsigned verdict is not recorded (ms); `arrivedAt` for no grace. */
  readonly graceUntil: number;
}

/** Statuses a freshly pushed tag has until its publisher signs it. */
const AWAITING_SIGNATURE: ReadonlySet<string> = new Set(['unsigned', 'digest_mismatch']);

const DEFAULT_MAX_PENDING = 10_000;
const DEFAULT_CONCURRENCY = 4;
/** How long a check waits when no audit has begun yet to attribute verdicts to. */
const NO_SCAN_RETRY_MS = 1000;

const imageKey = (repository: string, image: string): string => `${repository}\u0000${image}`;

export class EventQueue {
  readonly #options: EventQueueOptions;
  /** Per repository and image, the tags waiting, in arrival order of the image. */
  readonly #pending = new Map<string, { readonly repository: string; readonly image: string; readonly tags: Map<string, PendingTag> }>();
  #pendingTags = 0;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #workers = new Set<Promise<void>>();
  /** Images being checked now. */
  readonly #inFlight = new Set<string>();
  #stopped = false;
  /** Aborts the check in progress on stop (a shutdown has 10 s in all). */
  readonly #abort = new AbortController();

  constructor(options: EventQueueOptions) {
    this.#options = options;
  }

  /** Tags waiting for a check (for tests and the log). */
  get pendingTags(): number {
    return this.#pendingTags;
  }

  /** A tag created or re-pushed in Nexus: audited now, recorded unsigned only after the grace window. */
  pushed(repository: string, image: string, tag: string): EventResult {
    const now = this.#options.clock.now().getTime();
    if (isArtifactTag(tag, this.#options.tagsServing !== undefined)) {
      return this.#artifactChanged(repository, image, tag, now);
    }
    return this.#enqueue(repository, image, tag, { source: 'nexus', arrivedAt: now, graceUntil: now + this.#options.graceMs, deleted: false });
  }

  /** A tag deleted in Nexus: once the registry confirms it is gone, its verdict and series go. */
  deleted(repository: string, image: string, tag: string): EventResult {
    const now = this.#options.clock.now().getTime();
    if (isArtifactTag(tag, this.#options.tagsServing !== undefined)) {
      return this.#artifactChanged(repository, image, tag, now);
    }
    return this.#enqueue(repository, image, tag, { source: 'nexus', arrivedAt: now, graceUntil: now, deleted: true });
  }

  /**
   * A signature artifact pushed or deleted: the tags serving the digest it
   * names are audited again, with no grace (their signatures changed, not
   * their content).
   */
  #artifactChanged(repository: string, image: string, tag: string, now: number): EventResult {
    const digest = `sha256:${tag.slice('sha256-'.length, 'sha256-'.length + 64)}`;
    const tags = this.#options.tagsServing?.(repository, image, digest) ?? [];
    let result: EventResult = tags.length === 0 ? 'ignored' : 'accepted';
    for (const served of tags) {
      if (this.#enqueue(repository, image, served, { source: 'nexus', arrivedAt: now, graceUntil: now, deleted: false }) === 'dropped') {
        result = 'dropped';
      }
    }
    return result;
  }

  /** GUNs Notary's changefeed says changed: each of their stored tags is audited again, with no grace. */
  trustChanged(guns: readonly string[]): void {
    const now = this.#options.clock.now().getTime();
    for (const gun of guns) {
      const tags = this.#options.tagsOfGun(gun);
      let result: EventResult = tags.length === 0 ? 'ignored' : 'accepted';
      for (const { repository, image, tag } of tags) {
        if (this.#enqueue(repository, image, tag, { source: 'notary', arrivedAt: now, graceUntil: now, deleted: false }) === 'dropped') {
          result = 'dropped';
        }
      }
      this.#options.countEvent('notary', result);
    }
  }

  /** Stops taking events, cancels the grace timers and waits for the check in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) {
      clearTimeout(timer);
    }
    this.#timers.clear();
    this.#abort.abort(new Error('shutdown'));
    await Promise.all([...this.#workers]);
  }

  #enqueue(repository: string, image: string, tag: string, entry: PendingTag): EventResult {
    if (this.#stopped) {
      return 'dropped';
    }
    const key = imageKey(repository, image);
    let waiting = this.#pending.get(key);
    const earlier = waiting?.tags.get(tag);
    if (earlier === undefined && this.#pendingTags >= (this.#options.maxPending ?? DEFAULT_MAX_PENDING)) {
      this.#options.log.warn({ repository, image, tag, pending: this.#pendingTags }, 'Event queue full: event dropped (the next scan audits the tag)');
      return 'dropped';
    }
    if (waiting === undefined) {
      waiting = { repository, image, tags: new Map() };
      this.#pending.set(key, waiting);
    }
    if (earlier === undefined) {
      this.#pendingTags++;
    }
    // Several events for one tag: one check, timed from the first, with the latest grace.
    // The latest event says whether the tag is to be confirmed gone or audited.
    waiting.tags.set(tag, earlier === undefined ? entry : { ...earlier, deleted: entry.deleted, graceUntil: Math.max(earlier.graceUntil, entry.graceUntil) });
    this.#drain();
    return 'accepted';
  }

  /** Starts workers up to the concurrency while images wait that none is checking. */
  #drain(): void {
    const limit = this.#options.concurrency ?? DEFAULT_CONCURRENCY;
    while (!this.#stopped && this.#workers.size < limit && this.#nextImage() !== undefined) {
      const worker: Promise<void> = this.#work().finally(() => this.#workers.delete(worker));
      this.#workers.add(worker);
    }
  }

  /** The oldest waiting image that is not being checked: two checks of one image at once could record an older verdict last. */
  #nextImage(): string | undefined {
    for (const key of this.#pending.keys()) {
      if (!this.#inFlight.has(key)) {
        return key;
      }
    }
    return undefined;
  }

  async #work(): Promise<void> {
    for (let key = this.#nextImage(); key !== undefined && !this.#stopped; key = this.#nextImage()) {
      const waiting = this.#pending.get(key) as { repository: string; image: string; tags: Map<string, PendingTag> };
      this.#pending.delete(key);
      this.#pendingTags -= waiting.tags.size;
      this.#inFlight.add(key);
      try {
        await this.#check(waiting.repository, waiting.image, waiting.tags);
      } finally {
        this.#inFlight.delete(key);
      }
    }
  }

  async #check(repository: string, image: string, tags: ReadonlyMap<string, PendingTag>): Promise<void> {
    const { clock, log } = this.#options;
    const sources = new Set([...tags.values()].map((entry) => entry.source));
    try {
      const target = await this.#options.targetOf(repository);
      if (target === undefined) {
        log.debug({ repository, image }, 'Event for a repository that is not audited');
        return;
      }
      const deletions = [...tags].filter(([, entry]) => entry.deleted).map(([tag]) => tag);
      const stillServed = deletions.length === 0 ? [] : await this.#options.forgetIfGone(target, image, deletions, this.#abort.signal);
      if (deletions.length > stillServed.length) {
        this.#options.onRecorded();
      }
      const toAudit = [...tags].filter(([tag, entry]) => !entry.deleted || stillServed.includes(tag)).map(([tag]) => tag);
      if (toAudit.length === 0) {
        return;
      }
      const now = clock.now().getTime();
      const deferred = new Map<string, PendingTag>();
      const { recorded } = await this.#options.audit(
        target,
        image,
        toAudit,
        (verdict) => {
          const entry = tags.get(verdict.tag) as PendingTag;
          if (now < entry.graceUntil && AWAITING_SIGNATURE.has(verdict.status)) {
            deferred.set(verdict.tag, entry);
            return false;
          }
          return true;
        },
        this.#abort.signal
      );
      const done = clock.now().getTime();
      for (const verdict of recorded) {
        const entry = tags.get(verdict.tag) as PendingTag;
        this.#options.observeEventToVerdict(entry.source, (done - entry.arrivedAt) / 1000);
      }
      if (recorded.length > 0) {
        this.#options.onRecorded();
      }
      for (const [tag, entry] of deferred) {
        this.#after(entry.graceUntil - done, () => this.#enqueue(repository, image, tag, entry));
      }
    } catch (error) {
      if (this.#stopped) {
        return; // a shutdown: the next scan audits these tags
      }
      if (error instanceof NoScanYetError) {
        for (const [tag, entry] of tags) {
          this.#after(NO_SCAN_RETRY_MS, () => this.#enqueue(repository, image, tag, entry));
        }
        return;
      }
      for (const source of sources) {
        this.#options.countEvent(source, 'failed');
      }
      log.warn({ repository, image, tags: [...tags.keys()].slice(0, 10), error: describeError(error) }, 'Event audit failed; the next scan audits these tags');
    }
  }

  #after(delayMs: number, run: () => void): void {
    if (this.#stopped) {
      return;
    }
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        run();
      },
      Math.max(0, delayMs)
    );
    timer.unref();
    this.#timers.add(timer);
  }
}

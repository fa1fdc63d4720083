/**
 * The daemon's event side (`events` in the configuration): the queue that
 * audits tags named by Nexus webhooks and Notary's changefeed between
 * scheduled scans, and what the HTTP server needs to receive the webhooks.
 */
import type { EventsConfig, RepositoryConfig } from '../../config/config.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { RepositoryTarget } from '../../scan/repositories.js';
import type { ScanDependencies } from '../../scan/scanner.js';
import type { SignatureAuditPlan } from '../../scan/scan-options.js';
import { auditTags } from '../../scan/tag-audit.js';
import type { AuditService } from '../../scheduler/audit-service.js';
import { startChangefeedFollower, type ChangefeedPort } from '../../scheduler/changefeed-follower.js';
import { EventQueue } from '../../scheduler/event-queue.js';
import type { NexusWebhookOptions } from '../../server/nexus-webhook-route.js';
import type { ScanStore } from '../../store/scan-store.js';

export interface DaemonEvents {
  readonly queue: EventQueue;
  stop(): Promise<void>;
  /** For the HTTP server; undefined without `events.nexusWebhookSecret`. */
  readonly nexusWebhook: NexusWebhookOptions | undefined;
}

/** Repositories found through Nexus are looked up again at most this often when an event names an unknown one. */
const DISCOVERY_REFRESH_MS = 60_000;

export function startEvents(input: {
  readonly events: EventsConfig;
  readonly repositories: readonly RepositoryConfig[] | undefined;
  readonly deps: ScanDependencies;
  /** Contract v1.2: the policies' verifiers, as the scans use them. */
  readonly signatures: SignatureAuditPlan | undefined;
  readonly store: ScanStore;
  readonly changefeed: ChangefeedPort;
  readonly service: AuditService;
  readonly metrics: Metrics;
  readonly clock: Clock;
  readonly log: Logger;
}): DaemonEvents {
  const { events, deps, store, service, metrics, clock, log } = input;
  const republish = coalesced(() => service.republish());
  const queue = new EventQueue({
    audit: (target, image, tags, record, signal) => auditTags({ ...deps, store, signatures: input.signatures }, target, image, tags, record, signal),
    forgetIfGone: async (target, image, tags, signal) => {
      const gone: string[] = [];
      const served: string[] = [];
      for (const tag of tags) {
        // A FetchError (the registry not reachable) propagates: the event fails and the next scan decides.
        const descriptor = await deps.registryFor(target.name).getManifestDescriptor(image, tag, signal);
        (descriptor === undefined ? gone : served).push(tag);
      }
      store.forgetTags(
        clock.now().toISOString(),
        target.name,
        gone.map((tag) => ({ image, tag }))
      );
      return served;
    },
    targetOf: repositoryTargets(input.repositories, deps, clock),
    tagsOfGun: (gun) => store.tagsOfGun(gun),
    tagsServing: input.signatures === undefined ? undefined : (repository, image, digest) => store.tagsServing(repository, image, digest),
    countEvent: (source, result) => metrics.countEvent(source, result),
    observeEventToVerdict: (source, seconds) => metrics.observeEventToVerdict(source, seconds),
    onRecorded: republish.request,
    graceMs: events.graceSeconds * 1000,
    clock,
    log,
  });
  // Changefeed records name GUNs whose trust data changed (a publish, a server re-sign, a deletion).
  const follower = events.notaryChangefeed ? startChangefeedFollower({ changefeed: input.changefeed, onChanged: (guns) => queue.trustChanged(guns), logger: log }) : undefined;
  const secret = events.nexusWebhookSecret;
  if (secret === undefined) {
    log.info({}, 'events: no nexusWebhookSecret, so POST /api/v1/events/nexus is off');
  }
  return {
    queue,
    stop: async () => {
      await follower?.stop();
      await queue.stop();
      republish.cancel();
    },
    nexusWebhook: secret === undefined ? undefined : { secret, sink: queue, countEvent: (result) => metrics.countEvent('nexus', result), log },
  };
}

/**
 * Rebuilding the metrics reads every tag of the database, so after event
 * verdicts it runs at most once per interval, trailing: at least 250 ms apart
 * and at least four times as long as it last took (a 100,000-tag registry
 * takes tens of milliseconds), so events never spend most of the daemon's time
 * on it. The bench measured 37 % of the main thread here without this.
 */
function coalesced(run: () => void): { request: () => void; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let lastEnd = 0;
  let lastTook = 0;
  return {
    request() {
      if (timer !== undefined) {
        return;
      }
      const wait = Math.max(0, lastEnd + Math.max(250, 4 * lastTook) - performance.now());
      timer = setTimeout(() => {
        timer = undefined;
        const start = performance.now();
        run();
        lastEnd = performance.now();
        lastTook = lastEnd - start;
      }, wait);
      timer.unref();
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

/**
 * The audited repository an event names: one of `nexus.repositories`, or,
 * when none are configured, a Docker repository Nexus lists (groups are not
 * audited) with the GUN prefix its connector implies, as a scan finds them.
 */
function repositoryTargets(configured: readonly RepositoryConfig[] | undefined, deps: ScanDependencies, clock: Clock): (name: string) => Promise<RepositoryTarget | undefined> {
  if (configured !== undefined) {
    const byName = new Map(configured.map((repository) => [repository.name, repository]));
    return async (name) => byName.get(name);
  }
  let known = new Map<string, RepositoryTarget>();
  let refreshedAt = Number.NEGATIVE_INFINITY;
  return async (name) => {
    if (!known.has(name) && clock.now().getTime() - refreshedAt >= DISCOVERY_REFRESH_MS) {
      refreshedAt = clock.now().getTime();
      const found = new Map<string, RepositoryTarget>();
      for (const repository of await deps.nexus.listDockerRepositories()) {
        if (repository.type === 'group') {
          continue;
        }
        const gunPrefix = await deps.nexus.gunPrefixOf(repository);
        if (gunPrefix !== undefined) {
          found.set(repository.name, { name: repository.name, gunPrefix });
        }
      }
      known = found;
    }
    return known.get(name);
  };
}

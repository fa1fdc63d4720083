/**
 * One repository of a scan: its tags are listed page by page and each gets a
 * verdict; what was stored for tags no longer listed is deleted once the
 * listing completed. When the listing breaks off, the tags it did not reach
 * keep their last known finding or become `error` (the outage rule), and the
 * scan goes on with the next repository.
 */
import { tagKey, splitTagKey, unknownVerdict, verdictChanged, type IndexedTag, type StoredTag, type TagVerdictRecord } from '../domain/verdict.js';
import { FetchError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { isCosignArtifactTag } from './cosign.js';
import type { ListedTag, ManifestResolver } from './manifests.js';
import { verdictThroughOutage } from './outage.js';
import type { RepositorySource } from './ports.js';
import type { RepositoryTarget } from './repositories.js';
import type { ScanTally } from './tally.js';
import { toVerdict } from './to-verdict.js';
import type { TrustChecker } from './trust-checker.js';
import type { WriteBuffer } from './write-buffer.js';

/** What the repository audit reads from and marks in the store. */
export interface VerdictState {
  loadTagIndex(repository: string): Map<string, IndexedTag>;
  tag(repository: string, image: string, tag: string): StoredTag | undefined;
  finishRepository(scanId: number, at: string, repository: string, gone: ReadonlyMap<string, IndexedTag>): void;
}

export interface RepositoryAuditContext {
  readonly scanId: number;
  readonly nexus: RepositorySource;
  readonly state: VerdictState;
  readonly trust: TrustChecker;
  readonly manifests: ManifestResolver;
  readonly writes: WriteBuffer;
  readonly tally: ScanTally;
  readonly log: Logger;
  readonly evaluatedAt: Date;
  readonly renewed: ReadonlySet<string> | undefined;
  /** A forecast changes nothing in the store. */
  readonly forecast: boolean;
  /** Judgements pending before the listing waits (keeps memory flat). */
  readonly maxPending: number;
  readonly signal: AbortSignal | undefined;
  readonly now: () => Date;
  readonly onVerdict: (verdict: TagVerdictRecord) => void;
  /** Called for each tag listed (progress). */
  readonly onListed: () => void;
}

export async function auditRepository(repository: RepositoryTarget, context: RepositoryAuditContext): Promise<void> {
  const { scanId, nexus, state, tally, writes, log, signal } = context;
  const index = state.loadTagIndex(repository.name);
  const judged: Promise<void>[] = [];
  try {
    for await (const page of nexus.listTags(repository.name, signal)) {
      if (page.skipped > 0) {
        tally.skippedComponents += page.skipped;
        log.warn(
          { repository: repository.name, skipped: page.skipped, examples: page.invalidNames },
          'Skipped Nexus components that are not Docker tags (malformed, or a name outside the reference grammar)'
        );
      }
      for (const entry of page.tags) {
        context.onListed();
        if (isCosignArtifactTag(entry.tag)) {
          tally.summary.skipped++;
          index.delete(tagKey(entry.image, entry.tag));
          continue;
        }
        judged.push(judgeTag({ repository: repository.name, image: entry.image, tag: entry.tag, digest: entry.digest, size: entry.size }, repository.gunPrefix, index, context));
      }
      if (judged.length > context.maxPending) {
        await Promise.all(judged.splice(0));
      }
    }
    await Promise.all(judged);
    writes.flush();
    if (signal?.aborted !== true) {
      if (!context.forecast) {
        state.finishRepository(scanId, context.now().toISOString(), repository.name, index);
      }
      tally.deletedTags += index.size;
      tally.fullyListed.push(repository.name);
    }
  } catch (error) {
    await Promise.allSettled(judged);
    if (!(error instanceof FetchError)) {
      throw error;
    }
    tally.nexusFailed = true;
    tally.sourceFailure('nexus', error);
    log.error({ repository: repository.name, code: error.code, error: error.message }, 'Repository could not be listed; its tags were not audited');
    if (signal?.aborted !== true && !context.forecast) {
      keepUnlisted(repository, index, error, context);
    }
  }
}

async function judgeTag(listed: ListedTag, gunPrefix: string, index: Map<string, IndexedTag>, context: RepositoryAuditContext): Promise<void> {
  const gun = `${gunPrefix}/${listed.image}`;
  const served = await context.manifests.served(listed);
  const evidence = await context.trust.evidenceFor(gun);
  if (context.signal?.aborted === true) {
    return; // a shutdown: record nothing half-known (the error verdicts of cancelled fetches)
  }
  const verdict = toVerdict({
    repository: listed.repository,
    image: listed.image,
    tag: listed.tag,
    gun,
    served,
    evidence,
    evaluatedAt: context.evaluatedAt,
    renewed: context.renewed,
    lastKnown: evidence.kind === 'unavailable' && served !== undefined ? context.state.tag(listed.repository, listed.image, listed.tag) : undefined,
  });
  context.tally.tagsJudged++;
  context.tally.summary[verdict.status]++;
  context.onVerdict(verdict);
  const key = tagKey(listed.image, listed.tag);
  const previous = index.get(key);
  index.delete(key); // what is left at the end of the listing is gone from Nexus
  if (verdictChanged(verdict, previous)) {
    context.writes.addVerdict({ verdict, previous });
  }
}

/** The tags a broken listing did not reach: unknown, or their last known finding (the outage rule). */
function keepUnlisted(repository: RepositoryTarget, unlisted: ReadonlyMap<string, IndexedTag>, error: FetchError, context: RepositoryAuditContext): void {
  for (const [key, previous] of unlisted) {
    const { image, tag } = splitTagKey(key);
    const stored = context.state.tag(repository.name, image, tag);
    const unknown = unknownVerdict(
      { repository: repository.name, image, tag, gun: stored?.gun ?? `${repository.gunPrefix}/${image}` },
      `the repository could not be listed: ${error.message}`,
      stored
    );
    const verdict = verdictThroughOutage(unknown, stored);
    if (verdictChanged(verdict, previous)) {
      context.writes.addVerdict({ verdict, previous });
    }
  }
  context.writes.flush();
}

/**
 * One repository of a scan: its tags are listed page by page and each gets a
 * verdict; what was stored for tags no longer listed is deleted once the
 * listing completed. When the listing breaks off, the tags it did not reach
 * keep their last known finding or become `error` (the outage rule), and the
 * scan goes on with the next repository.
 *
 * What was stored is looked up per listed tag, and the listed tags are marked
 * in the store, so the stored tags of a repository are never all held in
 * memory (at 100,000 tags that index was most of a rescan's live heap).
 */
import { unknownVerdict, verdictChanged, type IndexedTag, type StoredTag, type TagVerdictRecord } from '../domain/verdict.js';
import { FetchError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { isArtifactTag } from './cosign.js';
import type { ListedTag, ManifestResolver } from './manifests.js';
import { verdictThroughOutage } from './outage.js';
import type { RepositorySource } from './ports.js';
import type { RepositoryTarget } from './repositories.js';
import type { ScanTally } from './tally.js';
import { ArtifactIndex, type RepositorySignatureAudit, type SignatureChecker } from './signature-checker.js';
import { dctLastKnown, toVerdict, unknownSignatures, withSignatures } from './to-verdict.js';
import type { TrustChecker } from './trust-checker.js';
import type { WriteBuffer } from './write-buffer.js';

/** A tag of a repository, by name. */
interface TagName {
  readonly image: string;
  readonly tag: string;
}

/** What the repository audit reads from and marks in the store. */
export interface VerdictState {
  /** What the previous scans left for a tag: what its new verdict is compared with. */
  indexedTag(repository: string, image: string, tag: string): IndexedTag | undefined;
  tag(repository: string, image: string, tag: string): StoredTag | undefined;
  /** Records tags as listed by the scan (kept until `forgetListed`). */
  markListed(scanId: number, repository: string, tags: readonly TagName[]): void;
  /** How many stored tags of the repository the scan did not list. */
  countUnlisted(scanId: number, repository: string): number;
  /** Up to `limit` stored tags of the repository the scan did not list, in (image, tag) order after `after`. */
  unlistedTags(scanId: number, repository: string, after: TagName | undefined, limit: number): readonly (TagName & { readonly indexed: IndexedTag })[];
  /** Deletes the stored tags of the repository the scan did not list, marks the rest seen; how many were deleted. */
  finishRepository(scanId: number, at: string, repository: string): number;
  forgetListed(scanId: number, repository: string): void;
}

/** Listed tags marked in the store per write (one transaction each). */
const LISTED_BATCH = 100;
/** Unlisted tags read per query when a listing broke off. */
const UNLISTED_PAGE = 500;

/** The tags of one repository the scan has listed, marked in the store in batches. */
class ListedTags {
  readonly #state: VerdictState;
  readonly #scanId: number;
  readonly #repository: string;
  #pending: TagName[] = [];

  constructor(state: VerdictState, scanId: number, repository: string) {
    this.#state = state;
    this.#scanId = scanId;
    this.#repository = repository;
  }

  add(image: string, tag: string): void {
    this.#pending.push({ image, tag });
    if (this.#pending.length >= LISTED_BATCH) {
      this.flush();
    }
  }

  flush(): void {
    if (this.#pending.length > 0) {
      const tags = this.#pending;
      this.#pending = [];
      this.#state.markListed(this.#scanId, this.#repository, tags);
    }
  }
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
  /** Contract v1.2: how this repository is audited beyond DCT; undefined: DCT alone (v1.1). */
  readonly signatureAudit: RepositorySignatureAudit | undefined;
  readonly signatures: SignatureChecker;
}

/** What judging a tag beyond DCT needs: the audit and the artifact tags of the whole listing. */
interface SignatureScope {
  readonly audit: RepositorySignatureAudit;
  readonly artifacts: ArtifactIndex;
}

export async function auditRepository(repository: RepositoryTarget, context: RepositoryAuditContext): Promise<void> {
  const { scanId, nexus, state, tally, writes, log, signal } = context;
  const listed = new ListedTags(state, scanId, repository.name);
  const judged: Promise<void>[] = [];
  const audit = context.signatureAudit;
  const scope = audit === undefined ? undefined : { audit, artifacts: new ArtifactIndex() };
  // With a signature policy, a tag is judged once the whole listing is read:
  // its `.sig` and fallback index tags are usually listed after it (Nexus
  // lists in creation order, and signing follows the push). Tags waiting are
  // not yet marked listed, so a listing that breaks off leaves them to the
  // outage rule. Without a policy nothing waits: cosign and Notation are
  // `not_configured` and need no artifact tag.
  const waiting: ListedTag[] = [];
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
        if (isArtifactTag(entry.tag, scope !== undefined)) {
          tally.summary.skipped++;
          // Not marked listed: a verdict stored for this name (judged as an image before it was
          // known to be an artifact: v1.1 judged `sha256-<hex>` index tags) is deleted with the
          // repository's unlisted tags.
          scope?.artifacts.record(entry.image, entry.tag, entry.digest);
          continue;
        }
        const tag: ListedTag = { repository: repository.name, image: entry.image, tag: entry.tag, digest: entry.digest, size: entry.size };
        if (scope?.audit.verifiers !== undefined) {
          waiting.push(tag);
          continue;
        }
        judged.push(judgeTag(tag, repository.gunPrefix, listed, context, scope));
      }
      if (judged.length > context.maxPending) {
        await Promise.all(judged.splice(0));
      }
    }
    for (const tag of waiting.splice(0)) {
      judged.push(judgeTag(tag, repository.gunPrefix, listed, context, scope));
      if (judged.length > context.maxPending) {
        await Promise.all(judged.splice(0));
      }
    }
    await Promise.all(judged);
    writes.flush();
    listed.flush();
    if (signal?.aborted !== true) {
      // What the listing did not mark is gone from Nexus; a forecast only counts it.
      tally.deletedTags += context.forecast ? state.countUnlisted(scanId, repository.name) : state.finishRepository(scanId, context.now().toISOString(), repository.name);
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
      listed.flush();
      keepUnlisted(repository, error, context);
    }
  } finally {
    state.forgetListed(scanId, repository.name);
  }
}

async function judgeTag(listed: ListedTag, gunPrefix: string, listedTags: ListedTags, context: RepositoryAuditContext, scope: SignatureScope | undefined): Promise<void> {
  const gun = `${gunPrefix}/${listed.image}`;
  const served = await context.manifests.served(listed);
  const evidence = await context.trust.evidenceFor(gun);
  const others =
    scope === undefined
      ? undefined
      : served === undefined && scope.audit.verifiers !== undefined
        ? unknownSignatures('the manifest digest is known neither from Nexus REST nor from the registry API')
        : await context.signatures.entriesFor(
            { repository: listed.repository, image: listed.image, digest: served?.digest ?? '', size: served?.size ?? null, scope: gun },
            scope.audit,
            scope.artifacts
          );
  if (context.signal?.aborted === true) {
    return; // a shutdown: record nothing half-known (the error verdicts of cancelled fetches)
  }
  const dctVerdict = toVerdict({
    repository: listed.repository,
    image: listed.image,
    tag: listed.tag,
    gun,
    served,
    evidence,
    evaluatedAt: context.evaluatedAt,
    renewed: context.renewed,
    lastKnown:
      evidence.kind === 'unavailable' && served !== undefined
        ? (scope === undefined ? (stored: StoredTag | undefined) => stored : dctLastKnown)(context.state.tag(listed.repository, listed.image, listed.tag))
        : undefined,
  });
  const verdict = scope === undefined || others === undefined ? dctVerdict : withSignatures(dctVerdict, others, scope.audit.require);
  context.tally.tagsJudged++;
  context.tally.summary[verdict.status]++;
  context.onVerdict(verdict);
  const previous = context.state.indexedTag(listed.repository, listed.image, listed.tag);
  listedTags.add(listed.image, listed.tag); // what is not marked at the end of the listing is gone from Nexus
  if (verdictChanged(verdict, previous)) {
    context.writes.addVerdict({ verdict, previous });
  }
}

/** The tags a broken listing did not reach: unknown, or their last known finding (the outage rule). */
function keepUnlisted(repository: RepositoryTarget, error: FetchError, context: RepositoryAuditContext): void {
  // Paged by key: a page's writes may be flushed before the next page is read.
  for (let after: TagName | undefined; ;) {
    const unlisted = context.state.unlistedTags(context.scanId, repository.name, after, UNLISTED_PAGE);
    for (const { image, tag, indexed: previous } of unlisted) {
      keepOne(repository, image, tag, previous, error, context);
    }
    const last = unlisted[unlisted.length - 1];
    if (unlisted.length < UNLISTED_PAGE || last === undefined) {
      break;
    }
    after = { image: last.image, tag: last.tag };
  }
  context.writes.flush();
}

function keepOne(repository: RepositoryTarget, image: string, tag: string, previous: IndexedTag, error: FetchError, context: RepositoryAuditContext): void {
  const stored = context.state.tag(repository.name, image, tag);
  const unknown = unknownVerdict(
    { repository: repository.name, image, tag, gun: stored?.gun ?? `${repository.gunPrefix}/${image}` },
    `the repository could not be listed: ${error.message}`,
    stored
  );
  const kept = verdictThroughOutage(unknown, stored);
  // What was known of the other systems stays as last known too: the listing broke, not the signatures.
  const verdict = stored?.signatures === undefined ? kept : { ...kept, signatures: stored.signatures, coverage: stored.coverage };
  if (verdictChanged(verdict, previous)) {
    context.writes.addVerdict({ verdict, previous });
  }
}

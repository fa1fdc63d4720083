/**
 * One audit of everything configured: Nexus is listed page by page, each
 * image's trust collection is fetched and verified once however many tags it
 * has, every tag gets a verdict, and changes are written in batches. The whole
 * scan judges expiry at one instant (tuf-js "record fixed update start time"),
 * so one report never mixes two clocks.
 *
 * Rescans are incremental (docs/notary-behaviour.md §5 "Efficient polling"): when an
 * image's timestamp.json is byte-identical to the one its stored summary came
 * from, nothing else is fetched or verified (expiry is still judged anew);
 * when it changed, only the files whose hashes changed are fetched. Verdicts
 * that did not change are not rewritten.
 */
import { ByteBudget } from '../lib/byte-budget.js';
import type { Clock } from '../lib/clock.js';
import { describeError, FetchError, type FetchErrorCode } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { judgeTag, SERVER_RENEWED_ROLES, type TrustEvidence } from '../notary/core/assess.js';
import type { TagStatus } from '../notary/core/codes.js';
import { SUMMARY_REVISION, type SummaryRole, type TrustSummary } from '../notary/core/summary.js';
import { sha256Hex } from '../lib/digest.js';
import type { TrustCollectionBytes } from '../notary/core/verify-collection.js';
import {
  verdictFingerprint,
  type GunStateUpdate,
  type IndexedTag,
  type ScanOutcome,
  type ScanStore,
  type TagVerdictRecord,
  type TrustRoleRecord,
  type TrustUpdate,
  type VerdictWrite,
} from '../store/scan-store.js';
import { isCosignArtifactTag } from './cosign.js';
import type { ManifestSource, RepositorySource, TrustSource } from './ports.js';
import { verdictThroughOutage } from './outage.js';
import { inlineVerifier, type CollectionVerifier, type VerificationOutcome } from './verifier.js';

export interface RepositoryTarget {
  readonly name: string;
  readonly gunPrefix: string;
}

export interface ScanDependencies {
  readonly nexus: RepositorySource;
  readonly notary: TrustSource;
  /** The registry API of a repository, for tags whose digest REST does not give and for the sample. */
  readonly registryFor: (repository: string) => ManifestSource;
  readonly store: ScanStore;
  readonly clock: Clock;
  readonly log: Logger;
  /** Where collections are verified (default: in this thread). */
  readonly verifier?: CollectionVerifier;
}

export interface ScanOptions {
  /** Configured repositories; undefined: every Docker repository Nexus lists. */
  readonly repositories: readonly RepositoryTarget[] | undefined;
  /** Tags per scan whose REST digest is double-checked against the registry API. */
  readonly registrySample: number;
  /** Evaluate expiry at this instant instead of now (`--at`). */
  readonly evaluateAt?: Date | undefined;
  /** Trust collections fetched at once. */
  readonly concurrency?: number;
  /** `expiryWarningDays` in milliseconds: roles expiring this soon are listed in `expiringSoon`. */
  readonly expiryWarningMs?: number;
  /**
   * Bytes of trust data the scan may hold at once, fetched and not yet written
   * (default 256 MiB): a collection that does not fit is that GUN's `error`.
   */
  readonly inFlightBytes?: number;
  readonly signal?: AbortSignal | undefined;
  /** Changed verdicts per database transaction. */
  readonly batchSize?: number;
  readonly progressIntervalMs?: number;
  /**
   * Which tags the result lists: 'all' (the JSON report); 'findings' (every tag
   * while there are at most 200, then only those not signed: the human table);
   * 'none' (the daemon reads the database).
   */
  readonly report?: 'all' | 'findings' | 'none';
}

export type TagReport = TagVerdictRecord;

export type ScanSummary = Record<TagStatus | 'skipped', number>;

export interface SourceError {
  readonly source: 'nexus' | 'notary';
  readonly reason: FetchErrorCode;
}

export interface ScanResult {
  readonly scanId: number;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly evaluatedAt: Date;
  readonly outcome: ScanOutcome;
  readonly summary: ScanSummary;
  /** Every tag (report 'all'), sorted by repository, image, tag; empty otherwise. */
  readonly tags: readonly TagReport[];
  /** Roles of every GUN checked (report 'all'). */
  readonly trust: readonly TrustRoleRecord[];
  /**
   * Roles that expire within `expiryWarningMs` of the evaluation instant, soonest
   * first: what a publisher must re-sign soon (the roles the server renews left out).
   */
  readonly expiringSoon: readonly TrustRoleRecord[];
  /** A repository could not be listed (or Nexus not reached): the audit is incomplete. */
  readonly nexusFailed: boolean;
  readonly problems: readonly string[];
  readonly nexusRequests: number;
  readonly notaryRequests: number;
  readonly tagsJudged: number;
  readonly verdictsWritten: number;
  readonly deletedTags: number;
  /** Images whose timestamp was unchanged, so nothing else was fetched or verified. */
  readonly unchangedImages: number;
  /** The failures of this scan by source and reason (for metrics). */
  readonly sourceErrors: readonly SourceError[];
}

interface GunOutcome {
  readonly evidence: TrustEvidence;
}


/** Trust data a scan may hold at once (fetched, not yet written). */
const DEFAULT_IN_FLIGHT_BYTES = 256 * 1024 * 1024;
/** Written out early once verified files pending a write hold this much. */
const FLUSH_HELD_BYTES = 64 * 1024 * 1024;

function trustRolesOf(gun: string, roles: readonly SummaryRole[]): TrustRoleRecord[] {
  return roles.map((role) => ({ gun, role: role.role, version: role.version, expires: role.expires }));
}

/** Runs one scan; never throws for source failures (they become `error` verdicts and problems). */
export async function runScan(deps: ScanDependencies, options: ScanOptions): Promise<ScanResult> {
  const { nexus, notary, store, clock, log } = deps;
  const startedAt = clock.now();
  const evaluatedAt = options.evaluateAt ?? startedAt;
  const signal = options.signal;
  const concurrency = options.concurrency ?? 16;
  const batchSize = options.batchSize ?? 1000;
  const reportMode = options.report ?? 'all';
  const listAll = reportMode === 'all';
  const SMALL_REGISTRY = 200;
  // `--at`: a forecast. It reads what earlier audits left (history, pinned
  // roots, stored summaries) and writes nothing but its own scan row.
  const forecast = options.evaluateAt !== undefined;
  // Looking ahead, the roles the server renews on demand count as renewed; at
  // (or before) the real present an expired one is a real outage.
  const renewed = forecast && evaluatedAt.getTime() > startedAt.getTime() ? SERVER_RENEWED_ROLES : undefined;
  const scanId = store.beginScan(startedAt.toISOString(), evaluatedAt.toISOString(), forecast ? 'forecast' : 'audit');
  const nexusRequestsBefore = nexus.requests;
  const notaryRequestsBefore = notary.requests;

  // In the contract's order (JSON report `summary`).
  const summary = Object.fromEntries(
    ['signed', 'unsigned', 'digest_mismatch', 'expired', 'invalid', 'error', 'skipped'].map((key) => [key, 0])
  ) as ScanSummary;
  const reports: TagReport[] = [];
  const trustRoles: TrustRoleRecord[] = [];
  const problems: string[] = [];
  const sourceErrors: SourceError[] = [];
  const fullyListed: string[] = [];
  const counters = { judged: 0, written: 0, deleted: 0, unchanged: 0 };
  let nexusFailed = false;
  let registrySampleLeft = options.registrySample;

  // What waits for the next transaction.
  let pending = {
    verdicts: [] as VerdictWrite[],
    trust: [] as TrustUpdate[],
    trustRoles: [] as { gun: string; roles: TrustRoleRecord[] }[],
    gunStates: [] as GunStateUpdate[],
    clearedGuns: [] as string[],
    /** Give the written collections' bytes back to the budget. */
    releases: [] as (() => void)[],
    heldBytes: 0,
  };
  const inFlight = new ByteBudget(options.inFlightBytes ?? DEFAULT_IN_FLIGHT_BYTES);
  const flush = (): void => {
    const p = pending;
    if (p.verdicts.length + p.trust.length + p.trustRoles.length + p.gunStates.length + p.clearedGuns.length === 0) {
      return;
    }
    pending = { verdicts: [], trust: [], trustRoles: [], gunStates: [], clearedGuns: [], releases: [], heldBytes: 0 };
    try {
      if (!forecast) {
        store.writeBatch(scanId, clock.now().toISOString(), p);
      }
    } finally {
      p.releases.forEach((release) => release());
    }
    counters.written += p.verdicts.length;
  };

  const sourceFailure = (source: SourceError['source'], error: FetchError): void => {
    sourceErrors.push({ source, reason: error.code });
    if (problems.length < 1000) {
      problems.push(`${source}: ${error.message}`);
    }
  };

  const expiryWarningMs = options.expiryWarningMs ?? 0;
  /** GUNs whose trust data Notary answered for (data or a 404), and those it could not be fetched for. */
  const notaryAnswers = { answered: 0, unavailable: 0 };
  const expiringSoon: TrustRoleRecord[] = [];

  // Bounded concurrency for trust fetches.
  let running = 0;
  const waiting: (() => void)[] = [];
  const acquire = async (): Promise<void> => {
    if (running < concurrency) {
      running++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next === undefined) {
      running--;
    } else {
      next();
    }
  };

  const verifier = deps.verifier ?? inlineVerifier;
  /**
   * A shutdown does not wait for a verification already running in a worker
   * (it may take up to the pool's time limit): the scan stops at once, and the
   * pool is closed behind it.
   */
  const untilAborted = <T>(work: Promise<T>): Promise<T> =>
    signal === undefined
      ? work
      : new Promise<T>((resolve, reject) => {
          const onAbort = (): void => reject(signal.reason);
          if (signal.aborted) {
            onAbort();
            return;
          }
          signal.addEventListener('abort', onAbort, { once: true });
          work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
        });

  /** Verifies fetched bytes; walks `<N>.root.json` when the root rotated by more than one version. */
  const verify = async (gun: string, bytes: TrustCollectionBytes): Promise<VerificationOutcome> => {
    const history = store.loadHistory(gun);
    const outcome = await untilAborted(verifier.verify(gun, bytes, history, evaluatedAt));
    if (outcome.failure?.code !== 'ROOT_ROTATION_INVALID' || history.pinnedRoot === undefined) {
      return outcome;
    }
    const pinnedVersion = history.roles.get('root')?.version;
    const newest = outcome.summary.roles.find((r) => r.role === 'root')?.version ?? parseRootVersion(bytes.root);
    if (pinnedVersion === undefined || newest === undefined || newest - pinnedVersion < 2 || newest - pinnedVersion > 256) {
      return outcome;
    }
    const intermediateRoots = await notary.fetchRootVersions(gun, pinnedVersion + 1, newest - 1, signal);
    return untilAborted(verifier.verify(gun, bytes, { ...history, intermediateRoots }, evaluatedAt));
  };

  const checkGun = async (gun: string): Promise<GunOutcome> => {
    await acquire();
    try {
      const timestamp = await notary.fetchTimestamp(gun, signal);
      notaryAnswers.answered++;
      if (timestamp === undefined) {
        pending.clearedGuns.push(gun);
        pending.trustRoles.push({ gun, roles: [] });
        return { evidence: { kind: 'absent' } };
      }
      const timestampSha256 = sha256Hex(timestamp);
      const known = store.gunState(gun);
      let trustSummary: TrustSummary;
      if (known !== undefined && known.timestampSha256 === timestampSha256 && known.summary.revision === SUMMARY_REVISION) {
        // Byte-identical timestamp: the snapshot, and so every file, is the one verified before.
        counters.unchanged++;
        trustSummary = known.summary;
      } else {
        const fetched = await notary.collect(gun, timestamp, (bytes) => verify(gun, bytes), {
          signal,
          cached: (role, sha256) => store.roleFile(gun, role, sha256),
          budget: inFlight,
        });
        const verification = fetched.outcome;
        trustSummary = verification.summary;
        for (const warning of trustSummary.warnings) {
          log.warn({ gun, warning }, 'Trust data verified with a warning');
        }
        // root is kept as the pinned root (ScanStore.roleFile reads it from there).
        const files = new Map<string, Uint8Array>([
          ['snapshot', fetched.bytes.snapshot],
          ['targets', fetched.bytes.targets],
          ...fetched.bytes.delegations,
        ]);
        pending.gunStates.push({ gun, timestampSha256, summary: trustSummary, files: verification.roles === undefined ? undefined : files });
        // The bytes stay in the scan's budget until they are written.
        pending.releases.push(fetched.release);
        pending.heldBytes += fetched.heldBytes;
        pending.trustRoles.push({ gun, roles: trustRolesOf(gun, trustSummary.roles) });
        if (verification.roles !== undefined) {
          pending.trust.push({ gun, roles: verification.roles, root: fetched.bytes.root });
        } else if (verification.failure !== undefined) {
          log.warn({ gun, code: verification.failure.code, role: verification.failure.role, detail: verification.failure.detail }, 'Trust data rejected');
        }
      }
      const roles = trustRolesOf(gun, trustSummary.roles);
      if (listAll) {
        trustRoles.push(...roles);
      }
      for (const role of roles) {
        const left = Date.parse(role.expires) - evaluatedAt.getTime();
        if (left >= 0 && left <= expiryWarningMs && !SERVER_RENEWED_ROLES.has(role.role)) {
          expiringSoon.push(role);
        }
      }
      if (pending.heldBytes > FLUSH_HELD_BYTES) {
        flush();
      }
      return { evidence: { kind: 'checked', summary: trustSummary } };
    } catch (thrown) {
      if (signal?.aborted === true) {
        throw thrown;
      }
      // One GUN's bytes may only ever turn that GUN's tags to `error`: whatever
      // they made fail here (the verifier, a worker), the scan goes on, partial.
      const error =
        thrown instanceof FetchError
          ? thrown
          : new FetchError('MALFORMED', `trust data of ${gun} could not be processed: ${describeError(thrown)}`, { cause: thrown });
      sourceFailure('notary', error);
      notaryAnswers.unavailable++;
      log.warn({ gun, code: error.code, error: error.message }, 'Trust data could not be fetched');
      return { evidence: { kind: 'unavailable', detail: error.message } };
    } finally {
      release();
    }
  };

  const gunOutcomes = new Map<string, Promise<GunOutcome>>();
  const outcomeFor = (gun: string): Promise<GunOutcome> => {
    let outcome = gunOutcomes.get(gun);
    if (outcome === undefined) {
      outcome = checkGun(gun);
      gunOutcomes.set(gun, outcome);
    }
    return outcome;
  };

  const servedManifest = async (
    repository: RepositoryTarget,
    image: string,
    tag: string,
    digest: string | undefined,
    size: number | undefined
  ): Promise<{ digest: string; size: number | undefined } | undefined> => {
    let served = digest === undefined ? undefined : { digest, size };
    const sampled = served !== undefined && registrySampleLeft > 0;
    if (sampled) {
      registrySampleLeft--;
    }
    if (served !== undefined && !sampled) {
      return served;
    }
    try {
      const descriptor = await deps.registryFor(repository.name).getManifestDescriptor(image, tag, signal);
      if (descriptor !== undefined) {
        if (served !== undefined && descriptor.digest !== served.digest) {
          log.warn({ repository: repository.name, image, tag, rest: served.digest, registry: descriptor.digest }, 'Nexus REST and registry API disagree on the digest; using the registry');
        }
        served = { digest: descriptor.digest, size: descriptor.size };
      }
    } catch (error) {
      if (!(error instanceof FetchError)) {
        throw error;
      }
      sourceFailure('nexus', error);
    }
    return served;
  };

  const judge = async (
    repository: RepositoryTarget,
    index: Map<string, IndexedTag>,
    image: string,
    tag: string,
    digest: string | undefined,
    size: number | undefined
  ): Promise<void> => {
    const gun = `${repository.gunPrefix}/${image}`;
    const served = await servedManifest(repository, image, tag, digest, size);
    const outcome = await outcomeFor(gun);
    if (signal?.aborted === true) {
      return; // a shutdown: record nothing half-known (the error verdicts of cancelled fetches)
    }
    let record: TagVerdictRecord;
    if (served === undefined) {
      // Without a digest nothing can be compared: unknown, never signed.
      record = {
        repository: repository.name,
        image,
        tag,
        gun,
        digest: null,
        size: null,
        status: 'error',
        role: null,
        reasonCode: 'FETCH_FAILED',
        reason: 'FETCH_FAILED: the manifest digest is known neither from Nexus REST nor from the registry API',
        signedDigest: null,
        trustExpires: null,
      };
    } else {
      const judgement = judgeTag(outcome.evidence, tag, served, evaluatedAt, renewed);
      record = {
        repository: repository.name,
        image,
        tag,
        gun,
        digest: served.digest,
        size: served.size ?? null,
        status: judgement.status,
        role: judgement.role,
        reasonCode: judgement.reasonCode,
        reason: judgement.reasonCode === null ? null : `${judgement.reasonCode}: ${judgement.reason ?? ''}`,
        signedDigest: judgement.signedDigest,
        trustExpires: judgement.trustExpires?.toISOString() ?? null,
      };
      if (outcome.evidence.kind === 'unavailable') {
        record = verdictThroughOutage(record, store.tag(repository.name, image, tag));
      }
    }
    counters.judged++;
    summary[record.status]++;
    if (listAll || (reportMode === 'findings' && (record.status !== 'signed' || counters.judged <= SMALL_REGISTRY))) {
      reports.push(record);
    }
    const key = `${image}\u0000${tag}`;
    const previous = index.get(key);
    index.delete(key); // what is left at the end of the listing is gone from Nexus
    if (previous === undefined || previous.fingerprint !== verdictFingerprint(record)) {
      pending.verdicts.push({ verdict: record, previous });
      if (pending.verdicts.length >= batchSize) {
        flush();
      }
    }
  };

  const progress = { repositoriesDone: 0, repositoriesTotal: 0, tagsListed: 0 };
  const timer = setInterval(() => {
    const seconds = (clock.now().getTime() - startedAt.getTime()) / 1000;
    log.info(
      {
        scanId,
        repositories: `${progress.repositoriesDone}/${progress.repositoriesTotal}`,
        tagsListed: progress.tagsListed,
        tagsJudged: counters.judged,
        imagesChecked: gunOutcomes.size,
        tagsPerSecond: seconds > 0 ? Math.round(counters.judged / seconds) : 0,
      },
      'Scan progress'
    );
  }, options.progressIntervalMs ?? 10_000);
  timer.unref();

  let fatal: string | undefined;
  /** Nexus components skipped as not Docker tags (shape or name), for the problems list. */
  let skippedComponents = 0;
  try {
    const repositories = await resolveRepositories(deps, options.repositories, signal, problems, sourceErrors);
    if (repositories === undefined) {
      nexusFailed = true;
      fatal = problems[problems.length - 1];
    } else {
      progress.repositoriesTotal = repositories.length;
      log.info({ scanId, repositories: repositories.map((r) => r.name), evaluatedAt: evaluatedAt.toISOString() }, 'Scan started');
      for (const repository of repositories) {
        const index = store.loadTagIndex(repository.name);
        const judged: Promise<void>[] = [];
        try {
          for await (const page of nexus.listTags(repository.name, signal)) {
            if (page.skipped > 0) {
              skippedComponents += page.skipped;
              log.warn(
                { repository: repository.name, skipped: page.skipped, examples: page.invalidNames },
                'Skipped Nexus components that are not Docker tags (malformed, or a name outside the reference grammar)'
              );
            }
            for (const entry of page.tags) {
              progress.tagsListed++;
              if (isCosignArtifactTag(entry.tag)) {
                summary.skipped++;
                index.delete(`${entry.image}\u0000${entry.tag}`);
                continue;
              }
              judged.push(judge(repository, index, entry.image, entry.tag, entry.digest, entry.size));
            }
            // Keep memory flat: do not list far ahead of the verification.
            if (judged.length > concurrency * 100) {
              await Promise.all(judged.splice(0));
            }
          }
          await Promise.all(judged);
          flush();
          if (signal?.aborted !== true) {
            if (!forecast) {
              store.finishRepository(scanId, clock.now().toISOString(), repository.name, index);
            }
            counters.deleted += index.size;
            fullyListed.push(repository.name);
          }
        } catch (error) {
          await Promise.allSettled(judged);
          if (!(error instanceof FetchError)) {
            throw error;
          }
          nexusFailed = true;
          sourceFailure('nexus', error);
          log.error({ repository: repository.name, code: error.code, error: error.message }, 'Repository could not be listed; its tags were not audited');
          if (signal?.aborted !== true && !forecast) {
            // The tags it did not list: unknown, or their last known finding (the outage rule).
            for (const [key, previous] of index) {
              const [image, tag] = key.split('\u0000') as [string, string];
              const stored = store.tag(repository.name, image, tag);
              const unknown: TagVerdictRecord = {
                repository: repository.name,
                image,
                tag,
                gun: stored?.gun ?? `${repository.gunPrefix}/${image}`,
                digest: stored?.digest ?? null,
                size: stored?.size ?? null,
                status: 'error',
                role: null,
                reasonCode: 'FETCH_FAILED',
                reason: `FETCH_FAILED: the repository could not be listed: ${error.message}`,
                signedDigest: null,
                trustExpires: null,
              };
              const verdict = verdictThroughOutage(unknown, stored);
              if (previous.fingerprint !== verdictFingerprint(verdict)) {
                pending.verdicts.push({ verdict, previous });
              }
            }
            flush();
          }
        }
        progress.repositoriesDone++;
      }
    }
  } catch (error) {
    fatal = describeError(error);
    problems.push(fatal);
    log.error({ scanId, error: fatal }, 'Scan failed');
  } finally {
    clearInterval(timer);
  }
  if (skippedComponents > 0) {
    problems.push(`nexus: skipped ${skippedComponents} component(s) that are not Docker tags (malformed, or a name outside the reference grammar); see the log`);
  }
  if (signal?.aborted === true) {
    problems.push((fatal = typeof signal.reason === 'string' ? `stopped by ${signal.reason} before it completed` : 'aborted before it completed (shutdown)'));
    pending.verdicts = [];
  }
  try {
    flush();
  } catch (error) {
    fatal ??= `database: ${describeError(error)}`;
  }

  // Contract: when no image's trust data could be fetched at all (a wrong CA,
  // refused credentials, Notary down), the scan failed: that is a
  // misconfiguration or an outage, not a registry full of findings.
  if (fatal === undefined && notaryAnswers.unavailable > 0 && notaryAnswers.answered === 0) {
    fatal = `notary: the trust data of none of the ${notaryAnswers.unavailable} image(s) could be fetched (${problems.find((problem) => problem.startsWith('notary: ')) ?? 'see the log'})`;
  }
  const finishedAt = clock.now();
  const outcome: ScanOutcome =
    fatal !== undefined || (nexusFailed && fullyListed.length === 0) ? 'failed' : sourceErrors.length > 0 ? 'partial' : 'complete';
  // The scan row keeps why a scan was not complete, for the API and the status page.
  const error = fatal ?? (outcome === 'complete' ? null : [...new Set(problems)].slice(0, 5).join('; '));
  const nexusRequests = nexus.requests - nexusRequestsBefore;
  const notaryRequests = notary.requests - notaryRequestsBefore;
  store.finishScan(scanId, {
    finishedAt: finishedAt.toISOString(),
    outcome,
    summary,
    error,
    nexusRequests,
    notaryRequests,
  });
  const seconds = (finishedAt.getTime() - startedAt.getTime()) / 1000;
  log.info(
    {
      scanId,
      outcome,
      ...summary,
      seconds,
      nexusRequests,
      notaryRequests,
      unchangedImages: counters.unchanged,
      verdictsWritten: counters.written,
      deletedTags: counters.deleted,
      tagsPerSecond: seconds > 0 ? Math.round(counters.judged / seconds) : counters.judged,
    },
    'Scan finished'
  );
  reports.sort((a, b) => compare(a.repository, b.repository) || compare(a.image, b.image) || compare(a.tag, b.tag));
  trustRoles.sort((a, b) => compare(a.gun, b.gun) || compare(a.role, b.role));
  return {
    scanId,
    startedAt,
    finishedAt,
    evaluatedAt,
    outcome,
    summary,
    tags: reports,
    trust: trustRoles,
    expiringSoon: expiringSoon.sort((a, b) => Date.parse(a.expires) - Date.parse(b.expires)),
    nexusFailed,
    problems,
    nexusRequests,
    notaryRequests,
    tagsJudged: counters.judged,
    verdictsWritten: counters.written,
    deletedTags: counters.deleted,
    unchangedImages: counters.unchanged,
    sourceErrors,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function parseRootVersion(root: Uint8Array): number | undefined {
  try {
    const version = (JSON.parse(Buffer.from(root).toString('utf8')) as { signed?: { version?: unknown } }).signed?.version;
    return typeof version === 'number' ? version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The repositories to audit: the configured ones, or every Docker repository
 * Nexus lists with the GUN prefix its connector implies (groups are skipped:
 * their tags are their members', under another GUN).
 */
async function resolveRepositories(
  deps: ScanDependencies,
  configured: readonly RepositoryTarget[] | undefined,
  signal: AbortSignal | undefined,
  problems: string[],
  sourceErrors: SourceError[]
): Promise<RepositoryTarget[] | undefined> {
  if (configured !== undefined) {
    return [...configured];
  }
  try {
    const targets: RepositoryTarget[] = [];
    for (const repository of await deps.nexus.listDockerRepositories(signal)) {
      if (repository.type === 'group') {
        deps.log.info({ repository: repository.name }, 'Skipping group repository (its members are audited); list it in nexus.repositories to audit it');
        continue;
      }
      const prefix = await deps.nexus.gunPrefixOf(repository, signal);
      if (prefix === undefined) {
        problems.push(`nexus: cannot tell the GUN prefix of repository ${repository.name} (no connector visible to this account); set nexus.repositories[].gunPrefix`);
        sourceErrors.push({ source: 'nexus', reason: 'AUTH' });
        continue;
      }
      targets.push({ name: repository.name, gunPrefix: prefix });
    }
    return targets;
  } catch (error) {
    if (!(error instanceof FetchError)) {
      throw error;
    }
    sourceErrors.push({ source: 'nexus', reason: error.code });
    problems.push(`nexus: ${error.message}`);
    deps.log.error({ code: error.code, error: error.message }, 'Nexus repositories could not be listed');
    return undefined;
  }
}

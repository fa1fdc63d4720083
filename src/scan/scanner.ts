/**
 * One audit of everything configured: Nexus is listed page by page, each
 * image's trust collection is fetched and verified once however many tags it
 * has, every tag gets a verdict, and the results are written in batches. The
 * whole scan judges expiry at one instant (tuf-js "record fixed update start
 * time"), so one report never mixes two clocks.
 */
import { FetchError, describeError } from '../lib/errors.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { checkedEvidence, judgeTag, type TrustEvidence } from '../notary/core/assess.js';
import { TAG_STATUSES, type TagStatus } from '../notary/core/codes.js';
import { verifyCollection, type RoleRecord } from '../notary/core/verify-collection.js';
import type { ScanOutcome, ScanStore, TagVerdictRecord, TrustRoleRecord, TrustUpdate } from '../store/scan-store.js';
import { isCosignArtifactTag } from './cosign.js';
import type { ManifestSource, RepositorySource, TrustSource } from './ports.js';

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
  readonly signal?: AbortSignal | undefined;
  /** Verdicts per database transaction. */
  readonly batchSize?: number;
  readonly progressIntervalMs?: number;
}

export interface TagReport {
  readonly repository: string;
  readonly image: string;
  readonly tag: string;
  readonly digest: string | null;
  readonly size: number | null;
  readonly gun: string;
  readonly status: TagStatus;
  readonly role: string | null;
  readonly reasonCode: string | null;
  readonly reason: string | null;
  readonly signedDigest: string | null;
  readonly trustExpires: string | null;
}

export type ScanSummary = Record<TagStatus | 'skipped', number>;

export interface ScanResult {
  readonly scanId: number;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly evaluatedAt: Date;
  readonly outcome: ScanOutcome;
  readonly summary: ScanSummary;
  readonly tags: readonly TagReport[];
  readonly trust: readonly TrustRoleRecord[];
  /** A repository could not be listed (or Nexus not reached): the audit is incomplete. */
  readonly nexusFailed: boolean;
  readonly problems: readonly string[];
  readonly nexusRequests: number;
  readonly notaryRequests: number;
  readonly deletedTags: number;
  /** Per source, the failures of this scan by reason code (for metrics). */
  readonly sourceErrors: readonly { readonly source: 'nexus' | 'notary' | 'registry'; readonly reason: string }[];
}

interface GunOutcome {
  readonly evidence: TrustEvidence;
  readonly roles: readonly RoleRecord[] | undefined;
}

/** Runs one scan; never throws for source failures (they become `error` verdicts and problems). */
export async function runScan(deps: ScanDependencies, options: ScanOptions): Promise<ScanResult> {
  const { nexus, notary, store, clock, log } = deps;
  const startedAt = clock.now();
  const evaluatedAt = options.evaluateAt ?? startedAt;
  const signal = options.signal;
  const concurrency = options.concurrency ?? 8;
  const batchSize = options.batchSize ?? 500;
  const scanId = store.beginScan(startedAt.toISOString(), evaluatedAt.toISOString());
  const nexusRequestsBefore = nexus.requests;
  const notaryRequestsBefore = notary.requests;

  const summary = Object.fromEntries([...TAG_STATUSES, 'skipped'].map((key) => [key, 0])) as ScanSummary;
  const reports: TagReport[] = [];
  const trustRoles: TrustRoleRecord[] = [];
  const problems: string[] = [];
  const sourceErrors: { source: 'nexus' | 'notary' | 'registry'; reason: string }[] = [];
  const fullyListed: string[] = [];
  let nexusFailed = false;
  let registrySampleLeft = options.registrySample;

  // Batches waiting for the next transaction.
  let pendingVerdicts: TagVerdictRecord[] = [];
  let pendingTrust: TrustUpdate[] = [];
  let pendingRoles: { gun: string; roles: TrustRoleRecord[] }[] = [];
  const flush = (): void => {
    if (pendingVerdicts.length === 0 && pendingTrust.length === 0 && pendingRoles.length === 0) {
      return;
    }
    store.writeBatch(scanId, clock.now().toISOString(), pendingVerdicts, pendingTrust, pendingRoles);
    pendingVerdicts = [];
    pendingTrust = [];
    pendingRoles = [];
  };

  // One trust fetch per GUN, however many tags (and pages) it spans; bounded concurrency.
  const gunOutcomes = new Map<string, Promise<GunOutcome>>();
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

  const checkGun = async (gun: string): Promise<GunOutcome> => {
    await acquire();
    try {
      const fetched = await notary.fetchCollection(gun, signal);
      if (fetched.kind === 'absent') {
        pendingRoles.push({ gun, roles: [] });
        return { evidence: { kind: 'absent' }, roles: undefined };
      }
      const history = store.loadHistory(gun);
      let verification = verifyCollection(gun, fetched.bytes, history, evaluatedAt);
      if (!verification.ok && verification.error.code === 'ROOT_ROTATION_INVALID' && history.pinnedRoot !== undefined) {
        verification = await retryRotation(gun, fetched.bytes, history, verification);
      }
      const roles = verification.ok ? verification.value.roles : verification.error.roles;
      const roleRecords = roles.map((role) => ({ gun, role: role.role, version: role.version, expires: role.expires.toISOString() }));
      trustRoles.push(...roleRecords);
      pendingRoles.push({ gun, roles: roleRecords });
      if (verification.ok) {
        pendingTrust.push({ gun, roles: verification.value.roles, root: fetched.bytes.root });
      } else {
        log.warn({ gun, code: verification.error.code, role: verification.error.role, detail: verification.error.detail }, 'Trust data rejected');
      }
      return { evidence: checkedEvidence(verification), roles };
    } catch (error) {
      if (!(error instanceof FetchError)) {
        throw error;
      }
      sourceErrors.push({ source: 'notary', reason: error.code });
      problems.push(`notary: ${error.message}`);
      log.warn({ gun, code: error.code, error: error.message }, 'Trust data could not be fetched');
      return { evidence: { kind: 'unavailable', detail: error.message }, roles: undefined };
    } finally {
      release();
    }
  };

  /** A root rotated by more than one version: walk `<N>.root.json` from the pinned one. */
  const retryRotation = async (
    gun: string,
    bytes: Parameters<typeof verifyCollection>[1],
    history: ReturnType<ScanStore['loadHistory']>,
    failed: ReturnType<typeof verifyCollection>
  ): Promise<ReturnType<typeof verifyCollection>> => {
    const pinnedVersion = history.roles.get('root')?.version;
    const currentVersion = failed.ok ? undefined : failed.error.roles.find((r) => r.role === 'root')?.version;
    const newest = currentVersion ?? parseRootVersion(bytes.root);
    if (pinnedVersion === undefined || newest === undefined || newest - pinnedVersion < 2 || newest - pinnedVersion > 256) {
      return failed;
    }
    const intermediateRoots = await notary.fetchRootVersions(gun, pinnedVersion + 1, newest - 1, signal);
    return verifyCollection(gun, bytes, { ...history, intermediateRoots }, evaluatedAt);
  };

  const outcomeFor = (gun: string): Promise<GunOutcome> => {
    let outcome = gunOutcomes.get(gun);
    if (outcome === undefined) {
      outcome = checkGun(gun);
      gunOutcomes.set(gun, outcome);
    }
    return outcome;
  };

  const judge = async (repository: RepositoryTarget, image: string, tag: string, digest: string | undefined, size: number | undefined): Promise<void> => {
    const gun = `${repository.gunPrefix}/${image}`;
    let served = digest === undefined ? undefined : { digest, size };
    const sampled = served !== undefined && registrySampleLeft > 0;
    if (sampled) {
      registrySampleLeft--;
    }
    if (served === undefined || sampled) {
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
        sourceErrors.push({ source: 'registry', reason: error.code });
        problems.push(`registry: ${error.message}`);
      }
    }
    const outcome = await outcomeFor(gun);
    if (signal?.aborted === true) {
      return; // a shutdown: record nothing half-known (the error verdicts of cancelled fetches)
    }
    let record: TagReport;
    if (served === undefined) {
      // Without a digest nothing can be compared: unknown, never signed.
      record = {
        repository: repository.name,
        image,
        tag,
        digest: null,
        size: null,
        gun,
        status: 'error',
        role: null,
        reasonCode: 'FETCH_FAILED',
        reason: 'FETCH_FAILED: the manifest digest is known neither from Nexus REST nor from the registry API',
        signedDigest: null,
        trustExpires: null,
      };
    } else {
      const judgement = judgeTag(outcome.evidence, tag, served, evaluatedAt);
      record = {
        repository: repository.name,
        image,
        tag,
        digest: served.digest,
        size: served.size ?? null,
        gun,
        status: judgement.status,
        role: judgement.role,
        reasonCode: judgement.reasonCode,
        reason: judgement.reasonCode === null ? null : `${judgement.reasonCode}: ${judgement.reason ?? ''}`,
        signedDigest: judgement.signedDigest,
        trustExpires: judgement.trustExpires?.toISOString() ?? null,
      };
    }
    summary[record.status]++;
    reports.push(record);
    pendingVerdicts.push(record);
    if (pendingVerdicts.length >= batchSize) {
      flush();
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
        tagsJudged: reports.length,
        imagesChecked: gunOutcomes.size,
        tagsPerSecond: seconds > 0 ? Math.round(reports.length / seconds) : 0,
      },
      'Scan progress'
    );
  }, options.progressIntervalMs ?? 10_000);
  timer.unref();

  let fatal: string | undefined;
  try {
    const repositories = await resolveRepositories(deps, options.repositories, signal, problems, sourceErrors);
    if (repositories === undefined) {
      nexusFailed = true;
      fatal = problems[problems.length - 1];
    } else {
      progress.repositoriesTotal = repositories.length;
      log.info({ scanId, repositories: repositories.map((r) => r.name), evaluatedAt: evaluatedAt.toISOString() }, 'Scan started');
      for (const repository of repositories) {
        const judged: Promise<void>[] = [];
        try {
          for await (const page of nexus.listTags(repository.name, signal)) {
            for (const entry of page.tags) {
              progress.tagsListed++;
              if (isCosignArtifactTag(entry.tag)) {
                summary.skipped++;
                continue;
              }
              judged.push(judge(repository, entry.image, entry.tag, entry.digest, entry.size));
            }
            // Keep memory flat: do not list far ahead of the verification.
            if (judged.length > concurrency * 200) {
              await Promise.all(judged.splice(0));
            }
          }
          await Promise.all(judged);
          fullyListed.push(repository.name);
        } catch (error) {
          await Promise.allSettled(judged);
          if (!(error instanceof FetchError)) {
            throw error;
          }
          nexusFailed = true;
          sourceErrors.push({ source: 'nexus', reason: error.code });
          problems.push(`nexus: ${error.message}`);
          log.error({ repository: repository.name, code: error.code, error: error.message }, 'Repository could not be listed; its tags were not audited');
        }
        progress.repositoriesDone++;
        flush();
      }
    }
  } catch (error) {
    fatal = describeError(error);
    problems.push(fatal);
    log.error({ scanId, error: fatal }, 'Scan failed');
  } finally {
    clearInterval(timer);
  }
  if (signal?.aborted === true) {
    fatal ??= 'aborted before it completed (shutdown)';
    pendingVerdicts = [];
  }
  try {
    flush();
  } catch (error) {
    fatal ??= `database: ${describeError(error)}`;
  }

  const finishedAt = clock.now();
  const notaryFailed = sourceErrors.some((e) => e.source === 'notary' || e.source === 'registry');
  const outcome: ScanOutcome = fatal !== undefined || (nexusFailed && fullyListed.length === 0) ? 'failed' : nexusFailed || notaryFailed || signal?.aborted === true ? 'partial' : 'complete';
  const nexusRequests = nexus.requests - nexusRequestsBefore;
  const notaryRequests = notary.requests - notaryRequestsBefore;
  const deletedTags = store.finishScan(scanId, {
    finishedAt: finishedAt.toISOString(),
    outcome,
    summary,
    error: fatal ?? null,
    nexusRequests,
    notaryRequests,
    fullyListedRepositories: outcome === 'failed' ? [] : fullyListed,
  });
  const seconds = (finishedAt.getTime() - startedAt.getTime()) / 1000;
  log.info(
    { scanId, outcome, ...summary, seconds, nexusRequests, notaryRequests, deletedTags, tagsPerSecond: seconds > 0 ? Math.round(reports.length / seconds) : reports.length },
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
    nexusFailed,
    problems,
    nexusRequests,
    notaryRequests,
    deletedTags,
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
  sourceErrors: { source: 'nexus' | 'notary' | 'registry'; reason: string }[]
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


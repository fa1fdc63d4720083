/**
 * One audit of everything configured, read top to bottom: the repositories
 * are resolved, each is listed page by page (`repository-audit.ts`), each
 * image's trust data is checked once however many tags it has
 * (`trust-checker.ts`), each tag gets a pure verdict (`to-verdict.ts`), and
 * changes are written in batches (`write-buffer.ts`). The whole scan judges
 * expiry at one instant (tuf-js "record fixed update start time"), so one
 * report never mixes two clocks.
 */
import { setMaxListeners } from 'node:events';

import type { TrustRoleRecord } from '../domain/scan.js';
import { ByteBudget } from '../lib/byte-budget.js';
import { describeError } from '../lib/errors.js';
import { SERVER_RENEWED_ROLES } from '../notary/core/assess.js';
import { ManifestResolver } from './manifests.js';
import { startProgressLog } from './progress.js';
import { auditRepository } from './repository-audit.js';
import { resolveRepositories, type RepositoryTarget } from './repositories.js';
import { SignatureChecker, type RepositorySignatureAudit } from './signature-checker.js';
import { outcomeOf, ScanTally } from './tally.js';
import { TrustChecker } from './trust-checker.js';
import { inlineVerifier } from './verifier.js';
import { WriteBuffer } from './write-buffer.js';

import type { ScanDependencies, ScanOptions, ScanResult } from './scan-options.js';

export type { ScanDependencies, ScanListener, ScanOptions, ScanResult, ScanStorePort } from './scan-options.js';
export type { RepositoryTarget } from './repositories.js';
export type { SourceError } from './tally.js';

const DEFAULT_IN_FLIGHT_BYTES = 256 * 1024 * 1024;

/** Runs one scan; never throws for source failures (they become `error` verdicts and problems). */
export async function runScan(deps: ScanDependencies, options: ScanOptions): Promise<ScanResult> {
  const { nexus, notary, store, clock, log } = deps;
  const { signal, listener } = options;
  const startedAt = clock.now();
  const evaluatedAt = options.evaluateAt ?? startedAt;
  const concurrency = options.concurrency ?? 16;
  if (signal !== undefined) {
    // Every check in flight listens to the scan's signal (its fetches, its verification, the
    // wait for it), so more than Node's default of 10 is normal; a bound still shows a leak.
    setMaxListeners(concurrency * 4 + 16, signal);
  }
  const forecast = options.evaluateAt !== undefined;
  // Looking ahead, the roles the server renews on demand count as renewed; at
  // (or before) the real present an expired one is a real outage.
  const renewed = forecast && evaluatedAt.getTime() > startedAt.getTime() ? SERVER_RENEWED_ROLES : undefined;
  const scanId = store.beginScan(startedAt.toISOString(), evaluatedAt.toISOString(), forecast ? 'forecast' : 'audit');
  const requestsBefore = { nexus: nexus.requests, notary: notary.requests };

  const tally = new ScanTally();
  const writes = new WriteBuffer(forecast ? undefined : { writeBatch: (batch) => store.writeBatch(scanId, clock.now().toISOString(), batch) }, options.batchSize ?? 1000);
  const expiringSoon: TrustRoleRecord[] = [];
  const trust = new TrustChecker({
    notary,
    state: store,
    verifier: deps.verifier ?? inlineVerifier,
    writes,
    tally,
    log,
    evaluatedAt,
    concurrency,
    budget: new ByteBudget(options.inFlightBytes ?? DEFAULT_IN_FLIGHT_BYTES),
    signal,
    onRoles: (roles) => {
      listener?.trustRoles(roles);
      expiringSoon.push(...expiringWithin(roles, evaluatedAt, options.expiryWarningMs ?? 0));
    },
  });
  const manifests = new ManifestResolver({ registryFor: deps.registryFor, registrySample: options.registrySample, tally, log, signal });
  const signatures = new SignatureChecker({ registryFor: deps.registryFor, state: store, tally, log, evaluatedAt, forecast, now: () => clock.now(), signal });
  const progress = startProgressLog({ scanId, clock, log, startedAt, tally, trust, intervalMs: options.progressIntervalMs ?? 10_000 });

  let fatal: string | undefined;
  try {
    const repositories = await resolveRepositories(nexus, options.repositories, { tally, log, signal });
    if (repositories === undefined) {
      tally.nexusFailed = true;
      fatal = tally.problems[tally.problems.length - 1];
    } else {
      progress.repositoriesTotal = repositories.length;
      log.info({ scanId, repositories: repositories.map((r) => r.name), evaluatedAt: evaluatedAt.toISOString() }, 'Scan started');
      for (const repository of repositories) {
        await auditRepository(repository, {
          scanId,
          nexus,
          state: store,
          trust,
          manifests,
          writes,
          tally,
          log,
          evaluatedAt,
          renewed,
          forecast,
          maxPending: concurrency * 100,
          signal,
          now: () => clock.now(),
          onVerdict: (verdict) => listener?.verdict(verdict),
          onListed: () => progress.tagsListed++,
          signatureAudit: signatureAuditOf(repository, options),
          signatures,
        });
        progress.repositoriesDone++;
      }
    }
  } catch (error) {
    fatal = describeError(error);
    tally.problems.push(fatal);
    log.error({ scanId, error: fatal }, 'Scan failed');
  } finally {
    progress.stop();
  }
  if (tally.skippedComponents > 0) {
    tally.problems.push(`nexus: skipped ${tally.skippedComponents} component(s) that are not Docker tags (malformed, or a name outside the reference grammar); see the log`);
  }
  if (signal?.aborted === true) {
    tally.problems.push((fatal = typeof signal.reason === 'string' ? `stopped by ${signal.reason} before it completed` : 'aborted before it completed (shutdown)'));
    writes.dropVerdicts();
  }
  try {
    writes.flush();
  } catch (error) {
    fatal ??= `database: ${describeError(error)}`;
  }

  const ending = outcomeOf(tally.facts(fatal));
  const finishedAt = clock.now();
  const nexusRequests = nexus.requests - requestsBefore.nexus;
  const notaryRequests = notary.requests - requestsBefore.notary;
  // The scan row keeps why a scan was not complete, for the API and the status page.
  const error = ending.fatal ?? (ending.outcome === 'complete' ? null : [...new Set(tally.problems)].slice(0, 5).join('; '));
  store.finishScan(scanId, { finishedAt: finishedAt.toISOString(), outcome: ending.outcome, summary: tally.summary, error, nexusRequests, notaryRequests });
  const seconds = (finishedAt.getTime() - startedAt.getTime()) / 1000;
  log.info(
    {
      scanId,
      outcome: ending.outcome,
      ...tally.summary,
      seconds,
      nexusRequests,
      notaryRequests,
      unchangedImages: tally.unchangedImages,
      verdictsWritten: writes.verdictsWritten,
      deletedTags: tally.deletedTags,
      tagsPerSecond: seconds > 0 ? Math.round(tally.tagsJudged / seconds) : tally.tagsJudged,
    },
    'Scan finished'
  );
  return {
    scanId,
    startedAt,
    finishedAt,
    evaluatedAt,
    outcome: ending.outcome,
    summary: tally.summary,
    expiringSoon: expiringSoon.sort((a, b) => Date.parse(a.expires) - Date.parse(b.expires)),
    nexusFailed: tally.nexusFailed,
    problems: tally.problems,
    nexusRequests,
    notaryRequests,
    tagsJudged: tally.tagsJudged,
    verdictsWritten: writes.verdictsWritten,
    deletedTags: tally.deletedTags,
    unchangedImages: tally.unchangedImages,
    sourceErrors: tally.sourceErrors,
    referrersModes: Object.fromEntries(signatures.modes),
  };
}

/** Contract v1.2: how a repository is audited beyond DCT; undefined without `signatures` (v1.1). */
export function signatureAuditOf(repository: RepositoryTarget, options: Pick<ScanOptions, 'signatures'>): RepositorySignatureAudit | undefined {
  if (options.signatures === undefined) {
    return undefined;
  }
  const verifiers = repository.signaturePolicy === undefined ? undefined : options.signatures.policies.get(repository.signaturePolicy);
  return { verifiers, require: repository.require ?? ['dct'] };
}

/** Roles a publisher must re-sign within `windowMs` of `at` (the roles the server renews left out). */
export function expiringWithin(roles: readonly TrustRoleRecord[], at: Date, windowMs: number): TrustRoleRecord[] {
  return roles.filter((role) => {
    const left = Date.parse(role.expires) - at.getTime();
    return left >= 0 && left <= windowMs && !SERVER_RENEWED_ROLES.has(role.role);
  });
}

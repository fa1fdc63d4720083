/**
 * What the metrics show, built from the database after each scan: they always
 * describe the last completed scan, including the tags of a repository that
 * could not be listed this time. Pure: rows in, a snapshot out.
 */
import type { ScanRecord, TrustRoleRecord } from '../domain/scan.js';
import type { StoredTag } from '../domain/verdict.js';
import type { FetchErrorCode } from '../lib/errors.js';
import { COVERAGES, type Coverage, type SignatureSystem, type SystemStatus } from '../domain/signatures.js';
import { countByRepository, type MetricsSnapshot, type SignatureSnapshot, type Source } from './metrics.js';

/** 'findings': per-tag series only for tags that are not signed (very large registries). */
export type TagSeries = 'all' | 'findings';

export function metricsSnapshot(input: {
  readonly scan: ScanRecord;
  readonly tags: readonly StoredTag[];
  readonly trustRoles: readonly TrustRoleRecord[];
  readonly latestComplete: ScanRecord | undefined;
  readonly tagSeries: TagSeries;
  /** From the scan just run; undefined when loaded from the database (then the outcome tells). */
  readonly sourceUp: MetricsSnapshot['sourceUp'] | undefined;
  /** Contract v1.2: with `signatures` configured, each repository's policy name (undefined: none). */
  readonly signaturePolicyOf?: ((repository: string) => string | undefined) | undefined;
}): MetricsSnapshot {
  const { scan, tags, latestComplete } = input;
  const repositories = [...new Set(tags.map((tag) => tag.repository))];
  return {
    tags: input.tagSeries === 'all' ? tags : tags.filter((tag) => tag.status !== 'signed'),
    counts: countByRepository(tags, repositories),
    expiries: input.trustRoles.map((role) => ({ gun: role.gun, role: role.role, expiresSeconds: Date.parse(role.expires) / 1000 })),
    lastSuccessSeconds: latestComplete?.finishedAt === null || latestComplete === undefined ? undefined : Date.parse(latestComplete.finishedAt) / 1000,
    durationSeconds: scan.finishedAt === null ? 0 : (Date.parse(scan.finishedAt) - Date.parse(scan.startedAt)) / 1000,
    scanUp: scan.outcome === 'complete',
    sourceUp: input.sourceUp ?? { nexus: scan.outcome === 'complete', notary: scan.outcome === 'complete' },
    signatures: input.signaturePolicyOf === undefined ? undefined : signatureSnapshot(tags, repositories, input.tagSeries, input.signaturePolicyOf),
  };
}

/** The migration view's series from the stored verdicts (contract v1.2). */
export function signatureSnapshot(
  tags: readonly StoredTag[],
  repositories: readonly string[],
  tagSeries: TagSeries,
  policyOf: (repository: string) => string | undefined
): SignatureSnapshot {
  const coverageCounts = new Map<string, number>();
  const statusCounts = new Map<string, number>();
  for (const repository of repositories) {
    for (const coverage of COVERAGES) {
      coverageCounts.set(`${repository}\u0000${coverage}`, 0);
    }
  }
  const expiries = new Map<string, number>();
  const perTag: SignatureSnapshot['tags'][number][] = [];
  for (const tag of tags) {
    if (tag.signatures === undefined) {
      continue;
    }
    const coverage = tag.coverage ?? 'none';
    if (tagSeries === 'all' || tag.status !== 'signed') {
      perTag.push({ repository: tag.repository, image: tag.image, tag: tag.tag, coverage });
    }
    const coverageKey = `${tag.repository}\u0000${coverage}`;
    coverageCounts.set(coverageKey, (coverageCounts.get(coverageKey) ?? 0) + 1);
    for (const entry of tag.signatures) {
      const statusKey = `${tag.repository}\u0000${entry.system}\u0000${entry.status}`;
      statusCounts.set(statusKey, (statusCounts.get(statusKey) ?? 0) + 1);
      const policy = policyOf(tag.repository);
      if (entry.status === 'verified' && policy !== undefined && typeof entry.certificateExpires === 'string') {
        const expiryKey = `${tag.repository}\u0000${policy}\u0000${entry.system}`;
        const seconds = Date.parse(entry.certificateExpires) / 1000;
        expiries.set(expiryKey, Math.min(expiries.get(expiryKey) ?? Infinity, seconds));
      }
    }
  }
  return {
    tags: perTag,
    coverageCounts: [...coverageCounts].map(([key, count]) => {
      const [repository, coverage] = key.split('\u0000') as [string, Coverage];
      return { repository, coverage, count };
    }),
    statusCounts: [...statusCounts].map(([key, count]) => {
      const [repository, system, status] = key.split('\u0000') as [string, SignatureSystem, SystemStatus];
      return { repository, system, status, count };
    }),
    certificateExpiries: [...expiries].map(([key, expiresSeconds]) => {
      const [repository, policy, system] = key.split('\u0000') as [string, string, SignatureSystem];
      return { repository, policy, system, expiresSeconds };
    }),
  };
}

/** A failed scan: the last verdicts stay (`base`), but the scan and the sources that failed are down. */
export function failedScanSnapshot(
  base: MetricsSnapshot | undefined,
  durationSeconds: number,
  sourceErrors: readonly { readonly source: Source; readonly reason: FetchErrorCode }[]
): MetricsSnapshot {
  return {
    tags: base?.tags ?? [],
    counts: base?.counts ?? [],
    expiries: base?.expiries ?? [],
    lastSuccessSeconds: base?.lastSuccessSeconds,
    durationSeconds,
    scanUp: false,
    sourceUp: sourcesUp(sourceErrors),
    signatures: base?.signatures,
  };
}

/** A source is up when none of the scan's requests to it failed. */
export function sourcesUp(sourceErrors: readonly { readonly source: Source }[]): MetricsSnapshot['sourceUp'] {
  return {
    nexus: !sourceErrors.some((error) => error.source === 'nexus'),
    notary: !sourceErrors.some((error) => error.source === 'notary'),
  };
}

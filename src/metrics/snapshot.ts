/**
 * What the metrics show, built from the database after each scan: they always
 * describe the last completed scan, including the tags of a repository that
 * could not be listed this time. Pure: rows in, a snapshot out.
 */
import type { ScanRecord, TrustRoleRecord } from '../domain/scan.js';
import type { StoredTag } from '../domain/verdict.js';
import type { FetchErrorCode } from '../lib/errors.js';
import { countByRepository, type MetricsSnapshot, type Source } from './metrics.js';

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
  };
}

/** A source is up when none of the scan's requests to it failed. */
export function sourcesUp(sourceErrors: readonly { readonly source: Source }[]): MetricsSnapshot['sourceUp'] {
  return {
    nexus: !sourceErrors.some((error) => error.source === 'nexus'),
    notary: !sourceErrors.some((error) => error.source === 'notary'),
  };
}

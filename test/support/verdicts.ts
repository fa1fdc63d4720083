/** Verdict records for tests that need one without a scan: a tag of `docker-hosted/app`, with whatever the test sets. */
import type { StoredTag, TagVerdictRecord } from '../../src/domain/verdict.js';

export function verdictRecord(fields: Partial<TagVerdictRecord> & Pick<TagVerdictRecord, 'tag' | 'status'>): TagVerdictRecord {
  return {
    repository: 'docker-hosted',
    image: 'app',
    gun: 'registry.example/app',
    digest: `sha256:${'a'.repeat(64)}`,
    size: 100,
    role: null,
    reasonCode: null,
    reason: null,
    signedDigest: null,
    trustExpires: null,
    ...fields,
  };
}

/** As the store keeps it, first seen and in its status since `at`. */
export function storedTag(fields: Partial<StoredTag> & Pick<StoredTag, 'tag' | 'status'>, at = '2030-01-01T00:00:00.000Z'): StoredTag {
  return { ...verdictRecord(fields), firstSeenAt: at, lastSeenAt: at, statusSince: at, digestSince: at, lastScanId: 1, ...fields };
}

/** A tag verdict as the contract's JSON shows it (the `scan --json` report, and the API). */
import { formatInstant } from '../lib/instant.js';
import type { TagVerdictRecord } from '../domain/verdict.js';

export interface ContractTag {
  readonly repository: string;
  readonly image: string;
  readonly tag: string;
  readonly digest: string | null;
  readonly gun: string;
  readonly status: string;
  readonly role: string | null;
  readonly reason: string | null;
  readonly trustExpires: string | null;
}

export function contractTag(tag: TagVerdictRecord): ContractTag {
  return {
    repository: tag.repository,
    image: tag.image,
    tag: tag.tag,
    digest: tag.digest,
    gun: tag.gun,
    status: tag.status,
    role: tag.role,
    reason: tag.reason,
    trustExpires: formatInstant(tag.trustExpires === null ? null : new Date(tag.trustExpires)),
  };
}

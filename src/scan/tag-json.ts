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
  /** Contract v1.2, with `signatures` configured: each system's entry, and the coverage. */
  readonly signatures?: readonly ContractSignature[];
  readonly coverage?: string;
}

export interface ContractSignature {
  readonly system: string;
  readonly status: string;
  readonly reason: string | null;
  readonly signers: readonly string[];
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
    ...(tag.signatures === undefined
      ? {}
      : {
          signatures: tag.signatures.map((entry) => ({ system: entry.system, status: entry.status, reason: entry.reason, signers: entry.signers })),
          coverage: tag.coverage ?? 'none',
        }),
  };
}

/**
 * The repositories a scan audits: the configured ones, or every Docker
 * repository Nexus lists with the GUN prefix its connector implies (groups are
 * skipped: their tags are their members', under another GUN).
 */
import type { SignatureSystem } from '../domain/signatures.js';
import { FetchError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { RepositorySource } from './ports.js';
import type { ScanTally } from './tally.js';

export interface RepositoryTarget {
  readonly name: string;
  readonly gunPrefix: string;
  /** Contract v1.2: the policy that audits this repository's cosign and Notation signatures. */
  readonly signaturePolicy?: string | undefined;
  /** Contract v1.2: the systems that decide the tags' status (default `[dct]`). */
  readonly require?: readonly SignatureSystem[] | undefined;
}

/** undefined: Nexus could not be listed (the problem is in the tally). */
export async function resolveRepositories(
  nexus: RepositorySource,
  configured: readonly RepositoryTarget[] | undefined,
  context: { readonly tally: ScanTally; readonly log: Logger; readonly signal: AbortSignal | undefined }
): Promise<RepositoryTarget[] | undefined> {
  if (configured !== undefined) {
    return [...configured];
  }
  const { tally, log, signal } = context;
  try {
    const targets: RepositoryTarget[] = [];
    for (const repository of await nexus.listDockerRepositories(signal)) {
      if (repository.type === 'group') {
        log.info({ repository: repository.name }, 'Skipping group repository (its members are audited); list it in nexus.repositories to audit it');
        continue;
      }
      const prefix = await nexus.gunPrefixOf(repository, signal);
      if (prefix === undefined) {
        tally.problems.push(`nexus: cannot tell the GUN prefix of repository ${repository.name} (no connector visible to this account); set nexus.repositories[].gunPrefix`);
        tally.sourceErrors.push({ source: 'nexus', reason: 'AUTH' });
        continue;
      }
      targets.push({ name: repository.name, gunPrefix: prefix });
    }
    return targets;
  } catch (error) {
    if (!(error instanceof FetchError)) {
      throw error;
    }
    tally.sourceErrors.push({ source: 'nexus', reason: error.code });
    tally.problems.push(`nexus: ${error.message}`);
    log.error({ code: error.code, error: error.message }, 'Nexus repositories could not be listed');
    return undefined;
  }
}

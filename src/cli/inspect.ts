/** `trust-auditor inspect GUN`: one collection, fetched and fully verified. */
import { describeError, FetchError } from '../lib/errors.js';
import { assessCollection, checkedEvidence, SERVER_RENEWED_ROLES, type CollectionAssessment, type TrustEvidence } from '../notary/core/assess.js';
import { NO_HISTORY, verifyCollection } from '../notary/core/verify-collection.js';
import type { NotaryFetcher } from '../notary/notary-fetcher.js';
import { formatInstant } from '../lib/instant.js';
import { renderTable, terminalSafe } from './format.js';

export interface InspectOptions {
  readonly gun: string;
  readonly json: boolean;
  readonly now: Date;
  /** `--at` in the future: the roles the server renews on demand count as renewed. */
  readonly forecast: boolean;
  readonly fetcher: NotaryFetcher;
  readonly stdout: (text: string) => void;
}

export const INSPECT_EXIT: Readonly<Record<CollectionAssessment['status'], number>> = {
  valid: 0,
  unsigned: 1,
  invalid: 1,
  expired: 1,
  error: 3,
};

/** Fetches and verifies; returns the exit status. */
export async function runInspect(options: InspectOptions): Promise<number> {
  const evidence = await gatherEvidence(options.fetcher, options.gun, options.now);
  const assessment = assessCollection(evidence, options.now, options.forecast ? SERVER_RENEWED_ROLES : undefined);
  options.stdout(options.json ? renderJson(options.gun, assessment) : renderHuman(options.gun, assessment, options.now));
  return INSPECT_EXIT[assessment.status];
}

export async function gatherEvidence(fetcher: NotaryFetcher, gun: string, now: Date): Promise<TrustEvidence> {
  try {
    const fetched = await fetcher.collectCollection(gun, async (bytes) => {
      const verification = verifyCollection(gun, bytes, NO_HISTORY, now);
      return { verification, unserved: verification.ok ? verification.value.unserved : [] };
    });
    if (fetched.kind === 'absent') {
      return { kind: 'absent' };
    }
    fetched.release();
    return checkedEvidence(fetched.outcome.verification);
  } catch (error) {
    if (error instanceof FetchError) {
      return { kind: 'unavailable', detail: describeError(error) };
    }
    throw error;
  }
}

function renderJson(gun: string, assessment: CollectionAssessment): string {
  return (
    JSON.stringify(
      {
        gun,
        status: assessment.status,
        reason: assessment.reason,
        targets: assessment.targets.map(({ tag, digest, length, role }) => ({ tag, digest, length, role })),
        roles: assessment.roles.map(({ role, version, expires }) => ({ role, version, expires: formatInstant(new Date(expires)) })),
      },
      null,
      2
    ) + '\n'
  );
}

function renderHuman(gun: string, assessment: CollectionAssessment, now: Date): string {
  let text = `GUN:     ${terminalSafe(gun)}\nStatus:  ${assessment.status}\n`;
  if (assessment.reason !== null) {
    text += `Reason:  ${terminalSafe(assessment.reason)}\n`;
  }
  text += `At:      ${formatInstant(now) ?? ''}\n`;
  if (assessment.targets.length > 0) {
    text +=
      '\n' +
      renderTable(
        ['TAG', 'DIGEST', 'SIZE', 'ROLE'],
        assessment.targets.map((t) => [t.tag, t.digest, String(t.length), t.role])
      );
  }
  if (assessment.roles.length > 0) {
    text +=
      '\n' +
      renderTable(
        ['ROLE', 'VERSION', 'EXPIRES'],
        assessment.roles.map((r) => [r.role, String(r.version), formatInstant(new Date(r.expires)) ?? ''])
      );
  }
  return text;
}

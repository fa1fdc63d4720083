/**
 * The two judges of a case:
 *   - ours: the library path `trust-auditor inspect` takes (NotaryFetcher over
 *     HTTP, verifyCollection, summarize/assessCollection, honouredTargets) at
 *     the real current time;
 *   - the real notary client: `notary list GUN --roles targets/releases
 *     --roles targets` (what docker pull honours, releases first) and a plain
 *     `notary list GUN`, each with a fresh trust directory (TOFU pinning).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { Agent } from 'undici';

import { gatherEvidence } from '../../src/cli/inspect.js';
import { createHttpClient } from '../../src/lib/http/http-client.js';
import { assessCollection } from '../../src/notary/core/assess.js';
import { NotaryFetcher } from '../../src/notary/notary-fetcher.js';
import { parseNotaryList, type ListedTarget } from '../support/notary-cli.js';
import { runStatus } from '../support/processes.js';

/** A target one side honours, in one comparable form. */
export interface Honoured {
  readonly tag: string;
  /** Lower-case hex sha256. */
  readonly digest: string;
  readonly length: number;
  readonly role: string;
}

export interface OurVerdict {
  /** inspect's status, or `threw` when verification threw instead of answering. */
  readonly status: 'valid' | 'unsigned' | 'invalid' | 'expired' | 'error' | 'threw';
  readonly reasonCode: string | null;
  readonly reason: string | null;
  /** What inspect lists as honoured (whatever the status). */
  readonly targets: readonly Honoured[];
}

export interface ClientVerdict {
  /** `notary list --roles targets/releases --roles targets` exited 0. */
  readonly ok: boolean;
  readonly exitCode: number;
  /** Its rows, every role (ListTargets also lists other delegations' tags). */
  readonly rows: readonly ListedTarget[];
  /** The rows docker honours: role targets/releases or targets (docker/cli trust.go getTrustedPullTargets). */
  readonly honoured: readonly Honoured[];
  /** What it printed besides the table: the fatal error, or warnings. */
  readonly stderr: string;
  /** Plain `notary list GUN`. */
  readonly plain: { readonly ok: boolean; readonly rows: readonly ListedTarget[]; readonly stderr: string };
}

const DOCKER_ROLES = new Set(['targets/releases', 'targets']);

/**
 * Tag names as both sides print them: a JS string holding a lone surrogate
 * (from a \ud800 escape) prints as U+FFFD, as Go decodes it.
 */
export function printedName(tag: string): string {
  return Buffer.from(tag, 'utf8').toString('utf8');
}

export class OurVerifier {
  readonly #agent = new Agent({ connections: 16 });

  async ask(serverUrl: string, gun: string): Promise<OurVerdict> {
    const http = createHttpClient({ dispatcher: this.#agent, userAgent: 'trust-auditor-fuzz', timeoutMs: 30_000 });
    const fetcher = new NotaryFetcher({ baseUrl: new URL(serverUrl), http });
    const now = new Date();
    try {
      const assessment = assessCollection(await gatherEvidence(fetcher, gun, now), now);
      return {
        status: assessment.status,
        reasonCode: assessment.reasonCode,
        reason: assessment.reason,
        targets: assessment.targets.map((t) => ({
          tag: printedName(t.tag),
          digest: t.digest.replace(/^sha256:/, '').toLowerCase(),
          length: t.length,
          role: t.role,
        })),
      };
    } catch (error) {
      return { status: 'threw', reasonCode: null, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error), targets: [] };
    }
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}

async function notaryList(serverUrl: string, gun: string, workDir: string, roles: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // A fresh trust directory per call: nothing pinned, nothing cached from another case.
  const trustDir = await mkdtemp(join(workDir, 'trust-'));
  try {
    // -v: the client then says on stderr which delegations it skipped ("Error getting targets/…").
    return await runStatus('notary', ['-v', '-s', serverUrl, '-d', trustDir, 'list', gun, ...roles.flatMap((role) => ['--roles', role])]);
  } finally {
    await rm(trustDir, { recursive: true, force: true });
  }
}

/** The client's complaint: `* fatal: …` goes to stdout, warnings to stderr. */
function messageOf(result: { code: number; stdout: string; stderr: string }): string {
  return (result.code === 0 ? result.stderr : `${result.stdout}\n${result.stderr}`).trim();
}

export async function askNotaryClient(serverUrl: string, gun: string, workDir: string): Promise<ClientVerdict> {
  const [withRoles, plain] = await Promise.all([notaryList(serverUrl, gun, workDir, ['targets/releases', 'targets']), notaryList(serverUrl, gun, workDir, [])]);
  const rows = withRoles.code === 0 ? parseNotaryList(withRoles.stdout) : [];
  return {
    ok: withRoles.code === 0,
    exitCode: withRoles.code,
    rows,
    honoured: rows.filter((row) => DOCKER_ROLES.has(row.role)).map((row) => ({ tag: row.name, digest: row.digest.toLowerCase(), length: row.size, role: row.role })),
    stderr: messageOf(withRoles),
    plain: { ok: plain.code === 0, rows: plain.code === 0 ? parseNotaryList(plain.stdout) : [], stderr: messageOf(plain) },
  };
}

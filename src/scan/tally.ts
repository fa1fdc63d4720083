/**
 * What a scan counts while it runs (statuses, failures by source, problems for
 * the report) and the pure rule that turns the counts into its outcome.
 */
import { emptySummary, type ScanOutcome, type ScanSummary } from '../domain/scan.js';
import type { FetchError, FetchErrorCode } from '../lib/errors.js';

export interface SourceError {
  readonly source: 'nexus' | 'notary';
  readonly reason: FetchErrorCode;
}

/** Problems kept for the report: enough to see what went wrong, bounded for a registry-wide outage. */
const MAX_PROBLEMS = 1000;

export class ScanTally {
  readonly summary: ScanSummary = emptySummary();
  readonly problems: string[] = [];
  readonly sourceErrors: SourceError[] = [];
  tagsJudged = 0;
  deletedTags = 0;
  /** Images whose timestamp was unchanged, so nothing else was fetched or verified. */
  unchangedImages = 0;
  /** Nexus components skipped as not Docker tags (shape or name). */
  skippedComponents = 0;
  /** Repositories listed to the end. */
  readonly fullyListed: string[] = [];
  /** A repository could not be listed (or Nexus not reached). */
  nexusFailed = false;
  /** GUNs whose trust data Notary answered for (data or a 404), and those it could not be fetched for. */
  #notaryAnswered = 0;
  #notaryUnavailable = 0;

  notaryAnswered(): void {
    this.#notaryAnswered++;
  }

  notaryUnavailable(): void {
    this.#notaryUnavailable++;
  }

  sourceFailure(source: SourceError['source'], error: FetchError): void {
    this.sourceErrors.push({ source, reason: error.code });
    this.problem(`${source}: ${error.message}`);
  }

  problem(text: string): void {
    if (this.problems.length < MAX_PROBLEMS) {
      this.problems.push(text);
    }
  }

  /** The scan's end as `outcomeOf` reads it. */
  facts(fatal: string | undefined): OutcomeFacts {
    return {
      fatal,
      nexusFailed: this.nexusFailed,
      repositoriesListed: this.fullyListed.length,
      sourceErrors: this.sourceErrors.length,
      notaryAnswered: this.#notaryAnswered,
      notaryUnavailable: this.#notaryUnavailable,
      firstNotaryProblem: this.problems.find((problem) => problem.startsWith('notary: ')),
    };
  }
}

export interface OutcomeFacts {
  /** Why the scan could not go on, if it could not. */
  readonly fatal: string | undefined;
  readonly nexusFailed: boolean;
  readonly repositoriesListed: number;
  readonly sourceErrors: number;
  readonly notaryAnswered: number;
  readonly notaryUnavailable: number;
  readonly firstNotaryProblem: string | undefined;
}

/**
 * A scan failed when it could not go on, when no repository could be listed,
 * or (contract) when no image's trust data could be fetched at all: a wrong
 * CA, refused credentials or Notary down is a misconfiguration or an outage,
 * not a registry full of findings. Any other source failure makes it partial.
 */
export function outcomeOf(facts: OutcomeFacts): { readonly outcome: ScanOutcome; readonly fatal: string | undefined } {
  let fatal = facts.fatal;
  if (fatal === undefined && facts.notaryUnavailable > 0 && facts.notaryAnswered === 0) {
    fatal = `notary: the trust data of none of the ${facts.notaryUnavailable} image(s) could be fetched (${facts.firstNotaryProblem ?? 'see the log'})`;
  }
  const outcome: ScanOutcome = fatal !== undefined || (facts.nexusFailed && facts.repositoriesListed === 0) ? 'failed' : facts.sourceErrors > 0 ? 'partial' : 'complete';
  return { outcome, fatal };
}

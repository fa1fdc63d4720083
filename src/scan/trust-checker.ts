/**
 * The trust side of a scan: one check per GUN however many tags it has, at
 * most `concurrency` at once, incremental across scans
 * (docs/notary-behaviour.md §5 "Efficient polling"): when a GUN's
 * timestamp.json is byte-identical to the one its stored summary came from,
 * nothing else is fetched or verified; when it changed, only the files whose
 * hashes changed are fetched. What it finds is evidence for the verdicts; what
 * it verified goes to the write buffer.
 */
import type { TrustRoleRecord } from '../domain/scan.js';
import type { ByteBudget } from '../lib/byte-budget.js';
import { limitConcurrency } from '../lib/concurrency.js';
import { describeError, FetchError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { TrustEvidence } from '../notary/core/assess.js';
import { SUMMARY_REVISION, type SummaryRole, type TrustSummary } from '../notary/core/summary.js';
import { sha256Hex } from '../lib/digest.js';
import { intermediateRootsNeeded, type TrustCollectionBytes, type TrustHistory } from '../notary/core/verify-collection.js';
import type { TrustSource } from './ports.js';
import type { ScanTally } from './tally.js';
import type { CollectionVerifier, VerificationOutcome } from './verifier.js';
import type { WriteBuffer } from './write-buffer.js';

/** What the trust checker reads from the store: the core's history and the incremental state. */
export interface TrustState {
  loadHistory(gun: string): TrustHistory;
  gunState(gun: string): { readonly timestampSha256: string; readonly summary: TrustSummary } | undefined;
  roleFile(gun: string, role: string, sha256: string): Uint8Array | undefined;
}

export interface TrustCheckerOptions {
  readonly notary: TrustSource;
  readonly state: TrustState;
  readonly verifier: CollectionVerifier;
  readonly writes: WriteBuffer;
  readonly tally: ScanTally;
  readonly log: Logger;
  readonly evaluatedAt: Date;
  readonly concurrency: number;
  readonly budget: ByteBudget;
  readonly signal: AbortSignal | undefined;
  /** Called with the roles of every GUN checked (the report's `trust`, the expiring list). */
  readonly onRoles: (roles: readonly TrustRoleRecord[]) => void;
}

export function trustRolesOf(gun: string, roles: readonly SummaryRole[]): TrustRoleRecord[] {
  return roles.map((role) => ({ gun, role: role.role, version: role.version, expires: role.expires }));
}

export class TrustChecker {
  readonly #options: TrustCheckerOptions;
  readonly #checks = new Map<string, Promise<TrustEvidence>>();
  readonly #limit: <T>(work: () => Promise<T>) => Promise<T>;
  /** Per GUN, the root versions between the pinned and the served root, when a walk needs them. */
  readonly #intermediateRoots = new Map<string, Promise<Uint8Array[]>>();

  constructor(options: TrustCheckerOptions) {
    this.#options = options;
    this.#limit = limitConcurrency(options.concurrency);
  }

  /** GUNs checked (or being checked) so far. */
  get gunsChecked(): number {
    return this.#checks.size;
  }

  /** The evidence for a GUN's tags; checked once per scan. Never rejects but for a shutdown. */
  evidenceFor(gun: string): Promise<TrustEvidence> {
    let check = this.#checks.get(gun);
    if (check === undefined) {
      check = this.#limit(() => this.#check(gun));
      this.#checks.set(gun, check);
    }
    return check;
  }

  async #check(gun: string): Promise<TrustEvidence> {
    const { notary, state, writes, tally, log, signal } = this.#options;
    try {
      const timestamp = await notary.fetchTimestamp(gun, signal);
      tally.notaryAnswered();
      if (timestamp === undefined) {
        writes.addAbsentGun(gun);
        return { kind: 'absent' };
      }
      const timestampSha256 = sha256Hex(timestamp);
      const known = state.gunState(gun);
      let checked: { readonly summary: TrustSummary; readonly roles: TrustRoleRecord[] };
      if (known !== undefined && known.timestampSha256 === timestampSha256 && known.summary.revision === SUMMARY_REVISION) {
        // Byte-identical timestamp: the snapshot, and so every file, is the one verified before.
        tally.unchangedImages++;
        checked = { summary: known.summary, roles: trustRolesOf(gun, known.summary.roles) };
      } else {
        checked = await this.#fetchAndVerify(gun, timestamp, timestampSha256);
      }
      this.#options.onRoles(checked.roles);
      return { kind: 'checked', summary: checked.summary };
    } catch (thrown) {
      if (signal?.aborted === true) {
        throw thrown;
      }
      // One GUN's bytes may only ever turn that GUN's tags to `error`: whatever
      // they made fail here (the verifier, a worker), the scan goes on, partial.
      const error = thrown instanceof FetchError ? thrown : new FetchError('MALFORMED', `trust data of ${gun} could not be processed: ${describeError(thrown)}`, { cause: thrown });
      tally.sourceFailure('notary', error);
      tally.notaryUnavailable();
      log.warn({ gun, code: error.code, error: error.message }, 'Trust data could not be fetched');
      return { kind: 'unavailable', detail: error.message };
    }
  }

  /** Fetches what changed, verifies it and queues what it leaves behind; the summary and its roles. */
  async #fetchAndVerify(gun: string, timestamp: Uint8Array, timestampSha256: string): Promise<{ summary: TrustSummary; roles: TrustRoleRecord[] }> {
    const { notary, state, writes, log, signal, budget } = this.#options;
    const fetched = await notary.collect(gun, timestamp, (bytes) => this.#verify(gun, bytes), {
      signal,
      cached: (role, sha256) => state.roleFile(gun, role, sha256),
      budget,
    });
    const verification = fetched.outcome;
    const summary = verification.summary;
    for (const warning of summary.warnings) {
      log.warn({ gun, warning }, 'Trust data verified with a warning');
    }
    if (verification.failure !== undefined && verification.roles === undefined) {
      log.warn({ gun, code: verification.failure.code, role: verification.failure.role, detail: verification.failure.detail }, 'Trust data rejected');
    }
    const roles = trustRolesOf(gun, summary.roles);
    // root is kept as the pinned root (the store's roleFile reads it from there).
    const files = new Map<string, Uint8Array>([['snapshot', fetched.bytes.snapshot], ['targets', fetched.bytes.targets], ...fetched.bytes.delegations]);
    writes.addCheckedGun({
      state: { gun, timestampSha256, summary, files: verification.roles === undefined ? undefined : files },
      roles,
      verified: verification.roles === undefined ? undefined : { gun, roles: verification.roles, root: fetched.bytes.root },
      // The bytes stay in the scan's budget until they are written.
      heldBytes: fetched.heldBytes,
      release: () => fetched.release(),
    });
    return { summary, roles };
  }

  /**
   * Verifies the bytes fetched so far. A root several versions past the pinned
   * one needs the versions in between (the core says which); they are fetched
   * once, before the first verification, so each round verifies once.
   */
  async #verify(gun: string, bytes: TrustCollectionBytes): Promise<VerificationOutcome> {
    const { state, notary, verifier, evaluatedAt, signal } = this.#options;
    const history = state.loadHistory(gun);
    const needed = intermediateRootsNeeded(bytes.root, history);
    let withRoots = history;
    if (needed !== undefined) {
      let roots = this.#intermediateRoots.get(gun);
      if (roots === undefined) {
        roots = notary.fetchRootVersions(gun, needed.from, needed.to, signal);
        this.#intermediateRoots.set(gun, roots);
      }
      withRoots = { ...history, intermediateRoots: await roots };
    }
    // The pool drops or stops the verification on a shutdown; the scan does not wait
    // even for a verifier that does not (it may run up to its time limit).
    return untilAborted(verifier.verify(gun, bytes, withRoots, evaluatedAt, signal), signal);
  }
}

/** Rejects with the abort's reason as soon as `signal` aborts, whatever `work` does. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) {
    return work;
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

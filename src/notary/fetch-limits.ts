/**
 * What bounds one collection's fetch: byte caps per role and per collection,
 * the share of the scan's in-flight budget a collection holds, and the
 * shared memory its bytes are kept in for the verification workers.
 */
import type { ByteBudget } from '../lib/byte-budget.js';
import { FetchError } from '../lib/errors.js';

/** Byte caps per role, enforced while streaming (notary const.go caps every file at 100 MiB). */
export interface MetadataLimits {
  readonly timestamp: number;
  readonly snapshot: number;
  readonly root: number;
  /** Also the cap for each delegation. */
  readonly targets: number;
  /** Delegation files fetched per GUN at most. */
  readonly delegations: number;
  /** Bytes of one collection, every file together. */
  readonly collection: number;
}

export const DEFAULT_METADATA_LIMITS: MetadataLimits = {
  timestamp: 1024 * 1024, // notary MaxTimestampSize
  snapshot: 16 * 1024 * 1024,
  root: 1024 * 1024,
  targets: 64 * 1024 * 1024,
  delegations: 256,
  collection: 32 * 1024 * 1024,
};

/**
 * What one collection has taken: its own limit, and the scan's budget.
 * Over either, the collection fails (TOO_LARGE) and gives everything back.
 */
export class Allowance {
  readonly #gun: string;
  readonly #limit: number;
  readonly #budget: ByteBudget | undefined;
  #taken = 0;

  constructor(gun: string, limit: number, budget: ByteBudget | undefined) {
    this.#gun = gun;
    this.#limit = limit;
    this.#budget = budget;
  }

  take(bytes: number, what: string): void {
    if (this.#taken + bytes > this.#limit) {
      throw new FetchError('TOO_LARGE', `trust data of ${this.#gun}: ${what} takes the collection past its limit of ${this.#limit} bytes`);
    }
    if (this.#budget !== undefined && !this.#budget.tryTake(bytes)) {
      throw new FetchError('TOO_LARGE', `trust data of ${this.#gun}: ${what} does not fit in the scan's budget of ${this.#budget.limit} bytes in flight`);
    }
    this.#taken += bytes;
  }

  get taken(): number {
    return this.#taken;
  }

  release(): void {
    this.#budget?.give(this.#taken);
    this.#taken = 0;
  }
}

/**
 * A copy in shared memory: verification workers then read the bytes where
 * they are, instead of receiving a copy of their own in every message (the
 * collection is verified again as delegations arrive).
 */
export function shareable(bytes: Uint8Array): Uint8Array {
  const view = new Uint8Array(new SharedArrayBuffer(bytes.length));
  view.set(bytes);
  return view;
}

/**
 * What a scan has decided and not yet written, flushed in batches: one
 * transaction per batch keeps a killed process from leaving half a batch, and
 * a batch size bounds both memory and the time the database is locked.
 * The trust bytes a batch holds stay counted in the scan's byte budget until
 * they are written.
 */
import type { TrustRoleRecord } from '../domain/scan.js';
import type { VerdictWrite } from '../domain/verdict.js';
import type { Batch, GunStateUpdate, TrustUpdate } from '../store/scan-store.js';

/** Written out early once verified files pending a write hold this much. */
const FLUSH_HELD_BYTES = 64 * 1024 * 1024;

export interface BatchWriter {
  writeBatch(batch: Batch): void;
}

interface Pending {
  verdicts: VerdictWrite[];
  trust: TrustUpdate[];
  trustRoles: { gun: string; roles: TrustRoleRecord[] }[];
  gunStates: GunStateUpdate[];
  clearedGuns: string[];
  /** Give the written collections' bytes back to the budget. */
  releases: (() => void)[];
  heldBytes: number;
}

const empty = (): Pending => ({ verdicts: [], trust: [], trustRoles: [], gunStates: [], clearedGuns: [], releases: [], heldBytes: 0 });

export class WriteBuffer {
  readonly #writer: BatchWriter | undefined;
  readonly #batchSize: number;
  #pending = empty();
  #verdictsWritten = 0;

  /** `writer` undefined: a forecast, which keeps nothing but releases what it held. */
  constructor(writer: BatchWriter | undefined, batchSize: number) {
    this.#writer = writer;
    this.#batchSize = batchSize;
  }

  get verdictsWritten(): number {
    return this.#verdictsWritten;
  }

  addVerdict(write: VerdictWrite): void {
    this.#pending.verdicts.push(write);
    if (this.#pending.verdicts.length >= this.#batchSize) {
      this.flush();
    }
  }

  /** A GUN the server has no trust data for (any more). */
  addAbsentGun(gun: string): void {
    this.#pending.clearedGuns.push(gun);
    this.#pending.trustRoles.push({ gun, roles: [] });
  }

  /** A GUN checked anew: its roles, its incremental state, and (when verified) its floors and root. */
  addCheckedGun(check: { state: GunStateUpdate; roles: TrustRoleRecord[]; verified: TrustUpdate | undefined; heldBytes: number; release: () => void }): void {
    const p = this.#pending;
    p.gunStates.push(check.state);
    p.releases.push(check.release);
    p.heldBytes += check.heldBytes;
    p.trustRoles.push({ gun: check.state.gun, roles: check.roles });
    if (check.verified !== undefined) {
      p.trust.push(check.verified);
    }
    if (p.heldBytes > FLUSH_HELD_BYTES) {
      this.flush();
    }
  }

  /** Drops the verdicts not yet written (a shutdown: nothing half-known is recorded). */
  dropVerdicts(): void {
    this.#pending.verdicts = [];
  }

  flush(): void {
    const p = this.#pending;
    if (p.verdicts.length + p.trust.length + p.trustRoles.length + p.gunStates.length + p.clearedGuns.length === 0) {
      return;
    }
    this.#pending = empty();
    try {
      this.#writer?.writeBatch(p);
    } finally {
      p.releases.forEach((release) => release());
    }
    this.#verdictsWritten += p.verdicts.length;
  }
}

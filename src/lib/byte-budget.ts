/**
 * Bytes that may be held at once by work in flight (trust data fetched and not
 * yet verified and stored). Taking more than is left fails at once: waiting
 * could deadlock when every holder waits for more.
 */
export class ByteBudget {
  readonly limit: number;
  #used = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  get used(): number {
    return this.#used;
  }

  /** Takes `bytes` if they fit; false (and nothing taken) if they do not. */
  tryTake(bytes: number): boolean {
    if (this.#used + bytes > this.limit) {
      return false;
    }
    this.#used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
}

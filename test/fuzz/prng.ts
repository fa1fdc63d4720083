/**
 * A small seeded PRNG (sfc32, seeded through splitmix32) so that a case's
 * structure and its mutations follow from (seed, case index) alone: the same
 * command line rebuilds the same case shape, with fresh key material.
 */
export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(...seeds: number[]) {
    let state = 0x9e3779b9;
    const next = (): number => {
      // splitmix32: spreads the seed words over the whole state.
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    for (const seed of seeds) {
      state ^= seed >>> 0;
      state = Math.imul(state, 0x85ebca6b) ^ Math.floor(seed / 2 ** 32);
      next();
    }
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
    for (let i = 0; i < 12; i++) {
      this.uint32();
    }
  }

  uint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.uint32() / 2 ** 32;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) {
      throw new Error('pick from an empty list');
    }
    return items[this.int(0, items.length - 1)] as T;
  }

  /** Picks by weight: `[[weight, value], ...]`. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((sum, [weight]) => sum + weight, 0);
    let point = this.float() * total;
    for (const [weight, value] of choices) {
      point -= weight;
      if (point < 0) {
        return value;
      }
    }
    return (choices[choices.length - 1] as readonly [number, T])[1];
  }

  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  }

  /** A child generator for one independent decision stream. */
  fork(label: number): Random {
    return new Random(this.uint32(), label);
  }
}

/**
 * A bounded CBOR (RFC 8949) reader for COSE_Sign1 envelopes, written here
 * rather than taken from a package: a Notation envelope uses a handful of
 * CBOR features (integers, byte and text strings, arrays, maps, tags, a few
 * simple values), the verifier must refuse everything else, and the whole
 * reader is smaller than the rules one would have to add around a general
 * decoder (cbor2 hands out Node Buffers, accepts indefinite lengths and
 * floats, and would be the core's first package besides node:crypto).
 *
 * Refused: indefinite lengths, floats and other simple values, integers
 * beyond 2^53, map keys other than integers and text, duplicate map keys,
 * invalid UTF-8 in text, trailing bytes, nesting deeper than `maxDepth`,
 * more than `maxItems` items in all.
 */

export type CborValue = number | string | boolean | null | undefined | Uint8Array | readonly CborValue[] | CborMap | CborTag;
export type CborMap = ReadonlyMap<number | string, CborValue>;

export class CborTag {
  readonly tag: number;
  readonly value: CborValue;

  constructor(tag: number, value: CborValue) {
    this.tag = tag;
    this.value = value;
  }
}

export class CborError extends Error {}

export interface CborLimits {
  readonly maxDepth: number;
  readonly maxItems: number;
}

/** Decodes exactly one item that fills `bytes`; throws CborError otherwise. */
export function readCbor(bytes: Uint8Array, limits: CborLimits): CborValue {
  const reader = new Reader(bytes, limits);
  const value = reader.item(0);
  if (reader.offset !== bytes.length) throw new CborError('trailing bytes');
  return value;
}

class Reader {
  offset = 0;
  #items = 0;
  readonly bytes: Uint8Array;
  readonly limits: CborLimits;

  constructor(bytes: Uint8Array, limits: CborLimits) {
    this.bytes = bytes;
    this.limits = limits;
  }

  item(depth: number): CborValue {
    if (depth > this.limits.maxDepth) throw new CborError('nested too deep');
    this.#items += 1;
    if (this.#items > this.limits.maxItems) throw new CborError('too many items');
    const initial = this.#byte();
    const major = initial >> 5;
    const minor = initial & 0x1f;
    if (major === 7) return simple(minor);
    const argument = this.#argument(minor);
    switch (major) {
      case 0:
        return argument;
      case 1:
        return -1 - argument;
      case 2:
        // A plain copy: a Buffer input would otherwise hand out Buffer views.
        return Uint8Array.from(this.#take(argument));
      case 3:
        try {
          return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(this.#take(argument));
        } catch {
          throw new CborError('text is not UTF-8');
        }
      case 4: {
        const items: CborValue[] = [];
        for (let index = 0; index < argument; index += 1) items.push(this.item(depth + 1));
        return items;
      }
      case 5: {
        const map = new Map<number | string, CborValue>();
        for (let index = 0; index < argument; index += 1) {
          const key = this.item(depth + 1);
          if (typeof key !== 'number' && typeof key !== 'string') throw new CborError('map key is neither an integer nor text');
          if (map.has(key)) throw new CborError('duplicate map key');
          map.set(key, this.item(depth + 1));
        }
        return map;
      }
      default:
        // major 6, the only one left
        return new CborTag(argument, this.item(depth + 1));
    }
  }

  #byte(): number {
    const value = this.bytes[this.offset];
    if (value === undefined) throw new CborError('truncated');
    this.offset += 1;
    return value;
  }

  #take(length: number): Uint8Array {
    if (length > this.bytes.length - this.offset) throw new CborError('length beyond the input');
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  #argument(minor: number): number {
    if (minor < 24) return minor;
    // 31 is an indefinite length, 28-30 are reserved.
    if (minor > 27) throw new CborError('indefinite length or reserved argument');
    let value = 0;
    for (const octet of this.#take(1 << (minor - 24))) value = value * 256 + octet;
    if (value > Number.MAX_SAFE_INTEGER) throw new CborError('integer beyond 2^53');
    return value;
  }
}

function simple(minor: number): CborValue {
  switch (minor) {
    case 20:
      return false;
    case 21:
      return true;
    case 22:
      return null;
    case 23:
      return undefined;
    default:
      throw new CborError('float or unassigned simple value');
  }
}

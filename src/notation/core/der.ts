/**
 * A minimal DER reader for the parts of an X.509 certificate node:crypto does
 * not expose: the key usage bits, basic constraints with their path length,
 * which extensions are critical, and the subject as a sequence of RDNs.
 * Definite lengths only (DER has no other), every length checked against the
 * bytes that remain, nesting bounded by the caller's walk.
 */

export interface DerElement {
  /** The identifier octet (class, constructed bit, tag number < 31). */
  readonly tag: number;
  /** The content octets. */
  readonly content: Uint8Array;
}

export const DER_SEQUENCE = 0x30;
export const DER_SET = 0x31;
export const DER_OID = 0x06;
export const DER_BOOLEAN = 0x01;
export const DER_INTEGER = 0x02;
export const DER_BIT_STRING = 0x03;
export const DER_OCTET_STRING = 0x04;

/** Thrown for bytes that are not the DER expected; callers turn it into a failure value. */
export class DerError extends Error {}

/** Reads the elements that exactly fill `bytes`, in order. */
export function readDerElements(bytes: Uint8Array): DerElement[] {
  const elements: DerElement[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const tag = bytes[offset] as number;
    // High tag numbers (low five bits all set) never occur in the structures read here.
    if ((tag & 0x1f) === 0x1f) throw new DerError('high tag number');
    let length = bytes[offset + 1];
    if (length === undefined) throw new DerError('truncated length');
    offset += 2;
    if (length & 0x80) {
      const octets = length & 0x7f;
      // 0x80 is BER's indefinite length; more than four octets is beyond any certificate.
      if (octets === 0 || octets > 4) throw new DerError('unsupported length form');
      length = 0;
      for (let index = 0; index < octets; index += 1) {
        const octet = bytes[offset + index];
        if (octet === undefined) throw new DerError('truncated length');
        length = length * 256 + octet;
      }
      offset += octets;
    }
    if (offset + length > bytes.length) throw new DerError('length beyond the input');
    elements.push({ tag, content: bytes.subarray(offset, offset + length) });
    offset += length;
  }
  return elements;
}

/** The one element `bytes` holds, which must carry `tag`. */
export function readDerElement(bytes: Uint8Array, tag: number): DerElement {
  const elements = readDerElements(bytes);
  const [element] = elements;
  if (elements.length !== 1 || element === undefined || element.tag !== tag) throw new DerError(`expected one element of tag 0x${tag.toString(16)}`);
  return element;
}

/** The children of a constructed element, the first of which may be required to carry `tag`. */
export function childrenOf(element: DerElement): DerElement[] {
  return readDerElements(element.content);
}

/** Dotted text of an OBJECT IDENTIFIER's content. */
export function decodeOid(content: Uint8Array): string {
  if (content.length === 0 || (content[content.length - 1] as number) & 0x80) throw new DerError('malformed OID');
  const arcs: number[] = [];
  let value = 0;
  for (const octet of content) {
    value = value * 128 + (octet & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OID arc too large');
    if (!(octet & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  const first = arcs[0] as number;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

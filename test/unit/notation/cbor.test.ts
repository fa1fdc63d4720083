/** The bounded CBOR reader (src/notation/core/cbor.ts), fed by the signer's independent encoder and by hand-written bytes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { CborError, CborTag, readCbor } from '../../../src/notation/core/cbor.js';
import { encodeCbor, Tagged } from '../../support/signers/notation-signer.js';

const LIMITS = { maxDepth: 4, maxItems: 100 };
const hex = (text: string) => Buffer.from(text.replace(/ /g, ''), 'hex');

describe('readCbor', () => {
  it('reads integers of every width, strings, arrays, maps, tags and simple values', () => {
    const value = readCbor(encodeCbor(new Tagged(18, [0, 23, 24, 255, 256, 65535, 65536, -1, -100, 'té', Buffer.from([1, 2]), new Map<number | string, never>()])), LIMITS);
    assert.ok(value instanceof CborTag);
    assert.equal(value.tag, 18);
    assert.deepEqual(value.value, [0, 23, 24, 255, 256, 65535, 65536, -1, -100, 'té', Uint8Array.from([1, 2]), new Map()]);
    assert.deepEqual(readCbor(hex('84 f4 f5 f6 f7'), LIMITS), [false, true, null, undefined]);
    assert.equal(readCbor(hex('1b 00 00 00 01 00 00 00 00'), LIMITS), 2 ** 32);
  });

  it('refuses what a Notation envelope never holds', () => {
    for (const bytes of [
      '', // truncated
      '18', // truncated argument
      '42 01', // bstr beyond the input
      '9f ff', // indefinite array
      '1c', // reserved argument
      'f9 3c 00', // half float
      'f0', // unassigned simple value
      '01 02', // trailing byte
      '1b 00 20 00 00 00 00 00 00', // beyond 2^53
      '62 c3 28', // invalid UTF-8
      'a1 80 00', // array as a map key
      'a2 01 00 01 00', // duplicate key
      '81 81 81 81 81 00', // too deep
    ]) {
      assert.throws(() => readCbor(hex(bytes), LIMITS), CborError, bytes);
    }
    assert.throws(() => readCbor(encodeCbor(Array.from({ length: 100 }, () => 0)), LIMITS), CborError);
  });
});

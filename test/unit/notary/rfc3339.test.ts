import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseRfc3339 } from '../../../src/notary/core/rfc3339.js';

describe('parseRfc3339', () => {
  it('reads Go times with nanoseconds and offsets as Notary writes them', () => {
    assert.equal(parseRfc3339('2029-09-22T15:56:45.874265778+02:00')?.toISOString(), '2029-09-22T13:56:45.874Z');
    assert.equal(parseRfc3339('2026-12-10T22:50:06.079587102Z')?.toISOString(), '2026-12-10T22:50:06.079Z');
    assert.equal(parseRfc3339('2026-12-10T22:50:06-05:30')?.toISOString(), '2026-12-11T04:20:06.000Z');
  });

  it("reads Go's zero time (year 1) without mapping it to 1901", () => {
    assert.equal(parseRfc3339('0001-01-01T00:00:00Z')?.getUTCFullYear(), 1);
  });

  it('refuses an offset beyond 23:59, and reads the largest one', () => {
    assert.equal(parseRfc3339('2026-12-10T22:50:06+24:00'), undefined);
    assert.equal(parseRfc3339('2026-12-10T22:50:06-00:60'), undefined);
    assert.equal(parseRfc3339('2026-12-10T22:50:06-23:59')?.toISOString(), '2026-12-11T22:49:06.000Z');
  });

  it("refuses a lower-case t or z, as Go's time.Parse does in the notary client (a differential finding)", () => {
    assert.equal(parseRfc3339('2026-12-10t22:50:06z'), undefined);
    assert.equal(parseRfc3339('2026-12-10T22:50:06z'), undefined);
    assert.equal(parseRfc3339('2026-12-10t22:50:06Z'), undefined);
  });

  it('refuses what is not RFC 3339', () => {
    for (const bad of [
      '2026-12-10',
      '2026-12-10 22:50:06Z',
      '2026-13-01T00:00:00Z',
      '2026-02-30T00:00:00Z',
      '2026-12-10T24:00:00Z',
      '2026-12-10T22:50:06.1234567890Z',
      'Thu, 10 Dec 2026 22:50:06 GMT',
      '2026-12-10T22:50:06',
    ]) {
      assert.equal(parseRfc3339(bad), undefined, bad);
    }
  });
});

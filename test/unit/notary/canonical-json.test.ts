import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { canonicalize, CanonicalJsonError } from '../../../src/notary/core/canonical-json.js';
import type { JsonValue } from '../../../src/notary/core/json.js';
import { parseJsonBytes } from '../../../src/notary/core/json.js';

const text = (value: JsonValue): string => Buffer.from(canonicalize(value)).toString('utf8');

describe('canonicalize (docker/go canonical/json)', () => {
  it('sorts keys and drops whitespace', () => {
    assert.equal(text({ b: 1, a: [true, null, { d: 'x', c: false }] }), '{"a":[true,null,{"c":false,"d":"x"}],"b":1}');
  });

  it('escapes only backslash and double quote', () => {
    assert.equal(text({ s: 'a"b\\c<>&\n\t\u0001é' }), '{"s":"a\\"b\\\\c<>&\n\t\u0001é"}');
  });

  it('sorts keys by UTF-8 bytes, not UTF-16 code units', () => {
    // U+FF5E (ef bd 9e) sorts before U+1F600 (f0 9f 98 80) in UTF-8, after it in UTF-16.
    assert.equal(text({ '\u{1F600}': 1, '\uFF5E': 2 }), '{"\uFF5E":2,"\u{1F600}":1}');
  });

  it('writes integral numbers as integers and refuses fractions and unsafe integers', () => {
    assert.equal(text({ n: 1e3, m: -7 }), '{"m":-7,"n":1000}');
    assert.throws(() => canonicalize({ n: 1.5 }), CanonicalJsonError);
    assert.throws(() => canonicalize({ n: 2 ** 60 }), CanonicalJsonError);
  });

  it('keeps an own "__proto__" key as data', () => {
    const parsed = parseJsonBytes(Buffer.from('{"__proto__":{"x":1},"a":2}'));

    assert.ok(parsed.ok);
    assert.equal(text(parsed.value), '{"__proto__":{"x":1},"a":2}');
    assert.equal(({} as Record<string, unknown>)['x'], undefined);
  });
});

describe('parseJsonBytes', () => {
  it('rejects invalid UTF-8 instead of replacing it', () => {
    const result = parseJsonBytes(Buffer.from([0x22, 0xff, 0x22]));

    assert.equal(result.ok, false);
  });

  it('rejects text that is not JSON', () => {
    assert.equal(parseJsonBytes(Buffer.from('{"a":')).ok, false);
  });
});

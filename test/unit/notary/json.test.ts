/**
 * Strict JSON bytes (src/notary/core/json.ts): UTF-8 without replacement, and
 * Go's nesting limit counted without being fooled by brackets inside strings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MAX_JSON_DEPTH, parseJsonBytes } from '../../../src/notary/core/json.js';

const parse = (text: string): ReturnType<typeof parseJsonBytes> => parseJsonBytes(Buffer.from(text, 'utf8'));
const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('parseJsonBytes', () => {
  it('refuses invalid UTF-8 rather than replacing it', () => {
    assert.deepEqual(parseJsonBytes(Buffer.from([0x22, 0xc3, 0x28, 0x22])), { ok: false, error: 'not valid UTF-8' });
    assert.deepEqual(parseJsonBytes(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])), { ok: false, error: 'not valid UTF-8' });
  });

  it('keeps a byte order mark, so that it is not valid JSON (as in Go)', () => {
    const result = parseJsonBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{}')]));
    assert.ok(!result.ok);
    assert.match(result.error, /^not valid JSON/);
  });

  it(`takes ${MAX_JSON_DEPTH} levels of nesting and refuses one more (Go maxNestingDepth)`, () => {
    assert.equal(MAX_JSON_DEPTH, 10_000);
    assert.equal(parse(nested(MAX_JSON_DEPTH)).ok, true);
    assert.deepEqual(parse(nested(MAX_JSON_DEPTH + 1)), { ok: false, error: 'nested deeper than 10000 levels' });
    assert.deepEqual(parse(`{"a":${'{"a":'.repeat(MAX_JSON_DEPTH)}1${'}'.repeat(MAX_JSON_DEPTH)}}`), { ok: false, error: 'nested deeper than 10000 levels' });
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const brackets = '['.repeat(MAX_JSON_DEPTH + 1);
    const result = parse(`["\\"${brackets}", "${'{'.repeat(MAX_JSON_DEPTH + 1)}"]`);
    assert.ok(result.ok);
    assert.deepEqual(result.value, [`"${brackets}`, '{'.repeat(MAX_JSON_DEPTH + 1)]);
  });

  it('ends a string at a quote after an escaped backslash, and counts what follows', () => {
    assert.deepEqual(parse(`["\\\\",${nested(MAX_JSON_DEPTH)}]`), { ok: false, error: 'nested deeper than 10000 levels' });
    assert.equal(parse(`["\\\\",${nested(MAX_JSON_DEPTH - 1)}]`).ok, true);
  });

  it('counts closing brackets, so that long flat documents pass', () => {
    const result = parse(`[${Array.from({ length: MAX_JSON_DEPTH + 1 }, () => '[{}]').join(',')}]`);
    assert.ok(result.ok);
    assert.equal((result.value as unknown[]).length, MAX_JSON_DEPTH + 1);
  });

  it('ends at once on a text cut inside a string, or after a backslash at its very end (a truncated body)', () => {
    // Once an endless loop: a hostile or truncated body hung a verification worker until its time limit.
    for (const truncated of ['{"signed":{"_type":"Targ', '["abc\\', '"', '{"a":"\\"}']) {
      const result = parse(truncated);
      assert.equal(result.ok, false, truncated);
      assert.match(result.ok ? '' : result.error, /^not valid JSON/);
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseChangeId, parseChangePage, type ChangePage } from '../../../src/notary/changefeed-schema.js';

const SHA = 'b3a260383135338c0926146f9f44d8d54ae049a85e55b322a89d432dbdba5a26';

function record(id: string, gun: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ID: id, CreatedAt: '2026-11-30T02:41:56.627249851Z', GUN: gun, Version: 1, SHA256: SHA, Category: 'update', ...overrides };
}

function page(records: unknown, count?: number): Uint8Array {
  return Buffer.from(JSON.stringify({ count: count ?? (Array.isArray(records) ? records.length : 0), records }));
}

function parsed(body: Uint8Array): ChangePage {
  const result = parseChangePage(body);
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result.value;
}

function refused(body: Uint8Array | string): string {
  const result = parseChangePage(typeof body === 'string' ? Buffer.from(body) : body);
  assert.ok(!result.ok, 'the page should be refused');
  return result.error;
}

describe('a changefeed page', () => {
  it('reads a page as notary-server 0.7 writes it (captured), IDs as numbers', () => {
    const body = Buffer.from(
      '{"count":1,"records":[{"ID":"1","CreatedAt":"2026-11-30T02:41:56.627249851Z","GUN":"127.0.0.1:5000/a","Version":1,"SHA256":"b3a260383135338c0926146f9f44d8d54ae049a85e55b322a89d432dbdba5a26","Category":"update"}]}'
    );
    assert.deepEqual(parsed(body), {
      records: [{ id: 1, gun: '127.0.0.1:5000/a', version: 1, sha256: SHA, category: 'update', createdAt: '2026-11-30T02:41:56.627249851Z' }],
      lastId: 1,
      skipped: 0,
    });
  });

  it('reads an empty page, whose records are null (changefeed_test.go), or an empty array', () => {
    assert.deepEqual(parsed(Buffer.from('{"count":0,"records":null}')), { records: [], lastId: undefined, skipped: 0 });
    assert.deepEqual(parsed(Buffer.from('{"count":0,"records":[]}')), { records: [], lastId: undefined, skipped: 0 });
  });

  it('reads a deletion, which has version 0 and no hash', () => {
    const [deletion] = parsed(page([record('7', 'registry.example.com/app', { Category: 'deletion', Version: 0, SHA256: '' })])).records;
    assert.equal(deletion?.category, 'deletion');
    assert.equal(deletion?.version, 0);
    assert.equal(deletion?.sha256, '');
  });

  it('compares IDs as numbers: 10 follows 9', () => {
    const result = parsed(page([record('9', 'h/a'), record('10', 'h/b')]));
    assert.deepEqual(
      result.records.map((item) => item.id),
      [9, 10]
    );
    assert.equal(result.lastId, 10);
  });

  it('skips and counts records whose name is not a valid GUN, and still moves past their IDs', () => {
    const hostile = ['../../admin', 'h/../x', 'h/app?x=1', 'h/app#f', 'h/UPPER', 'h/a\nb', 'h/%2e%2e', 'no-path', '', `h/${'a'.repeat(300)}`];
    const records = [record('1', 'h/good'), ...hostile.map((gun, index) => record(String(index + 2), gun))];
    const result = parsed(page(records));
    assert.deepEqual(
      result.records.map((item) => item.gun),
      ['h/good']
    );
    assert.equal(result.skipped, hostile.length);
    assert.equal(result.lastId, hostile.length + 1);
  });

  it('refuses bodies that are not a changefeed page', () => {
    assert.match(refused('not json'), /not valid JSON/);
    assert.match(refused(Buffer.from([0x7b, 0xff, 0x7d])), /UTF-8/);
    assert.match(refused('[]'), /not a JSON object/);
    assert.match(refused('null'), /not a JSON object/);
    assert.match(refused('{"records":null}'), /"count"/);
    assert.match(refused('{"count":"0","records":null}'), /"count"/);
    assert.match(refused('{"count":-1,"records":null}'), /"count"/);
    assert.match(refused('{"count":1.5,"records":null}'), /integer/);
    assert.match(refused('{"count":0}'), /"records"/);
    assert.match(refused('{"count":0,"records":{}}'), /"records"/);
    assert.match(refused('{"count":0,"records":"x"}'), /"records"/);
    assert.match(refused(page([record('1', 'h/a')], 2)), /"count" is 2 but "records" holds 1/);
    assert.match(refused(page([], 1)), /"count" is 1/);
    assert.match(refused(`${'['.repeat(20_000)}${']'.repeat(20_000)}`), /nested deeper/);
  });

  it('refuses records of the wrong types', () => {
    const cases: [unknown, RegExp][] = [
      ['a string', /not a JSON object/],
      [null, /not a JSON object/],
      [[1], /not a JSON object/],
      [record('1', 'h/a', { ID: 1 }), /"ID"/],
      [record('1', 'h/a', { ID: null }), /"ID"/],
      [record('1', 'h/a', { GUN: 5 }), /"GUN"/],
      [record('1', 'h/a', { GUN: undefined }), /"GUN"/],
      [record('1', 'h/a', { Category: 'create' }), /"Category"/],
      [record('1', 'h/a', { Category: 1 }), /"Category"/],
      [record('1', 'h/a', { Version: '1' }), /"Version"/],
      [record('1', 'h/a', { Version: -1 }), /"Version"/],
      [record('1', 'h/a', { Version: 2 ** 60 }), /"Version"/],
      [record('1', 'h/a', { SHA256: SHA.toUpperCase() }), /"SHA256"/],
      [record('1', 'h/a', { SHA256: SHA.slice(1) }), /"SHA256"/],
      [record('1', 'h/a', { SHA256: null }), /"SHA256"/],
      [record('1', 'h/a', { CreatedAt: 'yesterday' }), /"CreatedAt"/],
      [record('1', 'h/a', { CreatedAt: 0 }), /"CreatedAt"/],
    ];
    for (const [item, expected] of cases) {
      assert.match(refused(page([item])), expected, JSON.stringify(item));
    }
  });

  it('refuses IDs that are not canonical positive decimal integers', () => {
    for (const id of ['', 'abc', '0', '01', '-1', '+1', '1e3', '1.0', ' 1', '0x10', '12345678901234567', '9007199254740993', 'Infinity']) {
      assert.match(refused(page([record(id, 'h/a')])), /"ID"/, JSON.stringify(id));
    }
  });

  it('refuses a page whose IDs do not rise strictly (a cursor must never go back)', () => {
    assert.match(refused(page([record('2', 'h/a'), record('2', 'h/b')])), /ID 2 does not follow ID 2/);
    assert.match(refused(page([record('3', 'h/a'), record('2', 'h/b')])), /ID 2 does not follow ID 3/);
    // Skipped records take part in the order too.
    assert.match(refused(page([record('3', '../x'), record('1', 'h/b')])), /does not follow/);
  });

  it('ignores an own __proto__ key and unknown fields', () => {
    const body = Buffer.from(`{"count":1,"__proto__":{"count":5},"extra":true,"records":[${JSON.stringify(record('4', 'h/a', { Future: 'x' }))}]}`);
    assert.equal(parsed(body).lastId, 4);
  });
});

describe('a change ID', () => {
  it('is a canonical positive decimal integer small enough to compare exactly', () => {
    assert.equal(parseChangeId('1'), 1);
    assert.equal(parseChangeId('9007199254740991'), 9007199254740991);
    assert.equal(parseChangeId('9007199254740992'), undefined);
    assert.equal(parseChangeId('0'), undefined);
    assert.equal(parseChangeId('00'), undefined);
    assert.equal(parseChangeId('a1'), undefined);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { errcodeCodes, errcodeMessage, errcodeSummary, readErrcodes } from '../../../../src/lib/http/errcode.js';

const bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const body = (value: unknown): Uint8Array => bytes(JSON.stringify(value));

describe('errcode bodies', () => {
  it('reads the entries of a distribution errcode body in order', () => {
    const errors = body({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'x' } }, { code: 'NAME_UNKNOWN' }] });
    assert.deepEqual(readErrcodes(errors), [
      { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' },
      { code: 'NAME_UNKNOWN', message: undefined },
    ]);
    assert.deepEqual(errcodeCodes(errors), ['MANIFEST_UNKNOWN', 'NAME_UNKNOWN']);
    assert.equal(errcodeSummary(errors), 'MANIFEST_UNKNOWN (manifest unknown)');
    assert.equal(errcodeMessage(errors), 'manifest unknown');
  });

  it('reads a body that is a view into a larger buffer, not the whole buffer', () => {
    const whole = Buffer.from(`garbage${JSON.stringify({ errors: [{ code: 'DENIED', message: 'no' }] })}garbage`);
    const view = whole.subarray(7, whole.length - 7);
    assert.equal(errcodeSummary(view), 'DENIED (no)');
  });

  it('shortens server messages to 200 characters', () => {
    const long = 'm'.repeat(10_000);
    const errors = body({ errors: [{ code: 'UNKNOWN', message: long }] });
    assert.equal(errcodeMessage(errors), 'm'.repeat(200));
    assert.equal(errcodeSummary(errors), `UNKNOWN (${'m'.repeat(200)})`);
  });

  it('summarises the first entry that has a code; the message is the first entry, as notary reports it', () => {
    const errors = body({ errors: [{ message: 'no code here' }, 'not an object', { code: 'DENIED', message: 'requested access to the resource is denied' }] });
    assert.equal(errcodeSummary(errors), 'DENIED (requested access to the resource is denied)');
    assert.equal(errcodeMessage(errors), 'no code here');
    assert.deepEqual(errcodeCodes(errors), ['DENIED']);
  });

  const notErrcode: [string, Uint8Array][] = [
    ['an empty body', bytes('')],
    ['HTML', bytes('<html><body>Not Found</html>')],
    ['truncated JSON', bytes('{"errors":[{"code":"MANIFEST_UNK')],
    ['invalid UTF-8', Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d])],
    ['null', bytes('null')],
    ['a number', bytes('404')],
    ['a string', bytes('"errors"')],
    ['a top-level array', body([{ errors: [{ code: 'X' }] }])],
    ['errors as a string', body({ errors: 'MANIFEST_UNKNOWN' })],
    ['errors as an object with index keys', body({ errors: { 0: { code: 'MANIFEST_UNKNOWN', message: 'm' } } })],
    ['errors null', body({ errors: null })],
    ['errors only inherited through __proto__', bytes('{"__proto__":{"errors":[{"code":"MANIFEST_UNKNOWN"}]}}')],
    ['64 KiB of opening brackets', bytes('['.repeat(64 * 1024))],
  ];
  for (const [name, hostile] of notErrcode) {
    it(`treats ${name} as no errcode body, without throwing`, () => {
      assert.equal(readErrcodes(hostile), undefined);
      assert.deepEqual(errcodeCodes(hostile), []);
      assert.equal(errcodeSummary(hostile), undefined);
      assert.equal(errcodeMessage(hostile), undefined);
    });
  }

  it('ignores ill-typed codes and messages instead of stringifying them', () => {
    const errors = body({ errors: [null, { code: 42, message: { text: 'x' } }, { code: ['MANIFEST_UNKNOWN'], message: null }, { code: 'TOOMANYREQUESTS', message: 7 }] });
    assert.deepEqual(errcodeCodes(errors), ['TOOMANYREQUESTS']);
    assert.equal(errcodeSummary(errors), 'TOOMANYREQUESTS');
    assert.equal(errcodeMessage(errors), undefined);
  });

  it('does not take a code from the prototype of an entry', () => {
    const errors = bytes('{"errors":[{"__proto__":{"code":"MANIFEST_UNKNOWN","message":"inherited"}}]}');
    assert.deepEqual(errcodeCodes(errors), []);
    assert.equal(errcodeMessage(errors), undefined);
  });

  it('survives deep nesting inside an entry', () => {
    const deep = `{"errors":[{"code":"UNKNOWN","detail":${'['.repeat(20_000)}${']'.repeat(20_000)}}]}`;
    assert.deepEqual(errcodeCodes(bytes(deep)), ['UNKNOWN']);
  });
});

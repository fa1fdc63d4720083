import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FetchError } from '../../../../src/lib/errors.js';
import { CountingHttpClient } from '../../../../src/lib/http/counting-client.js';
import type { HttpClient, HttpRequest } from '../../../../src/lib/http/http-client.js';

describe('CountingHttpClient', () => {
  it('counts every request sent, answered or failed, and passes each through unchanged', async () => {
    const seen: [string, HttpRequest][] = [];
    const inner: HttpClient = {
      send: async (url, request) => {
        seen.push([url.href, request]);
        if (url.pathname === '/down') {
          throw new FetchError('CONNECTION', 'down');
        }
        return { status: 200, headers: {}, body: Buffer.from('ok'), url };
      },
    };
    const counting = new CountingHttpClient(inner);
    assert.equal(counting.sent, 0);
    const request: HttpRequest = { maxBytes: 10, what: 'a thing', headers: { accept: 'application/json' } };
    assert.equal((await counting.send(new URL('http://h/up'), request)).status, 200);
    await assert.rejects(counting.send(new URL('http://h/down'), request), FetchError);
    assert.equal(counting.sent, 2);
    assert.deepEqual(seen, [
      ['http://h/up', request],
      ['http://h/down', request],
    ]);
  });

  it('exposes the count read-only', () => {
    const counting = new CountingHttpClient({ send: () => Promise.reject(new Error('unused')) });
    assert.throws(() => {
      (counting as unknown as { sent: number }).sent = 5;
    }, TypeError);
    assert.equal(counting.sent, 0);
  });
});

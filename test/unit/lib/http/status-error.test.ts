import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FetchError } from '../../../../src/lib/errors.js';
import { statusError, statusErrorCode } from '../../../../src/lib/http/status-error.js';

describe('statusErrorCode', () => {
  const table: [number, string][] = [
    [401, 'AUTH'],
    [403, 'AUTH'],
    [400, 'HTTP_4XX'],
    [404, 'HTTP_4XX'],
    [405, 'HTTP_4XX'],
    [407, 'HTTP_4XX'],
    [429, 'HTTP_4XX'],
    [499, 'HTTP_4XX'],
    [500, 'HTTP_5XX'],
    [502, 'HTTP_5XX'],
    [503, 'HTTP_5XX'],
    [599, 'HTTP_5XX'],
    // A status the caller cannot use is still a client-side refusal, never a pass.
    [100, 'HTTP_4XX'],
    [204, 'HTTP_4XX'],
    [304, 'HTTP_4XX'],
  ];
  for (const [status, code] of table) {
    it(`maps HTTP ${status} to ${code}`, () => {
      assert.equal(statusErrorCode(status), code);
    });
  }
});

describe('statusError', () => {
  const url = new URL('https://user:secret@notary.example:4443/v2/a/b/_trust/tuf/timestamp.json?token=t0ken#x');

  it('says who refused a 401, with the reason, and never the credentials or query', () => {
    const error = statusError('timestamp.json of a/b', url, 401, { authReason: 'no credentials are configured', suffix: ': UNAUTHORIZED' });
    assert.ok(error instanceof FetchError);
    assert.equal(error.code, 'AUTH');
    assert.equal(error.status, 401);
    assert.equal(
      error.message,
      'timestamp.json of a/b: not authorised by https://notary.example:4443/v2/a/b/_trust/tuf/timestamp.json (HTTP 401; no credentials are configured): UNAUTHORIZED'
    );
    assert.doesNotMatch(error.message, /secret|t0ken|user/);
  });

  it('leaves the reason out when none is given', () => {
    assert.equal(statusError('x', new URL('http://h/p'), 403).message, 'x: not authorised by http://h/p (HTTP 403)');
  });

  it('reports any other status as answered, with the suffix', () => {
    const error = statusError('manifest of a:1', new URL('http://h:5000/v2/a/manifests/1'), 503, { suffix: ': UNAVAILABLE (down)' });
    assert.equal(error.code, 'HTTP_5XX');
    assert.equal(error.status, 503);
    assert.equal(error.message, 'manifest of a:1: http://h:5000/v2/a/manifests/1 answered HTTP 503: UNAVAILABLE (down)');
    assert.equal(statusError('y', new URL('http://h/'), 418).code, 'HTTP_4XX');
  });
});

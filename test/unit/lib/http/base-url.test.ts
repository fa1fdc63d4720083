import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { asBaseUrl, urlUnder } from '../../../../src/lib/http/base-url.js';

describe('asBaseUrl', () => {
  const cases: [string, string][] = [
    ['http://nexus:8081', 'http://nexus:8081/'],
    ['http://nexus:8081/', 'http://nexus:8081/'],
    ['http://nexus:8081/nexus', 'http://nexus:8081/nexus/'],
    ['http://nexus:8081/nexus/', 'http://nexus:8081/nexus/'],
    ['https://h/repository/docker-hosted?x=1#frag', 'https://h/repository/docker-hosted/'],
  ];
  for (const [input, expected] of cases) {
    it(`${input} → ${expected}`, () => {
      assert.equal(asBaseUrl(new URL(input)).href, expected);
    });
  }

  it('returns a copy, leaving the given URL alone', () => {
    const given = new URL('http://h/p?q');
    asBaseUrl(given);
    assert.equal(given.href, 'http://h/p?q');
  });
});

describe('urlUnder', () => {
  it('appends to the base path with or without its trailing slash', () => {
    for (const base of ['http://h:8081/nexus', 'http://h:8081/nexus/']) {
      assert.equal(urlUnder(new URL(base), 'service/rest/v1/repositories').href, 'http://h:8081/nexus/service/rest/v1/repositories');
    }
    assert.equal(urlUnder(new URL('http://h'), 'v2/a/b/_trust/tuf/timestamp.json').href, 'http://h/v2/a/b/_trust/tuf/timestamp.json');
  });

  it('keeps a query given in the path and drops the base query', () => {
    assert.equal(urlUnder(new URL('http://h/n?old=1'), 'service/rest/v1/components?repository=r').href, 'http://h/n/service/rest/v1/components?repository=r');
  });

  it('takes a GUN with a port as a path, not as a scheme', () => {
    assert.equal(urlUnder(new URL('https://notary:4443'), 'v2/registry:5000/app/_trust/tuf/root.json').href, 'https://notary:4443/v2/registry:5000/app/_trust/tuf/root.json');
  });

  for (const escape of ['/v2/x', '../x', 'a/../../x', '//evil.example/x', 'https://evil.example/x', 'javascript:alert(1)']) {
    it(`refuses ${escape}, which would leave the base`, () => {
      assert.throws(() => urlUnder(new URL('http://h/nexus/'), escape), TypeError);
    });
  }
});

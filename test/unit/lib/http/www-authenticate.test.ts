import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseChallenge } from '../../../../src/lib/http/www-authenticate.js';

describe('parseChallenge', () => {
  const cases: [string, string, Record<string, string>][] = [
    [
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"',
      'bearer',
      { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull' },
    ],
    ['BASIC realm="Sonatype Nexus Repository Manager"', 'basic', { realm: 'Sonatype Nexus Repository Manager' }],
    ['Bearer realm="r", scope="repository:x:pull,push"', 'bearer', { realm: 'r', scope: 'repository:x:pull,push' }],
    ['Bearer realm=unquoted,service=svc', 'bearer', { realm: 'unquoted', service: 'svc' }],
    ['Bearer realm="with \\"quote\\""', 'bearer', { realm: 'with "quote"' }],
  ];
  for (const [header, scheme, params] of cases) {
    it(`parses ${header}`, () => {
      const challenge = parseChallenge(header);

      assert.equal(challenge?.scheme, scheme);
      assert.deepEqual(Object.fromEntries(challenge?.params ?? []), params);
    });
  }

  it('returns undefined for an empty header', () => {
    assert.equal(parseChallenge('   '), undefined);
  });
});

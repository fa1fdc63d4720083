import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseConfig } from '../../../src/config/parse-config.js';
import { requireSections } from '../../../src/config/require-sections.js';

const parsed = (text: string, env: Record<string, string> = {}) => {
  const result = parseConfig(text, { env, readSecretFile: () => '' });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
  return result.value;
};

describe('requireSections', () => {
  it('returns both sections when the configuration has them', () => {
    const sections = requireSections(parsed('nexus:\n  url: http://nexus:8081\nnotary:\n  url: https://notary:4443\n'), 'scan');

    assert.equal(sections.nexus.url.href, 'http://nexus:8081/');
    assert.equal(sections.notary.url.href, 'https://notary:4443/');
  });

  it('counts a Notary server from DOCKER_CONTENT_TRUST_SERVER', () => {
    const sections = requireSections(parsed('nexus:\n  url: http://nexus:8081\n', { DOCKER_CONTENT_TRUST_SERVER: 'https://notary:4443' }), 'serve');

    assert.equal(sections.notary.url.href, 'https://notary:4443/');
  });

  it('names the command and the missing key', () => {
    assert.throws(() => requireSections(parsed('notary:\n  url: https://notary:4443\n'), 'scan'), {
      name: 'UsageError',
      message: 'scan needs nexus.url in the configuration',
    });
    assert.throws(() => requireSections(parsed('nexus:\n  url: http://nexus:8081\n'), 'serve'), {
      name: 'UsageError',
      message: 'serve needs notary.url in the configuration (or DOCKER_CONTENT_TRUST_SERVER)',
    });
    assert.throws(() => requireSections(parsed(''), 'scan'), { message: 'scan needs nexus.url in the configuration' });
  });
});

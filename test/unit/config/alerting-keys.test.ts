/** The keys of direct alerting and runbook links: the alertmanager section, web.runbookUrl and web.externalUrl. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseConfig } from '../../../src/config/parse-config.js';

const inputs = (env: Record<string, string> = {}, files: Record<string, string> = {}) => ({
  env,
  readSecretFile: (path: string): string => {
    const content = files[path];
    if (content === undefined) {
      throw new Error(`ENOENT: no such file ${path}`);
    }
    return content;
  },
});

const keysOf = (result: ReturnType<typeof parseConfig>): string[] => (result.ok ? [] : result.error.map((issue) => issue.key));

describe('web.runbookUrl and web.externalUrl', () => {
  it('are absent by default', () => {
    const result = parseConfig('{}\n', inputs());

    assert.ok(result.ok);
    assert.equal(result.value.web.runbookUrl, undefined);
    assert.equal(result.value.web.externalUrl, undefined);
  });

  it('read http(s) URLs, ${ENV} expanded', () => {
    const result = parseConfig('web:\n  runbookUrl: ${RUNBOOKS}\n  externalUrl: https://trust-auditor.example.com/audit/\n', inputs({ RUNBOOKS: 'https://wiki.example.com/trust-auditor/runbooks.md' }));

    assert.ok(result.ok);
    assert.equal(result.value.web.runbookUrl?.href, 'https://wiki.example.com/trust-auditor/runbooks.md');
    assert.equal(result.value.web.externalUrl?.href, 'https://trust-auditor.example.com/audit/');
  });

  it('refuse what is not an http(s) URL (a javascript: link would run on the status page)', () => {
    assert.deepEqual(keysOf(parseConfig('web:\n  runbookUrl: "javascript:alert(1)"\n  externalUrl: docs/runbooks.md\n', inputs())), ['web.runbookUrl', 'web.externalUrl']);
  });
});

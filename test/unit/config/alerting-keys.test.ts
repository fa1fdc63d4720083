/** The keys of direct alerting and runbook links: the alertmanager section, web.runbookUrl and web.externalUrl. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEFAULT_ALERTMANAGER_MAX_ALERTS, DEFAULT_ALERTMANAGER_TIMEOUT_SECONDS } from '../../../src/config/config.js';
import { parseConfig } from '../../../src/config/parse-config.js';
import { configInputs } from '../../support/config-inputs.js';

const keysOf = (result: ReturnType<typeof parseConfig>): string[] => (result.ok ? [] : result.error.map((issue) => issue.key));

describe('alertmanager section', () => {
  it('is absent unless written', () => {
    const result = parseConfig('notary:\n  url: https://notary.example.com\n', configInputs());

    assert.ok(result.ok);
    assert.equal(result.value.alertmanager, undefined);
  });

  it('reads the URL with defaults for the cap and the timeout', () => {
    const result = parseConfig('alertmanager:\n  url: http://alertmanager.monitoring:9093/am\n', configInputs());

    assert.ok(result.ok);
    assert.equal(result.value.alertmanager?.url.href, 'http://alertmanager.monitoring:9093/am');
    assert.equal(result.value.alertmanager?.maxAlerts, DEFAULT_ALERTMANAGER_MAX_ALERTS);
    assert.equal(result.value.alertmanager?.timeoutSeconds, DEFAULT_ALERTMANAGER_TIMEOUT_SECONDS);
    assert.equal(result.value.alertmanager?.username, undefined);
  });

  it('reads credentials from ${ENV} or a passwordFile, a caFile, the cap and the timeout', () => {
    const result = parseConfig(
      'alertmanager:\n  url: https://am.example.com\n  username: auditor\n  passwordFile: /run/secrets/am\n  caFile: /etc/am-ca.crt\n  maxAlerts: 50\n  timeoutSeconds: 2.5\n',
      configInputs({}, { '/run/secrets/am': 's3cret\n' })
    );
    const fromEnv = parseConfig('alertmanager:\n  url: ${AM_URL}\n  username: a\n  password: ${AM_PASSWORD}\n', configInputs({ AM_URL: 'http://am:9093', AM_PASSWORD: 'pw' }));

    assert.ok(result.ok);
    assert.deepEqual(
      { ...result.value.alertmanager, url: result.value.alertmanager?.url.href },
      { url: 'https://am.example.com/', username: 'auditor', password: 's3cret', caFile: '/etc/am-ca.crt', maxAlerts: 50, timeoutSeconds: 2.5 }
    );
    assert.ok(fromEnv.ok);
    assert.equal(fromEnv.value.alertmanager?.password, 'pw');
    assert.equal(fromEnv.value.alertmanager?.url.origin, 'http://am:9093');
  });

  it('refuses a missing or bad URL, credentials in the URL, a lone username, unknown keys and out-of-range numbers, each by its key', () => {
    assert.deepEqual(keysOf(parseConfig('alertmanager:\n  maxAlerts: 5\n', configInputs())), ['alertmanager.url']);
    assert.deepEqual(keysOf(parseConfig('alertmanager:\n  url: ftp://am\n', configInputs())), ['alertmanager.url']);
    assert.deepEqual(keysOf(parseConfig('alertmanager:\n  url: http://u:p@am:9093\n', configInputs())), ['alertmanager.url']);
    assert.deepEqual(keysOf(parseConfig('alertmanager:\n  url: http://am:9093\n  username: a\n', configInputs())), ['alertmanager.username']);
    assert.deepEqual(keysOf(parseConfig('alertmanager:\n  url: http://am:9093\n  token: x\n', configInputs())), ['alertmanager.token']);
    assert.deepEqual(keysOf(parseConfig('alertmanager:\n  url: http://am:9093\n  maxAlerts: 0\n  timeoutSeconds: 601\n', configInputs())), [
      'alertmanager.maxAlerts',
      'alertmanager.timeoutSeconds',
    ]);
    assert.deepEqual(keysOf(parseConfig('alertmanager:\n  url: http://am:9093\n  password: a\n  passwordFile: /f\n', configInputs())), ['alertmanager.passwordFile']);
    assert.deepEqual(keysOf(parseConfig('alertmanager: [http://am:9093]\n', configInputs())), ['alertmanager']);
  });
});

describe('web.runbookUrl and web.externalUrl', () => {
  it('are absent by default', () => {
    const result = parseConfig('{}\n', configInputs());

    assert.ok(result.ok);
    assert.equal(result.value.web.runbookUrl, undefined);
    assert.equal(result.value.web.externalUrl, undefined);
  });

  it('read http(s) URLs, ${ENV} expanded', () => {
    const result = parseConfig(
      'web:\n  runbookUrl: ${RUNBOOKS}\n  externalUrl: https://trust-auditor.example.com/audit/\n',
      configInputs({ RUNBOOKS: 'https://wiki.example.com/trust-auditor/runbooks.md' })
    );

    assert.ok(result.ok);
    assert.equal(result.value.web.runbookUrl?.href, 'https://wiki.example.com/trust-auditor/runbooks.md');
    assert.equal(result.value.web.externalUrl?.href, 'https://trust-auditor.example.com/audit/');
  });

  it('refuse what is not an http(s) URL (a javascript: link would run on the status page)', () => {
    assert.deepEqual(keysOf(parseConfig('web:\n  runbookUrl: "javascript:alert(1)"\n  externalUrl: docs/runbooks.md\n', configInputs())), ['web.runbookUrl', 'web.externalUrl']);
  });
});

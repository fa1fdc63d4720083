import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { logLevelFrom, LOG_LEVELS, notaryFromCommandLine, runbookUrlFrom } from '../../../src/config/environment.js';
import { UsageError } from '../../../src/lib/errors.js';

describe('logLevelFrom', () => {
  it('is info when TRUST_AUDITOR_LOG_LEVEL is unset or empty', () => {
    assert.equal(logLevelFrom({}), 'info');
    assert.equal(logLevelFrom({ TRUST_AUDITOR_LOG_LEVEL: '' }), 'info');
  });

  it('takes each level the logger knows', () => {
    for (const level of LOG_LEVELS) {
      assert.equal(logLevelFrom({ TRUST_AUDITOR_LOG_LEVEL: level }), level);
    }
  });

  it('refuses any other value with a usage error naming the variable and the levels', () => {
    for (const value of ['verbose', 'DEBUG', ' info', 'trace']) {
      assert.throws(
        () => logLevelFrom({ TRUST_AUDITOR_LOG_LEVEL: value }),
        (error: unknown) => error instanceof UsageError && error.message === `TRUST_AUDITOR_LOG_LEVEL must be one of debug, info, warn, error, not ${JSON.stringify(value)}`
      );
    }
  });
});

describe('runbookUrlFrom', () => {
  it('is undefined when TRUST_AUDITOR_RUNBOOK_URL is unset or empty', () => {
    assert.equal(runbookUrlFrom({}), undefined);
    assert.equal(runbookUrlFrom({ TRUST_AUDITOR_RUNBOOK_URL: '' }), undefined);
  });

  it('keeps an http or https URL as written', () => {
    const url = 'https://wiki.example.com/trust-auditor/runbooks.md';
    assert.equal(runbookUrlFrom({ TRUST_AUDITOR_RUNBOOK_URL: url }), url);
    assert.equal(runbookUrlFrom({ TRUST_AUDITOR_RUNBOOK_URL: 'http://intranet/runbooks' }), 'http://intranet/runbooks');
  });

  it('refuses anything else (a javascript: link would run on the status page)', () => {
    for (const value of ['javascript:alert(1)', 'ftp://example.com/runbooks', 'runbooks.md']) {
      assert.throws(() => runbookUrlFrom({ TRUST_AUDITOR_RUNBOOK_URL: value }), {
        name: 'UsageError',
        message: 'TRUST_AUDITOR_RUNBOOK_URL must be an http or https URL',
      });
    }
  });
});

describe('notaryFromCommandLine', () => {
  it('prefers --notary to DOCKER_CONTENT_TRUST_SERVER, and is undefined without either', () => {
    assert.equal(notaryFromCommandLine('https://a.example.com', { DOCKER_CONTENT_TRUST_SERVER: 'https://b.example.com' })?.url.host, 'a.example.com');
    assert.equal(notaryFromCommandLine(undefined, { DOCKER_CONTENT_TRUST_SERVER: 'https://b.example.com' })?.url.host, 'b.example.com');
    assert.equal(notaryFromCommandLine(undefined, {}), undefined);
  });

  it('gives a Notary section without CA, credentials or token hosts', () => {
    assert.deepEqual(notaryFromCommandLine('http://127.0.0.1:4443', {}), {
      url: new URL('http://127.0.0.1:4443'),
      caFile: undefined,
      username: undefined,
      password: undefined,
      tokenRealmHosts: [],
    });
  });

  it('refuses a value that is not an http or https URL', () => {
    assert.throws(() => notaryFromCommandLine('notary:4443', {}), { name: 'UsageError', message: '--notary must be an http or https URL' });
    assert.throws(() => notaryFromCommandLine('not a url', {}), { name: 'UsageError', message: '--notary "not a url" is not a URL' });
    assert.throws(() => notaryFromCommandLine(undefined, { DOCKER_CONTENT_TRUST_SERVER: 'nope' }), { message: '--notary "nope" is not a URL' });
  });
});

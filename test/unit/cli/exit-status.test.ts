import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { EXIT_UNAVAILABLE, EXIT_USAGE, failureOf, UnavailableError } from '../../../src/cli/exit-status.js';
import { FetchError, UsageError } from '../../../src/lib/errors.js';

describe('failureOf', () => {
  it('gives a usage error exit status 2 and its message', () => {
    assert.deepEqual(failureOf(new UsageError('scan needs nexus.url in the configuration')), {
      status: EXIT_USAGE,
      stderr: 'trust-auditor: scan needs nexus.url in the configuration\n',
    });
  });

  it('gives an unavailable database or listener exit status 3', () => {
    assert.deepEqual(failureOf(new UnavailableError('cannot listen on 0.0.0.0:9817: EADDRINUSE')), {
      status: EXIT_UNAVAILABLE,
      stderr: 'trust-auditor: cannot listen on 0.0.0.0:9817: EADDRINUSE\n',
    });
    assert.equal(failureOf(new FetchError('CONNECTION', 'connection refused')).status, EXIT_UNAVAILABLE);
    assert.equal(failureOf(new Error('boom')).status, EXIT_UNAVAILABLE);
  });

  it('keeps every line of a multi-line message and neutralises terminal controls', () => {
    const { stderr } = failureOf(new UsageError('invalid configuration in c.yaml:\n  schedule: "\u001b[31m" is not a valid cron expression'));

    assert.ok(stderr.startsWith('trust-auditor: invalid configuration in c.yaml:\n  schedule: '));
    assert.doesNotMatch(stderr, /\u001b/);
  });
});

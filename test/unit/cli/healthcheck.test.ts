import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseCommandLine } from '../../../src/cli/args.js';
import type { CommandDeps } from '../../../src/cli/commands/deps.js';
import { healthcheckCommand } from '../../../src/cli/commands/healthcheck.js';
import { failureOf } from '../../../src/cli/exit-status.js';
import { HEALTHCHECK_TIMEOUT_MS, healthcheckTarget, probeHost } from '../../../src/cli/healthcheck.js';
import type { Config } from '../../../src/config/config.js';
import { parseConfig } from '../../../src/config/parse-config.js';
import type { HealthProbeResult } from '../../../src/lib/http/health-probe.js';
import { UsageError } from '../../../src/lib/errors.js';

function config(text: string): Config {
  const result = parseConfig(text, { env: {}, readSecretFile: () => 'secret' });
  assert.ok(result.ok, JSON.stringify(result.ok ? undefined : result.error));
  return result.value;
}

describe('healthcheck: the command line', () => {
  it('takes --config FILE and nothing else', () => {
    assert.deepEqual(parseCommandLine(['healthcheck', '--config', '/etc/trust-auditor/config.yaml']), {
      name: 'healthcheck',
      configFile: '/etc/trust-auditor/config.yaml',
    });
    for (const argv of [
      ['healthcheck'],
      ['healthcheck', '--config'],
      ['healthcheck', '--config', 'c', '--json'],
      ['healthcheck', '--config', 'c', '--notary', 'https://n'],
      ['healthcheck', '--config', 'c', '--at', '2027-01-01'],
      ['healthcheck', '--config', 'c', 'extra'],
    ]) {
      assert.throws(() => parseCommandLine(argv), UsageError, argv.join(' '));
    }
  });
});

describe('healthcheck: where the daemon is asked', () => {
  it('asks a wildcard address on the loopback address of its family, anything else as it is', () => {
    assert.equal(probeHost('0.0.0.0'), '127.0.0.1');
    assert.equal(probeHost(''), '127.0.0.1');
    assert.equal(probeHost('::'), '127.0.0.1', 'Node listens on :: dual-stack; ::1 may be missing where IPv6 is off');
    assert.equal(probeHost('0:0:0:0:0:0:0:0'), '127.0.0.1');
    assert.equal(probeHost('127.0.0.1'), '127.0.0.1');
    assert.equal(probeHost('10.1.2.3'), '10.1.2.3');
    assert.equal(probeHost('::1'), '::1');
    assert.equal(probeHost('fd00::5'), 'fd00::5');
    assert.equal(probeHost('localhost'), 'localhost');
  });

  it('builds the URL from listen and web.tlsCertFile', () => {
    assert.deepEqual(healthcheckTarget(config('{}')), { url: 'http://127.0.0.1:9817/healthz', pinnedCertFile: undefined });
    assert.deepEqual(healthcheckTarget(config('listen: "[::]:9900"\n')), { url: 'http://127.0.0.1:9900/healthz', pinnedCertFile: undefined });
    assert.deepEqual(healthcheckTarget(config('listen: ":8443"\nweb:\n  tlsCertFile: /tls/cert.pem\n  tlsKeyFile: /tls/key.pem\n')), {
      url: 'https://127.0.0.1:8443/healthz',
      pinnedCertFile: '/tls/cert.pem',
    });
    assert.deepEqual(healthcheckTarget(config('listen: 192.0.2.7:9817\n')), { url: 'http://192.0.2.7:9817/healthz', pinnedCertFile: undefined });
  });
});

describe('healthcheck: the command', () => {
  const run = async (configText: string, result: HealthProbeResult) => {
    const seen = { stdout: '', stderr: '', probes: [] as { url: string; pinnedCertFile: string | undefined; timeoutMs: number }[] };
    const deps: Pick<CommandDeps, 'loadConfig' | 'probeHealth' | 'stdout' | 'stderr'> = {
      loadConfig: () => config(configText),
      probeHealth: async (url, pinnedCertFile, timeoutMs) => {
        seen.probes.push({ url, pinnedCertFile, timeoutMs });
        return result;
      },
      stdout: (text) => void (seen.stdout += text),
      stderr: (text) => void (seen.stderr += text),
    };
    const status = await healthcheckCommand({ name: 'healthcheck', configFile: 'c.yaml' }, deps);
    return { status, ...seen };
  };

  it('exits 0 on a healthy answer, with the URL it asked on stdout', async () => {
    const outcome = await run('listen: 0.0.0.0:9900\nweb:\n  username: admin\n  password: pw\n', { healthy: true, status: 200 });
    assert.equal(outcome.status, 0);
    assert.deepEqual(outcome.probes, [{ url: 'http://127.0.0.1:9900/healthz', pinnedCertFile: undefined, timeoutMs: HEALTHCHECK_TIMEOUT_MS }]);
    assert.equal(outcome.stdout, 'healthy: http://127.0.0.1:9900/healthz answered HTTP 200\n');
    assert.equal(outcome.stderr, '');
  });

  it('exits 1 with one line on stderr when the daemon is not healthy', async () => {
    const outcome = await run('{}', { healthy: false, reason: 'http://127.0.0.1:9817/healthz: connect ECONNREFUSED 127.0.0.1:9817\u001b[2J' });
    assert.equal(outcome.status, 1);
    assert.equal(outcome.stdout, '');
    assert.equal(outcome.stderr.split('\n').length, 2, 'one line');
    assert.match(outcome.stderr, /^trust-auditor: unhealthy: http:\/\/127\.0\.0\.1:9817\/healthz: connect ECONNREFUSED/);
    assert.doesNotMatch(outcome.stderr, /\u001b/, 'terminal-safe');
  });

  it('is a usage error (exit 2) when the configuration is, or names port 0', async () => {
    const deps: Pick<CommandDeps, 'loadConfig' | 'probeHealth' | 'stdout' | 'stderr'> = {
      loadConfig: () => {
        throw new UsageError('invalid configuration in c.yaml');
      },
      probeHealth: () => assert.fail('no probe without a configuration'),
      stdout: () => undefined,
      stderr: () => undefined,
    };
    const error = await healthcheckCommand({ name: 'healthcheck', configFile: 'c.yaml' }, deps).catch((caught: unknown) => caught);
    assert.equal(failureOf(error).status, 2);
    const portZero = await run('listen: 127.0.0.1:0\n', { healthy: true, status: 200 }).catch((caught: unknown) => caught);
    assert.ok(portZero instanceof UsageError);
    assert.equal(failureOf(portZero).status, 2);
  });
});

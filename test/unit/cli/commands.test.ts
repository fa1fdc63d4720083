import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { CommandDeps, NotaryConnection } from '../../../src/cli/commands/deps.js';
import { inspectCommand } from '../../../src/cli/commands/inspect.js';
import { parseConfig } from '../../../src/config/parse-config.js';
import type { Config, NotaryConfig } from '../../../src/config/config.js';
import { FetchError } from '../../../src/lib/errors.js';
import type { NotaryFetcher } from '../../../src/notary/notary-fetcher.js';

const NOW = new Date('2026-06-01T00:00:00Z');

function config(text: string): Config {
  const result = parseConfig(text, { env: {}, readSecretFile: () => '' });
  assert.ok(result.ok);
  return result.value;
}

/** An inspect whose Notary is unreachable, recording what the command asked for. */
function inspectDeps(env: Record<string, string>, configs: Record<string, Config> = {}) {
  const seen: { notary?: NotaryConfig; timeoutMs?: number; closed: boolean; output: string } = { closed: false, output: '' };
  const fetcher = {
    collectCollection: () => Promise.reject(new FetchError('CONNECTION', 'connection refused')),
  } as unknown as NotaryFetcher;
  const deps: Pick<CommandDeps, 'env' | 'clock' | 'stdout' | 'loadConfig' | 'connectNotary'> = {
    env,
    clock: { now: () => NOW },
    stdout: (text) => {
      seen.output += text;
    },
    loadConfig: (file) => configs[file] ?? assert.fail(`unexpected config ${file}`),
    connectNotary: (notary, timeoutMs): NotaryConnection => {
      seen.notary = notary;
      seen.timeoutMs = timeoutMs;
      return { fetcher, close: async () => void (seen.closed = true) };
    },
  };
  return { deps, seen };
}

const inspect = (args: { gun?: string; notaryUrl?: string; configFile?: string }) =>
  ({ name: 'inspect', gun: args.gun ?? 'registry.example:5000/app', notaryUrl: args.notaryUrl, configFile: args.configFile, json: true, at: undefined }) as const;

describe('inspect command', () => {
  it('refuses a GUN that is not one before reading anything', async () => {
    const { deps, seen } = inspectDeps({});

    await assert.rejects(inspectCommand(inspect({ gun: 'not a gun' }), deps), {
      name: 'UsageError',
      message: '"not a gun" is not a GUN: expected registry-host[:port]/repository',
    });
    assert.equal(seen.notary, undefined);
  });

  it('needs a Notary server from --notary, --config or DOCKER_CONTENT_TRUST_SERVER', async () => {
    await assert.rejects(inspectCommand(inspect({}), inspectDeps({}).deps), {
      message: 'no Notary server: pass --notary URL, --config FILE with notary.url, or set DOCKER_CONTENT_TRUST_SERVER',
    });
  });

  it('takes the server from the environment with the 30 s default timeout, and closes the connection after a fetch failure (exit 3)', async () => {
    const { deps, seen } = inspectDeps({ DOCKER_CONTENT_TRUST_SERVER: 'https://notary.example.com:4443' });

    const status = await inspectCommand(inspect({}), deps);

    assert.equal(status, 3);
    assert.equal(seen.notary?.url.host, 'notary.example.com:4443');
    assert.equal(seen.timeoutMs, 30_000);
    assert.ok(seen.closed);
    assert.equal((JSON.parse(seen.output) as { status: string }).status, 'error');
  });

  it('with --config uses its notary section and requestTimeoutSeconds, ignoring the environment', async () => {
    const { deps, seen } = inspectDeps(
      { DOCKER_CONTENT_TRUST_SERVER: 'https://other.example.com' },
      { 'c.yaml': config('notary:\n  url: https://notary.example.com\nrequestTimeoutSeconds: 5\n') }
    );

    await inspectCommand(inspect({ configFile: 'c.yaml' }), deps);

    assert.equal(seen.notary?.url.host, 'notary.example.com');
    assert.equal(seen.timeoutMs, 5_000);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseCommandLine } from '../../../src/cli/args.js';
import { configCheckCommand, type ConfigCheckDeps } from '../../../src/cli/commands/config-check.js';
import type { Config, SignaturePolicyConfig } from '../../../src/config/config.js';
import { parseConfig } from '../../../src/config/parse-config.js';
import { UsageError } from '../../../src/lib/errors.js';

const SECRETS = ['nexus-PW-1c9e', 'notary-PW-77aa', 'web-PW-03bd', 'hook-PW-e5f1'];

const TEXT = `
nexus:
  url: https://nexus.example.com
  username: auditor
  password: \${NEXUS_PASSWORD}
  caFile: /etc/nexus-ca.crt
  repositories:
    - {name: hosted, gunPrefix: nexus.example.com:18079, signaturePolicy: release, require: [dct, cosign]}
notary:
  url: https://notary.example.com:4443
  username: reader
  passwordFile: /run/secrets/notary
web:
  username: prometheus
  password: ${SECRETS[2]}
  tlsCertFile: /etc/tls.crt
  tlsKeyFile: /etc/tls.key
events:
  nexusWebhookSecret: \${HOOK}
signatures:
  policies:
    release:
      cosign: {keys: [/etc/release.pub]}
      notation: {trustPolicy: /etc/trustpolicy.json, trustStore: /etc/truststore}
`;

function config(text: string): Config {
  const parsed = parseConfig(text, { env: { NEXUS_PASSWORD: SECRETS[0] ?? '', HOOK: SECRETS[3] ?? '' }, readSecretFile: () => `${SECRETS[1]}\n` });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.error));
  return parsed.value;
}

/** Deps over in-memory files: `broken` names the files (or policy systems) that cannot be used. */
function deps(loaded: Config, broken: readonly string[] = []) {
  const seen = { output: '', read: [] as string[] };
  const value: ConfigCheckDeps = {
    stdout: (text) => void (seen.output += text),
    loadConfig: () => loaded,
    checkCaFile: (caFile, key) => {
      seen.read.push(caFile);
      if (broken.includes(caFile)) {
        throw new UsageError(`${key}: ${caFile} holds no PEM certificate`);
      }
    },
    readTlsFiles: (cert, key) => {
      seen.read.push(cert, key);
      if (broken.includes(cert)) {
        throw new Error(`ENOENT: no such file or directory, open '${cert}'`);
      }
      return { cert: 'c', key: 'k' };
    },
    loadSignatureVerifiers: async (policy: SignaturePolicyConfig, system) => {
      seen.read.push(`${policy.name}.${system}`);
      if (broken.includes(system)) {
        throw new UsageError(`signatures.policies.${policy.name}.${system}.keys[0]: /etc/release.pub is not a usable cosign public key`);
      }
      return { policy: policy.name, fingerprint: '-' };
    },
  };
  return { deps: value, seen };
}

const command = { name: 'config-check', configFile: 'c.yaml' } as const;

describe('config check', () => {
  it('is `config check FILE` on the command line, and nothing else', () => {
    assert.deepEqual(parseCommandLine(['config', 'check', '/etc/trust-auditor/config.yaml']), { name: 'config-check', configFile: '/etc/trust-auditor/config.yaml' });
    for (const argv of [
      ['config'],
      ['config', 'show', 'c.yaml'],
      ['config', 'check'],
      ['config', 'check', 'a', 'b'],
      ['config', 'check', 'a', '--json'],
      ['config', 'check', '--config', 'a'],
    ]) {
      assert.throws(() => parseCommandLine(argv), UsageError, argv.join(' '));
    }
  });

  it('reads every file the configuration names, then prints it resolved, defaults filled in and no secret (exit 0)', async () => {
    const { deps: checkDeps, seen } = deps(config(TEXT));

    const status = await configCheckCommand(command, checkDeps);

    assert.equal(status, 0);
    assert.deepEqual(seen.read, ['/etc/nexus-ca.crt', '/etc/tls.crt', '/etc/tls.key', 'release.cosign', 'release.notation']);
    for (const secret of SECRETS) {
      assert.ok(!seen.output.includes(secret), `the output shows ${secret}`);
    }
    assert.match(seen.output, /^# c\.yaml is valid\./);
    assert.match(seen.output, /^ {2}password: "\*\*\*"$/m);
    assert.match(seen.output, /^ {2}nexusWebhookSecret: "\*\*\*"$/m);
    assert.match(seen.output, /^schedule: "\*\/15 \* \* \* \*"$/m);
    assert.match(seen.output, /^listen: 0\.0\.0\.0:9817$/m);
    assert.match(seen.output, /^ {4}release:\n {6}cosign:\n {8}keys:\n {10}- \/etc\/release\.pub$/m);
  });

  it('reports every file that cannot be used, each with its key (exit 2 through UsageError)', async () => {
    const { deps: checkDeps } = deps(config(TEXT), ['/etc/nexus-ca.crt', '/etc/tls.crt', 'cosign']);

    const error = await configCheckCommand(command, checkDeps).then(
      () => assert.fail('accepted'),
      (caught: unknown) => caught
    );

    assert.ok(error instanceof UsageError);
    const keys = error.message
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(':')[0]);
    assert.deepEqual(keys, ['nexus.caFile', 'web.tlsCertFile / web.tlsKeyFile', 'signatures.policies.release.cosign.keys[0]']);
  });

  it('reports the sections scan and serve need', async () => {
    const { deps: checkDeps } = deps(config('database: /var/lib/trust-auditor/audit.db\n'));

    await assert.rejects(configCheckCommand(command, checkDeps), {
      name: 'UsageError',
      message: 'invalid configuration in c.yaml:\n  nexus.url: is required by scan and serve\n  notary.url: is required by scan and serve (or DOCKER_CONTENT_TRUST_SERVER)',
    });
  });

  it("passes loadConfig's refusal through, reading no other file", async () => {
    const { deps: checkDeps, seen } = deps(config(TEXT));
    checkDeps.loadConfig = () => {
      throw new UsageError('invalid configuration in c.yaml:\n  expiryWarningDays: must be a whole number of days from 0 to 3650');
    };

    await assert.rejects(configCheckCommand(command, checkDeps), { name: 'UsageError', message: /expiryWarningDays/ });
    assert.deepEqual(seen.read, []);
    assert.equal(seen.output, '');
  });
});

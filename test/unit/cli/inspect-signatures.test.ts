import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { CommandDeps, RegistryConnection } from '../../../src/cli/commands/deps.js';
import { inspectSignaturesCommand } from '../../../src/cli/commands/inspect-signatures.js';
import { parseImageReference } from '../../../src/cli/image-reference.js';
import type { Config } from '../../../src/config/config.js';
import { parseConfig } from '../../../src/config/parse-config.js';
import { FetchError } from '../../../src/lib/errors.js';
import type { ArtifactSource } from '../../../src/scan/ports.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const unexpected = (): never => assert.fail('no signature was to be verified');

function config(text: string): Config {
  const result = parseConfig(text, { env: {}, readSecretFile: () => '' });
  assert.ok(result.ok, JSON.stringify(result));
  return result.value;
}

const CONFIG = config(`nexus:
  url: http://nexus.example.com:8081
  repositories:
    - {name: hosted, gunPrefix: nexus.example.com:18079, signaturePolicy: keys}
    - {name: team, gunPrefix: nexus.example.com:18079/team, signaturePolicy: notation-only}
    - {name: plain, gunPrefix: plain.example.com}
signatures:
  policies:
    keys:
      cosign:
        keys: [/etc/cosign.pub]
    notation-only:
      notation:
        trustPolicy: /etc/notation/trustpolicy.json
        trustStore: /etc/notation/trust-store
requestTimeoutSeconds: 7
`);

/** A command whose registry `registry` is, recording what it was asked. */
function commandDeps(registry: Partial<ArtifactSource>, loaded: Config = CONFIG) {
  const seen: { output: string; repository?: string; timeoutMs?: number; closed: boolean; loaded?: string } = { output: '', closed: false };
  const deps: Parameters<typeof inspectSignaturesCommand>[1] = {
    clock: { now: () => NOW },
    stdout: (text) => void (seen.output += text),
    loadConfig: () => loaded,
    loadSignatureVerifiers: (policy, system) => {
      seen.loaded = `${policy.name}.${system}`;
      return Promise.resolve({ policy: policy.name, fingerprint: 'f', cosign: { verifySigLayer: unexpected, verifyBundle: unexpected }, notation: { verify: unexpected } });
    },
    connectRegistry: (_nexus, repository, timeoutMs): RegistryConnection => {
      seen.repository = repository;
      seen.timeoutMs = timeoutMs;
      return { registry: registry as ArtifactSource, close: async () => void (seen.closed = true) };
    },
  } satisfies Pick<CommandDeps, 'clock' | 'stdout' | 'loadConfig' | 'loadSignatureVerifiers' | 'connectRegistry'>;
  return { deps, seen };
}

const command = (text: string, system: 'cosign' | 'notation', json = true) =>
  ({ name: 'inspect-signatures', system, reference: parseImageReference(text) ?? assert.fail(text), configFile: 'c.yaml', json, at: undefined }) as const;

describe('inspect --cosign|--notation command', () => {
  it('refuses a reference under no configured repository, naming it and the known prefixes', async () => {
    const { deps, seen } = commandDeps({});
    await assert.rejects(inspectSignaturesCommand(command('elsewhere.example/app:1', 'cosign'), deps), {
      name: 'UsageError',
      message:
        '"elsewhere.example/app:1" is under no configured repository: its name must start with the gunPrefix of one of nexus.repositories (known prefixes: nexus.example.com:18079, nexus.example.com:18079/team, plain.example.com)',
    });
    assert.equal(seen.repository, undefined, 'nothing connected');
    await assert.rejects(inspectSignaturesCommand(command('h.example/app:1', 'cosign'), commandDeps({}, config('nexus:\n  url: http://n.example\n')).deps), {
      message: /known prefixes: none, the configuration lists no repository\)$/,
    });
    await assert.rejects(inspectSignaturesCommand(command('h.example/app:1', 'cosign'), commandDeps({}, config('notary:\n  url: http://n.example\n')).deps), {
      message: 'inspect --cosign needs nexus.url in the configuration',
    });
  });

  it('refuses a repository without a signaturePolicy, or whose policy has no part for the system', async () => {
    await assert.rejects(inspectSignaturesCommand(command('plain.example.com/app:1', 'cosign'), commandDeps({}).deps), {
      message: 'repository plain has no signaturePolicy: no cosign policy to check "plain.example.com/app:1" against',
    });
    await assert.rejects(inspectSignaturesCommand(command('nexus.example.com:18079/app:1', 'notation'), commandDeps({}).deps), {
      message: 'policy keys of repository hosted has no notation part (signatures.policies.keys.notation)',
    });
    // The longest prefix decides: team's policy has Notation, not cosign.
    await assert.rejects(inspectSignaturesCommand(command('nexus.example.com:18079/team/app:1', 'cosign'), commandDeps({}).deps), {
      message: 'policy notation-only of repository team has no cosign part (signatures.policies.notation-only.cosign)',
    });
  });

  it('a tag the registry does not have is absent (exit 1); only the system asked for is loaded; the connection is closed', async () => {
    const { deps, seen } = commandDeps({ getManifestDescriptor: () => Promise.resolve(undefined) });
    const status = await inspectSignaturesCommand(command('nexus.example.com:18079/team/app:1', 'notation'), deps);
    assert.equal(status, 1);
    assert.equal(seen.loaded, 'notation-only.notation');
    assert.equal(seen.repository, 'team');
    assert.equal(seen.timeoutMs, 7000);
    assert.ok(seen.closed);
    const output = JSON.parse(seen.output) as Record<string, unknown>;
    assert.deepEqual(output, {
      reference: 'nexus.example.com:18079/team/app:1',
      repository: 'team',
      image: 'app',
      tag: '1',
      digest: null,
      system: 'notation',
      policy: 'notation-only',
      at: '2026-06-01T00:00:00Z',
      referrersMode: null,
      status: 'absent',
      reason: 'MANIFEST_UNKNOWN: repository team has no manifest app:1',
      signers: [],
      certificateExpires: null,
      signatures: [],
    });
  });

  it('a registry that cannot be read is error (exit 3), never absent, and the human output is terminal-safe', async () => {
    const { deps, seen } = commandDeps({ getManifestDescriptor: () => Promise.reject(new FetchError('HTTP_5XX', 'registry answered 503 \u001b[2J')) });
    const status = await inspectSignaturesCommand(command('nexus.example.com:18079/app:1', 'cosign', false), deps);
    assert.equal(status, 3);
    assert.ok(seen.closed);
    assert.match(seen.output, /^Status: +error$/m);
    assert.match(seen.output, /registry answered 503 \\u001b\[2J/);
    assert.doesNotMatch(seen.output, /\u001b/);
    assert.match(seen.output, /^No cosign signature was checked\.$/m);
  });
});

/**
 * `trust-auditor config check` run as a user runs it: examples/config.yaml,
 * with its files laid out under a temporary directory (the cosign key and
 * Sigstore trusted root of sigstore-conformance, notation-go's trust store),
 * is valid and printed without a secret; broken files exit 2 naming each key.
 * Nothing is contacted (the example's hosts are example.com) and no database
 * is created.
 */
import assert from 'node:assert/strict';
import { chmod, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { runCli } from '../support/cli.js';
import { makeTempDir } from '../support/temp.js';

const ROOT = new URL('../../../', import.meta.url);
const fixture = (path: string): URL => new URL(`test/fixtures/real/${path}`, ROOT);

const SECRETS = { NEXUS_PASSWORD: 'nexus-PW-5d2c81', NEXUS_WEBHOOK_SECRET: 'hook-PW-a04e9b' };
const FILE_SECRETS = { 'notary-password': 'notary-PW-3e7f10', 'web-password': 'web-PW-c6b254', 'alertmanager-password': 'alertmanager-PW-51d0a2' };
const ALL_SECRETS = [...Object.values(SECRETS), ...Object.values(FILE_SECRETS)];

describe('trust-auditor config check', () => {
  let temp: { path: string; remove(): Promise<void> };
  let example: string;

  /** The example with its absolute paths moved under the temporary directory. */
  async function writeExample(name: string, edit: (text: string) => string = (text) => text): Promise<string> {
    const text = (await readFile(new URL('examples/config.yaml', ROOT), 'utf8'))
      .replaceAll('/etc/trust-auditor/', `${temp.path}/etc/`)
      .replaceAll('/run/secrets/', `${temp.path}/secrets/`)
      .replaceAll('/var/lib/trust-auditor/', `${temp.path}/var/`);
    const file = join(temp.path, name);
    await writeFile(file, edit(text));
    return file;
  }

  before(async () => {
    temp = await makeTempDir('config-check');
    const place = async (path: string, content: string | URL): Promise<void> => {
      const target = join(temp.path, path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, typeof content === 'string' ? content : await readFile(content));
    };
    const certificate = fixture('notation-go/verifier/testdata/truststore/x509/ca/valid-trust-store/wabbit-networks.io.crt');
    await place('etc/nexus-ca.crt', certificate);
    await place('etc/notary-ca.crt', certificate);
    await place('etc/alertmanager-ca.crt', certificate);
    await place('etc/tls/tls.crt', certificate);
    await place('etc/tls/tls.key', '-----BEGIN PRIVATE KEY-----\n(read, not parsed, by config check)\n-----END PRIVATE KEY-----\n');
    await place('etc/cosign/release.pub', fixture('sigstore-conformance/managed-key-and-trusted-root/key.pub'));
    await place('etc/cosign/trusted_root.json', fixture('sigstore-conformance/managed-key-and-trusted-root/trusted_root.json'));
    await place(
      'etc/notation/trustpolicy.json',
      JSON.stringify({
        version: '1.0',
        trustPolicies: [{ name: 'release', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:valid-trust-store'], trustedIdentities: ['*'] }],
      })
    );
    await cp(fixture('notation-go/verifier/testdata/truststore'), join(temp.path, 'etc/notation/truststore'), { recursive: true });
    for (const [name, secret] of Object.entries(FILE_SECRETS)) {
      await place(`secrets/${name}`, `${secret}\n`);
      await chmod(join(temp.path, 'secrets', name), 0o600);
    }
    example = await writeExample('config.yaml');
  });

  after(async () => {
    await temp?.remove();
  });

  it('accepts the example and prints it resolved without a secret (exit 0), creating no database', async () => {
    const { code, stdout, stderr } = await runCli(['config', 'check', example], SECRETS);

    assert.equal(code, 0, stderr);
    for (const secret of ALL_SECRETS) {
      assert.ok(!stdout.includes(secret) && !stderr.includes(secret), `a secret was printed: ${secret}`);
    }
    assert.match(stdout, /^ {2}password: "\*\*\*"$/m);
    assert.match(stdout, /^ {2}nexusWebhookSecret: "\*\*\*"$/m);
    assert.match(stdout, /^ {6}require:\n {8}- dct\n {8}- cosign$/m);
    assert.equal(existsSync(join(temp.path, 'var', 'audit.db')), false);
  });

  it('refuses a file with mistakes, naming every key on stderr (exit 2)', async () => {
    const broken = await writeExample('broken.yaml', (text) =>
      text
        .replace('expiryWarningDays: 14', 'expiryWarningDays: fourteen')
        .replace('tagSeries: all', 'tagSeries: every')
        .replace('  graceSeconds: 60', '  graceSeconds: 60\n  graceMinutes: 1')
    );

    const { code, stdout, stderr } = await runCli(['config', 'check', broken], SECRETS);

    assert.equal(code, 2);
    assert.equal(stdout, '');
    for (const key of ['expiryWarningDays:', 'metrics.tagSeries:', 'events.graceMinutes:']) {
      assert.ok(stderr.includes(`  ${key}`), `${key} not named in:\n${stderr}`);
    }
  });

  it('refuses files the keys name that cannot be used, and unset variables, each with its key (exit 2)', async () => {
    const missing = await writeExample('missing.yaml', (text) =>
      text.replace(`${temp.path}/etc/cosign/release.pub`, `${temp.path}/etc/cosign/absent.pub`).replace(`${temp.path}/etc/nexus-ca.crt`, `${temp.path}/etc/tls/tls.key`)
    );

    const { code, stderr } = await runCli(['config', 'check', missing], SECRETS);
    assert.equal(code, 2);
    for (const key of ['nexus.caFile:', 'signatures.policies.release.cosign.keys[0]:']) {
      assert.ok(stderr.includes(`  ${key}`), `${key} not named in:\n${stderr}`);
    }

    const unset = await runCli(['config', 'check', example], { NEXUS_PASSWORD: SECRETS.NEXUS_PASSWORD });
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /events\.nexusWebhookSecret: refers to environment variable NEXUS_WEBHOOK_SECRET, which is not set/);
  });
});

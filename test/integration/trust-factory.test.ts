/**
 * Proves the test-side signer (test/support/trust-factory.ts) against the real
 * notary client, so that the generated failure cases test the verifier and not
 * a private dialect:
 *   - its canonical JSON and key ids reproduce real notary-server metadata;
 *   - the real `notary list` accepts a collection it generated.
 */
import assert from 'node:assert/strict';
import { createPublicKey, verify, X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { runCli } from '../support/cli.js';
import { NotaryCli } from '../support/notary-cli.js';
import { startNotaryServer, type NotaryServer } from '../support/notary-server.js';
import { makeEcCertificate } from '../support/openssl.js';
import { startStaticNotary, type StaticNotary } from '../support/static-notary.js';
import { makeTempDir } from '../support/temp.js';
import { canonicalJson, ed25519Key, generateCollection, generateKeys, keyIdOf, targetFor } from '../support/trust-factory.js';

const REAL_GUN = '127.0.0.1:18079/real';
const GENERATED_GUN = '127.0.0.1:18079/generated';

type Envelope = {
  signed: Record<string, unknown> & {
    keys?: Record<string, { keytype: string; keyval: { public: string } }>;
    delegations?: { keys: Record<string, { keytype: string; keyval: { public: string } }> };
  };
  signatures: { keyid: string; method: string; sig: string }[];
};

function publicKeyOf(entry: { keytype: string; keyval: { public: string } }): ReturnType<typeof createPublicKey> {
  const raw = Buffer.from(entry.keyval.public, 'base64');
  switch (entry.keytype) {
    case 'ed25519':
      return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
    case 'ecdsa':
      return createPublicKey({ key: raw, format: 'der', type: 'spki' });
    default:
      return new X509Certificate(raw).publicKey;
  }
}

describe('the test-side signer', () => {
  let dir: { path: string; remove(): Promise<void> };
  let server: NotaryServer;
  let staticNotary: StaticNotary;
  let cli: NotaryCli;

  before(async () => {
    dir = await makeTempDir('factory');
    server = await startNotaryServer({ dir: dir.path });
    staticNotary = await startStaticNotary();
    cli = new NotaryCli({ trustDir: `${dir.path}/trust`, serverUrl: server.url, workDir: `${dir.path}/work` });
    const releases = await makeEcCertificate(dir.path, 'releases', 'releases');
    await cli.init(REAL_GUN);
    await cli.addDelegation(REAL_GUN, 'targets/releases', releases.certFile, releases.keyFile);
    await cli.addHash(REAL_GUN, 'v1', 'b'.repeat(64), 99, 'targets/releases');
    await cli.addHash(REAL_GUN, 'odd"tag\\name', 'c'.repeat(64), 100);
    await cli.publish(REAL_GUN);
  });

  after(async () => {
    await staticNotary?.stop();
    await server?.stop();
    await dir?.remove();
  });

  it('reproduces the signed bytes and key ids of real notary-server metadata', async () => {
    const fetchRole = async (role: string): Promise<Envelope> => (await (await fetch(`${server.url}/v2/${REAL_GUN}/_trust/tuf/${role}.json`)).json()) as Envelope;
    const root = await fetchRole('root');
    const targets = await fetchRole('targets');
    const keys = { ...root.signed.keys, ...targets.signed.delegations?.keys };
    let checked = 0;

    for (const [id, entry] of Object.entries(keys)) {
      assert.equal(keyIdOf(entry.keytype, entry.keyval.public), id, `key id of ${entry.keytype} key`);
    }
    for (const role of ['root', 'timestamp', 'snapshot', 'targets', 'targets/releases']) {
      const envelope = role === 'root' ? root : role === 'targets' ? targets : await fetchRole(role);
      const message = Buffer.from(canonicalJson(envelope.signed as never), 'utf8');
      for (const signature of envelope.signatures) {
        const entry = keys[signature.keyid];
        assert.ok(entry, `${role} is signed by a listed key`);
        const key = publicKeyOf(entry);
        const ok =
          signature.method === 'eddsa'
            ? verify(null, message, key, Buffer.from(signature.sig, 'base64'))
            : verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature.sig, 'base64'));
        assert.ok(ok, `${role} signature verifies over the factory's canonical JSON`);
        checked++;
      }
    }
    assert.ok(checked >= 5);
  });

  it('generates a collection that the real notary client lists', async () => {
    const keys = await generateKeys(dir.path, GENERATED_GUN);
    const releasesKey = await ed25519Key();
    const generated = await generateCollection({
      gun: GENERATED_GUN,
      keys,
      now: new Date(),
      targets: { 'admin-only': targetFor('admin'), shared: targetFor('shared-from-targets') },
      delegations: [{ name: 'targets/releases', keys: [releasesKey], targets: { shared: targetFor('shared-from-releases'), v1: targetFor('v1') } }],
    });
    staticNotary.setCollection(GENERATED_GUN, generated.files);
    const client = new NotaryCli({ trustDir: `${dir.path}/trust-generated`, serverUrl: staticNotary.url, workDir: `${dir.path}/work` });

    const listed = await client.list(GENERATED_GUN, ['targets/releases', 'targets']);

    const expected = [
      ['admin-only', targetFor('admin'), 'targets'],
      ['shared', targetFor('shared-from-releases'), 'targets/releases'],
      ['v1', targetFor('v1'), 'targets/releases'],
    ] as const;
    assert.deepEqual(listed.map((row) => [row.name, row.digest, row.size, row.role]).sort(), expected.map(([name, target, role]) => [name, target.sha256Hex, target.length, role]).sort());

    const result = await runCli(['inspect', GENERATED_GUN, '--notary', staticNotary.url, '--json']);
    assert.equal(result.code, 0, result.stdout);
    assert.deepEqual(
      (JSON.parse(result.stdout) as { targets: { tag: string; role: string }[] }).targets.map((t) => [t.tag, t.role]),
      [
        ['admin-only', 'targets'],
        ['shared', 'targets/releases'],
        ['v1', 'targets/releases'],
      ]
    );
  });
});

/** loadNotationTrust (src/notation/trust-files.ts): notation's files as they are, and an error naming the file otherwise. */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

import { loadNotationTrust } from '../../../src/notation/trust-files.js';

const ROOT_PEM = fileURLToPath(new URL('../../../../test/fixtures/real/notation-go/verifier/testdata/truststore/x509/ca/valid-trust-store/NotationTestRoot.pem', import.meta.url));
const POLICY = { version: '1.0', trustPolicies: [{ name: 'p', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:valid'], trustedIdentities: ['*'] }] };

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'notation-trust-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function layout(name: string, files: Record<string, string | null>, policy: unknown = POLICY): Promise<[string, string]> {
  const base = join(dir, name);
  await mkdir(join(base, 'store', 'x509', 'ca', 'valid'), { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(base, 'store', path, '..'), { recursive: true });
    if (content === null) await copyFile(ROOT_PEM, join(base, 'store', path));
    else await writeFile(join(base, 'store', path), content);
  }
  await writeFile(join(base, 'trustpolicy.json'), JSON.stringify(policy));
  return [join(base, 'trustpolicy.json'), join(base, 'store')];
}

describe('loadNotationTrust', () => {
  it('reads a policy and a store', async () => {
    const [policy, store] = await layout('good', { 'x509/ca/valid/root.pem': null });
    const trust = await loadNotationTrust(policy, store);
    assert.equal(trust.policy.statements[0]?.name, 'p');
    assert.equal(trust.store.stores.get('ca:valid')?.length, 1);
  });

  it('names the file and the problem', async () => {
    const [policy, store] = await layout('bad-ext', { 'x509/ca/valid/root.txt': null });
    await assert.rejects(loadNotationTrust(policy, store), /root\.txt: not a \.pem/);
    const [badPolicy, store2] = await layout('bad-policy', { 'x509/ca/valid/root.pem': null }, { version: '2', trustPolicies: [] });
    await assert.rejects(loadNotationTrust(badPolicy, store2), /trustpolicy\.json: UNSUPPORTED_VERSION/);
    await assert.rejects(loadNotationTrust(join(dir, 'missing.json'), store2), /missing\.json: cannot read the trust policy/);
    const [policy3, store3] = await layout('missing-store', { 'x509/tsa/t/root.pem': null });
    await assert.rejects(loadNotationTrust(policy3, store3), /EMPTY_STORE|names ca:valid/);
    const [policy4, store4] = await layout('link', { 'x509/ca/valid/real.pem': null });
    await symlink(join(store4, 'x509/ca/valid/real.pem'), join(store4, 'x509/ca/valid/link.pem'));
    await assert.rejects(loadNotationTrust(policy4, store4), /link\.pem: the certificate is not a regular file/);
    const [policy5, store5] = await layout('not-root', { 'x509/ca/valid/root.pem': 'junk' });
    await assert.rejects(loadNotationTrust(policy5, store5), /MALFORMED_CERTIFICATE/);
    const [policy6] = await layout('no-x509', {});
    await assert.rejects(loadNotationTrust(policy6, join(dir, 'nowhere')), /cannot read the trust store/);
  });
});

/**
 * Real trust data from the real notary-server, altered on the wire by the
 * tamper proxy: every alteration must be caught, and never reported as valid.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';

import { assessCollection, judgeTag } from '../../src/notary/core/assess.js';
import { sha256Hex } from '../../src/lib/digest.js';
import type { TrustHistory } from '../../src/notary/core/verify-collection.js';
import { runCli } from '../support/cli.js';
import { NotaryCli } from '../support/notary-cli.js';
import { startNotaryServer, type NotaryServer } from '../support/notary-server.js';
import { makeEcCertificate } from '../support/openssl.js';
import { editMetadata, flipSignatureBit, roleOfPath, startTamperProxy, type TamperProxy } from '../support/tamper-proxy.js';
import { makeTempDir } from '../support/temp.js';
import { codeOf, fetchAndVerify, type Verified } from '../support/verify.js';

/** The fields of `inspect --json` these tests read. */
interface InspectReport {
  readonly status: string;
  readonly reason: string;
}

const GUN = '127.0.0.1:18079/tampered';
const OTHER_GUN = '127.0.0.1:18079/impostor';

function manifest(): { sha256: string; size: number } {
  const bytes = randomBytes(400);
  return { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}

function historyOf(verified: Verified): TrustHistory {
  const verification = verified.verification;
  assert.ok(verification?.ok);
  const roles = new Map(verification.value.roles.filter((r) => r.sha256 !== '').map((r) => [r.role, { version: r.version, sha256: r.sha256 }]));
  assert.ok(verified.fetched?.kind === 'fetched');
  return { pinnedRoot: verified.fetched.bytes.root, roles };
}

describe('tampered real trust data', () => {
  let dir: { path: string; remove(): Promise<void> };
  let server: NotaryServer;
  let proxy: TamperProxy;
  let cli: NotaryCli;
  const signed = manifest();

  before(async () => {
    dir = await makeTempDir('notary-tamper');
    server = await startNotaryServer({ dir: dir.path });
    proxy = await startTamperProxy(server.url);
    cli = new NotaryCli({ trustDir: `${dir.path}/trust`, serverUrl: server.url, workDir: `${dir.path}/work` });
    const releases = await makeEcCertificate(dir.path, 'releases', 'releases');
    await cli.init(GUN);
    await cli.addDelegation(GUN, 'targets/releases', releases.certFile, releases.keyFile);
    await cli.addHash(GUN, 'v1', signed.sha256, signed.size, 'targets/releases');
    await cli.addHash(GUN, 'v1', signed.sha256, signed.size, 'targets');
    await cli.publish(GUN);
  });

  afterEach(() => proxy.setTamper(undefined));

  after(async () => {
    await proxy?.stop();
    await server?.stop();
    await dir?.remove();
  });

  const tamperRole = (role: string, change: (body: Buffer) => Buffer): void => {
    proxy.setTamper(async (path, forward) => {
      const response = await forward();
      return roleOfPath(path) === role && response.status === 200 ? { ...response, body: change(response.body) } : response;
    });
  };

  it('verifies the untouched data through the proxy', async () => {
    const verified = await fetchAndVerify(proxy.url, GUN);

    assert.equal(codeOf(verified), 'ok');
    const judgement = judgeTag(verified.evidence, 'v1', { digest: `sha256:${signed.sha256}`, size: signed.size }, new Date());
    assert.equal(judgement.status, 'signed');
    assert.equal(judgement.role, 'targets/releases');
  });

  it('catches a changed target hash that keeps the old signature (HASH_MISMATCH on targets/releases)', async () => {
    tamperRole('targets/releases', (body) =>
      editMetadata(body, (envelope) => {
        const targets = envelope.signed['targets'] as Record<string, { hashes: Record<string, string> }>;
        (targets['v1'] as { hashes: Record<string, string> }).hashes['sha256'] = createHash('sha256').update('evil').digest('base64');
      })
    );

    const verified = await fetchAndVerify(proxy.url, GUN);

    // The delegation fails; the tag is invalid rather than falling back to targets.
    assert.equal(codeOf(verified), 'ok');
    const judgement = judgeTag(verified.evidence, 'v1', { digest: `sha256:${signed.sha256}`, size: signed.size }, new Date());
    assert.equal(judgement.status, 'invalid');
    assert.equal(judgement.reasonCode, 'HASH_MISMATCH');
    assert.equal(assessCollection(verified.evidence, new Date()).status, 'invalid');
  });

  it('catches a changed top-level targets file (HASH_MISMATCH on targets)', async () => {
    tamperRole('targets', (body) =>
      editMetadata(body, (envelope) => {
        envelope.signed['expires'] = '2099-01-01T00:00:00Z';
      })
    );

    assert.equal(codeOf(await fetchAndVerify(proxy.url, GUN)), 'HASH_MISMATCH@targets');
  });

  it('catches a flipped signature bit on the timestamp (THRESHOLD_NOT_MET)', async () => {
    tamperRole('timestamp', flipSignatureBit);

    assert.equal(codeOf(await fetchAndVerify(proxy.url, GUN)), 'THRESHOLD_NOT_MET@timestamp');
  });

  it('catches a wrong _type (WRONG_TYPE)', async () => {
    tamperRole('timestamp', (body) =>
      editMetadata(body, (envelope) => {
        envelope.signed['_type'] = 'Snapshot';
      })
    );

    assert.equal(codeOf(await fetchAndVerify(proxy.url, GUN)), 'WRONG_TYPE@timestamp');
  });

  it('catches a snapshot that does not match the timestamp (HASH_MISMATCH on snapshot)', async () => {
    tamperRole('snapshot', (body) =>
      editMetadata(body, (envelope) => {
        envelope.signed['version'] = 99;
      })
    );

    assert.equal(codeOf(await fetchAndVerify(proxy.url, GUN)), 'HASH_MISMATCH@snapshot');
  });

  it('reports malformed JSON (MALFORMED_METADATA) and the CLI says invalid with exit 1', async () => {
    tamperRole('timestamp', () => Buffer.from('{"signed": {"_type": "Timestamp", '));

    assert.equal(codeOf(await fetchAndVerify(proxy.url, GUN)), 'MALFORMED_METADATA@timestamp');
    const result = await runCli(['inspect', GUN, '--notary', proxy.url, '--json']);
    assert.equal(result.code, 1);
    assert.equal((JSON.parse(result.stdout) as InspectReport).status, 'invalid');
  });

  it('refuses an oversized timestamp without reading it all (error, exit 3, one line on stdout JSON)', async () => {
    tamperRole('timestamp', () => Buffer.alloc(3 * 1024 * 1024, 0x20));

    const verified = await fetchAndVerify(proxy.url, GUN);
    assert.equal(verified.error?.code, 'TOO_LARGE');
    const result = await runCli(['inspect', GUN, '--notary', proxy.url, '--json']);
    assert.equal(result.code, 3);
    const report = JSON.parse(result.stdout) as InspectReport;
    assert.equal(report.status, 'error');
    assert.match(report.reason, /limit/);
  });

  it('treats a delegation listed in snapshot but not served as invalid (MISSING_METADATA), not as absent', async () => {
    proxy.setTamper(async (path, forward) => (roleOfPath(path) === 'targets/releases' ? { status: 404, headers: {}, body: Buffer.from('{}') } : forward()));

    const verified = await fetchAndVerify(proxy.url, GUN);

    const judgement = judgeTag(verified.evidence, 'v1', { digest: `sha256:${signed.sha256}`, size: signed.size }, new Date());
    assert.equal(judgement.status, 'invalid');
    assert.equal(judgement.reasonCode, 'MISSING_METADATA');
  });

  it('rejects trust data served for another GUN (ROOT_CERTIFICATE_INVALID: CN is not the GUN)', async () => {
    proxy.setTamper(async (path, forward) => {
      if (path.includes(`/v2/${OTHER_GUN}/`)) {
        const real = path.replace(`/v2/${OTHER_GUN}/`, `/v2/${GUN}/`);
        return fetch(new URL(real, server.url)).then(async (r) => ({ status: r.status, headers: {}, body: Buffer.from(await r.arrayBuffer()) }));
      }
      return forward();
    });

    assert.equal(codeOf(await fetchAndVerify(proxy.url, OTHER_GUN)), 'ROOT_CERTIFICATE_INVALID@root');
  });

  it('detects a rollback to older timestamp and snapshot versions (ROLLBACK)', async () => {
    const before = await fetchAndVerify(server.url, GUN);
    const oldTimestamp = before.fetched?.kind === 'fetched' ? before.fetched.bytes.timestamp : undefined;
    assert.ok(oldTimestamp !== undefined);
    const next = manifest();
    await cli.addHash(GUN, 'v2', next.sha256, next.size, 'targets/releases');
    await cli.publish(GUN);
    const history = historyOf(await fetchAndVerify(server.url, GUN));
    proxy.setTamper(async (path, forward) => (roleOfPath(path) === 'timestamp' && !/[0-9a-f]{64}/.test(path) ? { status: 200, headers: {}, body: Buffer.from(oldTimestamp) } : forward()));

    const rolledBack = await fetchAndVerify(proxy.url, GUN, { history });

    assert.equal(codeOf(rolledBack), 'ROLLBACK@timestamp');
    // The old data on its own still verifies: only history reveals the rollback.
    assert.equal(codeOf(await fetchAndVerify(proxy.url, GUN)), 'ok');
    assert.notEqual(sha256Hex(oldTimestamp), history.roles.get('timestamp')?.sha256);
  });

  it('passes registry-style token auth with Basic credentials', async () => {
    const guarded = await startTamperProxy(server.url, { requireToken: { username: 'auditor', password: 's3cret' } });
    try {
      const denied = await fetchAndVerify(guarded.url, GUN);
      assert.equal(denied.error?.code, 'AUTH');

      const verified = await fetchAndVerify(guarded.url, GUN, { credentials: { username: 'auditor', password: 's3cret' } });

      assert.equal(codeOf(verified), 'ok');
      // One token for the GUN, reused for every file after the first challenge.
      assert.equal(guarded.requests.filter((p) => p.startsWith('/token')).length, 2);
    } finally {
      await guarded.stop();
    }
  });

  it('reports a 500 from the server as an error, not as invalid', async () => {
    proxy.setTamper(async () => ({ status: 500, headers: {}, body: Buffer.from('{"errors":[{"code":"UNKNOWN","message":"could not sign"}]}') }));

    const verified = await fetchAndVerify(proxy.url, GUN);

    assert.equal(verified.error?.code, 'HTTP_5XX');
    assert.match(verified.error?.message ?? '', /could not sign/);
    assert.equal(judgeTag(verified.evidence, 'v1', { digest: `sha256:${signed.sha256}`, size: signed.size }, new Date()).status, 'error');
  });
});

/**
 * The real notary-server over TLS with its own CA (the ca.crt docker keeps),
 * root rotation and repository re-initialisation with the real client, and the
 * CLI's errors for unreachable servers and bad input.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { runCli } from '../support/cli.js';
import { NotaryCli } from '../support/notary-cli.js';
import { startNotaryServer, type NotaryServer } from '../support/notary-server.js';
import { makeServerCertificate } from '../support/openssl.js';
import { freePort } from '../support/processes.js';
import { makeTempDir } from '../support/temp.js';
import { codeOf, fetchAndVerify } from '../support/verify.js';

/** The fields of `inspect --json` these tests read. */
interface InspectReport {
  readonly status: string;
  readonly reason: string;
}

const GUN = '127.0.0.1:18079/tls-app';
const ROTATED = '127.0.0.1:18079/rotated';
const REINITIALISED = '127.0.0.1:18079/reinitialised';

describe('TLS, root rotation and CLI errors against the real notary-server', () => {
  let dir: { path: string; remove(): Promise<void> };
  let tlsServer: NotaryServer;
  let plainServer: NotaryServer;
  let caFile: string;
  let cli: NotaryCli;

  before(async () => {
    dir = await makeTempDir('notary-tls');
    const certificate = await makeServerCertificate(dir.path, 'notary');
    caFile = certificate.caFile;
    tlsServer = await startNotaryServer({ dir: dir.path, tls: { certFile: certificate.certFile, keyFile: certificate.keyFile } });
    const tlsCli = new NotaryCli({ trustDir: `${dir.path}/trust-tls`, serverUrl: tlsServer.url, workDir: `${dir.path}/work`, rootCa: caFile });
    await tlsCli.init(GUN);
    await tlsCli.addHash(GUN, 'v1', 'a'.repeat(64), 1234);
    await tlsCli.publish(GUN);

    plainServer = await startNotaryServer({ dir: dir.path });
    cli = new NotaryCli({ trustDir: `${dir.path}/trust`, serverUrl: plainServer.url, workDir: `${dir.path}/work` });
  });

  after(async () => {
    await tlsServer?.stop();
    await plainServer?.stop();
    await dir?.remove();
  });

  it('verifies over TLS with the configured notary.caFile', async () => {
    const config = join(dir.path, 'with-ca.yaml');
    await writeFile(config, `notary:\n  url: ${tlsServer.url}\n  caFile: ${caFile}\n`);

    const result = await runCli(['inspect', GUN, '--config', config, '--json']);

    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.equal((JSON.parse(result.stdout) as InspectReport).status, 'valid');
  });

  it('fails with a TLS error and exit 3 when the server certificate is from an unknown CA', async () => {
    const result = await runCli(['inspect', GUN, '--notary', tlsServer.url]);

    assert.equal(result.code, 3);
    assert.match(result.stdout, /^Status:\s+error$/m);
    assert.match(result.stdout, /^Reason:\s+.*TLS.*caFile/m);
    assert.doesNotMatch(result.stdout + result.stderr, /\n\s+at /, 'no stack trace');
  });

  it('fails with exit 3 when the server is unreachable', async () => {
    const port = await freePort();

    const result = await runCli(['inspect', GUN, '--notary', `http://127.0.0.1:${port}`, '--json']);

    assert.equal(result.code, 3);
    const report = JSON.parse(result.stdout) as InspectReport;
    assert.equal(report.status, 'error');
    assert.match(report.reason, /cannot connect/);
  });

  it('names the bad key for a missing caFile (exit 2)', async () => {
    const config = join(dir.path, 'bad-ca.yaml');
    await writeFile(config, `notary:\n  url: ${tlsServer.url}\n  caFile: ${dir.path}/missing.crt\n`);

    const result = await runCli(['inspect', GUN, '--config', config]);

    assert.equal(result.code, 2);
    assert.match(result.stderr, /^trust-auditor: notary\.caFile: cannot read .*missing\.crt/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  });

  it('rejects usage errors with exit 2 and one line', async () => {
    for (const args of [
      ['inspect'],
      ['inspect', GUN, '--at', 'tomorrow', '--notary', plainServer.url],
      ['inspect', 'not a gun', '--notary', plainServer.url],
      ['inspect', GUN, '--bogus'],
      ['frobnicate'],
    ]) {
      const result = await runCli(args);

      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, /^trust-auditor: /);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.equal(result.stdout, '');
    }
  });

  it('accepts a root rotated with notary key rotate when the old root is pinned', async () => {
    await cli.init(ROTATED);
    const pinned = await fetchAndVerify(plainServer.url, ROTATED);
    assert.equal(codeOf(pinned), 'ok');
    const pinnedRoot = pinned.fetched?.kind === 'fetched' ? pinned.fetched.bytes.root : undefined;

    await cli.notaryWithInput('yes\n', 'key', 'rotate', ROTATED, 'root');
    const rotated = await fetchAndVerify(plainServer.url, ROTATED, { history: { pinnedRoot, roles: new Map() } });

    assert.equal(codeOf(rotated), 'ok');
    const newRoot = rotated.fetched?.kind === 'fetched' ? rotated.fetched.bytes.root : undefined;
    assert.notDeepEqual(newRoot, pinnedRoot);
  });

  it('rejects a repository deleted and re-initialised with a new root key (ROOT_ROTATION_INVALID)', async () => {
    await cli.init(REINITIALISED);
    const pinned = await fetchAndVerify(plainServer.url, REINITIALISED);
    const pinnedRoot = pinned.fetched?.kind === 'fetched' ? pinned.fetched.bytes.root : undefined;
    assert.ok(pinnedRoot);

    await cli.notary('delete', REINITIALISED, '--remote');
    const fresh = new NotaryCli({ trustDir: `${dir.path}/trust-fresh`, serverUrl: plainServer.url, workDir: `${dir.path}/work` });
    await fresh.init(REINITIALISED);
    const verified = await fetchAndVerify(plainServer.url, REINITIALISED, { history: { pinnedRoot, roles: new Map() } });

    assert.equal(codeOf(verified), 'ROOT_ROTATION_INVALID@root');
    // Without the pin (first use) the new repository is valid: only history reveals the change.
    assert.equal(codeOf(await fetchAndVerify(plainServer.url, REINITIALISED)), 'ok');
  });
});

/**
 * What a hostile server or a careless file can make the CLI print: no
 * terminal escape from a server's message, no secret that a `${VAR}` expanded
 * to, and a word about a password file that others can read.
 */
import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { runCli } from '../support/cli.js';
import { listenOnLoopback } from '../support/processes.js';
import { makeTempDir } from '../support/temp.js';

describe('hostile text and careless files at the CLI', () => {
  let dir: { path: string; remove(): Promise<void> };
  let server: Server;
  let url: string;

  before(async () => {
    dir = await makeTempDir('edges');
    // A Notary that answers every request with an errcode body full of terminal escapes.
    server = createServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'x\u001b[2J\u001b]0;owned\u0007\ndocker-hosted app 9.9 signed' }] }));
    });
    url = await listenOnLoopback(server);
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    await dir?.remove();
  });

  it('inspect prints a server message with its control characters escaped', async () => {
    const result = await runCli(['inspect', 'registry.example:5000/app', '--notary', url]);

    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stdout, /Reason: {2}.*x\\u001b\[2J\\u001b\]0;owned\\u0007\\u000adocker-hosted app 9\.9 signed/);
    assert.doesNotMatch(result.stdout + result.stderr, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  it('a configuration error quotes ${VAR}, never the secret it expanded to', async () => {
    const file = join(dir.path, 'secret-url.yaml');
    await writeFile(file, 'nexus:\n  url: https://nexus.example.com\nnotary:\n  url: "${NOTARY_PW}"\n');

    const result = await runCli(['scan', '--config', file], { NOTARY_PW: 'NOTARY-PW-456' });

    assert.equal(result.code, 2);
    assert.match(result.stderr, /notary\.url: "\$\{NOTARY_PW\}" is not a URL/);
    assert.doesNotMatch(result.stdout + result.stderr, /NOTARY-PW-456/);
  });

  it('warns when a passwordFile is readable by other users, and not when it is private or shared with a group (a Kubernetes Secret mount is 0440)', async () => {
    const secret = join(dir.path, 'nexus-password');
    await writeFile(secret, 'pw-from-file\n');
    const file = join(dir.path, 'password-file.yaml');
    // An unknown key makes the command stop after reading the file: no server is needed.
    await writeFile(file, `nexus:\n  url: http://127.0.0.1:9\n  username: auditor\n  passwordFile: ${secret}\n  bogus: 1\n`);

    await chmod(secret, 0o644);
    const shared = await runCli(['scan', '--config', file]);
    await chmod(secret, 0o600);
    const private_ = await runCli(['scan', '--config', file]);
    await chmod(secret, 0o440);
    const group = await runCli(['scan', '--config', file]);

    assert.equal(shared.code, 2);
    assert.match(shared.stderr, /passwordFile is readable by other users: chmod o-rwx it/);
    assert.match(shared.stderr, /"mode":"644"/);
    assert.doesNotMatch(private_.stderr, /readable by other users/);
    assert.doesNotMatch(group.stderr, /readable by other users/);
    assert.doesNotMatch(shared.stdout + shared.stderr, /pw-from-file/);
  });
});

/**
 * The contract's shutdown: on SIGTERM `serve` lets the running scan finish or
 * aborts it within 10 s, then exits 0 (8 s to finish, 2 s kept for the abort and
 * closing); README and docs/runbooks.md say the same.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

import Database from 'better-sqlite3';

import { MAIN } from '../support/cli.js';
import { freePort, listenOnLoopback } from '../support/processes.js';
import { makeTempDir } from '../support/temp.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('serve on SIGTERM: the running scan finishes or is aborted within 10 s', () => {
  let dir: { path: string; remove(): Promise<void> };
  let nexus: Server;
  let nexusUrl: string;
  /** How long the components page takes to come; undefined: it never comes. */
  let answerAfterMs: number | undefined;
  let requests = 0;

  before(async () => {
    dir = await makeTempDir('shutdown-grace');
    nexus = createServer((_req, res) => {
      requests++;
      if (answerAfterMs !== undefined) {
        const timer = setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"items":[],"continuationToken":null}');
        }, answerAfterMs);
        res.on('close', () => clearTimeout(timer));
      }
    });
    nexusUrl = await listenOnLoopback(nexus);
  });

  after(async () => {
    nexus.closeAllConnections();
    await new Promise((resolve) => nexus.close(resolve));
    await dir?.remove();
  });

  /** Starts serve, SIGTERMs it while its start-up scan waits on Nexus, and reports how it ended. */
  const terminateMidScan = async (name: string) => {
    const database = join(dir.path, `${name}.db`);
    const config = join(dir.path, `${name}.yaml`);
    await writeFile(
      config,
      `nexus:\n  url: ${nexusUrl}\n  repositories:\n    - name: docker-hosted\n      gunPrefix: 127.0.0.1:18079\n` +
        `notary:\n  url: ${nexusUrl}\ndatabase: ${database}\nlisten: 127.0.0.1:${await freePort()}\nrequestTimeoutSeconds: 120\nschedule: "0 0 1 1 *"\n`
    );
    const before = requests;
    const child = spawn(process.execPath, [MAIN, 'serve', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (requests === before && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(requests > before, `the start-up scan reached Nexus: ${stderr}`);
      const signalled = Date.now();
      child.kill('SIGTERM');
      const code = await exited;
      const elapsedMs = Date.now() - signalled;
      const db = new Database(database, { readonly: true });
      const scans = db.prepare('SELECT outcome, error FROM scans ORDER BY id').all() as { outcome: string; error: string | null }[];
      db.close();
      return { code, elapsedMs, scans, stderr };
    } finally {
      child.kill('SIGKILL');
    }
  };

  it('lets a scan that needs 6 s more finish, and exits 0', async () => {
    answerAfterMs = 6_000;

    const result = await terminateMidScan('finishes');

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.scans, [{ outcome: 'complete', error: null }], result.stderr);
    assert.ok(result.elapsedMs >= 5_000 && result.elapsedMs < 10_000, `exited ${result.elapsedMs} ms after SIGTERM`);
    assert.doesNotMatch(result.stderr, /Aborting the running scan/);
  });

  it('aborts a scan that would not finish at 8 s, and has exited 0 within 10 s', async () => {
    answerAfterMs = undefined;

    const result = await terminateMidScan('aborted');

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.scans, [{ outcome: 'failed', error: 'aborted before it completed (shutdown)' }], result.stderr);
    assert.ok(result.elapsedMs >= 7_500 && result.elapsedMs < 10_000, `exited ${result.elapsedMs} ms after SIGTERM`);
    assert.match(result.stderr, /"graceMs":8000/);
    assert.doesNotMatch(result.stderr, /TIMEOUT/);
  });

  it('README and docs/runbooks.md say the same: within 10 s, 8 s to finish', async () => {
    const readme = (await readFile(join(ROOT, 'README.md'), 'utf8')).replace(/\s+/g, ' ');
    const runbooks = (await readFile(join(ROOT, 'docs/runbooks.md'), 'utf8')).replace(/\s+/g, ' ');

    assert.match(readme, /SIGTERM or SIGINT stops the schedule, lets a running scan finish or aborts it within 10 s \(it gets 8 s to finish/);
    assert.match(runbooks, /On SIGTERM the daemon lets a running scan finish or aborts it within 10 seconds \(8 s to finish/);
    assert.doesNotMatch(readme + runbooks, /finish for 5 s|5 seconds to finish|at most 10 seconds to finish/);
  });
});

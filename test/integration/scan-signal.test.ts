/**
 * `scan` stopped by a signal says which one: the scan ends as failed (exit 3)
 * with "stopped by SIGTERM before it completed", and the request it was waiting
 * on is not reported as a TIMEOUT.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import Database from 'better-sqlite3';

import { MAIN } from '../support/cli.js';
import { makeTempDir } from '../support/temp.js';
import { listenOnLoopback } from '../support/processes.js';

describe('scan stopped by a signal', () => {
  let dir: { path: string; remove(): Promise<void> };
  let nexus: Server;
  let nexusUrl: string;
  let received = 0;

  before(async () => {
    dir = await makeTempDir('scan-signal');
    // A Nexus that takes every request and never answers: the scan is always mid-request.
    nexus = createServer(() => {
      received++;
    });
    nexusUrl = await listenOnLoopback(nexus);
  });

  after(async () => {
    nexus.closeAllConnections();
    await new Promise((resolve) => nexus.close(resolve));
    await dir?.remove();
  });

  const stopScan = async (signal: NodeJS.Signals, extra: string[] = []) => {
    const database = join(dir.path, `audit-${signal}-${extra.length}.db`);
    const config = join(dir.path, `config-${signal}-${extra.length}.yaml`);
    await writeFile(
      config,
      `nexus:\n  url: ${nexusUrl}\n  repositories:\n    - name: docker-hosted\n      gunPrefix: 127.0.0.1:18079\n` +
        `notary:\n  url: ${nexusUrl}\ndatabase: ${database}\nrequestTimeoutSeconds: 120\n`
    );
    const before = received;
    const child = spawn(process.execPath, [MAIN, 'scan', '--config', config, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (received === before && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(received > before, `the scan reached Nexus: ${stderr}`);
      const signalled = Date.now();
      child.kill(signal);
      const code = await exited;
      const stoppedWithinMs = Date.now() - signalled;
      await new Promise((resolve) => setImmediate(resolve));
      const db = new Database(database, { readonly: true });
      const scans = db.prepare('SELECT outcome, error FROM scans ORDER BY id').all() as { outcome: string; error: string | null }[];
      db.close();
      return { code, stdout, stderr, stoppedWithinMs, scans };
    } finally {
      child.kill('SIGKILL');
    }
  };

  it('SIGTERM: exit 3, the message names the signal, no TIMEOUT', async () => {
    const result = await stopScan('SIGTERM');

    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stdout, /^Scan 1: failed, 0 tags/);
    assert.match(result.stdout, /\nProblems:\n(?: .*\n)*  stopped by SIGTERM before it completed\n/);
    assert.doesNotMatch(result.stdout + result.stderr, /TIMEOUT|within \d+ ms|\(shutdown\)|interrupted/);
    assert.ok(
      result.stderr.split('\n').some((line) => line.includes('"signal":"SIGTERM"') && line.includes('Stopping the scan')),
      result.stderr
    );
    assert.deepEqual(result.scans, [{ outcome: 'failed', error: 'stopped by SIGTERM before it completed' }]);
    assert.ok(result.stoppedWithinMs < 10_000, `stopped ${result.stoppedWithinMs} ms after the signal`);
  });

  it('SIGINT (Ctrl-C) with --json: the report says failed, the scan records SIGINT', async () => {
    const result = await stopScan('SIGINT', ['--json']);

    assert.equal(result.code, 3, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { scan: { outcome: string } }).scan.outcome, 'failed');
    assert.doesNotMatch(result.stderr, /TIMEOUT/);
    assert.deepEqual(result.scans, [{ outcome: 'failed', error: 'stopped by SIGINT before it completed' }]);
  });
});

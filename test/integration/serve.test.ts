/**
 * `serve` as a user runs it: the daemon against the Nexus test server and the
 * real notary-server, scraped like Prometheus would, checked by the real
 * promtool, driven through its API, stopped with SIGTERM mid-scan, and its
 * status page loaded in a real headless Chromium.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';

import Database from 'better-sqlite3';

import { parseMetrics } from '../support/assertions.js';
import { dumpDom } from '../support/chromium.js';
import { startDaemon, triggerScan, type Daemon } from '../support/daemon.js';
import { freePort, waitUntil } from '../support/processes.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';
import { VERSION } from '../../src/version.js';

const PREFIX = '127.0.0.1:18079';

describe('serve', () => {
  let world: ScanWorld;
  let config: string;
  let database: string;
  let port: number;
  let daemon: Daemon | undefined;

  const start = (): Promise<Daemon> => startDaemon(config, port);
  const scans = async (): Promise<{ id: number; outcome: string }[]> => (daemon as Daemon).scans();
  const waitForScanAfter = async (id: number): Promise<void> =>
    waitUntil(async () => (await scans()).some((scan) => scan.id > id && scan.outcome !== 'running'), 'next scan', undefined, 30_000);

  before(async () => {
    world = await startScanWorld();
    world.nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
    await world.cli.init(`${PREFIX}/app`);
    const signed = world.push('docker-hosted', 'app', 'v1');
    await world.cli.addHash(`${PREFIX}/app`, 'v1', signed.sha256, signed.size);
    await world.cli.publish(`${PREFIX}/app`);
    world.push('docker-hosted', 'app', 'v2-unsigned');
    world.push('docker-hosted', 'app', 'doomed');
    world.push('docker-hosted', 'other', '<script>alert(1)</script>'.replace(/[^a-z0-9]/g, 'x'));
    port = await freePort();
    database = `${world.dir}/serve.db`;
    config = await world.writeConfig(
      'serve.yaml',
      `nexus:\n  url: ${world.nexus.url}\n  repositories:\n    - name: docker-hosted\n      gunPrefix: ${PREFIX}\nnotary:\n  url: ${world.notaryProxy.url}\ndatabase: ${database}\nschedule: "0 0 1 1 *"\nlisten: 127.0.0.1:${port}\nweb:\n  minScanIntervalSeconds: 0\n`
    );
    daemon = await start();
  });

  after(async () => {
    daemon?.child.kill('SIGKILL');
    await world?.stop();
  });

  it('exports every contract metric with values matching the verdicts, and promtool finds nothing to lint', async () => {
    const response = await fetch(`${daemon?.url}/metrics`);
    const text = await response.text();
    const series = parseMetrics(text);

    assert.equal(response.status, 200);
    assert.equal(series.get('trust_auditor_tag_status{repository="docker-hosted",image="app",tag="v1",status="signed"}'), 1);
    assert.equal(series.get('trust_auditor_tag_status{repository="docker-hosted",image="app",tag="v2-unsigned",status="unsigned"}'), 1);
    assert.equal(series.get('trust_auditor_tags{repository="docker-hosted",status="signed"}'), 1);
    assert.equal(series.get('trust_auditor_tags{repository="docker-hosted",status="unsigned"}'), 3);
    assert.equal(series.get('trust_auditor_tags{repository="docker-hosted",status="invalid"}'), 0);
    const timestampExpiry = series.get(`trust_auditor_trust_expiry_timestamp_seconds{gun="${PREFIX}/app",role="timestamp"}`) ?? 0;
    assert.ok(Math.abs(timestampExpiry - (Date.now() / 1000 + 14 * 86400)) < 3600, 'timestamp expires in 14 days');
    assert.ok(series.has(`trust_auditor_trust_expiry_timestamp_seconds{gun="${PREFIX}/app",role="root-certificate"}`));
    assert.ok((series.get('trust_auditor_scan_last_success_timestamp_seconds') ?? 0) > Date.now() / 1000 - 300);
    assert.ok(series.has('trust_auditor_scan_duration_seconds'));
    assert.equal(series.get('trust_auditor_scan_up'), 1);
    assert.equal(series.get('trust_auditor_source_up{source="nexus"}'), 1);
    assert.equal(series.get('trust_auditor_source_up{source="notary"}'), 1);
    assert.equal(series.get('trust_auditor_source_errors_total{source="notary",reason="HTTP_5XX"}'), 0);
    assert.ok([...series.keys()].some((key) => key.startsWith(`trust_auditor_build_info{version="${VERSION}",node_version=`)));
    assert.match(text, /# HELP trust_auditor_tag_status .*last completed scan/);
    assert.ok(series.has('process_resident_memory_bytes'));

    const checked = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const promtool = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      promtool.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      promtool.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      promtool.on('exit', (code) => resolve({ code, out }));
      promtool.stdin.end(text);
    });
    assert.equal(checked.out.trim(), '', checked.out);
    assert.equal(checked.code, 0);
  });

  it('serves the latest verdicts and the scans as JSON, paged and filtered', async () => {
    const first = (await (await fetch(`${daemon?.url}/api/v1/tags?status=unsigned&limit=2`)).json()) as { tags: { tag: string; status: string }[]; next: string | null };
    assert.equal(first.tags.length, 2);
    assert.ok(first.tags.every((tag) => tag.status === 'unsigned'));
    assert.ok(first.next);
    const second = (await (await fetch(`${daemon?.url}/api/v1/tags?status=unsigned&limit=2&after=${first.next}`)).json()) as { tags: { tag: string }[]; next: string | null };
    assert.equal(second.tags.length, 1);
    assert.equal(second.next, null);
    assert.equal((await fetch(`${daemon?.url}/api/v1/tags?status=bogus`)).status, 400);
    assert.equal((await fetch(`${daemon?.url}/nope`)).status, 404);
    assert.equal((await fetch(`${daemon?.url}/metrics`, { method: 'DELETE' })).status, 405);
  });

  it('refuses a second scan while one runs (409), and drops the series of a deleted tag after the next scan', async () => {
    const before = (await scans())[0]?.id ?? 0;
    world.nexus.deleteTag('docker-hosted', 'app', 'doomed');
    world.setOverride(async (_path, forward) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return forward();
    });
    try {
      const accepted = await triggerScan(daemon?.url ?? '');
      const refused = await triggerScan(daemon?.url ?? '');

      assert.equal(accepted.status, 202);
      assert.equal(refused.status, 409);
      await waitForScanAfter(before);
    } finally {
      world.setOverride(undefined);
    }
    const text = await (await fetch(`${daemon?.url}/metrics`)).text();
    assert.doesNotMatch(text, /tag="doomed"/);
    assert.match(text, /tag="v2-unsigned"/);
    assert.match(daemon?.output() ?? '', /Scan request refused: a scan is already running/);
  });

  it('shows the findings on the status page in a real browser', async () => {
    const dom = await dumpDom(`${daemon?.url}/`, `${world.dir}/chromium-profile`);

    assert.match(dom, /<h1>trust-auditor<\/h1>/);
    assert.match(dom, /<table id="findings">/);
    assert.match(dom, /<tr class="status-unsigned" data-status="unsigned">.*?<td data-label="Tag" class="tag" title="sha256:[0-9a-f]{64}">v2-unsigned<\/td>/);
    assert.match(dom, /data-status="signed"><span class="label">signed<\/span> <strong>1<\/strong>/);
  });

  it('exits 0 within 10 s on SIGTERM during a scan, and the next start sees a consistent database', async () => {
    const running = daemon as Daemon;
    world.setOverride(async (_path, forward) => {
      await new Promise((resolve) => setTimeout(resolve, 30_000));
      return forward();
    });
    try {
      const accepted = await triggerScan(running.url);
      assert.equal(accepted.status, 202);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();

      running.child.kill('SIGTERM');
      const code = await running.exited;

      assert.equal(code, 0, running.output());
      assert.ok(Date.now() - started < 10_000, `stopped in ${Date.now() - started} ms`);
    } finally {
      world.setOverride(undefined);
    }
    const db = new Database(database, { readonly: true });
    assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
    const last = db.prepare('SELECT outcome FROM scans ORDER BY id DESC LIMIT 1').get() as { outcome: string };
    const unsignedLeft = (db.prepare(`SELECT count(*) AS n FROM tags WHERE status = 'unsigned'`).get() as { n: number }).n;
    db.close();
    assert.equal(last.outcome, 'failed', 'the aborted scan is recorded as failed');
    assert.equal(unsignedLeft, 2, 'the aborted scan wrote no half-known verdicts');

    daemon = await start();
    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    assert.match(metrics, /tag="v2-unsigned"/);
  });
});

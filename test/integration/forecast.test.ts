/**
 * `scan --at` is a forecast: while `serve` runs on the same database, and
 * after `serve` restarts with Nexus unreachable, the live verdicts, their
 * history and what /metrics exports are those of the last audit, never the
 * forecast's made-up expiries.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { openDatabase } from '../../src/store/database.js';
import { ScanStore } from '../../src/store/scan-store.js';
import { parseMetrics } from '../support/assertions.js';
import { runCli } from '../support/cli.js';
import { startDaemon, type Daemon } from '../support/daemon.js';
import { freePort, listenOnLoopback } from '../support/processes.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';

const PREFIX = '127.0.0.1:18079';
const DAY = 86_400_000;

describe('forecasts (scan --at)', () => {
  let world: ScanWorld;
  let daemon: Daemon | undefined;
  let database: string;
  let config: string;

  const writeConfig = (name: string, nexusUrl: string, port: number): Promise<string> =>
    world.writeConfig(
      name,
      `nexus:\n  url: ${nexusUrl}\n  repositories:\n    - name: docker-hosted\n      gunPrefix: ${PREFIX}\nnotary:\n  url: ${world.notaryProxy.url}\ndatabase: ${database}\nschedule: "0 0 1 1 *"\nlisten: 127.0.0.1:${port}\nweb:\n  minScanIntervalSeconds: 0\n`
    );

  let silent: Server | undefined;
  let silentNexus: string;
  const held: Socket[] = [];

  before(async () => {
    silent = createServer((socket) => void held.push(socket));
    silentNexus = await listenOnLoopback(silent);
    world = await startScanWorld();
    world.nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
    await world.cli.init(`${PREFIX}/app`);
    const signed = world.push('docker-hosted', 'app', 'v1');
    await world.cli.addHash(`${PREFIX}/app`, 'v1', signed.sha256, signed.size);
    await world.cli.publish(`${PREFIX}/app`);
    database = `${world.dir}/forecast.db`;
    const port = await freePort();
    config = await writeConfig('forecast.yaml', world.nexus.url, port);
    daemon = await startDaemon(config, port);
  });

  after(async () => {
    daemon?.child.kill('SIGKILL');
    held.forEach((socket) => socket.destroy());
    silent?.close();
    await world?.stop();
  });

  const liveState = (): { tags: string[]; history: string[]; scans: string[] } => {
    const db = openDatabase(database);
    try {
      const store = new ScanStore(db);
      return {
        tags: store.allTags().map((t) => `${t.tag} ${t.status} ${t.statusSince}`),
        history: store.tagHistory('docker-hosted', 'app', 'v1').map((h) => `${h.event} ${h.status}`),
        scans: store.recentScans(10).map((scan) => `${scan.kind} ${scan.outcome}`),
      };
    } finally {
      db.close();
    }
  };

  it('is recorded as a forecast and changes no live verdict, history or metric, with serve running and after a restart', async () => {
    const before = liveState();
    assert.deepEqual(
      before.tags.map((t) => t.split(' ').slice(0, 2).join(' ')),
      ['v1 signed']
    );

    // Four years on, targets (three years) has expired: the forecast says so.
    const at = new Date(Date.now() + 4 * 365 * DAY).toISOString();
    const result = await runCli(['scan', '--config', config, '--json', '--at', at]);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as { scan: { evaluatedAt: string }; tags: { tag: string; status: string }[] };
    assert.deepEqual(
      report.tags.map((t) => [t.tag, t.status]),
      [['v1', 'expired']]
    );

    const afterForecast = liveState();
    assert.deepEqual(afterForecast.tags, before.tags);
    assert.deepEqual(afterForecast.history, before.history);
    assert.equal(afterForecast.scans[0], 'forecast complete');

    const running = parseMetrics(await (await fetch(`${daemon?.url}/metrics`)).text());
    assert.equal(running.get('trust_auditor_tags{repository="docker-hosted",status="expired"}'), 0);
    assert.equal(running.get('trust_auditor_tags{repository="docker-hosted",status="signed"}'), 1);

    // Restart with a Nexus that accepts and never answers: while its startup
    // scan waits, serve exports what it loaded, which must be the last audit.
    daemon?.child.kill('SIGKILL');
    const port = await freePort();
    daemon = await startDaemon(await writeConfig('restart.yaml', silentNexus, port), port);
    assert.deepEqual(
      (await daemon.scans()).slice(0, 3).map((scan) => scan.outcome),
      ['running', 'complete', 'complete']
    );
    const restarted = parseMetrics(await (await fetch(`${daemon.url}/metrics`)).text());
    assert.equal(restarted.get('trust_auditor_tags{repository="docker-hosted",status="expired"}'), 0);
    assert.equal(restarted.get('trust_auditor_tags{repository="docker-hosted",status="signed"}'), 1);
    assert.equal(restarted.get('trust_auditor_tag_status{repository="docker-hosted",image="app",tag="v1",status="signed"}'), 1);
  });

  it('counts the timestamp, which notary-server re-signs on demand, as renewed; what the publisher signs still lapses', async () => {
    // notary-server's timestamp expires in 14 days; targets (3 years) and root (10 years) do not within 30.
    const in30Days = new Date(Date.now() + 30 * DAY).toISOString();
    const scan = await runCli(['scan', '--config', config, '--json', '--at', in30Days]);
    const inspect = await runCli(['inspect', `${PREFIX}/app`, '--notary', world.notaryProxy.url, '--json', '--at', in30Days]);
    const inspectNow = await runCli(['inspect', `${PREFIX}/app`, '--notary', world.notaryProxy.url, '--json']);

    assert.equal(scan.code, 0, scan.stdout + scan.stderr);
    const report = JSON.parse(scan.stdout) as { tags: { status: string; trustExpires: string }[] };
    assert.equal(report.tags[0]?.status, 'signed');
    assert.ok(Date.parse(report.tags[0]?.trustExpires ?? '') > Date.now() + 300 * DAY, 'trustExpires leaves out the renewed timestamp');
    assert.equal((JSON.parse(inspect.stdout) as { status: string }).status, 'valid');
    assert.equal(inspect.code, 0);
    assert.equal(inspectNow.code, 0);
  });

  it('lists what expires within expiryWarningDays (the renewed timestamp left out), and exports the window and the schedule interval', async () => {
    const wide = await world.writeConfig('wide.yaml', (await readFile(config, 'utf8')) + 'expiryWarningDays: 3650\n');

    const result = await runCli(['scan', '--config', wide]);
    const metrics = parseMetrics(await (await fetch(`${daemon?.url}/metrics`)).text());

    assert.equal(result.code, 0, result.stderr);
    const section = result.stdout.split('Expiring within the warning window')[1] ?? '';
    assert.match(section, new RegExp(`${PREFIX}/app +targets +`));
    assert.match(section, new RegExp(`${PREFIX}/app +snapshot +`));
    assert.doesNotMatch(section, /timestamp/);
    assert.equal(metrics.get('trust_auditor_expiry_warning_seconds'), 7 * 86_400);
    // schedule "0 0 1 1 *": once a year.
    assert.ok((metrics.get('trust_auditor_scan_interval_seconds') ?? 0) >= 365 * 86_400);
  });
});

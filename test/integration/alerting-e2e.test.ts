/**
 * Alerting end to end: the real Prometheus scrapes a running `serve` (Nexus
 * test server + real notary-server), evaluates the shipped rules, and the real
 * Alertmanager receives the alerts for an unsigned tag and a digest mismatch;
 * both resolve once the tags are signed and rescanned. Every query of the
 * shipped Grafana dashboard then runs against that Prometheus.
 *
 * The rules run with their `for:` durations set to 0 so that the test does not
 * wait 15 minutes; `promtool test rules` (alert-rules.test.ts) covers `for:`.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

import { parse, stringify } from 'yaml';

import { startDaemon, type Daemon } from '../support/daemon.js';
import { dashboardQueries, loadDashboard } from '../support/dashboard.js';
import { freePort, waitUntil } from '../support/processes.js';
import { queryPrometheus, startAlertmanager, startPrometheus, type RunningService } from '../support/prometheus.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PREFIX = '127.0.0.1:18079';
const GUN = `${PREFIX}/shop`;

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
}

describe('alerting end to end', () => {
  let world: ScanWorld;
  let daemon: Daemon;
  let alertmanager: RunningService;
  let prometheus: RunningService;

  const activeAlerts = async (): Promise<AmAlert[]> =>
    ((await (await fetch(`${alertmanager.url}/api/v2/alerts?active=true&silenced=false&inhibited=false`)).json()) as AmAlert[]).filter((alert) => alert.status.state === 'active');

  const alertFor = (alerts: AmAlert[], name: string, tag: string): AmAlert | undefined => alerts.find((alert) => alert.labels['alertname'] === name && alert.labels['tag'] === tag);

  before(async () => {
    world = await startScanWorld();
    world.nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
    await world.cli.init(GUN);
    const signed = world.push('docker-hosted', 'shop', 'stable');
    const overwritten = world.push('docker-hosted', 'shop', 'release');
    await world.cli.addHash(GUN, 'stable', signed.sha256, signed.size);
    await world.cli.addHash(GUN, 'release', overwritten.sha256, overwritten.size);
    await world.cli.publish(GUN);
    world.push('docker-hosted', 'shop', 'release', 'rebuilt without signing');
    world.push('docker-hosted', 'shop', 'nightly');

    const port = await freePort();
    const config = await world.writeConfig(
      'alerting.yaml',
      `nexus:\n  url: ${world.nexus.url}\n  repositories:\n    - name: docker-hosted\n      gunPrefix: ${PREFIX}\nnotary:\n  url: ${world.notaryProxy.url}\ndatabase: ${world.dir}/alerting.db\nschedule: "0 0 1 1 *"\nlisten: 127.0.0.1:${port}\nweb:\n  minScanIntervalSeconds: 0\n`
    );
    daemon = await startDaemon(config, port);

    const shipped = parse(await readFile(`${ROOT}/deploy/prometheus/alerts.yml`, 'utf8')) as { groups: { rules: Record<string, unknown>[] }[] };
    for (const group of shipped.groups) {
      for (const rule of group.rules) {
        if ('for' in rule) {
          rule['for'] = '0s';
        }
      }
    }
    const rules = `${world.dir}/alerts-for-0s.yml`;
    await writeFile(rules, stringify(shipped));
    alertmanager = await startAlertmanager(world.dir);
    prometheus = await startPrometheus({ dir: world.dir, target: `127.0.0.1:${port}`, ruleFiles: [rules], alertmanager: alertmanager.url });
  });

  after(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
    await world?.stop();
  });

  it('delivers the unsigned-tag and digest-mismatch alerts to Alertmanager, with their annotations', async () => {
    let alerts: AmAlert[] = [];
    await waitUntil(
      async () => {
        alerts = await activeAlerts();
        return alertFor(alerts, 'TrustAuditorUnsignedTag', 'nightly') !== undefined && alertFor(alerts, 'TrustAuditorDigestMismatch', 'release') !== undefined;
      },
      'alerts in Alertmanager',
      undefined,
      60_000
    );

    const unsigned = alertFor(alerts, 'TrustAuditorUnsignedTag', 'nightly') as AmAlert;
    assert.equal(unsigned.labels['severity'], 'warning');
    assert.equal(unsigned.labels['repository'], 'docker-hosted');
    assert.equal(unsigned.labels['image'], 'shop');
    assert.match(unsigned.annotations['description'] ?? '', /shop/);
    assert.match(unsigned.annotations['runbook_url'] ?? '', /runbooks\.md#trustauditorunsignedtag$/);
    const mismatch = alertFor(alerts, 'TrustAuditorDigestMismatch', 'release') as AmAlert;
    assert.equal(mismatch.labels['severity'], 'critical');
    assert.ok(mismatch.annotations['summary']);
    assert.equal(alertFor(alerts, 'TrustAuditorUnsignedTag', 'stable'), undefined, 'a signed tag raises nothing');
  });

  it('resolves both alerts after the tags are signed and rescanned', async () => {
    const nightly = world.push('docker-hosted', 'shop', 'nightly');
    const release = world.push('docker-hosted', 'shop', 'release', 'rebuilt without signing');
    await world.cli.addHash(GUN, 'nightly', nightly.sha256, nightly.size);
    await world.cli.addHash(GUN, 'release', release.sha256, release.size);
    await world.cli.publish(GUN);

    await daemon.scanNow();

    await waitUntil(
      async () => {
        const alerts = await activeAlerts();
        return alertFor(alerts, 'TrustAuditorUnsignedTag', 'nightly') === undefined && alertFor(alerts, 'TrustAuditorDigestMismatch', 'release') === undefined;
      },
      'alerts resolved in Alertmanager',
      undefined,
      60_000
    );
  });

  it('runs every query of the Grafana dashboard without error', async () => {
    const queries = dashboardQueries(loadDashboard(`${ROOT}/deploy/grafana/trust-auditor.json`));
    assert.ok(queries.length >= 8, `the dashboard has ${queries.length} queries`);
    const failures: string[] = [];
    let withData = 0;

    for (const query of queries) {
      try {
        const result = await queryPrometheus(prometheus.url, query.expr);
        if (result.result.length > 0) {
          withData++;
        }
      } catch (error) {
        failures.push(`${query.panel} ${query.refId}: ${(error as Error).message}`);
      }
    }

    assert.deepEqual(failures, []);
    assert.ok(withData >= queries.length / 2, `${withData} of ${queries.length} queries returned data`);
  });
});

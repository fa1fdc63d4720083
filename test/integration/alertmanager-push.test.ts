/**
 * Direct alerting against the real Alertmanager (Debian package
 * prometheus-alertmanager), without Prometheus: `serve` with an
 * `alertmanager` section pushes one TrustAuditorTagFinding alert per finding
 * after its scan, and the alert resolves once the tag is signed and rescanned.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startDaemon, type Daemon } from '../support/daemon.js';
import { freePort, waitUntil } from '../support/processes.js';
import { startAlertmanager, type RunningService } from '../support/prometheus.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';

const PREFIX = '127.0.0.1:18079';
const GUN = `${PREFIX}/shop`;

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorURL: string;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

describe('direct alerting to Alertmanager', () => {
  let world: ScanWorld;
  let daemon: Daemon;
  let alertmanager: RunningService;

  const findingAlerts = async (): Promise<AmAlert[]> =>
    ((await (await fetch(`${alertmanager.url}/api/v2/alerts?active=true&silenced=false&inhibited=false`)).json()) as AmAlert[]).filter(
      (alert) => alert.status.state === 'active' && alert.labels['alertname'] === 'TrustAuditorTagFinding'
    );

  before(async () => {
    world = await startScanWorld();
    world.nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
    await world.cli.init(GUN);
    const signed = world.push('docker-hosted', 'shop', 'stable');
    await world.cli.addHash(GUN, 'stable', signed.sha256, signed.size);
    await world.cli.publish(GUN);
    world.push('docker-hosted', 'shop', 'nightly');

    alertmanager = await startAlertmanager(world.dir);
    const port = await freePort();
    const config = await world.writeConfig(
      'direct-alerting.yaml',
      `nexus:\n  url: ${world.nexus.url}\n  repositories:\n    - name: docker-hosted\n      gunPrefix: ${PREFIX}\nnotary:\n  url: ${world.notaryProxy.url}\n` +
        `database: ${world.dir}/direct-alerting.db\nschedule: "0 0 1 1 *"\nlisten: 127.0.0.1:${port}\n` +
        `web:\n  minScanIntervalSeconds: 0\n  runbookUrl: https://wiki.example.com/trust-auditor/runbooks.md\n  externalUrl: https://auditor.example.com/\n` +
        `alertmanager:\n  url: ${alertmanager.url}\n  timeoutSeconds: 5\n`
    );
    daemon = await startDaemon(config, port);
  });

  after(async () => {
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
    await alertmanager?.stop();
    await world?.stop();
  });

  it('fires an alert for the unsigned tag after the scan, labelled and annotated, and none for the signed tag', async () => {
    let alerts: AmAlert[] = [];
    await waitUntil(
      async () => {
        alerts = await findingAlerts();
        return alerts.some((alert) => alert.labels['tag'] === 'nightly');
      },
      'the finding in Alertmanager',
      undefined,
      60_000
    );

    assert.equal(alerts.length, 1);
    const [nightly] = alerts as [AmAlert];
    assert.deepEqual(nightly.labels, {
      alertname: 'TrustAuditorTagFinding',
      severity: 'warning',
      repository: 'docker-hosted',
      image: 'shop',
      tag: 'nightly',
      status: 'unsigned',
    });
    assert.equal(nightly.annotations['runbook_url'], 'https://wiki.example.com/trust-auditor/runbooks.md#trustauditorunsignedtag');
    assert.equal(nightly.annotations['summary'], 'docker-hosted/shop:nightly is unsigned');
    assert.equal(nightly.annotations['gun'], GUN);
    assert.ok((nightly.annotations['description'] ?? '').length > 0);
    assert.equal(nightly.generatorURL, 'https://auditor.example.com/?status=unsigned');
    // Held for three scan intervals (a yearly schedule here: far ahead), so a late scan resolves nothing.
    assert.ok(Date.parse(nightly.endsAt) > Date.now() + 3_600_000);
  });

  it('resolves the alert once the tag is signed and rescanned', async () => {
    const nightly = world.push('docker-hosted', 'shop', 'nightly');
    await world.cli.addHash(GUN, 'nightly', nightly.sha256, nightly.size);
    await world.cli.publish(GUN);

    await daemon.scanNow();

    await waitUntil(async () => (await findingAlerts()).length === 0, 'the finding resolved in Alertmanager', undefined, 60_000);
  });
});

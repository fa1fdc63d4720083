/**
 * Audit on push, end to end: the daemon with `events` configured, the Nexus
 * test server sending its component webhooks to it as Nexus does, and the
 * real notary-server with trust published by the real client. A push changes
 * `/api/v1/tags` and `/metrics` without a scan; a webhook without the right
 * HMAC is refused and changes nothing.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { parseMetrics } from '../support/assertions.js';
import { startDaemon, type Daemon } from '../support/daemon.js';
import { freePort, waitUntil } from '../support/processes.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';

const PREFIX = '127.0.0.1:18079';
const SECRET = 'hook-s3cret';
const GRACE_SECONDS = 2;

interface ApiTag {
  readonly image: string;
  readonly tag: string;
  readonly status: string;
}

/** A DELETED component event for app:<version>, as Nexus writes one. */
const deletedEvent = (version: string): string =>
  JSON.stringify({
    timestamp: '2026-11-30T03:00:00.000+00:00',
    nodeId: 'n',
    initiator: 'admin/127.0.0.1',
    repositoryName: 'docker-hosted',
    action: 'DELETED',
    component: { id: 'x', componentId: 'y', format: 'docker', name: 'app', group: '', version },
  });

describe('events: audit on push', () => {
  let world: ScanWorld;
  let daemon: Daemon;

  const tags = async (): Promise<ApiTag[]> => ((await (await fetch(`${daemon.url}/api/v1/tags?limit=1000`)).json()) as { tags: ApiTag[] }).tags;
  const statusOf = async (image: string, tag: string): Promise<string | undefined> => (await tags()).find((t) => t.image === image && t.tag === tag)?.status;
  const metrics = async () => parseMetrics(await (await fetch(`${daemon.url}/metrics`)).text());
  const tagSeries = async (tag: string): Promise<string | undefined> => {
    for (const [series, value] of await metrics()) {
      if (series.startsWith('trust_auditor_tag_status{') && series.includes(`tag="${tag}"`) && value === 1) {
        return /status="([a-z_]+)"/.exec(series)?.[1];
      }
    }
    return undefined;
  };
  const eventCount = async (result: string): Promise<number> => (await metrics()).get(`trust_auditor_events_total{source="nexus",result="${result}"}`) ?? 0;
  const post = (body: string, headers: Record<string, string>): Promise<Response> =>
    fetch(`${daemon.url}/api/v1/events/nexus`, { method: 'POST', headers: { 'content-type': 'application/json; charset=UTF-8', ...headers }, body });

  before(async () => {
    world = await startScanWorld();
    world.nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
    await world.cli.init(`${PREFIX}/app`);
    const v1 = world.push('docker-hosted', 'app', 'v1');
    await world.cli.addHash(`${PREFIX}/app`, 'v1', v1.sha256, v1.size);
    await world.cli.publish(`${PREFIX}/app`);
    const port = await freePort();
    const config = await world.writeConfig(
      'events.yaml',
      [
        'nexus:',
        `  url: ${world.nexus.url}`,
        '  repositories:',
        '    - name: docker-hosted',
        `      gunPrefix: ${PREFIX}`,
        `notary:\n  url: ${world.notaryProxy.url}`,
        `database: ${world.dir}/events.db`,
        'schedule: "0 0 1 1 *"',
        `listen: 127.0.0.1:${port}`,
        `events:\n  nexusWebhookSecret: ${SECRET}\n  graceSeconds: ${GRACE_SECONDS}\n  notaryChangefeed: true`,
        '',
      ].join('\n')
    );
    daemon = await startDaemon(config, port);
    world.nexus.addWebhook({ url: `${daemon.url}/api/v1/events/nexus`, secret: SECRET, repository: 'docker-hosted' });
  });

  after(async () => {
    daemon?.child.kill('SIGKILL');
    await world?.stop();
  });

  it('records an unsigned push within the grace window plus one second, without a scan', async () => {
    const scansBefore = (await daemon.scans()).length;
    const pushedAt = Date.now();
    world.push('docker-hosted', 'app', 'fresh');
    await world.nexus.webhooksSettled();
    assert.equal(world.nexus.webhookDeliveries.at(-1)?.outcome, 202, 'the daemon took the webhook');
    assert.equal(await statusOf('app', 'fresh'), undefined, 'not recorded unsigned inside the grace window');
    await waitUntil(async () => (await statusOf('app', 'fresh')) === 'unsigned', 'fresh recorded unsigned', undefined, (GRACE_SECONDS + 1) * 1000);
    assert.ok(Date.now() - pushedAt <= (GRACE_SECONDS + 1) * 1000 + 500, 'within the grace window plus one second');
    // The metrics are rebuilt at most every 250 ms after event verdicts.
    await waitUntil(async () => (await tagSeries('fresh')) === 'unsigned', '/metrics shows it too', undefined, 1000);
    assert.equal((await daemon.scans()).length, scansBefore, 'no scan ran');
    assert.ok(((await metrics()).get('trust_auditor_event_to_verdict_seconds_count{source="nexus"}') ?? 0) >= 1, 'the event-to-verdict histogram counted it');
  });

  it('records a push signed within the grace window as signed', async () => {
    const pushed = world.push('docker-hosted', 'app', 'signed-late');
    await world.cli.addHash(`${PREFIX}/app`, 'signed-late', pushed.sha256, pushed.size);
    await world.cli.publish(`${PREFIX}/app`);
    await waitUntil(async () => (await statusOf('app', 'signed-late')) === 'signed', 'signed-late recorded signed', undefined, (GRACE_SECONDS + 3) * 1000);
  });

  it('re-audits exactly the GUN a changefeed record names, without a scan (a tag signed after its grace window)', async () => {
    const scansBefore = (await daemon.scans()).length;
    const pushed = world.push('docker-hosted', 'app', 'signed-later');
    await waitUntil(async () => (await statusOf('app', 'signed-later')) === 'unsigned', 'recorded unsigned after the grace window', undefined, (GRACE_SECONDS + 3) * 1000);
    const notaryBefore = (await metrics()).get('trust_auditor_events_total{source="notary",result="accepted"}') ?? 0;
    await world.cli.addHash(`${PREFIX}/app`, 'signed-later', pushed.sha256, pushed.size);
    await world.cli.publish(`${PREFIX}/app`);
    // The follower reads the feed every 10 s.
    await waitUntil(async () => (await statusOf('app', 'signed-later')) === 'signed', 'signed through the changefeed', undefined, 15_000);
    // At least this publish's record (an earlier test's publish may be read in the same window).
    assert.ok(((await metrics()).get('trust_auditor_events_total{source="notary",result="accepted"}') ?? 0) >= notaryBefore + 1, 'counted as a notary event');
    assert.equal((await daemon.scans()).length, scansBefore, 'no scan ran');
  });

  it('refuses a webhook with a missing or wrong HMAC with 401 and changes nothing', async () => {
    const body = deletedEvent('v1');
    const before = await tags();
    const refusedBefore = await eventCount('unauthorized');
    assert.equal((await post(body, {})).status, 401);
    assert.equal((await post(body, { 'x-nexus-webhook-signature': createHmac('sha1', 'wrong').update(body).digest('hex') })).status, 401);
    const tampered = body.replace('"v1"', '"v2"');
    assert.equal((await post(tampered, { 'x-nexus-webhook-signature': createHmac('sha1', SECRET).update(body).digest('hex') })).status, 401);
    assert.deepEqual(await tags(), before, 'nothing changed');
    assert.equal(await eventCount('unauthorized'), refusedBefore + 3);

    const notAnEvent = '{"hello":"world"}';
    assert.equal((await post(notAnEvent, { 'x-nexus-webhook-signature': createHmac('sha1', SECRET).update(notAnEvent).digest('hex') })).status, 400);
  });

  it('keeps a tag that a validly signed DELETED event names while the registry still serves it', async () => {
    const body = deletedEvent('v1');
    assert.equal((await post(body, { 'x-nexus-webhook-signature': createHmac('sha1', SECRET).update(body).digest('hex') })).status, 202);
    await waitUntil(async () => (await eventCount('accepted')) > 0, 'event taken');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await statusOf('app', 'v1'), 'signed', 'an event alone never makes a tag disappear');
  });

  it('removes a deleted tag from the API and its series from /metrics', async () => {
    assert.equal(await statusOf('app', 'fresh'), 'unsigned');
    world.nexus.deleteTag('docker-hosted', 'app', 'fresh');
    await waitUntil(async () => (await statusOf('app', 'fresh')) === undefined, 'fresh removed', undefined, 15_000);
    await waitUntil(async () => (await tagSeries('fresh')) === undefined, 'its series gone from /metrics', undefined, 5000);
  });
});

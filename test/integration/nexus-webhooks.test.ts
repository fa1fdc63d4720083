/**
 * Fidelity of the fake Nexus's component webhooks (test/support/nexus/webhooks.ts) against
 * docs/nexus-and-registry.md §4: what one request looks like byte for byte, when one is sent, and
 * that a failed one is dropped. Each test runs its own loopback receiver.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { startNexusServer } from '../support/nexus/server.js';
import type { FakeNexus, FakeNexusOptions } from '../support/nexus/types.js';
import { signNexusWebhook } from '../support/nexus/webhooks.js';
import { freePort, listenOnLoopback } from '../support/processes.js';

const JACKSON_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const NODE_ID = /^[0-9A-F]{8}(?:-[0-9A-F]{8}){4}$/;
const USER_AGENT = /^Nexus\/\d+\.\d+\.\d+-\d+ \((?:COMMUNITY|PRO|OSS); [^;()]+; [^;()]+; [^;()]+; [^;()]+\)$/;

/** WebhookServiceImplTest.properlyMarshalsAndSignsPayload in nexus-public: this body under "secret" signs to this value. */
const GOLDEN_BODY =
  '{"timestamp":"2016-08-18T18:18:30.326+00:00","nodeId":"nodeId","initiator":"initiator","action":"CREATED","repository":{"format":"format","name":"name","type":"value"}}';
const GOLDEN_SIGNATURE = '918cb6e16fcf197f2c3df5af2cf41b20974ec8a2';

// ----- a receiver -----

interface Received {
  readonly method: string;
  readonly path: string;
  /** Header names as sent, with their values, in order. */
  readonly rawHeaders: readonly string[];
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

interface Receiver {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

/** A webhook receiver answering `status` once it has read a body, or never ('hang'). */
async function startReceiver(status: number | 'hang' = 202): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', rawHeaders: req.rawHeaders, headers: req.headers, body: Buffer.concat(chunks) });
      if (status !== 'hang') {
        res.writeHead(status, status >= 300 && status < 400 ? { Location: '/elsewhere' } : {}).end('answer');
      }
    });
  });
  const url = await listenOnLoopback(server);
  return {
    url,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function withNexusAndReceiver(
  options: FakeNexusOptions | ((receiverUrl: string) => FakeNexusOptions),
  body: (nexus: FakeNexus, receiver: Receiver) => Promise<void>,
  status: number | 'hang' = 202
): Promise<void> {
  const receiver = await startReceiver(status);
  const nexus = await startNexusServer(typeof options === 'function' ? options(`${receiver.url}/hooks/nexus?source=rm`) : options);
  try {
    nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
    await body(nexus, receiver);
  } finally {
    await nexus.stop();
    await receiver.close();
  }
}

/** Waits (up to 5 s) until the receiver has read `count` requests. */
async function receivedCount(receiver: Receiver, count: number): Promise<void> {
  for (let waited = 0; receiver.received.length < count && waited < 5000; waited += 10) {
    await sleep(10);
  }
  assert.equal(receiver.received.length, count);
}

function only(receiver: Receiver): Received {
  assert.equal(receiver.received.length, 1);
  return receiver.received[0] as Received;
}

/** One header's value as a string ('' when absent). */
function header(request: Received, name: string): string {
  const value = request.headers[name];
  return typeof value === 'string' ? value : '';
}

/** The header names as the receiver got them, without their values. */
function headerNames(request: Received): string[] {
  return request.rawHeaders.filter((_, index) => index % 2 === 0);
}

interface ComponentPayload {
  timestamp: string;
  nodeId: string;
  initiator: string;
  repositoryName: string;
  action: string;
  component: { id: string; componentId: string; format: string; name: string; group?: string; version: string };
}

function payloadOf(request: Received): ComponentPayload {
  return JSON.parse(request.body.toString('utf8')) as ComponentPayload;
}

/** The REST id of a tag's component, as a crawler of /v1/components sees it. */
async function restComponentId(nexus: FakeNexus, repository: string, image: string, tag: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${nexus.url}/service/rest/v1/components?repository=${repository}`, { headers });
  assert.equal(response.status, 200);
  const page = (await response.json()) as { items: { id: string; name: string; version: string }[] };
  const component = page.items.find((item) => item.name === image && item.version === tag);
  assert.ok(component !== undefined, `${image}:${tag} is listed`);
  return component.id;
}

/** The datastore external id written out independently of the fake: hex((id * 1327217885) mod 2^32). */
function externalId(internalId: number): string {
  return ((BigInt(internalId) * 1327217885n) % 2n ** 32n).toString(16);
}

// ----- the tests -----

describe('fake Nexus component webhooks: one request (§4)', () => {
  it('POSTs a CREATED for a new tag with exactly the headers Nexus sends, signed with HMAC-SHA1 of the body', async () => {
    await withNexusAndReceiver(
      (url) => ({ webhooks: [{ url, secret: 's3cr3t-key', repository: 'docker-hosted' }] }),
      async (nexus, receiver) => {
        const before = Date.now();
        nexus.putTag('docker-hosted', 'team/app', '1.0');
        await nexus.webhooksSettled();
        const request = only(receiver);

        assert.equal(request.method, 'POST');
        assert.equal(request.path, '/hooks/nexus?source=rm');
        assert.deepEqual(headerNames(request), [
          'X-Nexus-Webhook-ID',
          'X-Nexus-Webhook-Delivery',
          'X-Nexus-Webhook-Signature',
          'Content-Length',
          'Content-Type',
          'Host',
          'Connection',
          'User-Agent',
          'Accept-Encoding',
        ]);
        assert.equal(request.headers['x-nexus-webhook-id'], 'rm:repository:component');
        assert.match(header(request, 'x-nexus-webhook-delivery'), UUID);
        assert.equal(request.headers['x-nexus-webhook-signature'], createHmac('sha1', 's3cr3t-key').update(request.body).digest('hex'));
        assert.match(header(request, 'x-nexus-webhook-signature'), /^[0-9a-f]{40}$/);
        assert.equal(request.headers['content-type'], 'application/json; charset=UTF-8');
        assert.equal(request.headers['content-length'], String(request.body.length));
        assert.equal(request.headers.host, new URL(receiver.url).host);
        assert.equal(request.headers.connection, 'Keep-Alive');
        assert.match(header(request, 'user-agent'), USER_AGENT);
        assert.equal(request.headers['accept-encoding'], 'gzip,deflate');

        const payload = payloadOf(request);
        assert.match(payload.timestamp, JACKSON_DATE);
        const at = Date.parse(payload.timestamp);
        assert.ok(at >= before - 1 && at <= Date.now(), `${payload.timestamp} is the time of the push`);
        assert.match(payload.nodeId, NODE_ID);
        const componentId = await restComponentId(nexus, 'docker-hosted', 'team/app', '1.0');
        assert.equal(Buffer.from(componentId, 'base64url').toString('utf8'), `docker-hosted:${externalId(1)}`);
        // Byte for byte: compact, Jackson's field order, the superclass's fields first.
        assert.equal(
          request.body.toString('utf8'),
          `{"timestamp":"${payload.timestamp}","nodeId":"${payload.nodeId}","initiator":"admin/127.0.0.1","repositoryName":"docker-hosted","action":"CREATED",` +
            `"component":{"id":"${externalId(1)}","componentId":"${componentId}","format":"docker","name":"team/app","group":"","version":"1.0"}}`
        );

        const [delivery] = nexus.webhookDeliveries;
        assert.equal(nexus.webhookDeliveries.length, 1);
        assert.equal(delivery?.outcome, 202);
        assert.equal(delivery.deliveryId, request.headers['x-nexus-webhook-delivery']);
        assert.equal(delivery.body, request.body.toString('utf8'));
      }
    );
  });

  it('signs as Nexus does: the known answer of nexus-public WebhookServiceImplTest, and node:crypto agrees', () => {
    assert.equal(signNexusWebhook(GOLDEN_BODY, 'secret'), GOLDEN_SIGNATURE);
    assert.equal(createHmac('sha1', 'secret').update(GOLDEN_BODY, 'utf8').digest('hex'), GOLDEN_SIGNATURE);
    assert.notEqual(signNexusWebhook(`${GOLDEN_BODY} `, 'secret'), GOLDEN_SIGNATURE, 'one more byte, another signature');
  });

  it('sends no signature header without a secret, or with an empty one (Nexus stores "" as null)', async () => {
    await withNexusAndReceiver(
      (url) => ({ webhooks: [{ url }, { url, secret: '' }] }),
      async (nexus, receiver) => {
        nexus.putTag('docker-hosted', 'app', 'v1');
        await nexus.webhooksSettled();
        assert.equal(receiver.received.length, 2);
        for (const request of receiver.received) {
          assert.equal(request.headers['x-nexus-webhook-signature'], undefined);
          assert.deepEqual(headerNames(request), ['X-Nexus-Webhook-ID', 'X-Nexus-Webhook-Delivery', 'Content-Length', 'Content-Type', 'Host', 'Connection', 'User-Agent', 'Accept-Encoding']);
        }
      }
    );
  });

  it('names the pushing user as initiator, and omits the Docker group on OrientDB builds (null, so left out)', async () => {
    await withNexusAndReceiver(
      (url) => ({ flavour: 'orientdb', users: { ops: { password: 'pw', admin: true } }, webhooks: [{ url }] }),
      async (nexus, receiver) => {
        nexus.putTag('docker-hosted', 'app', 'v1');
        await nexus.webhooksSettled();
        const payload = payloadOf(only(receiver));
        assert.equal(payload.initiator, 'ops/127.0.0.1');
        assert.deepEqual(Object.keys(payload.component), ['id', 'componentId', 'format', 'name', 'version']);
        assert.match(payload.component.id, /^[0-9a-f]{32}$/);
        const credentials = { Authorization: `Basic ${Buffer.from('ops:pw').toString('base64')}` };
        assert.equal(payload.component.componentId, await restComponentId(nexus, 'docker-hosted', 'app', 'v1', credentials));
        assert.equal(Buffer.from(payload.component.componentId, 'base64url').toString('utf8'), `docker-hosted:${payload.component.id}`);
      }
    );
  });
});

describe('fake Nexus component webhooks: which events (§4)', () => {
  it('sends DELETED with the deleted component ids, and CREATED with a new id when the tag comes back', async () => {
    await withNexusAndReceiver(
      (url) => ({ webhooks: [{ url }] }),
      async (nexus, receiver) => {
        nexus.putTag('docker-hosted', 'app', 'v1');
        await nexus.webhooksSettled();
        nexus.deleteTag('docker-hosted', 'app', 'v1');
        await nexus.webhooksSettled();
        nexus.putTag('docker-hosted', 'app', 'v1');
        await nexus.webhooksSettled();
        const [created, deleted, recreated] = receiver.received.map(payloadOf);
        assert.equal(receiver.received.length, 3);
        assert.equal(created?.action, 'CREATED');
        assert.equal(deleted?.action, 'DELETED');
        assert.deepEqual(deleted.component, created.component);
        assert.equal(recreated?.action, 'CREATED');
        assert.notEqual(recreated.component.id, created.component.id);
        assert.equal(recreated.component.id, externalId(2));
        assert.deepEqual(
          nexus.webhookDeliveries.map((delivery) => delivery.action),
          ['CREATED', 'DELETED', 'CREATED']
        );
      }
    );
  });

  it('sends nothing for a re-push by default, and UPDATED with the kept ids when asked to', async () => {
    await withNexusAndReceiver(
      (url) => ({ webhooks: [{ url }] }),
      async (nexus, receiver) => {
        nexus.putTag('docker-hosted', 'app', 'v1');
        nexus.putTag('docker-hosted', 'app', 'v1', { bytes: new TextEncoder().encode('{"schemaVersion":2}'), mediaType: 'application/vnd.oci.image.manifest.v1+json' });
        await nexus.webhooksSettled();
        assert.deepEqual(
          receiver.received.map((request) => payloadOf(request).action),
          ['CREATED']
        );
      }
    );
    await withNexusAndReceiver(
      (url) => ({ webhookOnRePush: 'UPDATED', webhooks: [{ url }] }),
      async (nexus, receiver) => {
        nexus.putTag('docker-hosted', 'app', 'v1');
        await nexus.webhooksSettled();
        nexus.putTag('docker-hosted', 'app', 'v1', { bytes: new TextEncoder().encode('{"schemaVersion":2}'), mediaType: 'application/vnd.oci.image.manifest.v1+json' });
        await nexus.webhooksSettled();
        const [created, updated] = receiver.received.map(payloadOf);
        assert.equal(updated?.action, 'UPDATED');
        assert.deepEqual(updated.component, created?.component);
      }
    );
  });

  it('sends only the events of the subscribed repository; each subscription gets its own delivery id for the same body', async () => {
    const everything = await startReceiver();
    try {
      await withNexusAndReceiver(
        (url) => ({ webhooks: [{ url, repository: 'docker-hosted' }] }),
        async (nexus, receiver) => {
          nexus.addRepository({ name: 'docker-other', type: 'hosted' });
          nexus.addWebhook({ url: everything.url });
          nexus.putTag('docker-other', 'app', 'v1');
          nexus.putTag('docker-hosted', 'app', 'v1');
          await nexus.webhooksSettled();
          assert.deepEqual(
            receiver.received.map((request) => payloadOf(request).repositoryName),
            ['docker-hosted']
          );
          assert.deepEqual(everything.received.map((request) => payloadOf(request).repositoryName).sort(), ['docker-hosted', 'docker-other']);
          const same = everything.received.find((request) => payloadOf(request).repositoryName === 'docker-hosted');
          assert.equal(same?.body.toString('utf8'), only(receiver).body.toString('utf8'));
          assert.notEqual(same.headers['x-nexus-webhook-delivery'], only(receiver).headers['x-nexus-webhook-delivery']);
        }
      );
    } finally {
      await everything.close();
    }
  });

  it('refuses a webhook URL it cannot POST to', async () => {
    await assert.rejects(startNexusServer({ webhooks: [{ url: 'not a url' }] }), /is not a URL/);
    await withNexusAndReceiver({}, (nexus) => {
      assert.throws(() => nexus.addWebhook({ url: 'https://127.0.0.1:1/hook' }), /must be http:\/\//);
      return Promise.resolve();
    });
  });
});

describe('fake Nexus component webhooks: delivery (§4)', () => {
  it('does not make the push wait: the request is sent after putTag has returned', async () => {
    await withNexusAndReceiver(
      (url) => ({ webhooks: [{ url }] }),
      async (nexus, receiver) => {
        nexus.putTag('docker-hosted', 'app', 'v1');
        assert.equal(receiver.received.length, 0);
        assert.equal(nexus.webhookDeliveries[0]?.outcome, 'pending');
        await nexus.webhooksSettled();
        assert.equal(receiver.received.length, 1);
      }
    );
  });

  for (const status of [500, 401, 302]) {
    it(`drops a delivery the receiver answers ${status}: no retry, no redirect followed`, async () => {
      await withNexusAndReceiver(
        (url) => ({ webhooks: [{ url }] }),
        async (nexus, receiver) => {
          nexus.putTag('docker-hosted', 'app', 'v1');
          await nexus.webhooksSettled();
          await sleep(300);
          assert.equal(receiver.received.length, 1);
          assert.equal(nexus.webhookDeliveries.length, 1);
          assert.equal(nexus.webhookDeliveries[0]?.outcome, status);
        },
        status
      );
    });
  }

  it('drops a delivery whose connection is refused: no retry', async () => {
    const port = await freePort();
    const nexus = await startNexusServer({ webhooks: [{ url: `http://127.0.0.1:${port}/hook` }] });
    try {
      nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
      nexus.putTag('docker-hosted', 'app', 'v1');
      await nexus.webhooksSettled();
      await sleep(300);
      assert.equal(nexus.webhookDeliveries.length, 1);
      assert.equal(nexus.webhookDeliveries[0]?.outcome, 'failed');
    } finally {
      await nexus.stop();
    }
  });

  it('stop() aborts a delivery the receiver never answers, and sends nothing afterwards', async () => {
    const receiver = await startReceiver('hang');
    try {
      const nexus = await startNexusServer({ webhooks: [{ url: receiver.url }] });
      nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
      nexus.putTag('docker-hosted', 'app', 'v1');
      await receivedCount(receiver, 1);
      const started = Date.now();
      await nexus.stop();
      assert.ok(Date.now() - started < 2000, 'stop() does not wait for the 20 s timeout');
      assert.equal(nexus.webhookDeliveries[0]?.outcome, 'aborted');
      nexus.putTag('docker-hosted', 'app', 'v2');
      assert.equal(nexus.webhookDeliveries.length, 1);
    } finally {
      await receiver.close();
    }
  });
});

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';

import { Agent } from 'undici';

import { AlertPusher, ALERTS_PER_REQUEST, type AlertPusherOptions, type FindingsPage } from '../../../src/alertmanager/alert-pusher.js';
import type { PostableAlert } from '../../../src/alertmanager/finding-alerts.js';
import type { StoredTag } from '../../../src/domain/verdict.js';
import { fixedClock } from '../../../src/lib/clock.js';
import { createHttpClient } from '../../../src/lib/http/http-client.js';
import type { LogFields, Logger } from '../../../src/lib/logger.js';
import { storedTag } from '../../support/verdicts.js';

const NOW = new Date('2030-06-01T12:00:00.000Z');

interface Received {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly alerts: PostableAlert[];
}

/** Alertmanager's POST /api/v2/alerts as far as the pusher sees it: 200, or what `answer` says. */
class FakeAlertmanager {
  readonly received: Received[] = [];
  answers: ((response: ServerResponse) => void)[] = [];
  #server: Server | undefined;

  async start(): Promise<string> {
    this.#server = createServer((request, response) => void this.#handle(request, response));
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/am`;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) {
      chunks.push(chunk as Buffer);
    }
    this.received.push({
      path: `${request.method} ${request.url}`,
      authorization: request.headers.authorization,
      contentType: request.headers['content-type'],
      alerts: JSON.parse(Buffer.concat(chunks).toString('utf8')) as PostableAlert[],
    });
    const answer = this.answers.shift();
    if (answer === undefined) {
      response.writeHead(200, { 'content-type': 'application/json' }).end();
    } else {
      answer(response);
    }
  }
}

function recordingLogger(): Logger & { readonly lines: { level: string; message: string; fields: LogFields }[] } {
  const lines: { level: string; message: string; fields: LogFields }[] = [];
  const at = (level: string) => (fields: LogFields, message: string) => void lines.push({ level, message, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('AlertPusher', () => {
  const alertmanager = new FakeAlertmanager();
  const dispatcher = new Agent();
  let url: URL;
  let findings: StoredTag[];
  let log: ReturnType<typeof recordingLogger>;

  before(async () => {
    url = new URL(await alertmanager.start());
  });
  after(async () => {
    await alertmanager.stop();
    await dispatcher.close();
  });
  beforeEach(() => {
    alertmanager.received.length = 0;
    alertmanager.answers = [];
    findings = [];
    log = recordingLogger();
  });

  const pusher = (options: Partial<AlertPusherOptions> = {}): AlertPusher =>
    new AlertPusher({
      http: createHttpClient({ dispatcher, userAgent: 'test', timeoutMs: 5_000, maxRedirects: 0 }),
      url,
      credentials: undefined,
      clock: fixedClock(NOW),
      log,
      holdMs: 30 * 60_000,
      maxAlerts: 1000,
      runbookUrl: undefined,
      statusPageUrl: new URL('http://auditor:9817/'),
      findings: (limit): FindingsPage => ({ tags: findings.slice(0, limit), total: findings.length }),
      retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 10 },
      ...options,
    });
  const sent = () =>
    alertmanager.received.flatMap((request) =>
      request.alerts.map((alert) => `${alert.labels['tag']}:${alert.labels['status']}:${alert.endsAt === NOW.toISOString() ? 'resolved' : 'firing'}`)
    );

  it('posts the findings as JSON to <url>/api/v2/alerts with Basic credentials, and resolves them once fixed', async () => {
    const push = pusher({ credentials: { username: 'auditor', password: 'pw' } });
    findings = [storedTag({ tag: '1.0', status: 'unsigned' }), storedTag({ tag: '2.0', status: 'invalid' })];

    push.notify();
    await push.idle();
    findings = [storedTag({ tag: '2.0', status: 'invalid' })];
    push.notify();
    await push.idle();
    findings = [];
    push.notify();
    await push.idle();
    push.notify();
    await push.idle();

    assert.deepEqual(
      alertmanager.received.map((request) => [request.path, request.authorization, request.contentType]),
      Array.from({ length: 3 }, () => ['POST /am/api/v2/alerts', `Basic ${Buffer.from('auditor:pw').toString('base64')}`, 'application/json'])
    );
    assert.deepEqual(sent(), ['1.0:unsigned:firing', '2.0:invalid:firing', '2.0:invalid:firing', '1.0:unsigned:resolved', '2.0:invalid:resolved']);
    assert.deepEqual(push.counts, { pushes: 4, failures: 0, capped: 0 });
  });

  it('sends at most ALERTS_PER_REQUEST alerts a request, and pushes only the maxAlerts worst findings', async () => {
    findings = Array.from({ length: ALERTS_PER_REQUEST * 2 + 5 }, (_, index) => storedTag({ tag: `t${index}`, status: 'unsigned' }));
    const push = pusher({ maxAlerts: ALERTS_PER_REQUEST * 2 + 1 });

    push.notify();
    await push.idle();

    assert.deepEqual(
      alertmanager.received.map((request) => request.alerts.length),
      [ALERTS_PER_REQUEST, ALERTS_PER_REQUEST, 1]
    );
    assert.deepEqual(push.counts, { pushes: 1, failures: 0, capped: 4 });
    assert.ok(log.lines.some((line) => line.level === 'warn' && line.fields['findings'] === ALERTS_PER_REQUEST * 2 + 5));
  });

  it('retries a 5xx, and after a failed push keeps the sent alerts so the next push resolves them', async () => {
    const push = pusher();
    findings = [storedTag({ tag: '1.0', status: 'unsigned' })];
    push.notify();
    await push.idle();
    findings = [];
    alertmanager.answers = [(response) => response.writeHead(503).end('busy'), (response) => response.writeHead(400).end('{"code":400,"message":"bad"}')];
    push.notify();
    await push.idle();
    push.notify();
    await push.idle();

    assert.deepEqual(sent(), ['1.0:unsigned:firing', '1.0:unsigned:resolved', '1.0:unsigned:resolved', '1.0:unsigned:resolved']);
    assert.deepEqual(push.counts, { pushes: 2, failures: 1, capped: 0 });
    const failure = log.lines.find((line) => line.level === 'error');
    assert.match(String(failure?.fields['error']), /HTTP 400/);
  });

  it('fails a redirect instead of posting elsewhere', async () => {
    const push = pusher();
    findings = [storedTag({ tag: '1.0', status: 'unsigned' })];
    alertmanager.answers = [(response) => response.writeHead(307, { location: 'http://elsewhere.invalid/api/v2/alerts' }).end()];

    push.notify();
    await push.idle();

    assert.equal(alertmanager.received.length, 1);
    assert.deepEqual(push.counts, { pushes: 0, failures: 1, capped: 0 });
  });

  it('runs one push at a time and coalesces the requests made meanwhile into one more', async () => {
    const push = pusher();
    findings = [storedTag({ tag: '1.0', status: 'unsigned' })];

    push.notify();
    push.notify();
    push.notify();
    push.notify();
    await push.idle();

    assert.equal(alertmanager.received.length, 2);
    assert.equal(push.counts.pushes, 2);
  });

  it('stops without waiting for a slow Alertmanager, and takes no push after', async () => {
    const push = pusher();
    findings = [storedTag({ tag: '1.0', status: 'unsigned' })];
    alertmanager.answers = [(response) => setTimeout(() => response.writeHead(200).end(), 3_000)];
    push.notify();
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = Date.now();
    await push.stop();
    push.notify();
    await push.idle();

    assert.ok(Date.now() - started < 1_000);
    assert.equal(alertmanager.received.length, 1);
    assert.deepEqual(push.counts, { pushes: 0, failures: 0, capped: 0 });
  });

  it('names a bad port or a refused connection as a failure, not a crash', async () => {
    const push = pusher({ url: new URL('http://127.0.0.1:1/'), retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } });
    findings = [storedTag({ tag: '1.0', status: 'unsigned' })];

    push.notify();
    await push.idle();

    assert.deepEqual(push.counts, { pushes: 0, failures: 1, capped: 0 });
  });
});

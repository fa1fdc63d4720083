/**
 * Nexus's "Webhook: Repository" capability with the `component` event type: the
 * `rm:repository:component` requests Nexus POSTs when a Docker tag is pushed or deleted, built and
 * delivered as nexus-public does (WebhookServiceImpl, RepositoryComponentWebhook). "§" numbers refer
 * to docs/nexus-and-registry.md; §4 lists what is taken from the sources and what is inferred.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { Agent, request, type ClientRequest } from 'node:http';

import type { IdScheme } from './ids.js';
import { repositoryItemId } from './ids.js';
import { jacksonDate } from './jackson.js';
import type { ContentEvent } from './store.js';
import type { FakeNexusWebhook, FakeWebhookDelivery } from './types.js';

/** Webhook.getId(): "rm:" + type + ":" + name. */
const COMPONENT_WEBHOOK_ID = 'rm:repository:component';

/**
 * UserAgentGenerator: "Nexus/<version> (<edition>; <os.name>; <os.version>; <os.arch>; <java.version>)",
 * with the version and edition the fake's Server header names (exchange.ts).
 */
const USER_AGENT = 'Nexus/3.77.0-08 (COMMUNITY; Linux; 6.1.0-31-amd64; amd64; 17.0.13)';

/** nexus.httpclient.requestTimeout: 20 s, as connect and socket timeout. */
const REQUEST_TIMEOUT_MS = 20_000;

type WebhookAction = FakeWebhookDelivery['action'];

/** The header value Nexus signs a body with: lower-case hex HMAC-SHA1 of the exact body under the secret, no "sha1=" prefix. */
export function signNexusWebhook(body: string, secret: string): string {
  return createHmac('sha1', secret).update(body, 'utf8').digest('hex');
}

/** NodeAccess.getId() looks like a certificate fingerprint: five groups of eight upper-case hex digits (Sonatype help, "Example Headers and Payloads"). */
function makeNodeId(): string {
  const hex = randomBytes(20).toString('hex').toUpperCase();
  return Array.from({ length: 5 }, (_, index) => hex.slice(index * 8, index * 8 + 8)).join('-');
}

interface Subscription {
  readonly url: URL;
  readonly secret: string | undefined;
  readonly repository: string | undefined;
}

type MutableDelivery = { -readonly [K in keyof FakeWebhookDelivery]: FakeWebhookDelivery[K] };

export interface ComponentWebhooksContext {
  readonly flavour: 'datastore' | 'orientdb';
  readonly ids: IdScheme;
  readonly onRePush: 'none' | 'UPDATED';
}

/** The component webhook subscriptions of one fake Nexus and the requests made for them. */
export class ComponentWebhooks {
  readonly deliveries: FakeWebhookDelivery[] = [];
  readonly #context: ComponentWebhooksContext;
  readonly #nodeId = makeNodeId();
  readonly #subscriptions: Subscription[] = [];
  /** Nexus sends through a pooled Apache HttpClient; a private keep-alive agent, destroyed by stop(), leaves no socket behind. */
  readonly #agent = new Agent({ keepAlive: true });
  /** Requests not yet ended, each with the promise that settles when it has; stop() destroys them. */
  readonly #inFlight = new Map<ClientRequest, Promise<void>>();
  #stopped = false;

  constructor(context: ComponentWebhooksContext) {
    this.#context = context;
  }

  subscribe(webhook: FakeNexusWebhook): void {
    let url: URL;
    try {
      url = new URL(webhook.url);
    } catch {
      throw new Error(`fake Nexus: webhook url ${JSON.stringify(webhook.url)} is not a URL`);
    }
    if (url.protocol !== 'http:') {
      throw new Error(`fake Nexus: webhook url ${webhook.url} must be http:// (the fake sends no TLS)`);
    }
    // RepositoryWebhookCapability: secret = Strings.emptyToNull(...), so "" means no signature.
    this.#subscriptions.push({ url, secret: webhook.secret === '' ? undefined : webhook.secret, repository: webhook.repository });
  }

  /** The store's listener: one request per matching subscription, started now and not awaited (§4: delivery is asynchronous). */
  notify(event: ContentEvent): void {
    const action = actionOf(event, this.#context.onRePush);
    if (action === undefined || this.#stopped) {
      return;
    }
    const subscribers = this.#subscriptions.filter((subscription) => subscription.repository === undefined || subscription.repository === event.repository);
    if (subscribers.length === 0) {
      return;
    }
    // One payload per event, shared by every subscription (RepositoryComponentWebhook.maybeQueue).
    const body = this.#payload(event, action);
    for (const subscription of subscribers) {
      this.#send(subscription, action, body);
    }
  }

  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) {
      await Promise.all(this.#inFlight.values());
    }
  }

  /** Aborts what is in flight and drops what comes later: Nexus's queue is in memory, a stop loses it (§4). */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const req of this.#inFlight.keys()) {
      req.destroy();
    }
    await this.settled();
    this.#agent.destroy();
  }

  /**
   * RepositoryComponentWebhookPayload as Jackson writes it (§4): compact, the superclass's fields
   * (timestamp, nodeId, initiator) first, then declaration order; null fields omitted
   * (Include.NON_NULL), so OrientDB's null Docker group is absent rather than null.
   */
  #payload(event: ContentEvent, action: WebhookAction): string {
    const id = this.#context.ids.componentId(event.componentInternalId);
    const group = this.#context.flavour === 'orientdb' ? {} : { group: '' };
    return JSON.stringify({
      timestamp: jacksonDate(Date.now()),
      nodeId: this.#nodeId,
      initiator: event.initiator,
      repositoryName: event.repository,
      action,
      component: { id, componentId: repositoryItemId(event.repository, id), format: 'docker', name: event.image, ...group, version: event.tag },
    });
  }

  /** WebhookServiceImpl.send: one POST; any answer, status or failure ends it (no retry, nothing logged here). */
  #send(subscription: Subscription, action: WebhookAction, body: string): void {
    const delivery: MutableDelivery = { url: subscription.url.href, deliveryId: randomUUID(), action, body, outcome: 'pending' };
    this.deliveries.push(delivery);
    // The request's own headers, then those Apache HttpClient 4 adds, in the order its interceptors run.
    const headers: Record<string, string> = {
      'X-Nexus-Webhook-ID': COMPONENT_WEBHOOK_ID,
      'X-Nexus-Webhook-Delivery': delivery.deliveryId,
      ...(subscription.secret === undefined ? {} : { 'X-Nexus-Webhook-Signature': signNexusWebhook(body, subscription.secret) }),
      'Content-Length': String(Buffer.byteLength(body, 'utf8')),
      'Content-Type': 'application/json; charset=UTF-8',
      Host: subscription.url.host,
      Connection: 'Keep-Alive',
      'User-Agent': USER_AGENT,
      'Accept-Encoding': 'gzip,deflate',
    };
    const req = request(subscription.url, { method: 'POST', headers, agent: this.#agent, timeout: REQUEST_TIMEOUT_MS });
    const ended = new Promise<void>((resolve) => {
      const settle = (outcome: FakeWebhookDelivery['outcome']): void => {
        if (delivery.outcome === 'pending') {
          delivery.outcome = outcome;
        }
      };
      req.on('response', (res) => {
        settle(res.statusCode ?? 0);
        res.resume(); // the body is read and dropped, which frees the connection for reuse
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => settle(this.#stopped ? 'aborted' : 'failed'));
      req.on('close', () => {
        settle(this.#stopped ? 'aborted' : 'failed');
        this.#inFlight.delete(req);
        resolve();
      });
    });
    this.#inFlight.set(req, ended);
    req.end(body);
  }
}

/**
 * Which component event a change raises (§4): a new tag creates its component (CREATED), a delete
 * removes it (DELETED). A re-push keeps the component row, so it raises no CREATED; whether the closed
 * Docker plugin raises UPDATED is unknown, hence the option.
 */
function actionOf(event: ContentEvent, onRePush: 'none' | 'UPDATED'): WebhookAction | undefined {
  if (event.action === 'deleted') {
    return 'DELETED';
  }
  if (!event.rePush) {
    return 'CREATED';
  }
  return onRePush === 'UPDATED' ? 'UPDATED' : undefined;
}

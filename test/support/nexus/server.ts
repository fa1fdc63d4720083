/**
 * A faithful fake of Sonatype Nexus Repository 3 (Docker repositories): the read-only REST API
 * under /service/rest and the Docker Registry V2 API on the main port under /repository/<repo>/v2/.
 * This file starts and stops it, dispatches each request to its routes, records every request,
 * injects outages and hands every push and delete to the component webhooks (webhooks.ts).
 *
 * Every behaviour is taken from docs/nexus-and-registry.md ("§" numbers refer to it) or from the
 * nexus-public sources it cites (release 3.77.0-08); where a second-hand report and the sources
 * disagree, the sources win and the comment says so. Everything lives in one server instance: there
 * is no module-level mutable state.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Security } from './auth.js';
import { recordRequest, send, sendHtmlNotFound, type Exchange } from './exchange.js';
import { DatastoreIds, JavaException, OrientIds } from './ids.js';
import { RegistryRoutes } from './registry-routes.js';
import { RestRoutes, sendRestUnexpected } from './rest-routes.js';
import { NexusContent } from './store.js';
import type { FakeManifest, FakeNexus, FakeNexusOptions, FakeNexusWebhook, FakeRepositoryDefinition, FakeRequestRecord, FakeWebhookDelivery } from './types.js';
import { ComponentWebhooks } from './webhooks.js';

export async function startNexusServer(options: FakeNexusOptions = {}): Promise<FakeNexus> {
  const nexus = new FakeNexusServer(options);
  await nexus.listen();
  return nexus;
}

class FakeNexusServer implements FakeNexus {
  readonly requests: FakeRequestRecord[] = [];
  readonly #content: NexusContent;
  readonly #webhooks: ComponentWebhooks;
  readonly #security: Security;
  readonly #rest: RestRoutes;
  readonly #registry: RegistryRoutes;
  readonly #server: Server;
  #url = '';
  #outage: number | 'reset' | undefined;

  constructor(options: FakeNexusOptions) {
    const flavour = options.flavour ?? 'datastore';
    const ids = flavour === 'orientdb' ? new OrientIds() : new DatastoreIds();
    // Webhooks hear of every push and delete once the store holds it (§4).
    this.#webhooks = new ComponentWebhooks({ flavour, ids, onRePush: options.webhookOnRePush ?? 'none' });
    for (const webhook of options.webhooks ?? []) {
      this.#webhooks.subscribe(webhook);
    }
    this.#content = new NexusContent(options, (event) => this.#webhooks.notify(event));
    this.#security = new Security(options);
    this.#rest = new RestRoutes({ options, flavour, ids, content: this.#content, security: this.#security });
    this.#registry = new RegistryRoutes({ options, content: this.#content, security: this.#security });
    this.#server = createServer((req, res) => this.#handle(req, res));
  }

  get url(): string {
    return this.#url;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  addRepository(repo: FakeRepositoryDefinition): void {
    this.#content.addRepository(repo);
  }

  putTag(repository: string, image: string, tag: string, manifest?: FakeManifest): { digest: string; size: number } {
    return this.#content.putTag(repository, image, tag, manifest);
  }

  putManifest(repository: string, image: string, tag: string | undefined, manifest: FakeManifest): { digest: string; size: number } {
    return this.#content.putManifest(repository, image, tag, manifest);
  }

  putBlob(repository: string, bytes: Uint8Array): string {
    return this.#content.putBlob(repository, bytes);
  }

  deleteTag(repository: string, image: string, tag: string): void {
    this.#content.deleteTag(repository, image, tag);
  }

  setOutage(status: number | 'reset' | undefined): void {
    this.#outage = status;
  }

  get webhookDeliveries(): readonly FakeWebhookDelivery[] {
    return this.#webhooks.deliveries;
  }

  addWebhook(webhook: FakeNexusWebhook): void {
    this.#webhooks.subscribe(webhook);
  }

  webhooksSettled(): Promise<void> {
    return this.#webhooks.settled();
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve, reject) => {
      this.#server.close((error) => (error === undefined ? resolve() : reject(error)));
      this.#server.closeAllConnections();
    });
    await Promise.all([closed, this.#webhooks.stop()]);
  }

  // ----- dispatch -----

  #handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.#outage === 'reset') {
      recordRequest(this.requests, req, 0);
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://nexus.invalid');
    const ex: Exchange = {
      req,
      res,
      url,
      origin: `http://${req.headers.host ?? this.#url.slice('http://'.length)}`,
      principal: this.#security.principalOf(req),
      log: this.requests,
    };
    if (this.#outage !== undefined) {
      send(ex, this.#outage, {}, '');
      return;
    }
    try {
      if (url.pathname.startsWith('/service/rest/')) {
        this.#rest.handle(ex, url.pathname.slice('/service/rest'.length));
        return;
      }
      const content = /^\/repository\/([^/]+)(\/.*)?$/.exec(url.pathname);
      if (content?.[1] !== undefined) {
        this.#registry.handle(ex, decodeURIComponent(content[1]), content[2] ?? '');
        return;
      }
      sendHtmlNotFound(ex);
    } catch (error) {
      sendRestUnexpected(ex, new JavaException(`java.lang.RuntimeException: ${String(error)}`));
    }
  }
}

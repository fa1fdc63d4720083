/**
 * The public shapes of the fake Nexus (test/support/nexus/): its options, the repositories and
 * manifests tests hand it, and the handle startNexusServer returns. "§" numbers refer to
 * docs/nexus-and-registry.md.
 */

export interface FakeNexusUser {
  readonly password: string;
  /** Administrative read on every repository (/v1/repositorySettings, /v1/repositories/docker/...). */
  readonly admin?: boolean;
  /**
   * Repositories this (non-admin) user may browse/read. Absent = all of them (like nx-repository-view-*-*-*).
   * Lets tests produce the list filtering and 403s of §1.2 / §1.8.
   */
  readonly repositories?: readonly string[];
}

/**
 * One "Webhook: Repository" capability with the `component` event type (§4): where Nexus POSTs
 * `rm:repository:component` events.
 */
export interface FakeNexusWebhook {
  /** http:// URL the events are POSTed to. */
  readonly url: string;
  /** The capability's "Secret Key"; absent or "" = no X-Nexus-Webhook-Signature header (Nexus stores "" as null). */
  readonly secret?: string;
  /** The capability's repository. Real Nexus needs one capability per repository; absent here = every repository. */
  readonly repository?: string;
}

/** One webhook request the fake Nexus made, for tests that check what was (not) sent or retried. */
export interface FakeWebhookDelivery {
  readonly url: string;
  /** The X-Nexus-Webhook-Delivery UUID. */
  readonly deliveryId: string;
  readonly action: 'CREATED' | 'UPDATED' | 'DELETED';
  /** The exact body sent. */
  readonly body: string;
  /** The receiver's status; 'failed' when no answer came (refused, reset, timed out), 'aborted' when stop() cut it, 'pending' while in flight. */
  readonly outcome: number | 'pending' | 'failed' | 'aborted';
}

export interface FakeNexusOptions {
  /** 'datastore' (default): group "", path "/v2/...", 8-hex tokens, "docker" : { } in assets.
   *  'orientdb': group null, path "v2/..." (no leading slash), 32-hex ids/tokens, no "docker" key,
   *  the duplicated "blobCreated" key quirk, and a page size of 10. */
  readonly flavour?: 'datastore' | 'orientdb';
  /** Basic-auth users. Absent = anonymous access allowed for everything. */
  readonly users?: Readonly<Record<string, FakeNexusUser>>;
  /** With users set: whether anonymous GETs are still allowed (lists then filtered as for anonymous). Default false. */
  readonly anonymous?: boolean;
  /** Registry API auth challenge: 'basic' (forceBasicAuth, default: `BASIC realm="Sonatype Nexus Repository Manager"`) or 'bearer' (realm = service = <base>/repository/<repo>/v2/token, no scope; token endpoint returns {"token":"DockerToken.<uuid>"} for valid Basic creds). */
  readonly registryAuth?: 'basic' | 'bearer';
  /** Component webhooks (§4), each delivered once, asynchronously, never retried. More can be added with addWebhook. */
  readonly webhooks?: readonly FakeNexusWebhook[];
  /**
   * What a re-push of an existing tag sends to component webhooks (§4): 'none' (default: the component
   * row is kept, so no CREATED, and nothing shows the closed Docker plugin raises UPDATED) or 'UPDATED'
   * (for receivers that must cope with either).
   */
  readonly webhookOnRePush?: 'none' | 'UPDATED';
  /**
   * The OCI 1.1 referrers API GET /v2/<name>/referrers/<digest>: 'absent' (default; no evidence that
   * Nexus implements it, §3) answers the 404 of any unknown registry path, so clients fall back to
   * the `sha256-<hex>` tag schema; 'supported' answers the OCI index of the referrers.
   */
  readonly referrers?: 'supported' | 'absent';
  readonly quirks?: {
    /** HEAD on a manifest answers 404 while GET works. */
    readonly headManifest404?: boolean;
    /** tags/list contains a null entry. */
    readonly nullTag?: boolean;
    /** Link header on tags/list includes "/repository/<repo>" wrongly (issue #1011): following it gives 400. */
    readonly connectorLink?: boolean;
    /** Group repositories send no Link header. */
    readonly noLinkOnGroups?: boolean;
    /** The registry API serves another digest than REST checksum.sha256 for these "repo/image:tag" keys (tag moved between calls). */
    readonly registryDigestDiffers?: readonly string[];
    /** REST asset checksum omits sha256 for these "repo/image:tag" keys (so a crawler must ask the registry). */
    readonly missingChecksum?: readonly string[];
  };
}

export interface FakeManifest {
  readonly bytes: Uint8Array;
  readonly mediaType: string;
}

export interface FakeRepositoryDefinition {
  name: string;
  type: 'hosted' | 'proxy' | 'group';
  format?: 'docker' | 'maven2' | 'npm';
  members?: readonly string[];
  docker?: {
    httpPort?: number | null;
    httpsPort?: number | null;
    forceBasicAuth?: boolean;
    v1Enabled?: boolean;
    subdomain?: string | null;
    pathEnabled?: boolean;
  };
}

export interface FakeRequestRecord {
  readonly method: string;
  /** Path and query exactly as received. */
  readonly path: string;
  /** Whether an Authorization header was sent (valid or not). */
  readonly authorized: boolean;
  /** Status sent; 0 when the socket was destroyed by setOutage('reset'). */
  readonly status: number;
}

export interface FakeNexus {
  /** e.g. http://127.0.0.1:PORT (listens on 127.0.0.1 only, on a free port). */
  readonly url: string;
  /** Every request received (Community Edition request budget, §1.9: 401s count too). */
  readonly requests: readonly FakeRequestRecord[];
  addRepository(repo: FakeRepositoryDefinition): void;
  /** Push (or re-push) image:tag with this manifest; returns the digest "sha256:<hex>" and size. Re-pushing keeps the component and replaces its asset's blob. */
  putTag(repository: string, image: string, tag: string, manifest?: FakeManifest): { digest: string; size: number };
  /**
   * Push any manifest (cosign `.sig`/`.att`, OCI manifests and indexes with `subject` and
   * `artifactType`, the referrers fallback index tagged `sha256-<hex>`) with its exact bytes and
   * media type: under `tag`, as putTag; with `tag` undefined, untagged (by digest only, not listed by
   * REST). Returns the digest "sha256:<hex>" and size.
   */
  putManifest(repository: string, image: string, tag: string | undefined, manifest: FakeManifest): { digest: string; size: number };
  /** Stores a blob's bytes in a hosted repository (signature payloads, bundles, envelopes); returns "sha256:<hex>". */
  putBlob(repository: string, bytes: Uint8Array): string;
  deleteTag(repository: string, image: string, tag: string): void;
  /** Make every request answer `status` (e.g. 503, or 'reset' to destroy the socket) until called with undefined. */
  setOutage(status: number | 'reset' | undefined): void;
  /** Every webhook request made so far, in the order the events happened. */
  readonly webhookDeliveries: readonly FakeWebhookDelivery[];
  /** Adds a component webhook capability from now on; throws on a URL that is not http://. */
  addWebhook(webhook: FakeNexusWebhook): void;
  /** Resolves once every webhook request started so far has ended (answered, failed or aborted). */
  webhooksSettled(): Promise<void>;
  /** Stops listening and aborts webhook requests still in flight (Nexus's queue is in memory: a stop loses it). */
  stop(): Promise<void>;
}

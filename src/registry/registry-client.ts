/**
 * Reads manifest digests through the Docker Registry HTTP API V2
 * (https://distribution.github.io/distribution/spec/api/), as served by the
 * reference registry and by Nexus. Only GET and HEAD of manifests; never a
 * blob, a tag list or the catalog (Nexus REST lists the tags).
 *
 * Nexus differs from the reference registry in a way this client tolerates
 * (docs/nexus-and-registry.md §2): HEAD answering 404 where GET works.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

import { sha256Hex } from '../lib/digest.js';

import { FetchError } from '../lib/errors.js';
import { asBaseUrl, urlUnder } from '../lib/http/base-url.js';
import type { Credentials } from '../lib/http/basic-auth.js';
import { ChallengeAuthenticator } from '../lib/http/challenge-auth.js';
import { CountingHttpClient } from '../lib/http/counting-client.js';
import { errcodeCodes, errcodeSummary } from '../lib/http/errcode.js';
import { describeUrl, headerValue, type HttpClient, type HttpResponse } from '../lib/http/http-client.js';
import { statusError } from '../lib/http/status-error.js';
import { isValidImageName, isValidTag } from '../lib/reference.js';
import { parseJson, readManifestMediaType } from './schema.js';

export interface ManifestDescriptor {
  /** `sha256:<hex>` of the manifest bytes, what Notary targets sign. */
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
}

export interface RegistryClientOptions {
  /** Base of the V2 API, WITHOUT the trailing "v2/": e.g. new URL('http://nexus:8081/repository/docker-hosted/') or new URL('http://127.0.0.1:5000/'). */
  readonly baseUrl: URL;
  readonly http: HttpClient;
  readonly credentials?: Credentials | undefined;
}

/**
 * Everything we can take a digest of, so that the registry never converts
 * (DIST manifest-v2-2.md "Backward compatibility": without the v2 types it
 * rewrites to schema1 or picks linux/amd64 out of a list). Same list as
 * Renovate's `getManifestResponse`.
 */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
] as const;

const ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');

/**
 * OCI distribution-spec "Pushing Manifests": registries SHOULD accept manifests
 * of at least 4 MB, and distribution refuses larger ones on push
 * (registry/handlers/manifests.go `maxManifestBodySize = 4 << 20`).
 */
const MANIFEST_LIMIT = 4 * 1024 * 1024;

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** Answers to a referrers request that mean: no referrers API here, read the fallback tag. */
const UNSUPPORTED_REFERRERS: ReadonlySet<number> = new Set([400, 404, 405, 406, 501]);
/** What signature manifests may also be stored as (OCI 1.1 artifact manifests, seen from older ORAS clients). */
const ARTIFACT_MANIFEST_TYPES = 'application/vnd.oci.artifact.manifest.v1+json';

export interface FetchedManifest {
  readonly bytes: Uint8Array;
  /** The Content-Type without parameters, when the registry sent one. */
  readonly mediaType: string | undefined;
}

const DIGEST_HEADER = /^(sha256|sha512):([a-f0-9]+)$/;
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha512: 128 };

export class RegistryClient {
  readonly #base: URL;
  readonly #auth: ChallengeAuthenticator;
  readonly #hasCredentials: boolean;
  readonly #counted: CountingHttpClient;

  constructor(options: RegistryClientOptions) {
    this.#base = checkedBase(options.baseUrl);
    this.#hasCredentials = options.credentials !== undefined;
    // Counting below the authenticator sees every request: challenged
    // attempts, their retries and token requests alike.
    this.#counted = new CountingHttpClient(options.http);
    this.#auth = new ChallengeAuthenticator(this.#counted, options.credentials);
  }

  /** Requests sent so far (token requests included), for the Nexus request budget. */
  get requests(): number {
    return this.#counted.sent;
  }

  /**
   * The tag's manifest descriptor, with the media type the registry stores (an
   * index stays an index). HEAD first, as docker and Renovate do; GET and hash
   * the body when HEAD is refused (Nexus: 404 on HEAD while GET works) or says
   * too little. undefined when the tag does not exist.
   */
  async getManifestDescriptor(image: string, tag: string, signal?: AbortSignal): Promise<ManifestDescriptor | undefined> {
    assertImage(image);
    if (!isValidTag(tag)) {
      throw new FetchError('MALFORMED', `${JSON.stringify(tag)} is not a valid tag of ${image} ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})`);
    }
    const url = this.#endpoint(`${image}/manifests/${tag}`);
    const what = `manifest of ${image}:${tag}`;

    const head = await this.#send(url, 'HEAD', ACCEPT, what, MANIFEST_LIMIT, image, signal);
    if (head.status === 200) {
      const described = describeFromHead(head);
      if (described !== undefined) {
        return described;
      }
    } else if (head.status !== 404 && head.status !== 405) {
      throw this.#statusError(what, url, head, '');
    }

    const response = await this.#send(url, 'GET', ACCEPT, what, MANIFEST_LIMIT, image, signal);
    if (response.status === 404) {
      const codes = errcodeCodes(response.body);
      if (codes.includes('MANIFEST_UNKNOWN') || codes.includes('NAME_UNKNOWN')) {
        return undefined;
      }
      throw this.#statusError(what, url, response, ' without MANIFEST_UNKNOWN; is baseUrl a registry V2 base?');
    }
    if (response.status !== 200) {
      throw this.#statusError(what, url, response, '');
    }
    const body = response.body;
    const digest = `sha256:${sha256Hex(body)}`;
    const header = headerValue(response.headers, 'docker-content-digest');
    if (header !== undefined) {
      // DIST api.md "Digest Header": clients verify content against the digest.
      checkDigestHeader(header.trim(), body, what, url);
    }
    const contentType = mediaTypeOf(response);
    const mediaType = isSpecific(contentType) ? contentType : (readManifestMediaType(parseJson(body)) ?? contentType);
    if (mediaType === undefined) {
      throw new FetchError('MALFORMED', `${what}: ${describeUrl(url)} sent neither a Content-Type nor a mediaType field`);
    }
    return { digest, size: body.length, mediaType };
  }

  /**
   * A manifest by its digest, its bytes checked against that digest: what a
   * signature's manifest is read by (contract v1.2). undefined when the
   * registry does not have it.
   */
  async getManifestByDigest(image: string, digest: string, signal?: AbortSignal): Promise<FetchedManifest | undefined> {
    assertImage(image);
    assertSha256(digest);
    const url = this.#endpoint(`${image}/manifests/${digest}`);
    const what = `manifest ${digest} of ${image}`;
    const response = await this.#send(url, 'GET', `${ACCEPT}, ${ARTIFACT_MANIFEST_TYPES}`, what, MANIFEST_LIMIT, image, signal);
    if (response.status === 404) {
      return undefined;
    }
    if (response.status !== 200) {
      throw this.#statusError(what, url, response, '');
    }
    checkContent(response.body, digest, what, url);
    return { bytes: response.body, mediaType: mediaTypeOf(response) };
  }

  /**
   * A blob by its digest, at most `maxBytes`, checked against the digest
   * (DIST api.md "Pulling a Layer": content is addressed; a registry that
   * sends other bytes is refused). undefined when the registry does not have it.
   */
  async getBlob(image: string, digest: string, maxBytes: number, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    assertImage(image);
    assertSha256(digest);
    const url = this.#endpoint(`${image}/blobs/${digest}`);
    const what = `blob ${digest} of ${image}`;
    const response = await this.#send(url, 'GET', '*/*', what, maxBytes, image, signal);
    if (response.status === 404) {
      return undefined;
    }
    if (response.status !== 200) {
      throw this.#statusError(what, url, response, '');
    }
    checkContent(response.body, digest, what, url);
    return response.body;
  }

  /**
   * The OCI referrers of a manifest (distribution-spec 1.1 "Listing
   * Referrers"), or `unsupported` when the registry does not implement the
   * API. A registry that does MUST answer 200 with an image index even when
   * there are none; go-containerregistry falls back to the tag schema on
   * 404, 400, 406, or a 200 of another Content-Type, and so does this, and on
   * 405 and 501 too (a registry that has no such route at all).
   */
  async getReferrers(
    image: string,
    digest: string,
    signal?: AbortSignal
  ): Promise<{ readonly supported: true; readonly index: Uint8Array } | { readonly supported: false; readonly status: number }> {
    assertImage(image);
    assertSha256(digest);
    const url = this.#endpoint(`${image}/referrers/${digest}`);
    const what = `referrers of ${image}@${digest}`;
    const response = await this.#send(url, 'GET', OCI_INDEX, what, MANIFEST_LIMIT, image, signal);
    if (UNSUPPORTED_REFERRERS.has(response.status) || (response.status === 200 && mediaTypeOf(response) !== OCI_INDEX)) {
      return { supported: false, status: response.status };
    }
    if (response.status !== 200) {
      throw this.#statusError(what, url, response, '');
    }
    return { supported: true, index: response.body };
  }

  /** `<base>v2/<path>`; `path` is built from validated names only. */
  #endpoint(path: string): URL {
    return urlUnder(this.#base, `v2/${path}`);
  }

  /** One request, answering an auth challenge; authorizations are cached per origin and scope hint. */
  async #send(url: URL, method: 'GET' | 'HEAD', accept: string, what: string, maxBytes: number, scopeHint: string, signal: AbortSignal | undefined): Promise<HttpResponse> {
    return this.#auth.send(url, { method, headers: { accept }, maxBytes, what, signal }, scopeHint);
  }

  #statusError(what: string, url: URL, response: HttpResponse, hint: string): FetchError {
    const detail = errcodeSummary(response.body);
    return statusError(what, url, response.status, {
      authReason: this.#hasCredentials ? 'the configured credentials were refused' : 'no credentials are configured',
      suffix: (detail === undefined ? '' : `: ${detail}`) + hint,
    });
  }
}

function assertImage(image: string): void {
  if (!isValidImageName(image)) {
    throw new FetchError(
      'MALFORMED',
      `${JSON.stringify(image.slice(0, 300))} is not a valid image name (lower-case path components [a-z0-9] joined by . _ __ or -, separated by /, at most 255 characters)`
    );
  }
}

function assertSha256(digest: string): void {
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) {
    throw new FetchError('MALFORMED', `${JSON.stringify(digest.slice(0, 100))} is not a sha256 digest (sha256:<64 hex>)`);
  }
}

/** Content addressed by `digest` must hash to it (constant-time compare). */
function checkContent(body: Buffer, digest: string, what: string, url: URL): void {
  const actual = createHash('sha256').update(body).digest();
  if (!timingSafeEqual(actual, Buffer.from(digest.slice('sha256:'.length), 'hex'))) {
    throw new FetchError('MALFORMED', `${what}: the body from ${describeUrl(url)} hashes to sha256:${actual.toString('hex')}, not to the digest it was asked by`);
  }
}

function checkedBase(url: URL): URL {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`registry baseUrl must be http or https, not ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new TypeError('registry baseUrl must not carry credentials; pass them as `credentials`');
  }
  return asBaseUrl(url);
}

/** A descriptor from HEAD alone, when it carries everything (DIST api.md "Existing Manifests"). */
function describeFromHead(head: HttpResponse): ManifestDescriptor | undefined {
  const digest = headerValue(head.headers, 'docker-content-digest')?.trim();
  const length = headerValue(head.headers, 'content-length');
  const mediaType = mediaTypeOf(head);
  if (digest === undefined || !/^sha256:[a-f0-9]{64}$/.test(digest)) {
    return undefined;
  }
  if (length === undefined || !/^\d{1,15}$/.test(length) || !isSpecific(mediaType)) {
    return undefined;
  }
  return { digest, size: Number(length), mediaType };
}

function checkDigestHeader(header: string, body: Buffer, what: string, url: URL): void {
  const match = DIGEST_HEADER.exec(header);
  const algorithm = match?.[1];
  const hex = match?.[2];
  if (algorithm === undefined || hex === undefined || hex.length !== DIGEST_HEX_LENGTH[algorithm]) {
    throw new FetchError('MALFORMED', `${what}: ${describeUrl(url)} sent an unusable Docker-Content-Digest ${JSON.stringify(header.slice(0, 200))}`);
  }
  const actual = createHash(algorithm).update(body).digest();
  // Constant-time, as sigstore's bufferEqual (docs/house-style.md rule 6).
  if (!timingSafeEqual(actual, Buffer.from(hex, 'hex'))) {
    throw new FetchError('MALFORMED', `${what}: the body from ${describeUrl(url)} hashes to ${algorithm}:${actual.toString('hex')}, but Docker-Content-Digest says ${header}`);
  }
}

/** The Content-Type without parameters, lower-cased. */
function mediaTypeOf(response: HttpResponse): string | undefined {
  const value = headerValue(response.headers, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  return value === undefined || value === '' ? undefined : value;
}

/** A manifest media type, not the generic type some servers send for any JSON. */
function isSpecific(mediaType: string | undefined): mediaType is string {
  return mediaType !== undefined && mediaType !== 'application/json' && mediaType !== 'text/plain' && mediaType !== 'application/octet-stream';
}

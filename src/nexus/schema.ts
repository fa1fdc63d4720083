/**
 * Wire types of the Nexus 3 REST API, parsed tolerantly: unknown fields are
 * ignored and a malformed item is skipped (and counted), never fatal; both the
 * datastore and the OrientDB flavours are read (group "" or null, asset path
 * with or without its leading slash). See docs/nexus-and-registry.md §1.
 */

import { isValidImageName, isValidTag } from '../lib/reference.js';

/** `GET /service/rest/v1/repositories` item (NXP RepositoryXO). */
export interface NexusRepository {
  readonly name: string;
  readonly format: string;
  readonly type: string;
  readonly url: string;
}

/** One tag of one image, from a Docker component (name = image, version = tag). */
export interface NexusTag {
  readonly image: string;
  readonly tag: string;
  /** `sha256:<hex>` from the manifest asset's checksum.sha256, which equals Docker-Content-Digest (§1.7). */
  readonly digest: string | undefined;
  /** The manifest asset's fileSize. */
  readonly size: number | undefined;
}

export interface ComponentPage {
  readonly tags: readonly NexusTag[];
  readonly continuationToken: string | null;
  /** Items that were not Docker components of the expected shape, or whose names break the reference grammar. */
  readonly skipped: number;
  /** A few of the `image:tag` names outside the grammar, as Nexus sent them (escape before printing). */
  readonly invalidNames: readonly string[];
}

/** `docker` block of `GET /v1/repositories/docker/{type}/{name}` (§1.3). */
export interface DockerConnector {
  readonly httpPort: number | null;
  readonly httpsPort: number | null;
  readonly subdomain: string | null;
  readonly pathEnabled: boolean;
}

type Loose = Record<string, unknown>;

const isLoose = (value: unknown): value is Loose => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function parseRepositories(body: unknown): NexusRepository[] | undefined {
  if (!Array.isArray(body)) {
    return undefined;
  }
  const repositories: NexusRepository[] = [];
  for (const item of body) {
    if (!isLoose(item)) {
      continue;
    }
    const name = text(item['name']);
    const format = text(item['format']);
    const type = text(item['type']);
    if (name !== undefined && format !== undefined && type !== undefined) {
      repositories.push({ name, format, type, url: text(item['url']) ?? '' });
    }
  }
  return repositories;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Names outside the grammar quoted per page (for the log). */
const MAX_EXAMPLES = 3;

export function parseComponentPage(body: unknown): ComponentPage | undefined {
  if (!isLoose(body) || !Array.isArray(body['items'])) {
    return undefined;
  }
  const token = body['continuationToken'];
  if (token !== null && token !== undefined && typeof token !== 'string') {
    return undefined;
  }
  const tags: NexusTag[] = [];
  let skipped = 0;
  const unnamed: string[] = [];
  for (const item of body['items']) {
    const tag = isLoose(item) ? parseComponent(item) : undefined;
    if (tag === undefined) {
      skipped++;
    } else if (!isValidImageName(tag.image) || !isValidTag(tag.tag)) {
      // Outside the Docker reference grammar: no registry serves it, and it must
      // not reach a URL, a terminal or a metric label. Skipped and counted.
      skipped++;
      if (unnamed.length < MAX_EXAMPLES) {
        unnamed.push(`${tag.image}:${tag.tag}`);
      }
    } else {
      tags.push(tag);
    }
  }
  return { tags, continuationToken: token ?? null, skipped, invalidNames: unnamed };
}

function parseComponent(item: Loose): NexusTag | undefined {
  const image = text(item['name']);
  const tag = text(item['version']);
  if (image === undefined || tag === undefined || image === '' || tag === '' || !Array.isArray(item['assets'])) {
    return undefined;
  }
  // The component's one asset is the tagged manifest, `/v2/<name>/manifests/<tag>` (§1.4, §1.7).
  const manifestPath = `v2/${image}/manifests/${tag}`;
  const asset = item['assets'].find((candidate): candidate is Loose => isLoose(candidate) && text(candidate['path'])?.replace(/^\//, '') === manifestPath);
  if (asset === undefined) {
    return { image, tag, digest: undefined, size: undefined };
  }
  const checksum = asset['checksum'];
  const sha256 = isLoose(checksum) ? text(checksum['sha256'])?.toLowerCase() : undefined;
  const size = asset['fileSize'];
  return {
    image,
    tag,
    digest: sha256 !== undefined && SHA256_HEX.test(sha256) ? `sha256:${sha256}` : undefined,
    size: typeof size === 'number' && Number.isSafeInteger(size) && size > 0 ? size : undefined,
  };
}

export function parseDockerConnector(body: unknown): DockerConnector | undefined {
  if (!isLoose(body) || !isLoose(body['docker'])) {
    return undefined;
  }
  const docker = body['docker'];
  const port = (value: unknown): number | null => (typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 65536 ? value : null);
  return {
    httpPort: port(docker['httpPort']),
    httpsPort: port(docker['httpsPort']),
    subdomain: text(docker['subdomain']) ?? null,
    pathEnabled: docker['pathEnabled'] === true,
  };
}

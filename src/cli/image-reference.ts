/**
 * The image reference `inspect --cosign|--notation` takes, as docker, cosign
 * and notation write it for Nexus: `<gunPrefix>/<image>:<tag>` or
 * `<gunPrefix>/<image>@sha256:<hex>`. Pure. The name is split into the
 * configured prefix and the image only once the configuration is known
 * (`repositoryOfReference`): a prefix may have path components of its own.
 */
import type { RepositoryConfig } from '../config/config.js';
import { isValidGun, isValidImageName, isValidTag } from '../lib/reference.js';

export interface ImageReference {
  /** As written on the command line. */
  readonly text: string;
  /** `<gunPrefix>/<image>`: a GUN, and the scope Notation's trust policy matches. */
  readonly name: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * undefined when `text` is not `name:tag` or `name@sha256:<hex>`. A tag is
 * required (docker's implicit `latest` would inspect what the user did not
 * name), and `name:tag@digest` is refused: which of the two would be inspected
 * is ambiguous.
 */
export function parseImageReference(text: string): ImageReference | undefined {
  const at = text.indexOf('@');
  if (at >= 0) {
    const name = text.slice(0, at);
    const digest = text.slice(at + 1);
    return SHA256_DIGEST.test(digest) && isValidGun(name) && !hasTag(name) ? { text, name, tag: undefined, digest } : undefined;
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0 || text.indexOf('/', colon) >= 0) {
    return undefined; // no tag: the last colon, if any, is the host's port
  }
  const name = text.slice(0, colon);
  const tag = text.slice(colon + 1);
  return isValidTag(tag) && isValidGun(name) ? { text, name, tag, digest: undefined } : undefined;
}

/** A colon after the last slash: the name carries a tag. */
function hasTag(name: string): boolean {
  return name.lastIndexOf(':') > name.lastIndexOf('/');
}

/**
 * The configured repository whose `gunPrefix` the name starts with, the
 * longest such prefix winning (a path-routed `host/a` beside `host`), and the
 * image name after it; undefined when no prefix matches or what follows is no
 * image name.
 */
export function repositoryOfReference(reference: ImageReference, repositories: readonly RepositoryConfig[]): { readonly repository: RepositoryConfig; readonly image: string } | undefined {
  let best: { readonly repository: RepositoryConfig; readonly image: string } | undefined;
  for (const repository of repositories) {
    if (!reference.name.startsWith(`${repository.gunPrefix}/`)) {
      continue;
    }
    const image = reference.name.slice(repository.gunPrefix.length + 1);
    if (isValidImageName(image) && (best === undefined || repository.gunPrefix.length > best.repository.gunPrefix.length)) {
      best = { repository, image };
    }
  }
  return best;
}

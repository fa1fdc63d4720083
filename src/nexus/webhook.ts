/**
 * Nexus's "Webhook: Repository" component events (docs/nexus-and-registry.md
 * §7): Nexus POSTs one compact JSON body per event, signed with HmacSHA1 of
 * the exact body bytes under the capability's Secret Key, as lower-case hex in
 * `X-Nexus-Webhook-Signature` (nexus-public WebhookRequestSender). Deliveries
 * are asynchronous, unordered, never retried and may be lost: they are hints,
 * and the scheduled scan reconciles whatever they miss.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

import { isObject } from '../lib/go-json-fields.js';
import { isValidImageName, isValidTag } from '../lib/reference.js';
import { err, ok, type Result } from '../lib/result.js';

export const WEBHOOK_SIGNATURE_HEADER = 'x-nexus-webhook-signature';

/** The component events of one repository's webhook. PURGED names component ids only. */
export type ComponentAction = 'CREATED' | 'UPDATED' | 'DELETED' | 'PURGED';

export type ComponentEvent =
  | { readonly action: 'CREATED' | 'UPDATED' | 'DELETED'; readonly repository: string; readonly image: string; readonly tag: string }
  | { readonly action: 'PURGED'; readonly repository: string }
  /** A component of another format (maven, npm…): nothing to audit. */
  | { readonly action: 'IGNORED'; readonly repository: string; readonly why: string };

/**
 * Whether `signature` is the HmacSHA1 of `body` under `secret`. Compared in
 * constant time over the decoded bytes, before anything of the body is read.
 */
export function webhookSignatureValid(body: Uint8Array, signature: string | undefined, secret: string): boolean {
  if (signature === undefined || !/^[0-9a-fA-F]{40}$/.test(signature)) {
    return false;
  }
  const expected = createHmac('sha1', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}

const ACTIONS: ReadonlySet<string> = new Set<ComponentAction>(['CREATED', 'UPDATED', 'DELETED', 'PURGED']);

/** A verified body as a component event, or why it is not one (the endpoint's 400). */
export function parseComponentEvent(body: Uint8Array): Result<ComponentEvent, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return err('the body is not JSON');
  }
  if (!isObject(parsed)) {
    return err('the body is not a JSON object');
  }
  const repository = parsed['repositoryName'];
  const action = parsed['action'];
  if (typeof repository !== 'string' || repository.length === 0 || repository.length > 200) {
    return err('repositoryName is missing: not a repository component event');
  }
  if (typeof action !== 'string' || !ACTIONS.has(action)) {
    return err('action is not one of CREATED, UPDATED, DELETED, PURGED: not a component event');
  }
  if (action === 'PURGED') {
    return ok({ action, repository });
  }
  const component = parsed['component'];
  if (!isObject(component)) {
    return err('component is missing: not a component event');
  }
  if (component['format'] !== 'docker') {
    return ok({ action: 'IGNORED', repository, why: 'not a docker component' });
  }
  const image = component['name'];
  const tag = component['version'];
  if (typeof image !== 'string' || !isValidImageName(image) || typeof tag !== 'string' || !isValidTag(tag)) {
    return err('component name or version is not a Docker image name and tag');
  }
  return ok({ action: action as 'CREATED' | 'UPDATED' | 'DELETED', repository, image, tag });
}

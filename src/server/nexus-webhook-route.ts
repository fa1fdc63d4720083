/**
 * `POST /api/v1/events/nexus` (contract v1.1): Nexus's repository component
 * webhook. The signature is checked over the raw bytes, in constant time,
 * before anything of the body is parsed: 401 without a valid one. A body that
 * is not a component event is 400; anything else is 202 at once, and the
 * audit it asks for runs in the event queue, never a full scan.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Logger } from '../lib/logger.js';
import type { EventResult } from '../metrics/metrics.js';
import { parseComponentEvent, WEBHOOK_SIGNATURE_HEADER, webhookSignatureValid } from '../nexus/webhook.js';

/** What the route hands its events to (the scheduler's EventQueue). */
export interface NexusEventSink {
  pushed(repository: string, image: string, tag: string): EventResult;
  deleted(repository: string, image: string, tag: string): EventResult;
}

export interface NexusWebhookOptions {
  readonly secret: string;
  readonly sink: NexusEventSink;
  readonly countEvent: (result: EventResult) => void;
  readonly log: Logger;
}

/** Nexus sends one small component per event; a larger body is not one of its. */
const MAX_WEBHOOK_BYTES = 64 * 1024;

export function createNexusWebhookRoute(options: NexusWebhookOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { secret, sink, countEvent, log } = options;
  return async (req, res) => {
    const body = await readBounded(req, MAX_WEBHOOK_BYTES);
    if (body === undefined) {
      countEvent('malformed');
      answer(res, 413, { error: `the body is larger than ${MAX_WEBHOOK_BYTES} bytes: not a Nexus component event` });
      return;
    }
    const signature = req.headers[WEBHOOK_SIGNATURE_HEADER];
    if (!webhookSignatureValid(body, typeof signature === 'string' ? signature : undefined, secret)) {
      countEvent('unauthorized');
      log.warn(
        { remote: req.socket.remoteAddress, signed: signature !== undefined },
        "Nexus webhook refused: the signature is missing or wrong (check events.nexusWebhookSecret against the capability's Secret Key)"
      );
      answer(res, 401, { error: 'the X-Nexus-Webhook-Signature HMAC is missing or wrong' });
      return;
    }
    const event = parseComponentEvent(body);
    if (!event.ok) {
      countEvent('malformed');
      answer(res, 400, { error: event.error });
      return;
    }
    const value = event.value;
    let result: EventResult;
    switch (value.action) {
      case 'CREATED':
      case 'UPDATED':
        result = sink.pushed(value.repository, value.image, value.tag);
        break;
      case 'DELETED':
        result = sink.deleted(value.repository, value.image, value.tag);
        break;
      case 'PURGED':
        // Only component ids: the next scan removes what was purged.
        result = 'ignored';
        break;
      case 'IGNORED':
        result = 'ignored';
        break;
    }
    countEvent(result);
    answer(res, 202, { status: result });
  };
}

async function readBounded(req: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > limit) {
      req.resume();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

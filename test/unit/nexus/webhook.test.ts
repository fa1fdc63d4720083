/** Nexus's component webhook: the signature check (Nexus's own test vector) and what a body means. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';

import { parseComponentEvent, webhookSignatureValid } from '../../../src/nexus/webhook.js';

const bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');

describe('webhookSignatureValid', () => {
  it("accepts Nexus's own test vector (WebhookServiceImplTest.properlyMarshalsAndSignsPayload)", () => {
    const body = bytes(
      '{"timestamp":"2016-08-18T18:18:30.326+00:00","nodeId":"nodeId","initiator":"initiator","action":"CREATED","repository":{"format":"format","name":"name","type":"value"}}'
    );
    assert.equal(webhookSignatureValid(body, '918cb6e16fcf197f2c3df5af2cf41b20974ec8a2', 'secret'), true);
    assert.equal(webhookSignatureValid(body, '918CB6E16FCF197F2C3DF5AF2CF41B20974EC8A2', 'secret'), true, 'hex is hex in either case');
  });

  it('refuses a missing, malformed, wrong or other-secret signature, and a changed body', () => {
    const body = bytes('{"action":"CREATED"}');
    const good = createHmac('sha1', 's3cret').update(body).digest('hex');
    assert.equal(webhookSignatureValid(body, good, 's3cret'), true);
    for (const signature of [undefined, '', 'sha1=' + good, good.slice(0, 39), `${good}00`, 'z'.repeat(40), '0'.repeat(40)]) {
      assert.equal(webhookSignatureValid(body, signature, 's3cret'), false, String(signature));
    }
    assert.equal(webhookSignatureValid(body, good, 'other'), false);
    assert.equal(webhookSignatureValid(bytes('{"action":"DELETED"}'), good, 's3cret'), false);
  });
});

describe('parseComponentEvent', () => {
  const event = (fields: Record<string, unknown>): Uint8Array =>
    bytes(JSON.stringify({ timestamp: '2026-11-30T03:00:00.000+00:00', nodeId: 'n', initiator: 'admin/10.0.0.1', repositoryName: 'docker-hosted', action: 'CREATED', ...fields }));
  const docker = { id: 'a', componentId: 'b', format: 'docker', name: 'team/app', group: '', version: 'v1.2' };

  it('reads a docker component event: the image is the name, the tag the version', () => {
    assert.deepEqual(parseComponentEvent(event({ component: docker })), { ok: true, value: { action: 'CREATED', repository: 'docker-hosted', image: 'team/app', tag: 'v1.2' } });
    const deleted = parseComponentEvent(event({ action: 'DELETED', component: docker }));
    assert.equal(deleted.ok && deleted.value.action, 'DELETED');
  });

  it('ignores other formats and reads PURGED, which names component ids only', () => {
    assert.deepEqual(parseComponentEvent(event({ component: { ...docker, format: 'maven2' } })), {
      ok: true,
      value: { action: 'IGNORED', repository: 'docker-hosted', why: 'not a docker component' },
    });
    assert.deepEqual(parseComponentEvent(event({ action: 'PURGED', components: ['a', 'b'] })), { ok: true, value: { action: 'PURGED', repository: 'docker-hosted' } });
  });

  it('is a clear error for anything else (the 400 answer)', () => {
    const cases: [Uint8Array, RegExp][] = [
      [bytes('not json'), /not JSON/],
      [bytes('[]'), /not a JSON object/],
      [event({ repositoryName: undefined, component: docker }), /repositoryName is missing/],
      [event({ action: 'DOWNLOADED', component: docker }), /action is not one of/],
      [event({ component: undefined }), /component is missing/],
      [event({ component: { ...docker, name: '../../etc' } }), /not a Docker image name and tag/],
      [event({ component: { ...docker, version: 'v1\nX-Injected: 1' } }), /not a Docker image name and tag/],
      [event({ component: { ...docker, version: 7 } }), /not a Docker image name and tag/],
    ];
    for (const [body, message] of cases) {
      const parsed = parseComponentEvent(body);
      assert.ok(!parsed.ok, Buffer.from(body).toString());
      assert.match(parsed.error, message);
    }
  });
});

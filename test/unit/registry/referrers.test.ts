/** What the registry client makes of a referrers request's answer: the API, or the fallback tag schema. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { HttpClient, HttpResponse } from '../../../src/lib/http/http-client.js';
import { RegistryClient } from '../../../src/registry/registry-client.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const INDEX = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}');

function answering(status: number, contentType: string | undefined, body = Buffer.alloc(0)): RegistryClient {
  const http: HttpClient = {
    send: async (url: URL): Promise<HttpResponse> => ({ status, headers: contentType === undefined ? {} : { 'content-type': contentType }, body, url }),
  };
  return new RegistryClient({ baseUrl: new URL('http://registry.example/'), http });
}

describe('RegistryClient.getReferrers', () => {
  it('uses the API when it answers 200 with an OCI image index', async () => {
    const answer = await answering(200, 'application/vnd.oci.image.index.v1+json', INDEX).getReferrers('app', DIGEST);
    assert.deepEqual(answer, { supported: true, index: INDEX });
  });

  it('falls back to the tag schema on 400, 404, 405, 406 and 501, and on a 200 of another type', async () => {
    for (const status of [400, 404, 405, 406, 501]) {
      assert.deepEqual(await answering(status, 'application/json').getReferrers('app', DIGEST), { supported: false, status }, `HTTP ${status}`);
    }
    assert.deepEqual(await answering(200, 'application/json', INDEX).getReferrers('app', DIGEST), { supported: false, status: 200 });
  });

  it('an answer that is neither is an error, never "no referrers"', async () => {
    await assert.rejects(answering(503, 'application/json').getReferrers('app', DIGEST), { name: 'FetchError' });
    await assert.rejects(answering(403, 'application/json').getReferrers('app', DIGEST), { name: 'FetchError' });
  });
});

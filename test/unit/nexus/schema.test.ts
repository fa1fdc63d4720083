import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseComponentPage } from '../../../src/nexus/schema.js';

const component = (name: string, version: string): Record<string, unknown> => ({
  id: 'ZG9ja2VyLWhvc3RlZDo1ZjQ',
  repository: 'docker-hosted',
  format: 'docker',
  group: null,
  name,
  version,
  assets: [{ path: `v2/${name}/manifests/${version}`, checksum: { sha256: 'a'.repeat(64) }, fileSize: 525 }],
});

describe('Nexus component pages', () => {
  it('skips, counts and quotes components whose name or tag breaks the Docker reference grammar', () => {
    const page = parseComponentPage({
      items: [
        component('app', '1.0'),
        component('evil\u001b[2J', 'latest'),
        component('app', 'v1\u0007'),
        component('../../admin', 'x'),
        component('Upper', 'x'),
        component('team/app', 'release-1.2_b'),
      ],
      continuationToken: null,
    });

    assert.ok(page);
    assert.deepEqual(
      page.tags.map((t) => `${t.image}:${t.tag}`),
      ['app:1.0', 'team/app:release-1.2_b']
    );
    assert.equal(page.skipped, 4);
    assert.deepEqual(page.invalidNames, ['evil\u001b[2J:latest', 'app:v1\u0007', '../../admin:x']);
  });
});

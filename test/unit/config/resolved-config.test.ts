import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { stringify } from 'yaml';

import type { Config } from '../../../src/config/config.js';
import { parseConfig } from '../../../src/config/parse-config.js';
import { MASKED, resolvedConfigDocument } from '../../../src/config/resolved-config.js';

const EXAMPLE = readFileSync(new URL('../../../../examples/config.yaml', import.meta.url), 'utf8');

function parse(text: string, secret: string): Config {
  const parsed = parseConfig(text, { env: { NEXUS_PASSWORD: `${secret}-nexus`, NEXUS_WEBHOOK_SECRET: `${secret}-hook` }, readSecretFile: (path) => `${secret}-${path}\n` });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.error));
  return parsed.value;
}

describe('resolvedConfigDocument', () => {
  it('masks every secret of the example (inline, ${VAR} and passwordFile alike)', () => {
    const text = JSON.stringify(resolvedConfigDocument(parse(EXAMPLE, 'sentinel-3f9a')));

    assert.ok(!text.includes('sentinel-3f9a'), text);
    const document = resolvedConfigDocument(parse(EXAMPLE, 'x')) as {
      nexus: { password: string };
      notary: { password: string };
      web: { password: string };
      events: { nexusWebhookSecret: string };
    };
    assert.deepEqual([document.nexus.password, document.notary.password, document.web.password, document.events.nexusWebhookSecret], [MASKED, MASKED, MASKED, MASKED]);
  });

  it('is itself a configuration file that parseConfig reads back to the same resolved configuration', () => {
    const document = resolvedConfigDocument(parse(EXAMPLE, 'x'));

    const again = resolvedConfigDocument(parse(stringify(document), 'x'));

    assert.deepEqual(again, document);
  });

  it('fills in the defaults of a minimal file and leaves out what is unset', () => {
    const document = resolvedConfigDocument(parse('nexus:\n  url: http://nexus:8081\n', 'x'));

    assert.deepEqual(document, {
      nexus: { url: 'http://nexus:8081/', registrySample: 0 },
      database: './trust-auditor.db',
      schedule: '*/15 * * * *',
      listen: '0.0.0.0:9817',
      expiryWarningDays: 7,
      metrics: { tagSeries: 'all' },
      web: { hosts: [], minScanIntervalSeconds: 15 },
      requestTimeoutSeconds: 30,
    });
  });
});

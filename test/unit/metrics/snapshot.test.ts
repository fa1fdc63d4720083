/** What the metrics show after a scan, built from database rows: the pure snapshot functions, and what a scrape then reads. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ScanRecord } from '../../../src/domain/scan.js';
import type { StoredTag } from '../../../src/domain/verdict.js';
import { createMetrics } from '../../../src/metrics/metrics.js';
import { failedScanSnapshot, metricsSnapshot, sourcesUp } from '../../../src/metrics/snapshot.js';
import { storedTag } from '../../support/verdicts.js';

const scan = (outcome: ScanRecord['outcome'], finishedAt: string | null = '2030-01-01T00:01:30.000Z'): ScanRecord => ({
  id: 3,
  startedAt: '2030-01-01T00:00:00.000Z',
  finishedAt,
  evaluatedAt: '2030-01-01T00:00:00.000Z',
  outcome,
  summary: null,
  error: null,
  nexusRequests: 1,
  notaryRequests: 1,
  kind: 'audit',
});

const tag = (repository: string, name: string, status: StoredTag['status']): StoredTag => storedTag({ repository, tag: name, status, lastScanId: 3 });

const TAGS = [tag('hosted', 'v1', 'signed'), tag('hosted', 'v2', 'unsigned'), tag('team', 'v1', 'signed')];
const ROLES = [{ gun: 'r.example/app', role: 'targets', version: 2, expires: '2031-01-01T00:00:00.000Z' }];

describe('metricsSnapshot', () => {
  it('counts every tag per repository and status, and keeps per-tag series for findings only when asked', () => {
    const all = metricsSnapshot({ scan: scan('complete'), tags: TAGS, trustRoles: ROLES, latestComplete: scan('complete'), tagSeries: 'all', sourceUp: undefined });
    assert.equal(all.tags.length, 3);
    assert.deepEqual(
      all.counts
        .filter((c) => c.count > 0)
        .map((c) => `${c.repository}/${c.status}=${c.count}`)
        .sort(),
      ['hosted/signed=1', 'hosted/unsigned=1', 'team/signed=1']
    );
    assert.deepEqual(all.expiries, [{ gun: 'r.example/app', role: 'targets', expiresSeconds: Date.parse('2031-01-01T00:00:00Z') / 1000 }]);
    assert.equal(all.durationSeconds, 90);
    assert.equal(all.lastSuccessSeconds, Date.parse('2030-01-01T00:01:30Z') / 1000);
    assert.deepEqual(all.sourceUp, { nexus: true, notary: true });

    const findings = metricsSnapshot({ scan: scan('partial'), tags: TAGS, trustRoles: ROLES, latestComplete: undefined, tagSeries: 'findings', sourceUp: undefined });
    assert.deepEqual(
      findings.tags.map((t) => `${t.repository}:${t.tag}`),
      ['hosted:v2']
    );
    assert.equal(findings.counts.filter((c) => c.count > 0).length, 3, 'counts still cover every tag');
    assert.equal(findings.scanUp, false);
    assert.equal(findings.lastSuccessSeconds, undefined);
    assert.deepEqual(findings.sourceUp, { nexus: false, notary: false }, 'loaded from the database, only the outcome tells');
  });

  it('a failed scan keeps the last verdicts and says which source failed', () => {
    const base = metricsSnapshot({ scan: scan('complete'), tags: TAGS, trustRoles: ROLES, latestComplete: scan('complete'), tagSeries: 'all', sourceUp: undefined });
    const failed = failedScanSnapshot(base, 4, [{ source: 'notary', reason: 'TIMEOUT' }]);
    assert.equal(failed.tags, base.tags);
    assert.equal(failed.scanUp, false);
    assert.equal(failed.durationSeconds, 4);
    assert.deepEqual(failed.sourceUp, { nexus: true, notary: false });
    assert.deepEqual(failedScanSnapshot(undefined, 1, []).tags, []);
    assert.deepEqual(sourcesUp([{ source: 'nexus' }]), { nexus: false, notary: true });
  });

  it('is what a scrape reads after publish', async () => {
    const metrics = createMetrics({ version: 'test', nodeVersion: '20', defaultMetrics: false, expiryWarningSeconds: 1, scanIntervalSeconds: 1 });
    metrics.publish(metricsSnapshot({ scan: scan('complete'), tags: TAGS, trustRoles: ROLES, latestComplete: scan('complete'), tagSeries: 'all', sourceUp: undefined }));
    const text = await metrics.registry.metrics();
    assert.match(text, /trust_auditor_tags\{repository="hosted",status="unsigned"\} 1/);
    assert.match(text, /trust_auditor_scan_up 1/);
  });

  it('registers the v1.2 coverage and signature series only with signatures configured: without, /metrics is v1.1’s', async () => {
    const names = ['trust_auditor_tag_coverage', 'trust_auditor_tags_by_coverage', 'trust_auditor_signatures', 'trust_auditor_signature_cert_expiry_timestamp_seconds'];
    const v11 = createMetrics({ version: 'test', nodeVersion: '20', defaultMetrics: false, expiryWarningSeconds: 1, scanIntervalSeconds: 1 });
    const v11Text = await v11.registry.metrics();
    for (const name of names) {
      assert.ok(!v11Text.includes(name), name);
    }
    const v12 = createMetrics({ version: 'test', nodeVersion: '20', defaultMetrics: false, expiryWarningSeconds: 1, scanIntervalSeconds: 1, signatureSeries: true });
    for (const name of names) {
      assert.ok(v12.registry.getSingleMetric(name) !== undefined, name);
    }
  });
});

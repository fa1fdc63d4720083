/**
 * The shipped Grafana dashboard against the metrics the daemon registers:
 * every query names only metrics that exist, and only their labels (plus the
 * `job` and `instance` Prometheus adds), so a renamed metric or label breaks
 * this test instead of a panel in production. The migration row's stages
 * (moved, in progress, not started) split the coverage values exactly as the
 * status page does. The end-to-end run of these queries against a real
 * Prometheus is test/integration/alerting-e2e.test.ts.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

import { COVERAGES, type Coverage } from '../../../src/domain/signatures.js';
import { createMetrics } from '../../../src/metrics/metrics.js';
import { MIGRATION_STAGES, STAGE_OF } from '../../../src/server/status-page/coverage-section.js';
import { dashboardQueries, loadDashboard, type PanelQuery } from '../../support/dashboard.js';

const DASHBOARD = fileURLToPath(new URL('../../../../deploy/grafana/trust-auditor.json', import.meta.url));
/** Labels Prometheus attaches to every scraped series. */
const TARGET_LABELS = ['job', 'instance'];

/** Every metric name the daemon exposes (histograms with their series suffixes), with its label names. */
function registeredMetrics(): Map<string, readonly string[]> {
  const metrics = createMetrics({ version: 'test', nodeVersion: 'v20', defaultMetrics: true, expiryWarningSeconds: 1, scanIntervalSeconds: 1, signatureSeries: true });
  const names = new Map<string, readonly string[]>();
  for (const metric of metrics.registry.getMetricsAsArray()) {
    const { name, labelNames, type } = metric as unknown as { name: string; labelNames?: readonly string[]; type: string };
    const labels = [...(labelNames ?? []), ...TARGET_LABELS];
    names.set(name, labels);
    if (type === 'histogram') {
      names.set(`${name}_bucket`, [...labels, 'le']);
      names.set(`${name}_sum`, labels);
      names.set(`${name}_count`, labels);
    }
  }
  return names;
}

interface Selector {
  readonly metric: string;
  readonly labels: readonly string[];
}

/** The metric selectors of a PromQL expression: `name{label op "value", ...}`. Our own dashboard: names are trust_auditor_*, process_* or up. */
function selectorsOf(expr: string): Selector[] {
  return [...expr.matchAll(/\b((?:trust_auditor|process|nodejs)_[a-z_]+|up)\b\s*(?:\{([^}]*)\})?/g)].map((match) => ({
    metric: match[1] ?? '',
    labels: [...(match[2] ?? '').matchAll(/([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((label) => label[1] ?? ''),
  }));
}

/** The labels of `by (...)`, `without (...)` and `on (...)` clauses. */
function groupingLabelsOf(expr: string): string[] {
  return [...expr.matchAll(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g)].flatMap((match) =>
    (match[1] ?? '')
      .split(',')
      .map((label) => label.trim())
      .filter((label) => label !== '')
  );
}

/** The coverages a query selects with `coverage=~"a|b"`, or undefined when it does not filter by coverage. */
function coveragesOf(query: PanelQuery): Coverage[] | undefined {
  const match = /coverage=~"([a-z_|]+)"/.exec(query.expr);
  return match === null ? undefined : ((match[1] ?? '').split('|') as Coverage[]);
}

describe('Grafana dashboard', () => {
  const queries = dashboardQueries(loadDashboard(DASHBOARD));
  const metrics = registeredMetrics();

  it('queries only metrics the daemon registers, and only their labels', () => {
    const problems: string[] = [];
    for (const query of queries) {
      const selectors = selectorsOf(query.expr);
      if (selectors.length === 0) {
        problems.push(`${query.panel} ${query.refId}: no metric found in ${query.expr}`);
      }
      const known = new Set<string>();
      for (const selector of selectors) {
        const labels = selector.metric === 'up' ? TARGET_LABELS : metrics.get(selector.metric);
        if (labels === undefined) {
          problems.push(`${query.panel} ${query.refId}: ${selector.metric} is not a registered metric`);
          continue;
        }
        labels.forEach((label) => known.add(label));
        for (const label of selector.labels.filter((name) => !labels.includes(name))) {
          problems.push(`${query.panel} ${query.refId}: ${selector.metric} has no label ${label}`);
        }
      }
      for (const label of groupingLabelsOf(query.expr).filter((name) => !known.has(name))) {
        problems.push(`${query.panel} ${query.refId}: groups by ${label}, which none of its metrics has`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('has the migration row: stages, coverage over time and signatures by system and status, from the v1.2 metrics', () => {
    const of = (panel: string): PanelQuery[] => queries.filter((query) => query.panel === panel);
    assert.ok(of('Migration: moved / in progress / not started').length === 3);
    assert.ok(of('Migration by repository').length === 4);
    assert.match(of('Tags by coverage over time')[0]?.expr ?? '', /^sum by \(coverage\) \(trust_auditor_tags_by_coverage\{/);
    assert.match(of('Signatures by system and status')[0]?.expr ?? '', /^sum by \(repository, system, status\) \(trust_auditor_signatures\{/);
    assert.match(of('Signer certificates: time to expiry')[0]?.expr ?? '', /^trust_auditor_signature_cert_expiry_timestamp_seconds\{/);
  });

  it('splits the coverage values into moved, in progress and not started as the status page does', () => {
    for (const panel of ['Migration: moved / in progress / not started', 'Migration by repository']) {
      const stages = queries
        // A, B, C: the three stages (D of the table is the share moved, moved over every tag).
        .filter((query) => query.panel === panel && ['A', 'B', 'C'].includes(query.refId))
        .map(coveragesOf)
        .filter((coverages): coverages is Coverage[] => coverages !== undefined)
        .map((coverages) => [...coverages].sort());
      assert.deepEqual(
        stages,
        [...MIGRATION_STAGES].reverse().map((stage) => COVERAGES.filter((coverage) => STAGE_OF[coverage] === stage).sort()),
        panel
      );
      assert.deepEqual(stages.flat().sort(), [...COVERAGES].sort(), `${panel}: every coverage in exactly one stage`);
    }
  });
});

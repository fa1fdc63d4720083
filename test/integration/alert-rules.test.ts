/**
 * The shipped alerting rules, checked by the real promtool: the rule file
 * lints clean, its unit tests pass and fire and clear every alert, the
 * PrometheusRule manifest carries the same groups, and every alert has the
 * annotations and the runbook section an on-call engineer needs.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { parse } from 'yaml';

/** The repository root (this file runs as dist/test/integration/alert-rules.test.js). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RULE_FILE = 'deploy/prometheus/alerts.yml';
const RULE_TESTS = 'deploy/prometheus/alerts.test.yml';
const MANIFEST = 'deploy/kubernetes/prometheusrule.yaml';
const RUNBOOKS = 'docs/runbooks.md';
const RUNBOOK_BASE = 'https://trust-auditor.invalid/docs/runbooks.md#';

/** Other code (docs, dashboards, Alertmanager routes) depends on these names. */
const ALERTS = [
  'TrustAuditorUnsignedTag',
  'TrustAuditorDigestMismatch',
  'TrustAuditorTrustDataInvalid',
  'TrustAuditorTagTrustExpired',
  'TrustAuditorTrustDataExpiringSoon',
  'TrustAuditorRootCertificateExpiringSoon',
  'TrustAuditorTrustDataExpired',
  'TrustAuditorSignatureSystemLost',
  'TrustAuditorSignatureInvalid',
  'TrustAuditorScanFailing',
  'TrustAuditorScanStale',
  'TrustAuditorWebhooksRefused',
  'TrustAuditorEventsDropped',
  'TrustAuditorDown',
];

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Runs promtool from the repository root; a missing promtool is a failure, never a skip. */
async function promtool(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('promtool', [...args], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error === null) {
        resolve({ code: 0, stdout, stderr });
        return;
      }
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error('promtool is not installed: run ./scripts/install-debian-packages.sh (Debian package prometheus)'));
        return;
      }
      resolve({ code: typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

async function yamlFile(path: string): Promise<unknown> {
  return parse(await readFile(join(ROOT, path), 'utf8'));
}

function record(value: unknown, what: string): Record<string, unknown> {
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `${what} must be a mapping`);
  return value as Record<string, unknown>;
}

function list(value: unknown, what: string): unknown[] {
  assert.ok(Array.isArray(value), `${what} must be a list`);
  return value;
}

function strings(value: unknown, what: string): Record<string, string> {
  const entries = Object.entries(record(value, what));
  for (const [key, entry] of entries) {
    assert.equal(typeof entry, 'string', `${what}.${key} must be a string`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

async function alertRules(): Promise<Rule[]> {
  const groups = list(record(await yamlFile(RULE_FILE), RULE_FILE)['groups'], 'groups');
  return groups.flatMap((group, index) =>
    list(record(group, `groups[${index}]`)['rules'], `groups[${index}].rules`).map((entry, position) => {
      const rule = record(entry, `rule ${position}`);
      assert.equal(typeof rule['alert'], 'string', `rule ${position} must be an alerting rule`);
      assert.equal(typeof rule['expr'], 'string', `rule ${String(rule['alert'])}: expr`);
      return {
        alert: rule['alert'] as string,
        expr: rule['expr'] as string,
        labels: strings(rule['labels'], `${String(rule['alert'])}.labels`),
        annotations: strings(rule['annotations'], `${String(rule['alert'])}.annotations`),
      };
    })
  );
}

describe('alerting rules', () => {
  it('pass promtool check rules with every lint and no warning', async () => {
    const result = await promtool(['check', 'rules', '--lint=all', '--lint-fatal', RULE_FILE]);
    const output = `${result.stdout}${result.stderr}`;
    assert.equal(result.code, 0, output);
    assert.match(result.stdout, new RegExp(`SUCCESS: ${(await alertRules()).length} rules found`), output);
    assert.doesNotMatch(output, /warn|duplicate|inconsistency|error/i, output);
    assert.equal(result.stderr, '', output);
  });

  it('pass their promtool unit tests', async () => {
    const result = await promtool(['test', 'rules', RULE_TESTS]);
    const output = `${result.stdout}${result.stderr}`;
    assert.equal(result.code, 0, output);
    assert.match(output, /SUCCESS/, output);
    assert.doesNotMatch(output, /FAILED/, output);
  });

  it('are exactly the documented alerts, each under one name', async () => {
    const names = (await alertRules()).map((rule) => rule.alert);
    assert.deepEqual([...names].sort(), [...ALERTS].sort());
  });

  it('have a unit test that fires and one that stays quiet, for every alert', async () => {
    const tests = list(record(await yamlFile(RULE_TESTS), RULE_TESTS)['tests'], 'tests');
    const firing = new Set<string>();
    const quiet = new Set<string>();
    for (const [index, test] of tests.entries()) {
      for (const entry of list(record(test, `tests[${index}]`)['alert_rule_test'] ?? [], `tests[${index}].alert_rule_test`)) {
        const check = record(entry, 'alert_rule_test entry');
        const expected = list(check['exp_alerts'] ?? [], 'exp_alerts');
        (expected.length > 0 ? firing : quiet).add(String(check['alertname']));
      }
    }
    for (const name of ALERTS) {
      assert.ok(firing.has(name), `${RULE_TESTS} never expects ${name} to fire`);
      assert.ok(quiet.has(name), `${RULE_TESTS} never expects ${name} to stay quiet`);
    }
  });

  it('are the same groups in the PrometheusRule manifest', async () => {
    const rules = record(await yamlFile(RULE_FILE), RULE_FILE);
    const manifest = record(await yamlFile(MANIFEST), MANIFEST);
    assert.equal(manifest['apiVersion'], 'monitoring.coreos.com/v1');
    assert.equal(manifest['kind'], 'PrometheusRule');
    const metadata = record(manifest['metadata'], 'metadata');
    assert.equal(metadata['name'], 'trust-auditor');
    assert.equal(record(metadata['labels'], 'metadata.labels')['app.kubernetes.io/name'], 'trust-auditor');
    assert.deepEqual(record(manifest['spec'], 'spec')['groups'], rules['groups']);
  });

  it('each carry a severity, a summary, a description and a runbook link', async () => {
    for (const rule of await alertRules()) {
      assert.ok(rule.labels['severity'] === 'warning' || rule.labels['severity'] === 'critical', `${rule.alert}: severity`);
      for (const annotation of ['summary', 'description']) {
        assert.ok((rule.annotations[annotation] ?? '').trim().length > 0, `${rule.alert}: ${annotation}`);
      }
      assert.equal(rule.annotations['runbook_url'], `${RUNBOOK_BASE}${rule.alert.toLowerCase()}`, `${rule.alert}: runbook_url`);
    }
  });

  it('each have a section in the runbooks', async () => {
    const runbooks = await readFile(join(ROOT, RUNBOOKS), 'utf8');
    const headings = new Set(
      runbooks
        .split('\n')
        .filter((line) => /^#{2,3} /.test(line))
        .map((line) => line.replace(/^#+ /, '').trim())
    );
    for (const name of ALERTS) {
      // The heading is the bare alert name, so its anchor is the runbook_url fragment.
      assert.ok(headings.has(name), `${RUNBOOKS} has no "## ${name}" section`);
    }
  });
});

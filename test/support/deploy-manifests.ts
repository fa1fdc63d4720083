/**
 * The deployment files that are generated from others, so that each fact has
 * one source: the Grafana dashboard ConfigMap (from deploy/grafana) and the Helm
 * chart's PrometheusRule template (from deploy/prometheus/alerts.yml, with the
 * thresholds turned into values). test/unit/deploy checks that the files in the
 * repository are exactly what these functions make; to regenerate them after
 * editing a source, run `npm run build && node dist/test/support/deploy-manifests.js --write`.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parse } from 'yaml';

export const DASHBOARD_FILE = 'deploy/grafana/trust-auditor.json';
export const DASHBOARD_CONFIGMAP_FILE = 'deploy/kubernetes/grafana-dashboard-configmap.yaml';
export const CHART_DIR = 'deploy/helm/trust-auditor';
export const CHART_DASHBOARD_FILE = `${CHART_DIR}/dashboards/trust-auditor.json`;
export const RULE_FILE = 'deploy/prometheus/alerts.yml';
export const CHART_RULE_TEMPLATE_FILE = `${CHART_DIR}/templates/prometheusrule.yaml`;

/** The ConfigMap's key: Grafana's sidecar writes each key as a file of that name. */
export const DASHBOARD_KEY = 'trust-auditor.json';

/** The plain manifest of the dashboard, for Grafana's dashboard sidecar (label grafana_dashboard: "1"). */
export function dashboardConfigMap(dashboardJson: string): string {
  assert.ok(dashboardJson.endsWith('\n') && !dashboardJson.endsWith('\n\n'), `${DASHBOARD_FILE} must end with exactly one newline`);
  const body = dashboardJson
    .slice(0, -1)
    .split('\n')
    .map((line) => (line === '' ? '' : `    ${line}`))
    .join('\n');
  return [
    `# GENERATED from ${DASHBOARD_FILE} by test/support/deploy-manifests.ts: edit`,
    '# the dashboard, then regenerate (see that file); a test compares them.',
    '#',
    "# Grafana's dashboard sidecar (kube-prometheus-stack's grafana.sidecar.dashboards)",
    '# loads every ConfigMap labelled grafana_dashboard: "1", from the namespaces it',
    '# watches: apply it there, or widen the sidecar to this namespace.',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: trust-auditor-dashboard',
    '  labels:',
    '    app.kubernetes.io/name: trust-auditor',
    '    grafana_dashboard: "1"',
    'data:',
    `  ${DASHBOARD_KEY}: |`,
    body,
    '',
  ].join('\n');
}

/** A literal threshold of alerts.yml that the chart turns into a value. */
interface Threshold {
  readonly alert: string;
  readonly literal: string;
  readonly helm: string;
  /** How often the literal occurs in the expression: a changed rule fails here instead of silently keeping its literal. */
  readonly occurrences: number;
}

/** Helm expressions in the template and how the subset renderer below fills each from values.yaml. */
const THRESHOLDS: readonly Threshold[] = [
  {
    alert: 'TrustAuditorRootCertificateExpiringSoon',
    literal: '< 180 * 86400',
    helm: '< {{ .Values.prometheusRule.rootCertificateWarningDays }} * 86400',
    occurrences: 1,
  },
  {
    alert: 'TrustAuditorScanStale',
    literal: '(2.5 * trust_auditor_scan_interval_seconds)',
    helm: '({{ .Values.prometheusRule.staleScanIntervals }} * trust_auditor_scan_interval_seconds)',
    occurrences: 2,
  },
  {
    alert: 'TrustAuditorTrustDataExpired',
    literal: 'group_left 2.5 * trust_auditor_scan_interval_seconds',
    helm: 'group_left {{ .Values.prometheusRule.expiredTimestampIntervals }} * trust_auditor_scan_interval_seconds',
    occurrences: 1,
  },
  {
    alert: 'TrustAuditorDown',
    literal: 'job="trust-auditor"',
    helm: 'job={{ include "trust-auditor.ruleJob" . | quote }}',
    occurrences: 2,
  },
];

/** A Helm action that prints `{{`. */
const HELM_OPEN = '{{ "{{" }}';

const RULE_KEYS = new Set(['alert', 'expr', 'for', 'labels', 'annotations']);
const ANNOTATION_KEYS = ['summary', 'description'] as const;

function mapping(value: unknown, what: string): Record<string, unknown> {
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `${what} must be a mapping`);
  return value as Record<string, unknown>;
}

function sequence(value: unknown, what: string): unknown[] {
  assert.ok(Array.isArray(value), `${what} must be a list`);
  return value;
}

function text(value: unknown, what: string): string {
  assert.equal(typeof value, 'string', `${what} must be a string`);
  return value as string;
}

/** The base that every runbook_url of alerts.yml shares (before `#`). */
export function runbookBase(alertsYaml: string): string {
  const bases = new Set<string>();
  for (const group of sequence(mapping(parse(alertsYaml), RULE_FILE)['groups'], 'groups')) {
    for (const rule of sequence(mapping(group, 'group')['rules'], 'rules')) {
      const annotations = mapping(mapping(rule, 'rule')['annotations'], 'annotations');
      bases.add(text(annotations['runbook_url'], 'runbook_url').split('#')[0] ?? '');
    }
  }
  assert.equal(bases.size, 1, `every runbook_url of ${RULE_FILE} must share one base, not ${[...bases].join(', ')}`);
  return [...bases][0] ?? '';
}

/** A Prometheus template text as a YAML string that Helm prints unchanged: each `{{` becomes an action printing "{{". */
function helmLiteral(value: string): string {
  return JSON.stringify(value).split('{{').join(HELM_OPEN);
}

function exprBlock(alert: string, expr: string): string[] {
  assert.ok(!expr.includes('{{'), `${alert}: its expr contains {{, which Helm would read`);
  let templated = expr;
  for (const threshold of THRESHOLDS.filter((entry) => entry.alert === alert)) {
    const found = templated.split(threshold.literal).length - 1;
    assert.equal(found, threshold.occurrences, `${alert}: expected ${threshold.occurrences} × "${threshold.literal}" in its expr, found ${found}`);
    templated = templated.split(threshold.literal).join(threshold.helm);
  }
  const chomp = templated.endsWith('\n') ? '|' : '|-';
  const lines = templated.replace(/\n$/, '').split('\n');
  return [`          expr: ${chomp}`, ...lines.map((line) => (line === '' ? '' : `            ${line}`))];
}

/** The chart's PrometheusRule template: alerts.yml's groups with the thresholds, `for`, severities and runbook base as values. */
export function chartPrometheusRuleTemplate(alertsYaml: string): string {
  const base = runbookBase(alertsYaml);
  const lines = [
    `{{- /* GENERATED from ${RULE_FILE} by test/support/deploy-manifests.ts: edit the rules there, then regenerate. */}}`,
    '{{- if .Values.prometheusRule.enabled }}',
    'apiVersion: monitoring.coreos.com/v1',
    'kind: PrometheusRule',
    'metadata:',
    '  name: {{ include "trust-auditor.fullname" . }}',
    '  labels:',
    '    {{- include "trust-auditor.labels" . | nindent 4 }}',
    '    {{- with .Values.prometheusRule.labels }}',
    '    {{- toYaml . | nindent 4 }}',
    '    {{- end }}',
    'spec:',
    '  groups:',
  ];
  for (const group of sequence(mapping(parse(alertsYaml), RULE_FILE)['groups'], 'groups')) {
    const groupMap = mapping(group, 'group');
    assert.deepEqual(Object.keys(groupMap).sort(), ['name', 'rules'], 'a group has only name and rules');
    lines.push(`    - name: ${text(groupMap['name'], 'group name')}`, '      rules:');
    for (const entry of sequence(groupMap['rules'], 'rules')) {
      const rule = mapping(entry, 'rule');
      const alert = text(rule['alert'], 'alert');
      for (const key of Object.keys(rule)) {
        assert.ok(RULE_KEYS.has(key), `${alert}: the generator does not know the key ${key}`);
      }
      const labels = mapping(rule['labels'], `${alert}.labels`);
      assert.deepEqual(Object.keys(labels), ['severity'], `${alert}: the generator knows only the severity label`);
      const annotations = mapping(rule['annotations'], `${alert}.annotations`);
      assert.deepEqual(Object.keys(annotations).sort(), ['description', 'runbook_url', 'summary'], `${alert}: annotations`);
      const fragment = text(annotations['runbook_url'], 'runbook_url').slice(base.length + 1);
      lines.push(
        `        - alert: ${alert}`,
        ...exprBlock(alert, text(rule['expr'], `${alert}.expr`)),
        `          for: {{ index .Values.prometheusRule.for "${alert}" }}`,
        '          labels:',
        `            severity: {{ index .Values.prometheusRule.severity "${alert}" }}`,
        '          annotations:',
        ...ANNOTATION_KEYS.map((key) => `            ${key}: ${helmLiteral(text(annotations[key], `${alert}.${key}`))}`),
        `            runbook_url: {{ printf "%s#%s" .Values.prometheusRule.runbookBaseUrl "${fragment}" | quote }}`
      );
    }
  }
  lines.push('{{- end }}', '');
  return lines.join('\n');
}

/**
 * NOT Helm: fills exactly the expressions chartPrometheusRuleTemplate writes
 * into spec.groups with the values given (the chart's defaults), as Helm would
 * for a release named trust-auditor, and returns the groups. It proves that the
 * defaults reproduce alerts.yml; it says nothing about the rest of the chart.
 */
export function renderRuleGroupsWithValues(template: string, values: unknown): unknown {
  const rule = mapping(mapping(values, 'values')['prometheusRule'], 'prometheusRule');
  const start = template.indexOf('\n  groups:\n');
  const end = template.lastIndexOf('{{- end }}');
  assert.ok(start > 0 && end > start, 'the template has a groups section');
  const filled = template
    .slice(start + 1, end)
    .replace(/\{\{ index \.Values\.prometheusRule\.(for|severity) "(\w+)" \}\}/g, (_match, map: string, alert: string) =>
      text(mapping(rule[map], `prometheusRule.${map}`)[alert], `prometheusRule.${map}.${alert}`)
    )
    .replace(/\{\{ \.Values\.prometheusRule\.(\w+) \}\}/g, (_match, key: string) => {
      const value = rule[key];
      assert.equal(typeof value, 'number', `prometheusRule.${key} must be a number`);
      return String(value);
    })
    .replace(/\{\{ printf "%s#%s" \.Values\.prometheusRule\.runbookBaseUrl "([^"]+)" \| quote \}\}/g, (_match, fragment: string) =>
      JSON.stringify(`${text(rule['runbookBaseUrl'], 'prometheusRule.runbookBaseUrl')}#${fragment}`)
    )
    // trust-auditor.ruleJob: prometheusRule.job, or the Service's name (the release's, here trust-auditor).
    .replace(/\{\{ include "trust-auditor\.ruleJob" \. \| quote \}\}/g, () => {
      const job = rule['job'];
      return JSON.stringify(typeof job === 'string' && job !== '' ? job : 'trust-auditor');
    });
  assert.doesNotMatch(filled, /\.Values|include "/, 'every Helm expression of the groups was filled');
  // Last, so that no {{ it prints is read as an expression above.
  const printed = filled.split(HELM_OPEN).join('{{');
  return mapping(mapping(parse(`spec:\n${printed}`), 'rendered')['spec'], 'spec')['groups'];
}

/** Every generated file with the text it must have, from the sources under root. */
export async function generatedFiles(root: string): Promise<Map<string, string>> {
  const dashboard = await readFile(join(root, DASHBOARD_FILE), 'utf8');
  const alerts = await readFile(join(root, RULE_FILE), 'utf8');
  return new Map([
    [DASHBOARD_CONFIGMAP_FILE, dashboardConfigMap(dashboard)],
    [CHART_DASHBOARD_FILE, dashboard],
    [CHART_RULE_TEMPLATE_FILE, chartPrometheusRuleTemplate(alerts)],
  ]);
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--write') {
  /** The repository root (this file runs as dist/test/support/deploy-manifests.js). */
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  for (const [path, content] of await generatedFiles(root)) {
    await writeFile(join(root, path), content);
    process.stdout.write(`wrote ${path}\n`);
  }
}

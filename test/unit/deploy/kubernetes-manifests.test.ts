/**
 * deploy/kubernetes/ and the Helm chart, checked without a cluster: every
 * manifest validates against the Kubernetes 1.36 API definitions and the
 * Prometheus Operator CRDs (vendored under test/fixtures/real/, strict: an
 * unknown field fails), the generated files are what their sources make, the
 * configuration in the ConfigMap and in the chart's values parses, and the
 * objects refer to each other by the right names. No Helm renderer can be
 * installed here, so the chart's templates are not rendered (README, "Kubernetes").
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Ajv, type ValidateFunction } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';

import { parseConfig } from '../../../src/config/parse-config.js';
import {
  CHART_DIR,
  CHART_RULE_TEMPLATE_FILE,
  DASHBOARD_CONFIGMAP_FILE,
  DASHBOARD_FILE,
  DASHBOARD_KEY,
  generatedFiles,
  renderRuleGroupsWithValues,
  RULE_FILE,
  runbookBase,
} from '../../support/deploy-manifests.js';

/** The repository root (this file runs as dist/test/unit/deploy/kubernetes-manifests.test.js). */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MANIFESTS = 'deploy/kubernetes';
const KUBERNETES_DEFINITIONS = 'test/fixtures/real/kubernetes-openapi/definitions.json';
const CRDS = 'test/fixtures/real/prometheus-operator-crds';

type Json = Record<string, unknown>;

function mapping(value: unknown, what: string): Json {
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `${what} must be a mapping`);
  return value as Json;
}

function at(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((current, key) => mapping(current, path)[key], value);
}

async function file(path: string): Promise<string> {
  return readFile(join(ROOT, path), 'utf8');
}

/**
 * kubeconform's "strict" reading of an OpenAPI schema, which the API server
 * applies too (unknown fields are refused or dropped with a warning): an
 * object with `properties` accepts no other key, an int-or-string accepts
 * either. Descriptions, formats and the x-kubernetes-* annotations are dropped.
 */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) {
    return schema.map(strict);
  }
  if (typeof schema !== 'object' || schema === null) {
    return schema;
  }
  const source = schema as Json;
  if (source['format'] === 'int-or-string' || source['x-kubernetes-int-or-string'] === true) {
    return { anyOf: [{ type: 'string' }, { type: 'integer' }] };
  }
  const result: Json = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'description' || key === 'format' || key.startsWith('x-kubernetes-')) {
      continue;
    }
    // `properties` and `definitions` map names to schemas: keep the names, walk the schemas.
    result[key] = key === 'properties' || key === 'definitions' ? Object.fromEntries(Object.entries(mapping(value, key)).map(([name, inner]) => [name, strict(inner)])) : strict(value);
  }
  if ('properties' in source && !('additionalProperties' in source) && source['x-kubernetes-preserve-unknown-fields'] !== true) {
    result['additionalProperties'] = false;
  }
  return result;
}

/**
 * The CRDs' patterns are Go (RE2) expressions; the only RE2 syntax they use
 * that JavaScript lacks is `(?i)` at their start (after `^`), which makes the
 * whole match case-insensitive.
 */
const goRegExp = Object.assign(
  (pattern: string, flags: string): RegExp => (pattern.includes('(?i)') ? new RegExp(pattern.replace(/^(\^?)\(\?i\)/, '$1'), `${flags}i`) : new RegExp(pattern, flags)),
  { code: 'goRegExp' }
);

/** A validator per `apiVersion kind`, from the vendored definitions and CRDs. */
async function validators(): Promise<Map<string, ValidateFunction>> {
  const ajv = new Ajv({ allErrors: true, strict: false, code: { regExp: goRegExp } });
  const byKind = new Map<string, ValidateFunction>();
  const definitions = mapping(JSON.parse(await file(KUBERNETES_DEFINITIONS)), 'definitions.json')['definitions'];
  ajv.addSchema({ $id: 'kubernetes', definitions: strict(definitions) });
  for (const [name, definition] of Object.entries(mapping(definitions, 'definitions'))) {
    const kinds = mapping(definition, name)['x-kubernetes-group-version-kind'];
    for (const kind of Array.isArray(kinds) ? kinds : []) {
      const { group, version, kind: kindName } = kind as { group: string; version: string; kind: string };
      const validate = ajv.getSchema(`kubernetes#/definitions/${name}`);
      assert.ok(validate !== undefined, name);
      byKind.set(`${group === '' ? version : `${group}/${version}`} ${kindName}`, validate);
    }
  }
  for (const crdFile of await readdir(join(ROOT, CRDS))) {
    if (!crdFile.endsWith('.yaml')) {
      continue;
    }
    const crd = parse(await file(`${CRDS}/${crdFile}`)) as unknown;
    const spec = mapping(at(crd, 'spec'), 'spec');
    for (const version of spec['versions'] as Json[]) {
      const schema = mapping(at(version, 'schema.openAPIV3Schema'), 'openAPIV3Schema');
      // The API server adds metadata's schema; the CRD says only `type: object`.
      const withMetadata = {
        ...schema,
        properties: { ...mapping(schema['properties'], 'properties'), metadata: { $ref: 'kubernetes#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' } },
      };
      byKind.set(`${String(spec['group'])}/${String(version['name'])} ${String(at(spec, 'names.kind'))}`, ajv.compile(strict(withMetadata) as Json));
    }
  }
  return byKind;
}

function check(byKind: Map<string, ValidateFunction>, object: unknown, where: string): void {
  const manifest = mapping(object, where);
  const key = `${String(manifest['apiVersion'])} ${String(manifest['kind'])}`;
  const validate = byKind.get(key);
  assert.ok(validate !== undefined, `${where}: no schema for ${key}`);
  assert.ok(validate(manifest), `${where} (${key}): ${JSON.stringify(validate.errors, null, 1)}`);
}

async function manifests(): Promise<Map<string, Json[]>> {
  const result = new Map<string, Json[]>();
  for (const name of (await readdir(join(ROOT, MANIFESTS))).filter((entry) => entry.endsWith('.yaml')).sort()) {
    const documents = parseAllDocuments(await file(`${MANIFESTS}/${name}`));
    assert.ok(Array.isArray(documents), name);
    result.set(
      name,
      documents.map((document) => {
        assert.deepEqual(document.errors, [], name);
        return mapping(document.toJS(), name);
      })
    );
  }
  return result;
}

function only(all: Map<string, Json[]>, name: string): Json {
  const documents = all.get(name);
  assert.ok(documents !== undefined && documents.length === 1, `${name}: one object`);
  return documents[0] as Json;
}

const SECRET_KEYS = ['nexus-password', 'notary-password', 'web-username', 'web-password', 'nexus-webhook-secret'];

/** parseConfig with the environment the Deployment gives and password files that exist. */
function configIssues(text: string): unknown {
  const result = parseConfig(text, {
    env: { TRUST_AUDITOR_WEB_USERNAME: 'prometheus', NEXUS_WEBHOOK_SECRET: 'secret' },
    readSecretFile: (path) => {
      assert.match(path, /^\/etc\/trust-auditor\/secrets\/(nexus|notary|web)-password$/);
      return 'password\n';
    },
  });
  return result.ok ? [] : result.error;
}

describe('Kubernetes manifests', () => {
  it('validate against the Kubernetes and Prometheus Operator schemas, unknown fields refused', async () => {
    const byKind = await validators();
    const all = await manifests();
    assert.ok(all.size >= 10, `found ${all.size} manifests`);
    for (const [name, documents] of all) {
      for (const [index, document] of documents.entries()) {
        if (name !== 'kustomization.yaml') {
          check(byKind, document, `${name}[${index}]`);
        }
      }
    }
  });

  it('the schema check is not vacuous: a misspelt or ill-typed field fails', async () => {
    const byKind = await validators();
    const deployment = only(await manifests(), 'deployment.yaml');
    const misspelt = structuredClone(deployment);
    const container = mapping((at(misspelt, 'spec.template.spec') as { containers: Json[] }).containers[0], 'container');
    mapping(container['securityContext'], 'securityContext')['readOnlyRootFileSystem'] = true;
    assert.throws(() => check(byKind, misspelt, 'misspelt'), /additionalProperties/);
    const illTyped = structuredClone(deployment);
    mapping(at(illTyped, 'spec'), 'spec')['replicas'] = 'one';
    assert.throws(() => check(byKind, illTyped, 'ill-typed'), /integer/);
    const monitor = structuredClone(only(await manifests(), 'servicemonitor.yaml'));
    (at(monitor, 'spec') as { endpoints: Json[] }).endpoints[0] = { port: 'http-metrics', intervall: '30s' };
    assert.throws(() => check(byKind, monitor, 'servicemonitor'), /additionalProperties/);
  });

  it('are all listed in kustomization.yaml, except the Secret example', async () => {
    const all = await manifests();
    const kustomization = only(all, 'kustomization.yaml');
    const expected = [...all.keys()].filter((name) => name !== 'kustomization.yaml' && name !== 'secret.example.yaml');
    assert.deepEqual([...(kustomization['resources'] as string[])].sort(), expected.sort());
    assert.equal(kustomization['namespace'], at(only(all, 'namespace.yaml'), 'metadata.name'));
  });

  it('run the daemon as the contract and the issue ask: one writer, non-root, read-only, probed', async () => {
    const all = await manifests();
    const deployment = only(all, 'deployment.yaml');
    assert.equal(at(deployment, 'spec.replicas'), 1);
    assert.equal(at(deployment, 'spec.strategy.type'), 'Recreate');
    const pod = mapping(at(deployment, 'spec.template.spec'), 'pod');
    assert.deepEqual(pod['securityContext'], { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    const containers = pod['containers'] as Json[];
    assert.equal(containers.length, 1);
    const container = containers[0] as Json;
    assert.deepEqual(container['args'], ['serve', '--config', '/etc/trust-auditor/config.yaml']);
    assert.deepEqual(container['securityContext'], { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    assert.equal(at(container, 'livenessProbe.httpGet.path'), '/healthz');
    assert.equal(at(container, 'startupProbe.httpGet.path'), '/healthz');
    assert.equal(at(container, 'readinessProbe.httpGet.path'), '/readyz');
    const version = mapping(JSON.parse(await file('package.json')), 'package.json')['version'];
    assert.equal(container['image'], `trust-auditor:${String(version)}`);

    // The objects name each other correctly.
    const volumes = new Map((pod['volumes'] as Json[]).map((volume) => [volume['name'], volume]));
    const mounts = new Map((container['volumeMounts'] as Json[]).map((mount) => [mount['mountPath'], mount['name']]));
    assert.equal(at(volumes.get('config'), 'configMap.name'), at(only(all, 'configmap.yaml'), 'metadata.name'));
    assert.equal(at(volumes.get('data'), 'persistentVolumeClaim.claimName'), at(only(all, 'persistentvolumeclaim.yaml'), 'metadata.name'));
    const secret = only(all, 'secret.example.yaml');
    assert.equal(at(volumes.get('secrets'), 'secret.secretName'), at(secret, 'metadata.name'));
    assert.deepEqual(Object.keys(mapping(secret['stringData'], 'stringData')).sort(), [...SECRET_KEYS].sort());
    for (const variable of container['env'] as Json[]) {
      if (variable['valueFrom'] !== undefined) {
        assert.equal(at(variable, 'valueFrom.secretKeyRef.name'), at(secret, 'metadata.name'));
        assert.ok(SECRET_KEYS.includes(String(at(variable, 'valueFrom.secretKeyRef.key'))));
      }
    }
    assert.equal(mounts.get('/data'), 'data');
    assert.equal(mounts.get('/tmp'), 'tmp');

    // The configuration parses, keeps its database on the volume and listens on the container port.
    const configText = String(mapping(at(only(all, 'configmap.yaml'), 'data'), 'data')['config.yaml']);
    assert.deepEqual(configIssues(configText), []);
    const config = mapping(parse(configText), 'config.yaml');
    assert.match(String(config['database']), /^\/data\//);
    assert.equal(config['listen'], `0.0.0.0:${String((container['ports'] as Json[])[0]?.['containerPort'])}`);

    // The Service and the ServiceMonitor find the pod; the job is trust-auditor, as TrustAuditorDown expects.
    const service = only(all, 'service.yaml');
    assert.equal(at(service, 'metadata.name'), 'trust-auditor');
    assert.deepEqual(at(service, 'spec.selector'), at(deployment, 'spec.selector.matchLabels'));
    assert.deepEqual(
      (at(service, 'spec.ports') as Json[]).map((port) => [port['name'], port['port']]),
      [['http-metrics', 9817]]
    );
    const monitor = only(all, 'servicemonitor.yaml');
    assert.equal((at(monitor, 'spec.endpoints') as Json[])[0]?.['port'], 'http-metrics');
    assert.deepEqual(at(monitor, 'spec.selector.matchLabels'), at(service, 'metadata.labels'));
  });
});

describe('generated deployment files', () => {
  it('are exactly what their sources make (regenerate: node dist/test/support/deploy-manifests.js --write)', async () => {
    for (const [path, content] of await generatedFiles(ROOT)) {
      assert.equal(await file(path), content, `${path} is out of date`);
    }
  });

  it('the dashboard ConfigMap carries the dashboard unchanged, labelled for the sidecar', async () => {
    const configMap = mapping(parse(await file(DASHBOARD_CONFIGMAP_FILE)), DASHBOARD_CONFIGMAP_FILE);
    assert.equal(mapping(configMap['data'], 'data')[DASHBOARD_KEY], await file(DASHBOARD_FILE));
    assert.equal(mapping(at(configMap, 'metadata.labels'), 'labels')['grafana_dashboard'], '1');
  });
});

describe('Helm chart', () => {
  it("has package.json's version as appVersion", async () => {
    const chart = mapping(parse(await file(`${CHART_DIR}/Chart.yaml`)), 'Chart.yaml');
    assert.equal(chart['appVersion'], mapping(JSON.parse(await file('package.json')), 'package.json')['version']);
    assert.equal(chart['apiVersion'], 'v2');
  });

  it("with its default values, its PrometheusRule is alerts.yml's groups (subset renderer, not Helm)", async () => {
    const values = parse(await file(`${CHART_DIR}/values.yaml`)) as unknown;
    const alerts = await file(RULE_FILE);
    const groups = renderRuleGroupsWithValues(await file(CHART_RULE_TEMPLATE_FILE), values);
    assert.deepEqual(groups, mapping(parse(alerts), RULE_FILE)['groups']);
    assert.equal(at(values, 'prometheusRule.runbookBaseUrl'), runbookBase(alerts));
  });

  it('has a configuration in its values that parses, with the passwords as files', async () => {
    const values = mapping(parse(await file(`${CHART_DIR}/values.yaml`)), 'values.yaml');
    assert.deepEqual(configIssues(JSON.stringify(values['config'])), []);
    assert.deepEqual(values['podSecurityContext'], at(only(await manifests(), 'deployment.yaml'), 'spec.template.spec.securityContext'));
  });
});

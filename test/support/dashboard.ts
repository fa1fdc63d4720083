/**
 * Reads the shipped Grafana dashboard (deploy/grafana/trust-auditor.json) and
 * extracts every panel query with the template variables substituted the way
 * Grafana does when each variable is set to "All", so that an end-to-end test
 * can send them to a real Prometheus (/api/v1/query) and check that they parse
 * and return data.
 */
import { readFileSync } from 'node:fs';

export interface PanelQuery {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
  readonly instant: boolean;
}

/** Grafana's built-in interval variables, with the values a test uses for them. */
const BUILTINS: Readonly<Record<string, string>> = {
  __rate_interval: '1m',
  __interval: '15s',
  __interval_ms: '15000',
  __range: '1h',
  __range_s: '3600',
  __range_ms: '3600000',
};

/**
 * Grafana's variable syntaxes: `$name`, `${name}`, `${name:format}`, `[[name]]`, `[[name:format]]`.
 * Names starting with a digit (`$1`, `${1}`) are regex back-references in label_replace, not variables.
 */
const VARIABLE = /\$([A-Za-z_]\w*)|\$\{([A-Za-z_]\w*)(?::[^}]*)?\}|\[\[([A-Za-z_]\w*)(?::[^\]]*)?\]\]/g;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The dashboard model itself: a bare dashboard, or the `{ dashboard, meta }` envelope of Grafana's HTTP API. */
function dashboardModel(value: unknown): Json {
  const model = isObject(value) && isObject(value['dashboard']) && !('panels' in value) ? value['dashboard'] : value;
  if (!isObject(model) || !Array.isArray(model['panels'])) {
    throw new Error('not a Grafana dashboard: expected a JSON object with a "panels" array');
  }
  if (typeof model['title'] !== 'string') {
    throw new Error('not a Grafana dashboard: "title" is missing or not a string');
  }
  if (model['templating'] !== undefined && !(isObject(model['templating']) && Array.isArray(model['templating']['list']))) {
    throw new Error('not a Grafana dashboard: "templating" must be an object with a "list" array');
  }
  return model;
}

/** The value Grafana substitutes for each dashboard variable when it is set to "All" (or to its current value). */
function variableValues(model: Json): Map<string, string> {
  const values = new Map<string, string>();
  const templating = model['templating'];
  const list: unknown[] = isObject(templating) && Array.isArray(templating['list']) ? templating['list'] : [];
  for (const [index, variable] of list.entries()) {
    if (!isObject(variable) || typeof variable['name'] !== 'string' || variable['name'] === '') {
      throw new Error(`not a Grafana dashboard: templating.list[${index}] has no name`);
    }
    const name = variable['name'];
    if (variable['includeAll'] === true) {
      // A custom "all value" is substituted verbatim; without one Grafana joins every option,
      // which a test cannot know in advance, so the equivalent regex stands in for it.
      const allValue = variable['allValue'];
      values.set(name, typeof allValue === 'string' && allValue !== '' ? allValue : '.*');
      continue;
    }
    const current = variable['current'];
    const value = isObject(current) ? current['value'] : undefined;
    if (typeof value === 'string') {
      values.set(name, value);
    } else if (Array.isArray(value) && value.every((item): item is string => typeof item === 'string')) {
      values.set(name, value.length === 1 ? (value[0] ?? '') : `(${value.join('|')})`);
    } else if (typeof variable['query'] === 'string' && (variable['type'] === 'constant' || variable['type'] === 'textbox')) {
      values.set(name, variable['query']);
    }
    // Otherwise (e.g. the datasource variable with no current value) the variable has no value
    // that could appear in an expr; using it there is reported by substitute().
  }
  return values;
}

function substitute(expr: string, values: ReadonlyMap<string, string>, where: string): string {
  return expr.replace(VARIABLE, (match, dollar: string | undefined, braces: string | undefined, brackets: string | undefined) => {
    const name = dollar ?? braces ?? brackets ?? '';
    const value = BUILTINS[name] ?? values.get(name);
    if (value === undefined) {
      throw new Error(`${where}: expr uses ${match}, which is neither a dashboard variable nor a known Grafana built-in`);
    }
    return value;
  });
}

function panelName(panel: Json, path: string): string {
  const title = panel['title'];
  return typeof title === 'string' && title !== '' ? title : `${path} (id ${String(panel['id'] ?? '?')})`;
}

/**
 * Every query of every panel (rows and nested panels included), with Grafana
 * variables substituted as Grafana would for "All" ($repository → .*,
 * ${datasource} untouched since it is not in expr, $__rate_interval → 1m,
 * $__interval → 15s, $__range → 1h), ready to send to Prometheus /api/v1/query.
 * Hidden targets (`hide: true`) are skipped: Grafana does not run them.
 */
export function dashboardQueries(dashboard: unknown): PanelQuery[] {
  const model = dashboardModel(dashboard);
  const values = variableValues(model);
  const queries: PanelQuery[] = [];

  const visit = (panels: unknown[], path: string): void => {
    for (const [index, panel] of panels.entries()) {
      const panelPath = `${path}[${index}]`;
      if (!isObject(panel)) {
        throw new Error(`not a Grafana dashboard: ${panelPath} is not an object`);
      }
      const name = panelName(panel, panelPath);
      const targets = panel['targets'];
      if (targets !== undefined) {
        if (!Array.isArray(targets)) {
          throw new Error(`panel "${name}": "targets" is not an array`);
        }
        for (const [targetIndex, target] of targets.entries()) {
          if (!isObject(target)) {
            throw new Error(`panel "${name}": target ${targetIndex} is not an object`);
          }
          const refId = typeof target['refId'] === 'string' && target['refId'] !== '' ? target['refId'] : `#${targetIndex}`;
          const expr = target['expr'];
          if (typeof expr !== 'string' || expr.trim() === '') {
            throw new Error(`panel "${name}": target ${refId} has no expr`);
          }
          if (target['hide'] === true) {
            continue;
          }
          queries.push({
            panel: name,
            refId,
            expr: substitute(expr, values, `panel "${name}", target ${refId}`),
            instant: target['instant'] === true,
          });
        }
      }
      // Collapsed rows keep their panels inside the row.
      const nested = panel['panels'];
      if (nested !== undefined) {
        if (!Array.isArray(nested)) {
          throw new Error(`panel "${name}": "panels" is not an array`);
        }
        visit(nested, `${panelPath}.panels`);
      }
    }
  };

  visit(model['panels'] as unknown[], 'panels');
  return queries;
}

/** Reads and parses a dashboard JSON file; throws if it is not JSON or not a Grafana dashboard. */
export function loadDashboard(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    dashboardModel(parsed);
  } catch (error) {
    throw new Error(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parsed;
}

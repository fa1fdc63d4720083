/**
 * The real Prometheus and Alertmanager (Debian packages prometheus and
 * prometheus-alertmanager), each on a free loopback port with its own data
 * directory, for the alerting end-to-end tests.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { freePort, startProcess, waitUntil, type ManagedProcess } from './processes.js';

export interface RunningService {
  readonly url: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** Alertmanager with one route and a receiver that sends nothing: the API shows what it received. */
export async function startAlertmanager(dir: string): Promise<RunningService> {
  const home = join(dir, 'alertmanager');
  await mkdir(home, { recursive: true });
  const config = join(home, 'alertmanager.yml');
  await writeFile(
    config,
    `route:
  receiver: 'null'
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: 'null'
`
  );
  const port = await freePort();
  const process = startProcess('prometheus-alertmanager', [
    `--config.file=${config}`,
    `--storage.path=${home}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // No cluster: nothing but this test should ever talk to it.
    '--cluster.listen-address=',
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${url}/-/ready`)).ok, 'alertmanager', process, 30_000);
  return { url, process, stop: () => process.stop() };
}

export interface PrometheusOptions {
  readonly dir: string;
  /** host:port to scrape as job "trust-auditor". */
  readonly target: string;
  readonly ruleFiles: readonly string[];
  readonly alertmanager: string;
}

export async function startPrometheus(options: PrometheusOptions): Promise<RunningService> {
  const home = join(options.dir, 'prometheus');
  await mkdir(join(home, 'data'), { recursive: true });
  const config = join(home, 'prometheus.yml');
  const alertmanager = new URL(options.alertmanager);
  await writeFile(
    config,
    `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
${options.ruleFiles.map((file) => `  - ${file}`).join('\n')}
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['${alertmanager.host}']
scrape_configs:
  - job_name: trust-auditor
    static_configs:
      - targets: ['${options.target}']
`
  );
  const port = await freePort();
  const process = startProcess('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(home, 'data')}`, `--web.listen-address=127.0.0.1:${port}`]);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${url}/-/ready`)).ok, 'prometheus', process, 30_000);
  return { url, process, stop: () => process.stop() };
}

/** An instant query; throws with Prometheus' error text when the query fails. */
export async function queryPrometheus(url: string, expr: string): Promise<{ resultType: string; result: unknown[] }> {
  const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr }).toString()}`);
  const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: unknown[] } };
  if (body.status !== 'success' || body.data === undefined) {
    throw new Error(`query failed (${response.status}): ${body.error ?? 'no data'}\n  ${expr}`);
  }
  return body.data;
}

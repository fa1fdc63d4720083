/** `trust-auditor serve` as a child process, the way an operator starts it. */
import { spawn, type ChildProcess } from 'node:child_process';

import { MAIN } from './cli.js';
import { waitUntil } from './processes.js';

export interface Daemon {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  readonly exited: Promise<number | null>;
  /** Recent scans from /api/v1/scans, newest first. */
  scans(): Promise<{ id: number; outcome: string }[]>;
  /** Triggers a scan through the API and waits until it has finished. */
  scanNow(): Promise<void>;
}

export async function startDaemon(config: string, port: number): Promise<Daemon> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const scans = async (): Promise<{ id: number; outcome: string }[]> => ((await (await fetch(`${url}/api/v1/scans`)).json()) as { scans: { id: number; outcome: string }[] }).scans;
  const daemon: Daemon = {
    child,
    url,
    output: () => output,
    exited,
    scans,
    async scanNow() {
      const before = (await scans())[0]?.id ?? 0;
      await waitUntil(async () => (await triggerScan(url)).status === 202, 'scan accepted', undefined, 30_000);
      await waitUntil(async () => (await scans()).some((scan) => scan.id > before && scan.outcome !== 'running'), 'scan finished', undefined, 60_000);
    },
  };
  try {
    await waitUntil(async () => (await fetch(`${url}/readyz`)).status === 200, 'serve /readyz', undefined, 30_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return daemon;
}

/** `POST /api/v1/scans` as a script does it: a JSON request, which no web page can send across sites. */
export function triggerScan(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/api/v1/scans`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
}

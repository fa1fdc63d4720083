/** Runs the built CLI as a user would (node dist/src/main.js …). */
import { fileURLToPath } from 'node:url';

import { runStatus } from './processes.js';

export const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return runStatus(process.execPath, [MAIN, ...args], { env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env } });
}

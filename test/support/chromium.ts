/** Headless Chromium (Debian's package) for the tests that look at a page as a person would. */
import { runStatus } from './processes.js';

/** Headless, with everything that reaches the network switched off (this machine has no network). */
export function chromiumArgs(profileDir: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--hide-scrollbars',
    `--user-data-dir=${profileDir}`,
  ];
}

/** The DOM after Chromium loaded and laid out `url`, and ran its scripts for `extraArgs`' budget, if any. */
export async function dumpDom(url: string, profileDir: string, extraArgs: readonly string[] = []): Promise<string> {
  const result = await runStatus('chromium', [...chromiumArgs(profileDir), ...extraArgs, '--dump-dom', url]);
  if (result.code !== 0) {
    throw new Error(`chromium --dump-dom ${url} exited ${result.code}: ${result.stderr}`);
  }
  return result.stdout;
}

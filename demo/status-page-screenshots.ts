/**
 * npm run screenshots: the status page of a healthy and of a broken registry,
 * shot by headless Chromium into docs/ (the README shows them).
 *
 * Starts the status page's test registry (test/support/status-page-world.ts)
 * and `trust-auditor serve` against it, and shoots:
 *   docs/status-page-healthy.png  1400 px, every tag signed
 *   docs/status-page-broken.png   1400 px, a finding of every status, Notary down for one GUN
 *   docs/status-page-phone.png     400 px, the same on a phone
 *   docs/status-page-failed.png   1400 px, Nexus down after a good scan
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { screenshot, startStatusPageWorld } from '../test/support/status-page-world.js';

const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
const say = (text: string): void => void process.stdout.write(text + '\n');

const page = await startStatusPageWorld({ schedule: '*/15 * * * *' });
try {
  const profile = join(page.world.dir, 'chromium-profile');
  await mkdir(profile, { recursive: true });
  const shoot = async (name: string, width: number, height: number): Promise<void> => {
    const file = join(DOCS, name);
    await screenshot(`${page.daemon.url}/`, file, width, height, profile);
    say(`  ${file}`);
  };
  say('Healthy registry:');
  await shoot('status-page-healthy.png', 1400, 720);

  say('Broken registry (a finding of every status, Notary down for one GUN):');
  await page.breakRegistry();
  await page.daemon.scanNow();
  await shoot('status-page-broken.png', 1400, 1700);
  await shoot('status-page-phone.png', 400, 1800);

  say('Nexus down after a good scan:');
  page.takeNexusDown();
  await page.daemon.scanNow();
  await shoot('status-page-failed.png', 1400, 1000);
} finally {
  await page.stop();
}

/**
 * A registry for the status page, shared by its browser test and by
 * `npm run screenshots`: `serve` auditing the Nexus test server, first healthy
 * (every tag signed, one cosign signature tag skipped), then broken (a finding
 * of every status, more than one page of them at `limit=5`, Notary down for
 * one GUN), then with Nexus down. Trust data comes from the project's signer
 * (trust-factory.ts, proved against the real client), served through the scan
 * world's proxy.
 */
import { join } from 'node:path';

import { startDaemon, type Daemon } from './daemon.js';
import { chromiumArgs } from './chromium.js';
import { freePort, runStatus } from './processes.js';
import { startScanWorld, type ScanWorld } from './scan-world.js';
import { ed25519Key, generateCollection, generateKeys, type SigningKey, type TargetSpec } from './trust-factory.js';

export const PREFIX = 'nexus.example.com:18079';
const REPOSITORY = 'docker-hosted';
const DAY = 86_400_000;

export interface StatusPageWorld {
  readonly world: ScanWorld;
  readonly daemon: Daemon;
  /** Findings of every status; the next scan is partial (Notary answers 503 for one GUN). */
  breakRegistry(): Promise<void>;
  /** Nexus answers 503 to everything from now on. */
  takeNexusDown(): void;
  stop(): Promise<void>;
}

export async function startStatusPageWorld(options: { schedule?: string } = {}): Promise<StatusPageWorld> {
  const world = await startScanWorld();
  let daemon: Daemon | undefined;
  try {
    world.nexus.addRepository({ name: REPOSITORY, type: 'hosted' });
    const push = (image: string, tag: string, seed?: string): TargetSpec => {
      const { sha256, size } = world.push(REPOSITORY, image, tag, seed);
      return { sha256Hex: sha256, length: size };
    };
    const publish = async (
      image: string,
      targets: Record<string, TargetSpec>,
      extra: { releases?: Record<string, TargetSpec>; targetsExpire?: Date; targetsSigners?: readonly SigningKey[] } = {}
    ): Promise<void> => {
      const gun = `${PREFIX}/${image}`;
      const keys = await generateKeys(world.dir, gun);
      const collection = await generateCollection({
        gun,
        keys,
        now: new Date(),
        targets,
        delegations: extra.releases === undefined ? [] : [{ name: 'targets/releases', keys: [await ed25519Key()], targets: extra.releases }],
        ...(extra.targetsExpire === undefined ? {} : { expires: { targets: extra.targetsExpire } }),
        ...(extra.targetsSigners === undefined ? {} : { signers: { targets: extra.targetsSigners } }),
      });
      world.generated.setCollection(gun, collection.files);
      world.generatedGuns.add(gun);
    };

    // Healthy: every tag signed, from targets/releases or targets; one cosign signature tag (skipped).
    await publish('billing-api', {}, { releases: { '1.3': push('billing-api', '1.3'), '1.4': push('billing-api', '1.4') } });
    await publish('web-frontend', { '1.0': push('web-frontend', '1.0'), '1.1': push('web-frontend', '1.1') });
    await publish('hello-world', { latest: push('hello-world', 'latest') });
    push('hello-world', `sha256-${'5'.repeat(64)}.sig`);

    const port = await freePort();
    const config = await world.writeConfig(
      'status-page.yaml',
      `nexus:\n  url: ${world.nexus.url}\n  repositories:\n    - name: ${REPOSITORY}\n      gunPrefix: ${PREFIX}\nnotary:\n  url: ${world.notaryProxy.url}\n` +
        `database: ${join(world.dir, 'status-page.db')}\nschedule: "${options.schedule ?? '0 0 1 1 *'}"\nlisten: 127.0.0.1:${port}\nexpiryWarningDays: 7\nweb:\n  minScanIntervalSeconds: 0\n`
    );
    daemon = await startDaemon(config, port);
    const running = daemon;
    return {
      world,
      daemon: running,
      async breakRegistry() {
        // unsigned: an image nobody signed (more than a page of findings with the rest), and a tag pushed without content trust.
        for (let i = 1; i <= 8; i++) {
          push('legacy-tool', `0.${i}`);
        }
        push('web-frontend', '2.0-rc1');
        // digest_mismatch: a signed tag pushed over without signing.
        push('billing-api', '1.4', 'billing-api:1.4 rebuilt by a CI job without DOCKER_CONTENT_TRUST');
        // expired: targets signed long ago and never re-signed.
        await publish('batch-worker', { nightly: push('batch-worker', 'nightly') }, { targetsExpire: new Date(Date.now() - 2 * DAY) });
        // invalid: targets signed by a key that root does not list.
        await publish('auth-service', { '3.2': push('auth-service', '3.2') }, { targetsSigners: [await ed25519Key()] });
        // error: Notary answers 503 for this GUN (the scan is partial).
        push('ci-runner', 'latest');
        world.failingGuns.set(`${PREFIX}/ci-runner`, 503);
        // Signed, but targets expire within the warning window.
        await publish('reports', { '2.1': push('reports', '2.1') }, { targetsExpire: new Date(Date.now() + 3 * DAY) });
      },
      takeNexusDown() {
        world.nexus.setOutage(503);
      },
      async stop() {
        running.child.kill('SIGKILL');
        await running.exited;
        await world.stop();
      },
    };
  } catch (error) {
    daemon?.child.kill('SIGKILL');
    await world.stop();
    throw error;
  }
}

/** A PNG of `url` at this window size. */
export async function screenshot(url: string, file: string, width: number, height: number, profileDir: string): Promise<void> {
  const result = await runStatus('chromium', [...chromiumArgs(profileDir), `--window-size=${width},${height}`, `--screenshot=${file}`, url]);
  if (result.code !== 0) {
    throw new Error(`chromium --screenshot ${url} exited ${result.code}: ${result.stderr}`);
  }
}

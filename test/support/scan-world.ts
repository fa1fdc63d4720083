/**
 * A small registry world for the scan tests: the faithful Nexus test server,
 * the real notary-server with trust data published by the real notary client,
 * and a proxy in front of Notary that can route one GUN to generated trust data
 * (what the real client cannot produce), tamper with it, or fail it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { NotaryCli } from './notary-cli.js';
import { startNotaryServer, type NotaryServer } from './notary-server.js';
import { makeManifest } from './nexus/model.js';
import { startNexusServer } from './nexus/server.js';
import type { FakeNexus, FakeNexusOptions } from './nexus/types.js';
import { startStaticNotary, type StaticNotary } from './static-notary.js';
import { startTamperProxy, type Tamper, type TamperProxy } from './tamper-proxy.js';
import { makeTempDir } from './temp.js';

export interface ScanWorld {
  readonly dir: string;
  readonly nexus: FakeNexus;
  readonly notaryServer: NotaryServer;
  /** What the auditor talks to: the real notary-server behind the proxy. */
  readonly notaryProxy: TamperProxy;
  /** Serves generated collections for GUNs routed to it. */
  readonly generated: StaticNotary;
  readonly cli: NotaryCli;
  /** GUNs whose requests the proxy sends to `generated` instead of the real server. */
  readonly generatedGuns: Set<string>;
  /** GUN → HTTP status the proxy answers instead (Notary "down" for that GUN). */
  readonly failingGuns: Map<string, number>;
  /** Alters responses on top of the routing above (`forward` goes through the routing); undefined to stop. */
  setOverride(tamper: Tamper | undefined): void;
  /** Pushes image:tag to Nexus and returns the manifest digest (hex) and size. */
  push(repository: string, image: string, tag: string, seed?: string): { sha256: string; size: number };
  writeConfig(name: string, yaml: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startScanWorld(nexusOptions: FakeNexusOptions = {}): Promise<ScanWorld> {
  const temp = await makeTempDir('scan-world');
  const nexus = await startNexusServer(nexusOptions);
  const notaryServer = await startNotaryServer({ dir: temp.path });
  const generated = await startStaticNotary();
  const notaryProxy = await startTamperProxy(notaryServer.url);
  const generatedGuns = new Set<string>();
  const failingGuns = new Map<string, number>();
  const gunOf = (path: string): string | undefined => /^\/v2\/(.+?)\/_trust\//.exec(path)?.[1];
  let override: Tamper | undefined;
  const route: Tamper = async (path, forward) => {
    const gun = gunOf(path);
    const failing = gun === undefined ? undefined : failingGuns.get(gun);
    if (failing !== undefined) {
      return { status: failing, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"errors":[{"code":"UNAVAILABLE","message":"service unavailable"}]}') };
    }
    if (gun !== undefined && generatedGuns.has(gun)) {
      const response = await fetch(new URL(path, generated.url));
      return { status: response.status, headers: {}, body: Buffer.from(await response.arrayBuffer()) };
    }
    return forward();
  };
  notaryProxy.setTamper((path, forward) => (override === undefined ? route(path, forward) : override(path, () => route(path, forward))));
  const cli = new NotaryCli({ trustDir: join(temp.path, 'trust'), serverUrl: notaryServer.url, workDir: join(temp.path, 'work') });
  return {
    dir: temp.path,
    nexus,
    notaryServer,
    notaryProxy,
    generated,
    cli,
    generatedGuns,
    failingGuns,
    setOverride(tamper) {
      override = tamper;
    },
    push(repository, image, tag, seed) {
      const { digest, size } = nexus.putTag(repository, image, tag, makeManifest(seed ?? `${repository}/${image}:${tag}`));
      return { sha256: digest.replace(/^sha256:/, ''), size };
    },
    async writeConfig(name, yaml) {
      const file = join(temp.path, name);
      await writeFile(file, yaml);
      return file;
    },
    async stop() {
      await notaryProxy.stop();
      await generated.stop();
      await notaryServer.stop();
      await nexus.stop();
      await temp.remove();
    },
  };
}

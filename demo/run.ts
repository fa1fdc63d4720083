/**
 * npm run demo: a local registry world and the daemon auditing it.
 *
 * Starts the Nexus test server with two Docker repositories, publishes trust
 * data for some tags with the real notary client into the real notary-server
 * (Debian package `notary`), re-pushes one signed tag and leaves others
 * unsigned, then runs `trust-auditor serve` against it and prints where to
 * look. Without the notary package, the trust data comes from the project's
 * own Notary signer (test/support/trust-factory.ts, proved against the real
 * client in the tests) served by a static Notary-compatible server.
 *
 *   --once        run one scan, print the findings and the metrics, and stop
 *   --port N      where serve listens (default 9817, or a free port if taken)
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

import { NotaryCli } from '../test/support/notary-cli.js';
import { startNotaryServer } from '../test/support/notary-server.js';
import { makeEcCertificate } from '../test/support/openssl.js';
import { makeManifest } from '../test/support/nexus/model.js';
import { startNexusServer } from '../test/support/nexus/server.js';
import { freePort, run } from '../test/support/processes.js';
import { startStaticNotary } from '../test/support/static-notary.js';
import { signLegacy } from '../test/support/signature-pushes.js';
import { p256Key } from '../test/support/signers/cosign-signer.js';
import { makeTempDir } from '../test/support/temp.js';
import { ed25519Key, generateCollection, generateKeys, type TargetSpec } from '../test/support/trust-factory.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const { values } = parseArgs({ options: { once: { type: 'boolean', default: false }, port: { type: 'string' } } });

const HOSTED = 'localhost:18079';
const TEAM = 'localhost:18080';

async function hasNotaryServer(): Promise<boolean> {
  try {
    await run('notary-server', ['--help']);
    return true;
  } catch (error) {
    return !/ENOENT/.test((error as Error).message);
  }
}

async function portFor(preferred: number): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => void freePort().then(resolve));
    probe.listen(preferred, '127.0.0.1', () => probe.close(() => resolve(preferred)));
  });
}

const temp = await makeTempDir('demo');
const cleanups: (() => Promise<void>)[] = [() => temp.remove()];
const say = (text: string): void => void process.stdout.write(text + '\n');

try {
  const nexus = await startNexusServer();
  cleanups.unshift(() => nexus.stop());
  nexus.addRepository({ name: 'docker-hosted', type: 'hosted', docker: { httpPort: 18079 } });
  nexus.addRepository({ name: 'docker-team', type: 'hosted', docker: { httpPort: 18080 } });
  const push = (repository: string, image: string, tag: string, seed = `${image}:${tag}`): TargetSpec => {
    const { digest, size } = nexus.putTag(repository, image, tag, makeManifest(seed));
    return { sha256Hex: digest.replace('sha256:', ''), length: size };
  };

  // What gets signed: hello-world:test and :latest, app:1.0 and :2.0, tool:3.1.
  const images = {
    hello: { gun: `${HOSTED}/hello-world`, tags: { test: push('docker-hosted', 'hello-world', 'test'), latest: push('docker-hosted', 'hello-world', 'latest') } },
    app: { gun: `${HOSTED}/app`, tags: { '1.0': push('docker-hosted', 'app', '1.0'), '2.0': push('docker-hosted', 'app', '2.0') } },
    tool: { gun: `${TEAM}/tool`, tags: { '3.1': push('docker-team', 'tool', '3.1') } },
  };
  const appNext = push('docker-hosted', 'app', '1.1'); // pushed without DOCKER_CONTENT_TRUST, signed with cosign
  push('docker-hosted', 'legacy', '0.9'); // an image nobody ever signed
  // The migration beyond DCT: cosign signs app:1.0 beside DCT, and app:1.1 with cosign alone.
  const cosignKey = p256Key();
  signLegacy(nexus, 'docker-hosted', 'app', `sha256:${images.app.tags['1.0'].sha256Hex}`, [cosignKey]);
  signLegacy(nexus, 'docker-hosted', 'app', `sha256:${appNext.sha256Hex}`, [cosignKey]);
  const cosignKeyFile = join(temp.path, 'cosign.pub');
  await writeFile(cosignKeyFile, cosignKey.publicPem);

  let notaryUrl: string;
  if (await hasNotaryServer()) {
    say('Publishing trust data with the real notary client into a local notary-server...');
    const server = await startNotaryServer({ dir: temp.path });
    cleanups.unshift(() => server.stop());
    notaryUrl = server.url;
    const cli = new NotaryCli({ trustDir: join(temp.path, 'trust'), serverUrl: server.url, workDir: join(temp.path, 'work') });
    const releases = await makeEcCertificate(temp.path, 'releases', 'releases');
    await cli.init(images.hello.gun);
    await cli.addDelegation(images.hello.gun, 'targets/releases', releases.certFile, releases.keyFile);
    for (const image of Object.values(images)) {
      if (image !== images.hello) {
        await cli.init(image.gun);
      }
      for (const [tag, target] of Object.entries(image.tags)) {
        await cli.addHash(image.gun, tag, target.sha256Hex, target.length, image === images.hello ? 'targets/releases' : undefined);
      }
      await cli.publish(image.gun);
    }
  } else {
    say('The notary package is not installed: generating trust data with the project signer instead.');
    const server = await startStaticNotary();
    cleanups.unshift(() => server.stop());
    notaryUrl = server.url;
    for (const image of Object.values(images)) {
      const keys = await generateKeys(temp.path, image.gun);
      const releasesKey = await ed25519Key();
      const collection = await generateCollection({
        gun: image.gun,
        keys,
        now: new Date(),
        targets: image === images.hello ? {} : image.tags,
        delegations: image === images.hello ? [{ name: 'targets/releases', keys: [releasesKey], targets: image.tags }] : [],
      });
      server.setCollection(image.gun, collection.files);
    }
  }
  // Re-pushed after signing: DCT pulls would now get the old image.
  push('docker-hosted', 'app', '2.0', 'app:2.0 rebuilt and pushed without signing');

  const port = values.port === undefined ? await portFor(9817) : Number(values.port);
  const config = join(temp.path, 'demo.yaml');
  await writeFile(
    config,
    `# trust-auditor demo configuration
nexus:
  url: ${nexus.url}
  repositories:
    - name: docker-hosted
      gunPrefix: ${HOSTED}
      signaturePolicy: release  # cosign beside DCT; DCT still decides the status
      require: [dct]
    - name: docker-team
      gunPrefix: ${TEAM}
notary:
  url: ${notaryUrl}
database: ${join(temp.path, 'demo.db')}
schedule: "*/5 * * * *"
listen: 127.0.0.1:${port}
expiryWarningDays: 7
signatures:
  policies:
    release:
      cosign:
        keys: [${cosignKeyFile}]
`
  );
  const serve = spawn(process.execPath, [MAIN, 'serve', '--config', config], { stdio: ['ignore', 'inherit', values.once ? 'pipe' : 'inherit'] });
  const exited = new Promise<number | null>((resolve) => serve.once('exit', (code) => resolve(code)));
  cleanups.unshift(async () => {
    if (serve.exitCode === null) {
      serve.kill('SIGTERM');
      await exited;
    }
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false
    );
    if (ready) {
      break;
    }
    if (Date.now() > deadline || serve.exitCode !== null) {
      throw new Error('trust-auditor serve did not become ready');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  say('');
  say(`trust-auditor is auditing the demo registry (config: ${config})`);
  say(`  status page   ${base}/`);
  say(`  metrics       ${base}/metrics`);
  say(`  findings      ${base}/api/v1/tags?status=unsigned`);
  say(`  scans         ${base}/api/v1/scans`);
  say(`  one-off scan  npx trust-auditor scan --config ${config}`);
  if (values.once) {
    const tags = (await (await fetch(`${base}/api/v1/tags`)).json()) as {
      tags: { repository: string; image: string; tag: string; status: string; coverage?: string; reason: string | null }[];
    };
    say('');
    for (const tag of tags.tags) {
      say(`  ${tag.status.padEnd(16)} ${(tag.coverage ?? '').padEnd(12)} ${tag.repository}/${tag.image}:${tag.tag}${tag.reason === null ? '' : `  (${tag.reason})`}`);
    }
    const metrics = await (await fetch(`${base}/metrics`)).text();
    say('');
    say(
      metrics
        .split('\n')
        .filter((line) => line.startsWith('trust_auditor_tags{') || line.startsWith('trust_auditor_tags_by_coverage{'))
        .join('\n')
    );
  } else {
    say('Press Ctrl-C to stop.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  }
} finally {
  for (const cleanup of cleanups) {
    await cleanup().catch(() => undefined);
  }
}

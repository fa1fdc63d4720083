/**
 * The real reference registry (Debian package `docker-registry`, distribution
 * 2.8) on a free loopback port with filesystem storage in a temp dir, and
 * real images pushed into it by skopeo from OCI image layouts built here byte
 * by byte (image-spec image-layout.md), so every digest is known before the
 * push and can be checked against what skopeo and the registry report.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import type { Credentials } from '../../src/lib/http/basic-auth.js';
import { freePort, run, runStatus, startProcess, waitUntil } from './processes.js';
import { makeTempDir } from './temp.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
const REF_NAME = 'org.opencontainers.image.ref.name';

export interface DockerRegistry {
  /** `http://127.0.0.1:<port>/`: the V2 base, without `v2/`. */
  readonly url: URL;
  /** `127.0.0.1:<port>`, as in docker references. */
  readonly host: string;
  readonly credentials: Credentials | undefined;
  /** What the registry printed, for failure messages. */
  output(): string;
  /** Stops the registry and removes its storage and config. */
  stop(): Promise<void>;
}

export interface DockerRegistryOptions {
  /** Protect the registry with htpasswd Basic auth (distribution registry/auth/htpasswd). */
  readonly basicAuth?: Credentials;
}

export async function startDockerRegistry(options: DockerRegistryOptions = {}): Promise<DockerRegistry> {
  const dir = await makeTempDir('docker-registry');
  try {
    const storage = join(dir.path, 'storage');
    await mkdir(storage);
    let authLines: string[] = [];
    if (options.basicAuth !== undefined) {
      const htpasswd = join(dir.path, 'htpasswd');
      await writeFile(htpasswd, (await htpasswdLine(options.basicAuth)) + '\n', { mode: 0o600 });
      authLines = ['auth:', '  htpasswd:', '    realm: "trust-auditor-test"', `    path: ${JSON.stringify(htpasswd)}`];
    }
    // The registry reads REGISTRY_* variables as overrides of its config file.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('REGISTRY_')));
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const config = join(dir.path, `config-${port}.yml`);
      await writeFile(
        config,
        [
          'version: 0.1',
          'log:',
          '  level: warn',
          '  accesslog:',
          '    disabled: true',
          'storage:',
          '  filesystem:',
          `    rootdirectory: ${JSON.stringify(storage)}`,
          '  delete:',
          '    enabled: true',
          'http:',
          `  addr: "127.0.0.1:${port}"`,
          `  secret: "${randomBytes(16).toString('hex')}"`,
          ...authLines,
          '',
        ].join('\n')
      );
      const child = startProcess('docker-registry', ['serve', config], { env });
      const url = new URL(`http://127.0.0.1:${port}/`);
      try {
        // 200, or 401 with auth: either way the V2 API is up (DIST api.md "API Version Check").
        await waitUntil(
          async () => {
            const response = await fetch(new URL('v2/', url), { signal: AbortSignal.timeout(1000) });
            await response.arrayBuffer();
            return response.headers.get('docker-distribution-api-version') === 'registry/2.0';
          },
          `docker-registry on ${url.href}`,
          child
        );
      } catch (error) {
        await child.stop();
        if (attempt < 3 && !/exited early/.test(String(error))) {
          continue; // the port was taken between freePort() and bind
        }
        throw error;
      }
      return {
        url,
        host: `127.0.0.1:${port}`,
        credentials: options.basicAuth,
        output: () => child.output(),
        async stop() {
          await child.stop();
          await dir.remove();
        },
      };
    }
  } catch (error) {
    await dir.remove();
    throw error;
  }
}

/**
 * One htpasswd line with a bcrypt hash, the only scheme distribution's htpasswd
 * accepts (registry/auth/htpasswd/htpasswd.go uses bcrypt.CompareHashAndPassword).
 * `htpasswd -nbB` when apache2-utils is installed; otherwise the system's
 * crypt(3) through perl: Debian's libcrypt (libxcrypt, Essential) implements
 * `$2b$` bcrypt, and perl-base is Essential too, so this needs nothing extra.
 * Fails rather than skipping the auth tests when neither works.
 */
export async function htpasswdLine(credentials: Credentials): Promise<string> {
  const { username, password } = credentials;
  if (/[:\n]/.test(username)) {
    throw new Error(`htpasswd user name ${JSON.stringify(username)} cannot contain ':' or a newline`);
  }
  const apache = await runStatus('htpasswd', ['-nbB', '-C', '5', username, password]);
  if (apache.code === 0) {
    const line = apache.stdout.trim();
    if (line.startsWith(`${username}:$2`)) {
      return line;
    }
  }
  // bcrypt salt: 22 characters of bcrypt's base64 alphabet; the last one
  // carries 2 bits, so it must be one whose low 4 bits are zero.
  const alphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const random = randomBytes(22);
  let salt = '';
  for (let i = 0; i < 21; i++) {
    salt += alphabet[(random[i] as number) % 64];
  }
  salt += '.Oeu'[(random[21] as number) % 4];
  const { stdout } = await run('perl', ['-e', 'my $h = crypt($ARGV[0], $ARGV[1]); print defined $h ? $h : ""', password, `$2b$05$${salt}`]);
  if (!/^\$2b\$05\$[./A-Za-z0-9]{53}$/.test(stdout)) {
    throw new Error(`cannot make a bcrypt htpasswd entry: htpasswd (apache2-utils) is not installed and perl's crypt() returned ${JSON.stringify(stdout.slice(0, 80))}`);
  }
  return `${username}:${stdout}`;
}

/* ---------- OCI image layouts, byte by byte ---------- */

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

export interface Platform {
  readonly os: string;
  readonly architecture: string;
}

/** What one reference in the layout points to. */
export type LayoutEntry =
  | { readonly ref: string; readonly kind: 'image'; readonly content: string }
  | { readonly ref: string; readonly kind: 'index'; readonly images: readonly { readonly platform: Platform; readonly content: string }[] };

/**
 * Writes an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`)
 * where each ref names a one-layer image (a gzipped tar holding `content`) or
 * an image index over several such images. Returns each ref's descriptor.
 */
export async function writeOciLayout(dir: string, entries: readonly LayoutEntry[]): Promise<Map<string, Descriptor>> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const writeBlob = async (mediaType: string, bytes: Buffer): Promise<Descriptor> => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    await writeFile(join(dir, 'blobs', 'sha256', hex), bytes);
    return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
  };
  const writeImage = async (content: string, platform: Platform): Promise<Descriptor> => {
    const tar = tarWithOneFile('content.txt', Buffer.from(content, 'utf8'));
    const layer = await writeBlob(OCI_LAYER_GZIP, gzipSync(tar));
    const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
    const config = await writeBlob(OCI_CONFIG, Buffer.from(JSON.stringify({ ...platform, rootfs: { type: 'layers', diff_ids: [diffId] }, config: {} })));
    return writeBlob(OCI_MANIFEST, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] })));
  };

  const refs = new Map<string, Descriptor>();
  const manifests: unknown[] = [];
  for (const entry of entries) {
    let descriptor: Descriptor;
    if (entry.kind === 'image') {
      descriptor = await writeImage(entry.content, { os: 'linux', architecture: 'amd64' });
    } else {
      const children = [];
      for (const image of entry.images) {
        children.push({ ...(await writeImage(image.content, image.platform)), platform: image.platform });
      }
      descriptor = await writeBlob(OCI_INDEX, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: children })));
    }
    refs.set(entry.ref, descriptor);
    manifests.push({ ...descriptor, annotations: { [REF_NAME]: entry.ref } });
  }
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
  return refs;
}

/** A ustar archive (POSIX pax "ustar Interchange Format") with one regular file. */
function tarWithOneFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string): void => {
    header.write(value, offset, length, 'ascii');
  };
  const octal = (value: number, length: number): string => value.toString(8).padStart(length - 1, '0') + '\0';
  field(0, 100, name);
  field(100, 8, octal(0o644, 8));
  field(108, 8, octal(0, 8));
  field(116, 8, octal(0, 8));
  field(124, 12, octal(content.length, 12));
  field(136, 12, octal(0, 12));
  field(148, 8, '        '); // checksum counts its own field as spaces
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  let sum = 0;
  for (const byte of header) {
    sum += byte;
  }
  field(148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

/* ---------- skopeo ---------- */

function credsArgs(flag: string, credentials: Credentials | undefined): string[] {
  return credentials === undefined ? [] : [flag, `${credentials.username}:${credentials.password}`];
}

/**
 * `skopeo copy oci:<layout>:<ref> docker://<registry>/<name>:<tag>`. Digests are
 * preserved (no conversion to docker v2s2), and `--all` pushes every image of an
 * index instead of the one for this machine's platform.
 */
export async function pushWithSkopeo(registry: DockerRegistry, layout: string, ref: string, name: string, tag: string): Promise<void> {
  await run('skopeo', [
    'copy',
    '--quiet',
    '--all',
    '--preserve-digests',
    '--dest-tls-verify=false',
    ...credsArgs('--dest-creds', registry.credentials),
    `oci:${layout}:${ref}`,
    `docker://${registry.host}/${name}:${tag}`,
  ]);
}

/** The raw manifest bytes the registry serves for a tag, as skopeo reads them. */
export async function skopeoRawManifest(registry: DockerRegistry, name: string, tag: string): Promise<Buffer> {
  const { stdout } = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', ...credsArgs('--creds', registry.credentials), `docker://${registry.host}/${name}:${tag}`]);
  return Buffer.from(stdout, 'utf8');
}

/** The digest skopeo reports for a tag (`{{.Digest}}`: of the top-level manifest). */
export async function skopeoDigest(registry: DockerRegistry, name: string, tag: string): Promise<string> {
  const { stdout } = await run('skopeo', [
    'inspect',
    '--format',
    '{{.Digest}}',
    '--tls-verify=false',
    ...credsArgs('--creds', registry.credentials),
    `docker://${registry.host}/${name}:${tag}`,
  ]);
  return stdout.trim();
}

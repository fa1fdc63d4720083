/**
 * The real `notary` client, publishing real trust data for the tests:
 * init, add (to targets or a delegation), delegation add, key import, publish,
 * list, key rotate, delete.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { run } from './processes.js';

const PASSPHRASE = 'test-passphrase';

export interface ListedTarget {
  readonly name: string;
  /** Hex sha256 as `notary list` prints it. */
  readonly digest: string;
  readonly size: number;
  readonly role: string;
}

export class NotaryCli {
  readonly trustDir: string;
  readonly serverUrl: string;
  readonly #work: string;
  readonly #extraArgs: readonly string[];
  #files = 0;

  constructor(options: { trustDir: string; serverUrl: string; workDir: string; rootCa?: string }) {
    this.trustDir = options.trustDir;
    this.serverUrl = options.serverUrl;
    this.#work = options.workDir;
    this.#extraArgs = options.rootCa === undefined ? [] : ['--tlscacert', options.rootCa];
  }

  async notary(...args: string[]): Promise<string> {
    return this.notaryWithInput('', ...args);
  }

  /** Runs the client with `input` on stdin (e.g. "yes" for `key rotate … root`). */
  async notaryWithInput(input: string, ...args: string[]): Promise<string> {
    const env = {
      ...process.env,
      NOTARY_ROOT_PASSPHRASE: PASSPHRASE,
      NOTARY_TARGETS_PASSPHRASE: PASSPHRASE,
      NOTARY_SNAPSHOT_PASSPHRASE: PASSPHRASE,
      NOTARY_DELEGATION_PASSPHRASE: PASSPHRASE,
    };
    const { stdout } = await run('notary', ['-d', this.trustDir, '-s', this.serverUrl, ...this.#extraArgs, ...args], { env, input });
    return stdout;
  }

  async init(gun: string): Promise<void> {
    await this.notary('init', gun);
    await this.notary('publish', gun);
  }

  /** Stages a target whose content is `content` (its sha256 and length become the signed digest). */
  async add(gun: string, tag: string, content: string | Uint8Array, role?: string): Promise<void> {
    await mkdir(this.#work, { recursive: true });
    const file = join(this.#work, `target-${this.#files++}`);
    await writeFile(file, content);
    await this.notary('add', gun, tag, file, ...(role === undefined ? [] : ['--roles', role]));
  }

  /** Stages a target by digest and size, as `docker push` signs a manifest. */
  async addHash(gun: string, tag: string, sha256Hex: string, size: number, role?: string): Promise<void> {
    await this.notary('addhash', gun, tag, String(size), '--sha256', sha256Hex, ...(role === undefined ? [] : ['--roles', role]));
  }

  async publish(gun: string): Promise<void> {
    await this.notary('publish', gun);
  }

  /** Adds a delegation for all paths with the given certificate, and imports its key for signing. */
  async addDelegation(gun: string, role: string, certFile: string, keyFile: string): Promise<void> {
    await this.notary('delegation', 'add', gun, role, certFile, '--all-paths');
    await this.notary('publish', gun);
    await this.notary('key', 'import', keyFile, '--role', role);
  }

  /** `notary list`; with roles, earlier roles take precedence (as docker's releases-then-targets lookup). */
  async list(gun: string, roles: readonly string[] = []): Promise<ListedTarget[]> {
    const stdout = await this.notary('list', gun, ...roles.flatMap((role) => ['--roles', role]));
    return parseNotaryList(stdout);
  }
}

/** Parses the table `notary list` prints (NAME DIGEST SIZE ROLE). */
export function parseNotaryList(stdout: string): ListedTarget[] {
  const rows: ListedTarget[] = [];
  for (const line of stdout.split('\n').slice(2)) {
    const cells = line.trim().split(/\s+/);
    if (cells.length === 4) {
      const [name, digest, size, role] = cells as [string, string, string, string];
      rows.push({ name, digest, size: Number(size), role });
    }
  }
  return rows;
}

/**
 * What can be checked of the image without a container engine (none runs
 * here): the Dockerfile read as text, against the repository and its
 * .dockerignore.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

import { DEFAULT_DATABASE } from '../../../src/config/config.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

/** Instructions with continuation lines joined and comments dropped, per stage; the ARGs before the first FROM apart. */
function parseDockerfile(text: string): { globalArgs: string[]; stages: Stage[] } {
  const logical: string[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) {
      continue;
    }
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const whole = (pending + line).trim();
    pending = '';
    if (whole !== '') {
      logical.push(whole);
    }
  }
  const globalArgs: string[] = [];
  const stages: Stage[] = [];
  for (const line of logical) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      assert.ok(match !== null, `FROM ${args}`);
      stages.push({ from: match[1] as string, name: match[2], instructions: [] });
    } else if (stages.length === 0) {
      assert.equal(keyword.toUpperCase(), 'ARG', `only ARG may come before the first FROM: ${line}`);
      globalArgs.push(args);
    } else {
      stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return { globalArgs, stages };
}

/** Docker's .dockerignore rules as far as this repository uses them: the last matching pattern wins, a pattern matching a folder covers what is in it. */
function ignoredBy(patterns: readonly string[], path: string): boolean {
  const toRegExp = (pattern: string): RegExp =>
    new RegExp(
      `^${pattern
        .replace(/^\/+|\/+$/g, '')
        .split('**')
        .map((part) =>
          part
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '[^/]*')
            .replace(/\?/g, '[^/]')
        )
        .join('.*')}$`
    );
  const parts = path.split('/');
  const candidates = parts.map((_, index) => parts.slice(0, index + 1).join('/'));
  let ignored = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = toRegExp(negated ? raw.slice(1) : raw);
    if (candidates.some((candidate) => pattern.test(candidate))) {
      ignored = !negated;
    }
  }
  return ignored;
}

const dockerfile = parseDockerfile(readFileSync(`${ROOT}Dockerfile`, 'utf8'));
const dockerignore = readFileSync(`${ROOT}.dockerignore`, 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
const runtime = dockerfile.stages.at(-1) as Stage;
const all = (keyword: string): Instruction[] => runtime.instructions.filter((instruction) => instruction.keyword === keyword);
const exec = (args: string): string[] => JSON.parse(args) as string[];

describe('Dockerfile', () => {
  it('checks health with the healthcheck subcommand on the configuration the daemon runs with', () => {
    const [healthcheck, ...more] = all('HEALTHCHECK');
    assert.ok(healthcheck !== undefined && more.length === 0, 'one HEALTHCHECK in the runtime stage');
    const command = /\bCMD\s+(\[.*\])$/.exec(healthcheck.args);
    assert.ok(command !== null, `exec form: ${healthcheck.args}`);
    const entrypoint = exec(all('ENTRYPOINT').at(-1)?.args ?? '[]');
    const serve = exec(all('CMD').at(-1)?.args ?? '[]');
    assert.deepEqual(exec(command[1] as string), [...entrypoint, 'healthcheck', '--config', serve[serve.indexOf('--config') + 1]]);
    assert.deepEqual(serve, ['serve', '--config', '/etc/trust-auditor/config.yaml']);
    assert.deepEqual(entrypoint, ['node', '/app/dist/src/main.js'], 'node directly: npx does not forward SIGTERM');
    const timeout = /--timeout=(\d+)s/.exec(healthcheck.args);
    assert.ok(timeout !== null && Number(timeout[1]) * 1000 > 3000, 'Docker waits longer than the healthcheck’s own 3 s timeout');
  });

  it('runs as a non-root user that owns the /data volume, where the default database lands', () => {
    const users = all('USER');
    const user = users.at(-1)?.args;
    assert.ok(user !== undefined && !['root', '0', '0:0', 'root:root'].includes(user), `USER ${user}`);
    assert.deepEqual(
      all('VOLUME').map((volume) => exec(volume.args)),
      [['/data']]
    );
    const index = (instruction: Instruction | undefined): number => runtime.instructions.indexOf(instruction as Instruction);
    const chown = runtime.instructions.find((instruction) => instruction.keyword === 'RUN' && new RegExp(`chown ${user}:${user} /data\\b`).test(instruction.args));
    assert.ok(chown !== undefined && /mkdir -p \/data\b/.test(chown.args), '/data is made and given to the user');
    assert.ok(index(chown) < index(all('VOLUME')[0]), 'ownership set before VOLUME, so a new volume starts with it');
    const workdir = all('WORKDIR').at(-1)?.args ?? '/';
    assert.ok(posix.resolve(workdir, DEFAULT_DATABASE).startsWith('/data/'), `the default database ${DEFAULT_DATABASE} from ${workdir}`);
    assert.ok(index(users.at(-1)) < index(all('WORKDIR').at(-1)), 'the user is set before the last WORKDIR');
  });

  it('has the OCI labels, the variable ones from documented build arguments', () => {
    const labels = new Map<string, string>();
    for (const label of all('LABEL')) {
      for (const match of label.args.matchAll(/(org\.opencontainers\.image\.[a-z]+)="([^"]*)"/g)) {
        labels.set(match[1] as string, match[2] as string);
      }
    }
    assert.deepEqual(
      [...labels.keys()].sort(),
      ['created', 'description', 'licenses', 'revision', 'source', 'title', 'version'].map((key) => `org.opencontainers.image.${key}`)
    );
    assert.equal(labels.get('org.opencontainers.image.licenses'), (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { license: string }).license);
    const args = all('ARG').map((arg) => arg.args.split('=')[0]);
    const header = readFileSync(`${ROOT}Dockerfile`, 'utf8');
    const readme = readFileSync(`${ROOT}README.md`, 'utf8');
    for (const [key, value] of labels) {
      const used = /^\$\{([A-Z_]+)\}$/.exec(value)?.[1];
      if (used !== undefined) {
        assert.ok(args.includes(used), `${key} comes from ARG ${used} of the runtime stage`);
        assert.match(header, new RegExp(`^#\\s+${used}\\s+${key.replace(/\./g, '\\.')}`, 'm'), `${used} is documented in the Dockerfile's header`);
        assert.ok(readme.includes(`--build-arg ${used}=`), `${used} is documented in the README`);
      }
    }
  });

  it('builds both stages on one Node line the project supports, 22 or later', () => {
    const nodeImage = dockerfile.globalArgs.find((arg) => arg.startsWith('NODE_IMAGE='))?.slice('NODE_IMAGE='.length);
    assert.ok(nodeImage !== undefined);
    assert.deepEqual(
      dockerfile.stages.map((stage) => stage.from),
      dockerfile.stages.map(() => '${NODE_IMAGE}')
    );
    const major = Number(/^node:(\d+)-/.exec(nodeImage)?.[1]);
    assert.ok(major >= 22, `${nodeImage}: Node 20 is past its end of life`);
  });

  it('has sqlite3 and a trust-auditor command in the runtime image, for the runbooks', () => {
    const runs = all('RUN').map((run) => run.args);
    assert.ok(runs.some((run) => /apt-get install\b.*\bsqlite3\b/.test(run)));
    assert.ok(runs.some((run) => /ln -s \/app\/dist\/src\/main\.js \/usr\/local\/bin\/trust-auditor\b/.test(run) && /chmod 0?755 \/app\/dist\/src\/main\.js/.test(run)));
    assert.match(readFileSync(`${ROOT}src/main.ts`, 'utf8'), /^#!\/usr\/bin\/env node\n/, 'main.js runs as a program');
  });

  it('copies only what exists in the repository and is in the build context', () => {
    const sources: string[] = [];
    for (const stage of dockerfile.stages) {
      for (const instruction of stage.instructions) {
        if ((instruction.keyword === 'COPY' || instruction.keyword === 'ADD') && !/--from=/.test(instruction.args)) {
          const words = instruction.args.split(/\s+/).filter((word) => !word.startsWith('--'));
          sources.push(...words.slice(0, -1));
        }
      }
    }
    assert.ok(sources.length >= 5, sources.join(' '));
    for (const source of sources) {
      assert.ok(existsSync(`${ROOT}${source}`), `${source} exists`);
      assert.ok(!ignoredBy(dockerignore, source), `${source} is not excluded by .dockerignore`);
    }
    for (const heavy of ['node_modules', 'dist', '.git', 'trust-auditor.db']) {
      assert.ok(ignoredBy(dockerignore, heavy), `${heavy} stays out of the build context`);
    }
  });

  it('reads .dockerignore as Docker does, for the rules used here', () => {
    assert.equal(ignoredBy(['dist'], 'dist/src/main.js'), true);
    assert.equal(ignoredBy(['*.db'], 'data/a.db'), false);
    assert.equal(ignoredBy(['*', '!src'], 'src/main.ts'), false);
    assert.equal(ignoredBy(['test/fixtures/real'], 'test'), false);
    assert.equal(ignoredBy(['**/*.png'], 'docs/a/b.png'), true);
  });
});

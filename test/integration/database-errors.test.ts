/**
 * A database that cannot be opened is reported with its path, the cause in
 * plain words and the fix (create the directory, check permissions, or the
 * `database:` key), and the command exits 3. The cases are ones that fail as
 * root too (the suite runs as root, which no file mode stops).
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { runCli } from '../support/cli.js';
import { makeTempDir } from '../support/temp.js';

describe('database errors say how to fix them', () => {
  let dir: { path: string; remove(): Promise<void> };

  before(async () => {
    dir = await makeTempDir('database-errors');
  });

  after(async () => dir?.remove());

  /** A configuration whose only problem is its database: nothing is contacted before the database opens. */
  const config = async (database: string): Promise<string> => {
    const file = join(dir.path, `config-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(file, `nexus:\n  url: http://127.0.0.1:9\nnotary:\n  url: http://127.0.0.1:9\ndatabase: ${database}\n`);
    return file;
  };

  it('names the missing directory and says to create it', async () => {
    const database = join(dir.path, 'missing', 'deeper', 'audit.db');

    const result = await runCli(['scan', '--config', await config(database)]);

    assert.equal(result.code, 3, result.stderr);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      `trust-auditor: database ${database}: the directory ${join(dir.path, 'missing')} does not exist; ` +
        `create it (mkdir -p ${join(dir.path, 'missing', 'deeper')}) or set the \`database:\` key in the configuration to another path\n`
    );
  });

  it('says so when the database directory is a file', async () => {
    const file = join(dir.path, 'not-a-directory');
    await writeFile(file, 'x');
    const database = join(file, 'audit.db');

    const result = await runCli(['scan', '--config', await config(database), '--json']);

    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, new RegExp(`^trust-auditor: database ${database}: ${file} is a file, not a directory; set the \`database:\` key`));
    assert.doesNotMatch(result.stderr, /ENOTDIR/);
  });

  it('says so when the database path is a directory', async () => {
    const database = join(dir.path, 'a-directory');
    await mkdir(database);

    const result = await runCli(['scan', '--config', await config(database)]);

    assert.equal(result.code, 3, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(`^trust-auditor: database ${database}: is a directory; the \`database:\` key names the database file, e\\.g\\. ${database}/trust-auditor\\.db\\n$`)
    );
  });

  it('says so when the file is not an SQLite database', async () => {
    const database = join(dir.path, 'notes.txt');
    await writeFile(database, 'these are not the pages you are looking for\n'.repeat(200));

    const result = await runCli(['scan', '--config', await config(database)]);

    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, new RegExp(`^trust-auditor: database ${database}: is not a trust-auditor \\(SQLite\\) database \\(.+\\); set the \`database:\` key`));
  });

  it('serve reports it the same way and exits 3', async () => {
    const database = join(dir.path, 'gone', 'audit.db');

    const result = await runCli(['serve', '--config', await config(database)]);

    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, new RegExp(`database ${database}: the directory ${join(dir.path, 'gone')} does not exist; create it \\(mkdir -p ${join(dir.path, 'gone')}\\)`));
  });
});

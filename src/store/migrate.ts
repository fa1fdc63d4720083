/**
 * Applies `migrations/NNNN_name.sql` in order, each in its own transaction that
 * also bumps `PRAGMA user_version`, so a crash leaves the schema at a whole
 * version. Forward-only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Db } from './database.js';

const MIGRATION_FILE = /^(\d{4})_[a-z0-9_]+\.sql$/;

export function applyMigrations(db: Db, directory: string): number {
  const files = readdirSync(directory)
    .filter((name) => MIGRATION_FILE.test(name))
    .sort();
  let current = db.pragma('user_version', { simple: true }) as number;
  const latest = files.length === 0 ? 0 : Number(MIGRATION_FILE.exec(files[files.length - 1] as string)?.[1]);
  if (current > latest) {
    throw new Error(`database schema version ${current} is newer than this trust-auditor knows (${latest}); refusing to touch it`);
  }
  for (const file of files) {
    const version = Number(MIGRATION_FILE.exec(file)?.[1]);
    if (version <= current) {
      continue;
    }
    if (version !== current + 1) {
      throw new Error(`migration ${file} does not follow version ${current}`);
    }
    const sql = readFileSync(join(directory, file), 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    })();
    current = version;
  }
  return current;
}

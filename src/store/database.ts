/** Opens the SQLite database (better-sqlite3) with the pragmas every connection needs. */
import { closeSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * Opens (creating with mode 0600 if needed) the database file. WAL lets
 * readers (the HTTP API) run beside a scan's writes; synchronous=NORMAL is
 * durable across process crashes in WAL mode (only an OS crash may lose the
 * last transactions, never corrupt the file).
 */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') {
    // Create it private before SQLite does: it holds trust history, not secrets, but it is not for others.
    closeSync(openSync(path, 'a', 0o600));
  }
  const db = new Database(path, { timeout: 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * What went wrong opening the database at `path`, said so that it can be fixed:
 * the path, the cause in plain words, and what to change (a directory to create,
 * permissions to check, or the `database:` key). For errors from openDatabase
 * and the migrations.
 */
export function describeDatabaseError(path: string, error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  const detail = error instanceof Error ? error.message : String(error);
  const where = `database ${path}`;
  const directory = dirname(resolve(path));
  const key = 'or set the `database:` key in the configuration to another path';
  switch (code) {
    case 'ENOENT': {
      const missing = firstMissingAncestor(directory);
      return `${where}: the directory ${missing ?? directory} does not exist; create it (mkdir -p ${directory}) ${key}`;
    }
    case 'ENOTDIR': {
      const file = firstNonDirectoryAncestor(directory);
      return `${where}: ${file ?? directory} is a file, not a directory; ${key.replace(/^or /, '')} (a file in a directory)`;
    }
    case 'EISDIR':
      return `${where}: is a directory; the \`database:\` key names the database file, e.g. ${resolve(path, 'trust-auditor.db')}`;
    case 'EACCES':
    case 'EPERM':
      return `${where}: permission denied; check that the user running trust-auditor (uid ${process.getuid?.() ?? '?'}) can write the file and its directory ${directory} (SQLite creates ${path}-wal and ${path}-shm beside it), ${key}`;
    case 'EROFS':
      return `${where}: the file system holding ${directory} is read-only; mount a writable volume there ${key}`;
    case 'SQLITE_READONLY':
    case 'SQLITE_READONLY_DIRECTORY':
    case 'SQLITE_CANTOPEN':
      return `${where}: SQLite cannot write it (${detail}); check the permissions of the file, of ${path}-wal and ${path}-shm and of the directory ${directory}, ${key}`;
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return `${where}: is not a trust-auditor (SQLite) database (${detail}); ${key.replace(/^or /, '')}, or move the file away to start a new one`;
    default:
      return `${where}: ${detail}`;
  }
}

/** The highest ancestor of `directory` (itself included) that does not exist. */
function firstMissingAncestor(directory: string): string | undefined {
  let missing: string | undefined;
  for (let current = directory; ; current = dirname(current)) {
    if (exists(current)) {
      return missing;
    }
    missing = current;
    if (dirname(current) === current) {
      return missing;
    }
  }
}

/** The ancestor of `directory` (itself included) that exists and is not a directory. */
function firstNonDirectoryAncestor(directory: string): string | undefined {
  for (let current = directory; ; current = dirname(current)) {
    try {
      if (!statSync(current).isDirectory()) {
        return current;
      }
    } catch {
      // Not there or not reachable: look further up.
    }
    if (dirname(current) === current) {
      return undefined;
    }
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

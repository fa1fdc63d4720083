/** Opens the SQLite database (better-sqlite3) with the pragmas every connection needs. */
import { closeSync, openSync } from 'node:fs';

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

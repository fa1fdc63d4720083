import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { describeDatabaseError } from '../../../src/store/database.js';

const failure = (code: string, message: string): Error => Object.assign(new Error(message), { code });

describe('describeDatabaseError', () => {
  // Permission errors cannot be produced as root (the suite's user): their wording is checked here.
  it('says to check permissions on the file and its directory, and names the key', () => {
    const message = describeDatabaseError('/var/lib/trust-auditor/audit.db', failure('EACCES', "EACCES: permission denied, open '/var/lib/trust-auditor/audit.db'"));

    assert.match(
      message,
      /^database \/var\/lib\/trust-auditor\/audit\.db: permission denied; check that the user running trust-auditor \(uid \d+\) can write the file and its directory \/var\/lib\/trust-auditor /
    );
    assert.match(message, /audit\.db-wal and \/var\/lib\/trust-auditor\/audit\.db-shm/);
    assert.match(message, /`database:` key/);
  });

  it('names a read-only file system and a database SQLite cannot write', () => {
    assert.match(
      describeDatabaseError('/ro/audit.db', failure('EROFS', 'EROFS: read-only file system')),
      /^database \/ro\/audit\.db: the file system holding \/ro is read-only; mount a writable volume there or set the `database:` key/
    );
    assert.match(
      describeDatabaseError('/data/audit.db', failure('SQLITE_READONLY', 'attempt to write a readonly database')),
      /^database \/data\/audit\.db: SQLite cannot write it \(attempt to write a readonly database\); check the permissions of the file, of \/data\/audit\.db-wal and \/data\/audit\.db-shm and of the directory \/data, or set the `database:` key/
    );
  });

  it('keeps the message of an error it has no advice for', () => {
    assert.equal(describeDatabaseError('/data/audit.db', new Error('disk I/O error')), 'database /data/audit.db: disk I/O error');
  });
});

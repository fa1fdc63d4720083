/** The store on a real SQLite database (better-sqlite3 ':memory:') with the real migrations. */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, it } from 'node:test';

import { openDatabase, type Db } from '../../../src/store/database.js';
import { applyMigrations } from '../../../src/store/migrate.js';
import type { TagVerdictRecord } from '../../../src/domain/verdict.js';
import { ScanStore, type Batch } from '../../../src/store/scan-store.js';
import { verdictRecord } from '../../support/verdicts.js';

const MIGRATIONS = fileURLToPath(new URL('../../../../migrations/', import.meta.url));

function verdict(tag: string, status: TagVerdictRecord['status'], digest = 'sha256:' + 'a'.repeat(64)): TagVerdictRecord {
  return verdictRecord({ tag, status, digest, gun: 'nexus:5000/app' });
}

const finish = (store: ScanStore, scanId: number, at: string) =>
  store.finishScan(scanId, { finishedAt: at, outcome: 'complete', summary: {}, error: null, nexusRequests: 1, notaryRequests: 1 });

const batch = (parts: Partial<Batch>): Batch => ({ verdicts: [], trust: [], trustRoles: [], gunStates: [], clearedGuns: [], ...parts });

/** What a scan does per repository: write verdicts against what was stored, mark them listed, then close the repository. */
function scanRepository(store: ScanStore, scanId: number, at: string, verdicts: TagVerdictRecord[]): number {
  const writes = verdicts.map((verdict) => ({ verdict, previous: store.indexedTag('docker-hosted', verdict.image, verdict.tag) }));
  store.markListed(scanId, 'docker-hosted', verdicts);
  store.writeBatch(scanId, at, batch({ verdicts: writes }));
  const deleted = store.finishRepository(scanId, at, 'docker-hosted');
  store.forgetListed(scanId, 'docker-hosted');
  return deleted;
}

describe('ScanStore', () => {
  let db: Db;
  let store: ScanStore;

  beforeEach(() => {
    db = openDatabase(':memory:');
    applyMigrations(db, MIGRATIONS);
    store = new ScanStore(db);
  });

  it('applies the migrations once and records the schema version', () => {
    assert.equal(db.pragma('user_version', { simple: true }), 5);
    assert.equal(applyMigrations(db, MIGRATIONS), 5);
  });

  it('finds the stored tags a scan did not list by query, page by page, and per scan', () => {
    const first = store.beginScan('2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
    scanRepository(
      store,
      first,
      '2026-01-01T00:00:00Z',
      ['v1', 'v2', 'v3', 'v4'].map((tag) => verdict(tag, 'unsigned'))
    );
    finish(store, first, '2026-01-01T00:01:00Z');
    const second = store.beginScan('2026-01-02T00:00:00Z', '2026-01-02T00:00:00Z');
    store.markListed(second, 'docker-hosted', [{ image: 'app', tag: 'v2' }]);
    store.markListed(second + 1, 'docker-hosted', [{ image: 'app', tag: 'v3' }]);

    assert.equal(store.countUnlisted(second, 'docker-hosted'), 3);
    const firstPage = store.unlistedTags(second, 'docker-hosted', undefined, 2);
    assert.deepEqual(
      firstPage.map((t) => [t.tag, t.indexed.status]),
      [
        ['v1', 'unsigned'],
        ['v3', 'unsigned'],
      ]
    );
    assert.deepEqual(
      store.unlistedTags(second, 'docker-hosted', firstPage[1], 2).map((t) => t.tag),
      ['v4']
    );
    store.forgetListed(second, 'docker-hosted');
    assert.equal(store.countUnlisted(second, 'docker-hosted'), 4);
    assert.equal(store.allTags().length, 4, 'counting deletes nothing');
  });

  it('keeps when a tag first became unsigned, and records re-pushes and deletions in its history', () => {
    const first = store.beginScan('2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
    scanRepository(store, first, '2026-01-01T00:00:00Z', [verdict('v1', 'signed'), verdict('v2', 'unsigned')]);
    finish(store, first, '2026-01-01T00:01:00Z');
    const second = store.beginScan('2026-01-02T00:00:00Z', '2026-01-02T00:00:00Z');
    scanRepository(store, second, '2026-01-02T00:00:00Z', [verdict('v1', 'digest_mismatch', 'sha256:' + 'b'.repeat(64)), verdict('v2', 'unsigned')]);
    finish(store, second, '2026-01-02T00:01:00Z');
    const third = store.beginScan('2026-01-03T00:00:00Z', '2026-01-03T00:00:00Z');

    assert.equal(scanRepository(store, third, '2026-01-03T00:00:00Z', [verdict('v2', 'unsigned')]), 1);
    finish(store, third, '2026-01-03T00:01:00Z');

    const tags = store.allTags();
    assert.deepEqual(
      tags.map((t) => [t.tag, t.status, t.statusSince, t.firstSeenAt, t.lastSeenAt, t.lastScanId]),
      [['v2', 'unsigned', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-03T00:00:00Z', third]]
    );
    assert.deepEqual(
      store.tagHistory('docker-hosted', 'app', 'v1').map((h) => [h.event, h.status]),
      [
        ['new', 'signed'],
        ['repushed', 'digest_mismatch'],
        ['status', 'digest_mismatch'],
        ['deleted', 'digest_mismatch'],
      ]
    );
  });

  it('keeps the highest role version as the rollback floor and pins the first root', () => {
    const scan = store.beginScan('2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
    const roles = (version: number, sha256: string) => [
      { role: 'root', version: 1, expires: new Date('2036-01-01T00:00:00Z'), sha256: 'r1', length: 10 },
      { role: 'root-certificate', version: 1, expires: new Date('2036-01-01T00:00:00Z'), sha256: '', length: 0 },
      { role: 'timestamp', version, expires: new Date('2026-01-15T00:00:00Z'), sha256, length: 10 },
    ];
    store.writeBatch(scan, 'now', batch({ trust: [{ gun: 'g/a', roles: roles(5, 't5'), root: Buffer.from('root-1') }] }));
    store.writeBatch(scan, 'now', batch({ trust: [{ gun: 'g/a', roles: roles(3, 't3'), root: Buffer.from('root-1') }] }));

    const history = store.loadHistory('g/a');

    assert.deepEqual(history.roles.get('timestamp'), { version: 5, sha256: 't5' });
    assert.equal(history.roles.has('root-certificate'), false);
    assert.equal(Buffer.from(history.pinnedRoot ?? []).toString(), 'root-1');
  });

  it('marks a scan left running by a killed process as interrupted', () => {
    store.beginScan('2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');

    assert.equal(store.markInterruptedScans('2026-01-01T01:00:00Z'), 1);
    assert.equal(store.recentScans(1)[0]?.outcome, 'interrupted');
    assert.equal(store.latestFinishedScan(), undefined);
  });

  it('pages the latest verdicts by keyset and filters by status', () => {
    const scan = store.beginScan('t', 't');
    scanRepository(
      store,
      scan,
      't',
      ['a', 'b', 'c', 'd'].map((tag) => verdict(tag, tag === 'c' ? 'unsigned' : 'signed'))
    );

    const first = store.queryTags({ limit: 2 });
    const second = store.queryTags({ limit: 2, after: first[1] });

    assert.deepEqual(
      [...first, ...second].map((t) => t.tag),
      ['a', 'b', 'c', 'd']
    );
    assert.deepEqual(
      store.queryTags({ limit: 10, status: 'unsigned' }).map((t) => t.tag),
      ['c']
    );
  });

  it('a scan does not write over a verdict an event wrote after the scan read it; an event always writes', () => {
    const scanId = store.beginScan('2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
    store.writeBatch(scanId, '2026-01-01T00:00:01Z', batch({ verdicts: [{ verdict: verdict('v1', 'unsigned'), previous: undefined }] }));
    const readByScan = store.indexedTag('docker-hosted', 'app', 'v1');
    // An event (a .sig pushed) records the tag signed while the scan is still judging.
    const readByEvent = store.indexedTag('docker-hosted', 'app', 'v1');
    assert.ok(store.writeBetweenScans('2026-01-01T00:00:02Z', batch({ verdicts: [{ verdict: verdict('v1', 'signed'), previous: readByEvent }] })));
    // The scan's verdict, judged from what it read before, is not written over the event's.
    store.writeBatch(scanId, '2026-01-01T00:00:03Z', batch({ verdicts: [{ verdict: verdict('v1', 'invalid'), previous: readByScan }] }));
    assert.equal(store.tag('docker-hosted', 'app', 'v1')?.status, 'signed');
    // An event writes even over a row that changed since it read it: it judged later.
    assert.ok(store.writeBetweenScans('2026-01-01T00:00:04Z', batch({ verdicts: [{ verdict: verdict('v1', 'expired'), previous: readByScan }] })));
    assert.equal(store.tag('docker-hosted', 'app', 'v1')?.status, 'expired');
  });
});

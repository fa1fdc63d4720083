/**
 * The status page's markup, byte for byte: fixed view models (every section's
 * branches, hostile names, each filter, paging past the end) rendered and
 * hashed. The hashes were taken from the renderer before it was split into
 * src/server/status-page/, so a change here is a change of the page, not of
 * its layout in files. When the page is meant to change, print the new
 * hashes (the assertion's diff shows them) and say why in the commit.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';

import type { Coverage, SystemSignature } from '../../../src/domain/signatures.js';
import type { TagStatus } from '../../../src/notary/core/codes.js';
import { renderStatusPage, renderStatusPageError } from '../../../src/server/status-page/page.js';
import type { StatusPageView } from '../../../src/server/status-page/view-model.js';
import type { ScanRecord, TrustRoleRecord } from '../../../src/domain/scan.js';
import type { StoredTag } from '../../../src/domain/verdict.js';

const NOW = new Date('2031-03-04T05:06:07.000Z');
const MINUTE = 60_000;
const DAY = 86_400_000;
const at = (offsetMs: number): string => new Date(NOW.getTime() + offsetMs).toISOString();
/** Markup, quotes, a terminal escape, a direction override and a zero-width space: what a hostile registry could send. */
const HOSTILE = `<script>alert("x")</script>&'\u001b[31m\u202e\u200b`;

function scan(id: number, outcome: ScanRecord['outcome'], extra: Partial<ScanRecord> = {}): ScanRecord {
  return {
    id,
    startedAt: at(-2 * DAY - 95_500),
    finishedAt: at(-2 * DAY),
    evaluatedAt: at(-2 * DAY - 95_500),
    outcome,
    summary: { signed: 4, skipped: 1234 },
    error: null,
    nexusRequests: 1500,
    notaryRequests: 12,
    kind: 'audit',
    ...extra,
  };
}

function tag(image: string, status: TagStatus, extra: Partial<StoredTag> = {}): StoredTag {
  return {
    repository: 'docker-hosted',
    image,
    tag: 'v1',
    gun: `nexus.example.com:18079/team/${image}`,
    digest: 'sha256:' + 'a'.repeat(64),
    size: 100,
    status,
    role: 'targets/releases',
    reasonCode: status === 'signed' ? null : 'NOT_SIGNED',
    reason: status === 'signed' ? null : `NOT_SIGNED: ${status} reason`,
    signedDigest: null,
    trustExpires: at(3 * DAY),
    firstSeenAt: at(-30 * DAY),
    lastSeenAt: at(-MINUTE),
    statusSince: at(-5 * DAY),
    digestSince: at(-30 * DAY),
    lastScanId: 7,
    ...extra,
  };
}

const role = (gun: string, name: string, expiresIn: number): TrustRoleRecord => ({ gun, role: name, version: 3, expires: at(expiresIn) });

const COUNTS: Record<TagStatus, number> = { invalid: 3, digest_mismatch: 1, expired: 2, error: 0, unsigned: 1200, signed: 5400 };
const NONE: Record<TagStatus, number> = { invalid: 0, digest_mismatch: 0, expired: 0, error: 0, unsigned: 0, signed: 0 };

const BASE: StatusPageView = {
  now: NOW,
  version: '1.2.3',
  latest: scan(9, 'complete'),
  running: undefined,
  lastFinished: scan(9, 'complete'),
  problems: [],
  sources: { nexus: { state: 'up' }, notary: { state: 'up' } },
  nextScanAt: new Date(NOW.getTime() + 12 * MINUTE),
  expiryWarningDays: 14,
  expiring: { total: 0, roles: [] },
  counts: COUNTS,
  filter: 'findings',
  page: 1,
  pageSize: 100,
  total: 1206,
  rows: [tag('app', 'invalid'), tag('web', 'unsigned', { role: null, trustExpires: null, digest: null })],
  runbookUrl: undefined,
};

/** One view per case; together they reach every branch of the renderer. */
const VIEWS: Record<string, StatusPageView> = {
  'failed scan, hostile names, runbook links, paging in the middle': {
    ...BASE,
    latest: scan(12, 'failed', { error: `Nexus: ECONNREFUSED ${HOSTILE}`, finishedAt: at(-3 * MINUTE), startedAt: at(-3 * MINUTE - 4_200) }),
    running: scan(13, 'running', { finishedAt: null, startedAt: at(-20_000) }),
    lastFinished: scan(9, 'partial'),
    problems: ['ECONNREFUSED', ...Array.from({ length: 12 }, (_, i) => `notary: GUN ${i} ${HOSTILE}`), 'notary: GUN 0 ' + HOSTILE],
    sources: { nexus: { state: 'down', reasons: ['CONNECTION ×3', `HTTP_500 ${HOSTILE} ×1`] }, notary: { state: 'unknown', why: 'not asked: the scan stopped before it' } },
    expiring: {
      total: 140,
      roles: [
        role(`nexus.example.com:18079/${HOSTILE}`, 'targets/releases', -DAY),
        role('nexus.example.com:18079/app', 'root-certificate', 9 * DAY),
        role('nexus.example.com:18079/app', 'timestamp', -90 * 1000),
      ],
    },
    page: 6,
    pageSize: 50,
    total: 1206,
    rows: [
      tag(HOSTILE, 'invalid', { tag: HOSTILE, reason: `BAD_SIGNATURE: ${HOSTILE}`, role: `targets/${HOSTILE}`, digest: `sha256:${HOSTILE}` }),
      tag('old', 'expired', { trustExpires: at(-400 * DAY), statusSince: 'not a date' }),
      tag('far', 'digest_mismatch', { trustExpires: at(900 * DAY), reason: 'no code prefix here', statusSince: at(-5_000) }),
      tag('blank', 'error', { reason: '', trustExpires: at(40 * DAY) }),
      tag('none', 'unsigned', { reason: null }),
    ],
    runbookUrl: 'https://wiki.example.com/runbooks?x=1&y="2"#old-anchor',
  },
  'before any scan, one starting': {
    ...BASE,
    latest: undefined,
    running: true,
    lastFinished: undefined,
    problems: undefined,
    sources: { nexus: { state: 'unknown', why: 'no scan has ended yet' }, notary: { state: 'unknown', why: 'no scan has ended yet' } },
    nextScanAt: undefined,
    counts: NONE,
    total: 0,
    rows: [],
  },
  'all signed, every tag on one page': {
    ...BASE,
    latest: scan(4, 'complete', { finishedAt: at(-30 * DAY), startedAt: at(-30 * DAY - 2_345_000) }),
    counts: { ...NONE, signed: 2 },
    filter: 'all',
    total: 2,
    rows: [tag('a', 'signed', { statusSince: at(-90 * MINUTE) }), tag('b', 'signed', { statusSince: at(-47 * 3_600_000) })],
    expiryWarningDays: 1,
  },
  'no findings among signed tags; a scan that never finished': {
    ...BASE,
    latest: scan(5, 'complete', { finishedAt: null }),
    counts: { ...NONE, signed: 2 },
    total: 0,
    rows: [],
  },
  'partial scan after a restart, nothing completed yet, one status filtered': {
    ...BASE,
    latest: scan(3, 'partial', { summary: null }),
    lastFinished: undefined,
    problems: undefined,
    filter: 'unsigned',
    counts: { ...COUNTS, unsigned: 0 },
    total: 0,
    rows: [],
    runbookUrl: 'https://runbooks.example.com/',
  },
  'interrupted scan, problems all quoted in its error, past the last page of signed': {
    ...BASE,
    latest: scan(8, 'interrupted', { error: 'stopped: ECONNRESET', summary: { signed: 1 } }),
    lastFinished: scan(6, 'complete', { finishedAt: at(-9 * DAY) }),
    problems: ['ECONNRESET'],
    filter: 'signed',
    page: 9,
    pageSize: 10,
    total: 25,
    rows: [],
  },
  'an empty filter with no tags at all': { ...BASE, filter: 'all', counts: NONE, total: 0, rows: [] },
  'one status, one row, first of two pages': { ...BASE, filter: 'expired', page: 1, pageSize: 1, total: 2, rows: [tag('x', 'expired', { trustExpires: at(-MINUTE) })] },
  'problems without an error, one finding, every expiring role listed, an unreadable end time': {
    ...BASE,
    latest: scan(10, 'partial', { finishedAt: 'yesterday-ish' }),
    problems: ['notary: GUN a: CONNECTION', 'notary: GUN b: HTTP_503'],
    sources: { nexus: { state: 'up' }, notary: { state: 'down', reasons: ['CONNECTION ×1', 'HTTP_503 ×1'] } },
    counts: { ...NONE, unsigned: 1, signed: 3 },
    total: 1,
    expiring: { total: 1, roles: [role('nexus.example.com:18079/app', 'targets', 2 * DAY)] },
  },
  'last of many pages': { ...BASE, filter: 'digest_mismatch', page: 30, pageSize: 1, total: 30, rows: [tag('y', 'digest_mismatch')] },
};

const COVERAGE_COUNTS: Record<Coverage, number> = { none: 1200, dct_only: 5000, cosign_only: 12, notation_only: 0, dct_cosign: 380, dct_notation: 0, cosign_notation: 3, all: 11 };
const sig = (system: SystemSignature['system'], status: SystemSignature['status'], reason: string | null = null): SystemSignature => ({ system, status, reason, signers: [] });

/** Contract v1.2: the migration view (new views; the ones above keep their hashes). */
const V12_VIEWS: Record<string, StatusPageView> = {
  'v1.2: findings with their coverage, hostile reasons, runbook links': {
    ...BASE,
    coverage: { counts: COVERAGE_COUNTS, filter: undefined },
    rows: [
      tag('app', 'invalid', {
        signatures: [sig('dct', 'verified'), sig('cosign', 'invalid', `signs another digest ${HOSTILE}`), sig('notation', 'untrusted', 'CN=build & co')],
        coverage: 'dct_only',
      }),
      tag('web', 'unsigned', { signatures: [sig('dct', 'absent'), sig('cosign', 'error', 'HTTP 503'), sig('notation', 'expired')], coverage: 'none', role: null }),
      tag('old', 'unsigned'),
      tag('new', 'signed', { signatures: [sig('notation', 'verified'), sig('cosign', 'verified'), sig('dct', 'not_configured')], coverage: 'cosign_notation' }),
    ],
    runbookUrl: 'https://runbooks.example.com/',
  },
  'v1.2: one coverage, one status, second of three pages': {
    ...BASE,
    coverage: { counts: COVERAGE_COUNTS, filter: 'dct_cosign' },
    filter: 'signed',
    page: 2,
    pageSize: 150,
    total: 380,
    rows: [tag('both', 'signed', { signatures: [sig('dct', 'verified'), sig('cosign', 'verified'), sig('notation', 'absent')], coverage: 'dct_cosign' })],
  },
  'v1.2: a coverage no tag has': { ...BASE, coverage: { counts: { ...COVERAGE_COUNTS, all: 0 }, filter: 'all' }, filter: 'all', total: 0, rows: [] },
};

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The sha256 of each rendering, taken from the unsplit renderer. */
const GOLDEN: Record<string, string> = {
  'failed scan, hostile names, runbook links, paging in the middle': 'd5aee9899a6246e7c8e38f574f2efab149563a340216bf5c20391d626c52043e',
  'before any scan, one starting': 'e997cf0a414a50cb104ffb9a23b6d4e69fb0f90184f12e4c3f92c0c19598d953',
  'all signed, every tag on one page': 'c93dec94af4a1fd0e46af43aea2f6096aca316e3fafb14f320faa603c298278a',
  'no findings among signed tags; a scan that never finished': '77d6e93c574cbe4788bf58178cee491366f54bb9b2b3c6bad6b95d0ed2ee8b4c',
  'partial scan after a restart, nothing completed yet, one status filtered': 'c67ad8f3a24b51085e00c15499a89bd7860135de4f58e9bded38b9ca6161e4e1',
  'interrupted scan, problems all quoted in its error, past the last page of signed': '7b8f6805f45197363cd6b09c0c01a70bab9a9957c2547539890a36f4a39a03aa',
  'an empty filter with no tags at all': '335adf888e24ee1bf9d5530113cd0ab0411fc111ee41ff181dd95e29d1f686ed',
  'one status, one row, first of two pages': 'd32605d5e0e6fd42b1014b2507dd396befae16a5399f1ad64cbc50efacc477b4',
  'problems without an error, one finding, every expiring role listed, an unreadable end time': '792c9177949affa46b33de6d2999f463b2b0cf662004cab70ea194b329ae2202',
  'last of many pages': 'a37983756342feb7c638f4d75132f2ca65d70f003510cabbcbc6d2aabcb3187a',
  'error page': 'c43d5623dd97d58ea5cd41debe9d030cbd51dd0801df1ae0554776a4ac2197d8',
};

/** The sha256 of each v1.2 rendering, taken when the migration view was added. */
const V12_GOLDEN: Record<string, string> = {
  'v1.2: findings with their coverage, hostile reasons, runbook links': '7951220b33a2f695de5c38ddc66103223e1e1e43d9090c523caf011fbe21b586',
  'v1.2: one coverage, one status, second of three pages': '79655094bc824244b117f5830c3c32adbd8388b62b52edcf5cde59462f363b7e',
  'v1.2: a coverage no tag has': 'c1e50fb27e0006ea458c2ae9cc8103b63b8764328439dc4b3874c3895470b442',
};

describe('status page markup', () => {
  it('renders each fixed view exactly as before', () => {
    const actual = Object.fromEntries(Object.entries(VIEWS).map(([name, view]) => [name, sha256(renderStatusPage(view))]));
    actual['error page'] = sha256(renderStatusPageError(`status must be findings ${HOSTILE}`));
    assert.deepEqual(actual, GOLDEN);
  });

  it('renders each fixed view of the migration view (contract v1.2) exactly as recorded', () => {
    const actual = Object.fromEntries(Object.entries(V12_VIEWS).map(([name, view]) => [name, sha256(renderStatusPage(view))]));
    assert.deepEqual(actual, V12_GOLDEN);
  });
});

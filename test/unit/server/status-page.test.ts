/**
 * The status page's renderer and what it reads: worst findings first, paged
 * with nothing left out, hostile names escaped, ages relative to one injected
 * instant (no real clock: these tests also run with the clock years ahead).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, it } from 'node:test';

import { COVERAGES, coverageOf, type SignatureSystem, type SystemSignature, type SystemStatus } from '../../../src/domain/signatures.js';
import type { TagStatus } from '../../../src/notary/core/codes.js';
import type { ScanResult } from '../../../src/scan/scanner.js';
import { coverageLabel, MIGRATION_STAGES, STAGE_OF } from '../../../src/server/status-page/coverage-section.js';
import { escapeAttr, escapeText } from '../../../src/server/status-page/escape.js';
import { durationText, relativeTime } from '../../../src/server/status-page/format.js';
import { renderStatusPage } from '../../../src/server/status-page/page.js';
import { EXPIRING_RUNBOOK, ROOT_CERTIFICATE_RUNBOOK, SCAN_RUNBOOK, SIGNATURE_RUNBOOKS, STALE_RUNBOOK, STATUS_RUNBOOKS } from '../../../src/server/status-page/runbooks.js';
import { gatherStatusPage, parsePageQuery, SEVERITY_ORDER, type StatusPageSources, type StatusPageView } from '../../../src/server/status-page/view-model.js';
import { openDatabase } from '../../../src/store/database.js';
import { applyMigrations } from '../../../src/store/migrate.js';
import type { TagVerdictRecord } from '../../../src/domain/verdict.js';
import { ScanStore, type Batch } from '../../../src/store/scan-store.js';

const MIGRATIONS = fileURLToPath(new URL('../../../../migrations/', import.meta.url));
const NOW = new Date('2031-03-04T05:06:07.000Z');
const DAY = 86_400_000;
const ago = (ms: number): string => new Date(NOW.getTime() - ms).toISOString();
const ahead = (ms: number): string => new Date(NOW.getTime() + ms).toISOString();

function verdict(image: string, tag: string, status: TagStatus, extra: Partial<TagVerdictRecord> = {}): TagVerdictRecord {
  return {
    repository: 'docker-hosted',
    image,
    tag,
    gun: `nexus.example.com:18079/${image}`,
    digest: 'sha256:' + 'a'.repeat(64),
    size: 100,
    status,
    role: status === 'unsigned' || status === 'error' ? null : 'targets',
    reasonCode: status === 'signed' ? null : 'NOT_SIGNED',
    reason: status === 'signed' ? null : `NOT_SIGNED: ${status} reason`,
    signedDigest: null,
    trustExpires: status === 'unsigned' || status === 'error' ? null : ahead(30 * DAY),
    ...extra,
  };
}

const batch = (parts: Partial<Batch>): Batch => ({ verdicts: [], trust: [], trustRoles: [], gunStates: [], clearedGuns: [], ...parts });

interface World {
  store: ScanStore;
  sources: StatusPageSources;
  /** Writes verdicts as a scan at `at` and ends it with `outcome`. */
  scan(at: string, verdicts: TagVerdictRecord[], outcome?: 'complete' | 'partial' | 'failed', error?: string | null, requests?: { nexus: number; notary: number; skipped: number }): number;
}

function makeWorld(service: StatusPageSources['service'] = { running: false, lastResult: undefined }): World {
  const db = openDatabase(':memory:');
  applyMigrations(db, MIGRATIONS);
  const store = new ScanStore(db);
  return {
    store,
    sources: { store, service, version: '9.9.9', expiryWarningDays: 7, nextScanAt: () => new Date(NOW.getTime() + 12 * 60_000) },
    scan(at, verdicts, outcome = 'complete', error = null, requests = { nexus: 3, notary: 4, skipped: 2 }) {
      const id = store.beginScan(at, at);
      store.writeBatch(id, at, batch({ verdicts: verdicts.map((v) => ({ verdict: v, previous: undefined })) }));
      store.finishScan(id, { finishedAt: at, outcome, summary: { signed: 0, skipped: requests.skipped }, error, nexusRequests: requests.nexus, notaryRequests: requests.notary });
      return id;
    },
  };
}

function view(world: World, query = '', now = NOW): StatusPageView {
  const result = gatherStatusPage(world.sources, new URLSearchParams(query), now);
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result.value;
}

/** Statuses and tag names of the findings table, in page order (regex over our own markup). */
function rowsOf(html: string): { status: string; tag: string }[] {
  return [...html.matchAll(/<tr class="status-[a-z_]+" data-status="([a-z_]+)">.*?<td data-label="Tag" class="tag"[^>]*>(.*?)<\/td>/g)].map((m) => ({ status: m[1] ?? '', tag: m[2] ?? '' }));
}

describe('status page', () => {
  let world: World;

  beforeEach(() => {
    world = makeWorld();
  });

  it('lists every finding worst first, newest change first within a status, over pages that leave nothing out', () => {
    const statuses: TagStatus[] = ['unsigned', 'error', 'expired', 'digest_mismatch', 'invalid', 'signed'];
    // Three tags per status, changed at different times.
    for (let age = 3; age >= 1; age--) {
      world.scan(
        ago(age * DAY),
        statuses.map((status) => verdict(`img-${status}`, `t${age}`, status))
      );
    }
    const seen: { status: string; tag: string }[] = [];
    const pages = 5; // 15 findings, 4 per page
    for (let page = 1; page <= pages; page++) {
      const html = renderStatusPage(view(world, `page=${page}&limit=4`));
      const rows = rowsOf(html);
      seen.push(...rows);
      if (page < 4) {
        assert.match(html, new RegExp(`<a rel="next" href="\\?page=${page + 1}&amp;limit=4">`));
      }
      if (page === 5) {
        assert.match(html, /id="past-end"/, 'past the last page says so and links back');
        assert.match(html, /href="\?page=4&amp;limit=4">go to page 4</);
      }
    }
    assert.equal(seen.length, 15);
    assert.deepEqual(
      seen.map((row) => row.status),
      SEVERITY_ORDER.flatMap((status) => [status, status, status])
    );
    assert.deepEqual(
      seen.filter((row) => row.status === 'invalid').map((row) => row.tag),
      ['t1', 't2', 't3'],
      'the most recent change first'
    );
    assert.ok(!seen.some((row) => row.status === 'signed'), 'signed tags are not findings');
  });

  it('counts every status as a link, and filters by one', () => {
    world.scan(ago(DAY), [verdict('a', '1', 'unsigned'), verdict('a', '2', 'unsigned'), verdict('b', '1', 'signed'), verdict('c', '1', 'invalid')]);
    const html = renderStatusPage(view(world, 'status=unsigned'));

    assert.match(html, /<a class="count total" href=".\/" data-status="findings"><span class="label">findings<\/span> <strong>3<\/strong><\/a>/);
    assert.match(html, /href="\?status=invalid" data-status="invalid"><span class="label">invalid<\/span> <strong>1<\/strong>/);
    assert.match(html, /class="count status-unsigned current" href="\?status=unsigned" data-status="unsigned" aria-current="page"><span class="label">unsigned<\/span> <strong>2<\/strong>/);
    assert.match(html, /class="count status-expired zero" href="\?status=expired" data-status="expired"/);
    assert.match(html, /data-status="all"><span class="label">all tags<\/span> <strong>4<\/strong>/);
    assert.deepEqual(
      rowsOf(html).map((row) => row.status),
      ['unsigned', 'unsigned']
    );
    assert.match(html, /docs\/runbooks.md#trustauditorunsignedtag/, 'the filtered status names its runbook section');
    assert.deepEqual(
      rowsOf(renderStatusPage(view(world, 'status=all'))).map((row) => row.status),
      ['invalid', 'unsigned', 'unsigned', 'signed']
    );
  });

  it('refuses parameters it does not know, naming them', () => {
    for (const [query, name] of [
      ['status=bogus', /^status/],
      ['status=%3Cscript%3E', /^status/],
      ['page=0', /^page/],
      ['page=1.5', /^page/],
      ['page=-1', /^page/],
      ['page=99999999999999999999', /^page/],
      ['page=1000000001', /^page/],
      ['limit=1001', /^limit/],
      ['limit=abc', /^limit/],
    ] as const) {
      const parsed = parsePageQuery(new URLSearchParams(query));
      assert.equal(parsed.ok, false, query);
      assert.match(parsed.ok ? '' : parsed.error, name);
    }
    assert.deepEqual(parsePageQuery(new URLSearchParams('')), { ok: true, value: { filter: 'findings', page: 1, pageSize: 100 } });
  });

  it('escapes hostile names and reasons, and shows control characters instead of obeying them', () => {
    world.scan(ago(DAY), [
      verdict('<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'invalid', {
        repository: "it's & <b>",
        gun: 'evil\u001b[2J\u001b]0;pwned\u0007/gun',
        role: 'targets/<i>',
        reason: 'THRESHOLD_NOT_MET: signed by "\u202egnp.exe" </td></tr></table><script>x()</script>',
        digest: 'sha256:"onmouseover="alert(1)',
      }),
    ]);
    const html = renderStatusPage(view(world));

    assert.doesNotMatch(html, /<script|<img|<b>|<i>|"onmouseover|<\/td><\/tr><\/table>/);
    assert.match(html, /&#34;&#62;&#60;img src=x onerror=alert\(1\)&#62;/, 'the attribute-breaking tag name stays text');
    assert.match(html, /&#60;script&#62;alert\(1\)&#60;\/script&#62;/);
    assert.match(html, /it&#39;s &#38; &#60;b&#62;/);
    assert.match(html, /title="sha256:&#34;onmouseover=&#34;alert\(1\)"/);
    assert.equal(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/.test(html), false, 'no raw control or direction character reaches the page');
    assert.match(html, /evil<span class="ctl" title="control character">\\u001b<\/span>\[2J/);
    assert.match(html, /<span class="ctl" title="control character">\\u202e<\/span>gnp.exe/);
    assert.equal(escapeAttr('a\u001bb"c'), 'a\\u001bb&#34;c', 'attributes get no markup, only text');
    assert.equal(escapeText('<&>"\''), '&#60;&#38;&#62;&#34;&#39;');
  });

  it('writes ages relative to the one instant it was given, with the absolute time alongside', () => {
    world.scan(ago(3 * DAY), [verdict('app', 'old', 'expired', { trustExpires: ago(2 * 3_600_000) }), verdict('app', 'soon', 'digest_mismatch', { trustExpires: ahead(14 * DAY) })]);
    const html = renderStatusPage(view(world));

    assert.match(html, new RegExp(`<td data-label="Since"><time datetime="${ago(3 * DAY)}" title="2031-03-01 05:06:07 UTC">3 days ago</time></td>`));
    assert.match(html, /<td data-label="Trust expires" class="expiry soon"><time datetime="[^"]+" title="2031-03-04 03:06:07 UTC">expired 2 hours ago<\/time>/);
    assert.match(html, /<td data-label="GUN" class="gun">nexus.example.com:18079\/<wbr>app<\/td>/, 'a GUN wraps at its slashes only');
    assert.match(html, /<td data-label="Trust expires" class="expiry"><time datetime="[^"]+" title="2031-03-18 05:06:07 UTC">in 14 days<\/time>/);
    assert.match(html, /<time id="next-scan" datetime="2031-03-04T05:18:07.000Z" title="2031-03-04 05:18:07 UTC">in 12 minutes<\/time>/);
    assert.match(html, /<time id="rendered" datetime="2031-03-04T05:06:07.000Z">2031-03-04 05:06:07 UTC<\/time>/);

    assert.equal(relativeTime(new Date(NOW.getTime() - 5_000), NOW), 'just now');
    assert.equal(relativeTime(new Date(NOW.getTime() - 61_000), NOW), '61 seconds ago');
    assert.equal(relativeTime(new Date(NOW.getTime() + 3 * 3_600_000), NOW), 'in 3 hours');
    assert.equal(durationText(60_000), '60 seconds');
    assert.equal(durationText(45 * 60_000), '45 minutes');
    assert.equal(durationText(47 * 3_600_000), '47 hours');
    assert.equal(durationText(DAY * 400), '400 days');
    assert.equal(durationText(DAY * 3653), '10 years');
    assert.equal(durationText(1_000), '1 second');
  });

  it('leads with the latest scan when it failed, in red, with its error, even after a good scan', () => {
    world.scan(ago(2 * 3_600_000), [verdict('app', 'v1', 'signed'), verdict('app', 'v2', 'unsigned')]);
    world.scan(ago(60_000), [], 'failed', 'nexus: connection refused <127.0.0.1:1>');
    const html = renderStatusPage(view(world));

    const scan = html.indexOf('<section id="scan"');
    assert.ok(scan > 0 && scan < html.indexOf('id="counts"') && scan < html.indexOf('id="findings"'), 'the scan comes before everything else');
    assert.match(html, /<section id="scan" class="banner outcome-failed">/);
    assert.match(html, /Latest scan #2: <span id="scan-outcome">failed<\/span>/);
    assert.match(html, /<span id="scan-error">nexus: connection refused &#60;127.0.0.1:1&#62;<\/span>/);
    assert.match(html, /the last scan that completed is #1, ended <time[^>]*>2 hours ago<\/time>/);
    assert.match(html, /docs\/runbooks.md#trustauditorscanfailing/);
    assert.match(html, /<title>scan failed, 1 finding · trust-auditor<\/title>/);
    // Known only from the database (the daemon restarted): the sources' state is not invented.
    assert.match(html, /id="source-nexus" data-state="unknown"/);
  });

  it('shows the sources as the scan this process ran saw them, and every problem', () => {
    const service = { running: true, lastResult: undefined as ScanResult | undefined };
    world = makeWorld(service);
    const id = world.scan(ago(60_000), [verdict('app', 'v1', 'error')], 'partial');
    const problems = Array.from({ length: 12 }, (_, i) => `notary: HTTP 503 for gun-${i}`);
    service.lastResult = {
      scanId: id,
      problems,
      sourceErrors: [
        { source: 'notary', reason: 'HTTP_5XX' },
        { source: 'notary', reason: 'HTTP_5XX' },
        { source: 'notary', reason: 'TIMEOUT' },
      ],
    } as unknown as ScanResult;
    world.store.beginScan(ago(5_000), ago(5_000));
    const html = renderStatusPage(view(world));

    assert.match(html, /<section id="scan" class="banner outcome-failed">/, 'partial is red too');
    assert.match(html, /id="source-nexus" data-state="up"/);
    assert.match(html, /id="source-notary" data-state="down"><h3>Notary<\/h3><p class="state">down<\/p><p class="detail">HTTP_5XX ×2, TIMEOUT ×1<\/p>/);
    assert.match(html, /Problems \(12\)/);
    assert.equal((html.match(/<li>notary: HTTP 503/g) ?? []).length, 10);
    assert.match(html, /and 2 more: see the daemon's log/);
    assert.match(html, /<p id="running" class="running">Scan #2 is running, started <time[^>]*>just now<\/time>/);
    assert.match(html, /<div class="card" id="skipped"><h3>Skipped<\/h3><p class="state">2<\/p>/);
  });

  it('after Nexus went down: Nexus down, Notary not asked, and the skipped count of the last completed scan', () => {
    const service = { running: false, lastResult: undefined as ScanResult | undefined };
    world = makeWorld(service);
    world.scan(ago(3_600_000), [verdict('app', 'v1', 'signed')]);
    const id = world.scan(ago(60_000), [verdict('app', 'v1', 'error')], 'failed', null, { nexus: 4, notary: 0, skipped: 0 });
    service.lastResult = {
      scanId: id,
      problems: ['nexus: page 1 of the components: Nexus answered HTTP 503'],
      sourceErrors: [{ source: 'nexus', reason: 'HTTP_5XX' }],
    } as unknown as ScanResult;
    const html = renderStatusPage(view(world));

    assert.match(html, /<section id="scan" class="banner outcome-failed">\n<h2 id="scan-headline">Latest scan #2: <span id="scan-outcome">failed<\/span><\/h2>/);
    assert.match(html, /<ul id="problems"><li>nexus: page 1 of the components: Nexus answered HTTP 503<\/li><\/ul>/);
    assert.match(html, /id="source-nexus" data-state="down"><h3>Nexus<\/h3><p class="state">down<\/p><p class="detail">HTTP_5XX ×1<\/p>/);
    assert.match(html, /id="source-notary" data-state="unknown"><h3>Notary<\/h3><p class="state">unknown<\/p><p class="detail">not asked: the scan stopped before it<\/p>/);
    assert.match(html, /<div class="card" id="skipped"><h3>Skipped<\/h3><p class="state">2<\/p><p class="detail">cosign signature tags, not audited \(scan #1\)<\/p>/);
  });

  it('says all is well when it is, with the sources up and the next scan', () => {
    world.scan(ago(60_000), [verdict('app', 'v1', 'signed')]);
    const html = renderStatusPage(view(world));

    assert.match(html, /<section id="scan" class="banner outcome-complete">/);
    assert.match(html, /<p id="no-findings">Every audited tag is signed.<\/p>/);
    assert.match(html, /id="source-nexus" data-state="up"/);
    assert.match(html, /id="source-notary" data-state="up"/);
    assert.match(html, /<meta http-equiv="refresh" content="60">/);
    assert.doesNotMatch(html, /<script/i);
    assert.match(html, /<title>all signed · trust-auditor<\/title>/);
  });

  it('before any scan: says so, and nothing is made up', () => {
    const html = renderStatusPage(view(world));

    assert.match(html, /<section id="scan" class="banner outcome-none">/);
    assert.match(html, /No scan has ended yet/);
    assert.match(html, /<p id="no-findings">No tag has been audited yet.<\/p>/);
    assert.match(html, /id="source-nexus" data-state="unknown"/);
  });

  it('lists what expires within the warning window, soonest first; timestamps only once expired', () => {
    const id = world.scan(ago(60_000), [verdict('a', '1', 'signed'), verdict('b', '1', 'signed'), verdict('c', '1', 'signed')]);
    const roles = [
      { gun: 'nexus.example.com:18079/a', role: 'targets', version: 3, expires: ahead(5 * DAY) },
      { gun: 'nexus.example.com:18079/a', role: 'timestamp', version: 9, expires: ahead(2 * DAY) },
      { gun: 'nexus.example.com:18079/b', role: 'snapshot', version: 2, expires: ahead(DAY).replace(/\.000Z$/, 'Z') },
      { gun: 'nexus.example.com:18079/b', role: 'timestamp', version: 4, expires: ago(3_600_000) },
      { gun: 'nexus.example.com:18079/c', role: 'targets', version: 1, expires: ahead(8 * DAY) },
    ];
    world.store.writeBatch(id, ago(60_000), batch({ trustRoles: [...new Set(roles.map((r) => r.gun))].map((gun) => ({ gun, roles: roles.filter((r) => r.gun === gun) })) }));
    const html = renderStatusPage(view(world));

    const listed = [...html.matchAll(/<tr class="(past|soon)"><td data-label="GUN" class="gun">(.*?)<\/td><td data-label="Role">([^<]+)<\/td>/g)].map(
      (m) => `${m[1]} ${m[2]?.replaceAll('<wbr>', '')} ${m[3]}`
    );
    assert.deepEqual(listed, ['past nexus.example.com:18079/b timestamp', 'soon nexus.example.com:18079/b snapshot', 'soon nexus.example.com:18079/a targets']);
    assert.match(html, /Expiring within 7 days <span class="n">3<\/span>/);
    assert.match(html, /expired 60 minutes ago/);
    assert.match(html, /3 roles expired or expiring/);
    assert.match(html, /docs\/runbooks.md#trustauditortrustdataexpiringsoon/);
  });

  it('links the runbook sections where they are published, and names the file otherwise', () => {
    world.scan(ago(60_000), [verdict('a', '1', 'digest_mismatch')]);
    const linked = renderStatusPage({ ...view(world), runbookUrl: 'https://wiki.example.com/trust/runbooks.md#top' });
    assert.match(linked, /<a class="runbook" href="https:\/\/wiki.example.com\/trust\/runbooks.md#trustauditordigestmismatch">runbook TrustAuditorDigestMismatch<\/a>/);
    assert.match(linked, /<a class="badge status-digest_mismatch" href="#do-digest_mismatch">/, 'each row links to what to do for its status');

    const text = renderStatusPage(view(world));
    assert.match(text, /<span class="runbook">runbook <code>docs\/runbooks.md#trustauditordigestmismatch<\/code><\/span>/);
    assert.doesNotMatch(text, /href="http/, 'no link to a place nobody configured');
  });
});

const entry = (system: SignatureSystem, status: SystemStatus, reason: string | null = null): SystemSignature => ({ system, status, reason, signers: [] });

/** Contract v1.2: a verdict's entries and the coverage they make. */
function covered(...entries: SystemSignature[]): Partial<TagVerdictRecord> {
  return { signatures: entries, coverage: coverageOf(entries) };
}

/** The coverage cells of the findings table, in page order: the value and each system's mark. */
function coverageCellsOf(html: string): { coverage: string; marks: string[] }[] {
  return [...html.matchAll(/<td data-label="Coverage" class="coverage" data-coverage="([a-z_]+)">(.*?)<\/td>/g)].map((m) => ({
    coverage: m[1] ?? '',
    marks: [...(m[2] ?? '').matchAll(/data-system="([a-z]+)" data-system-status="([a-z_]+)"/g)].map((mark) => `${mark[1]}:${mark[2]}`),
  }));
}

function coverageCount(html: string, coverage: string): number | undefined {
  const found = new RegExp(`data-coverage="${coverage}"[^>]*><span class="label">[^<]*</span> <strong>([\\d,]+)</strong>`).exec(html);
  return found === null ? undefined : Number((found[1] ?? '').replace(/,/g, ''));
}

describe('status page: the migration view (contract v1.2)', () => {
  let world: World;

  beforeEach(() => {
    world = makeWorld();
  });

  /** One tag per migration stage, and a finding whose cosign signature is bad. */
  function scanMigration(): void {
    world.scan(ago(DAY), [
      verdict('legacy', '1', 'signed', covered(entry('dct', 'verified'), entry('cosign', 'absent'), entry('notation', 'not_configured'))),
      verdict('legacy', '2', 'unsigned', covered(entry('dct', 'absent'), entry('cosign', 'absent'), entry('notation', 'not_configured'))),
      verdict('both', '1', 'signed', covered(entry('dct', 'verified'), entry('cosign', 'verified'), entry('notation', 'not_configured'))),
      verdict('moved', '1', 'signed', covered(entry('dct', 'absent'), entry('cosign', 'verified'), entry('notation', 'verified'))),
      verdict('moved', '2', 'invalid', {
        ...covered(entry('dct', 'verified'), entry('cosign', 'invalid', 'signs sha256:"<b>other</b>\u202e'), entry('notation', 'untrusted', "signed by CN=evil & co's key")),
        reasonCode: 'SIGNATURE_INVALID',
        reason: 'SIGNATURE_INVALID: cosign invalid',
      }),
    ]);
  }

  it('is absent while no tag has a coverage: no column, no counts, no second stylesheet', () => {
    world.scan(ago(DAY), [verdict('a', '1', 'unsigned'), verdict('b', '1', 'signed')]);
    const current = view(world);
    assert.equal(current.coverage, undefined);
    const html = renderStatusPage(view(world, 'status=all'));
    assert.doesNotMatch(html, /Coverage|coverage-counts|data-coverage/);
    assert.equal((html.match(/<style>/g) ?? []).length, 1);
  });

  it('counts every coverage value (0 included), grouped as not started, in progress and moved', () => {
    scanMigration();
    const current = view(world);
    assert.deepEqual(current.coverage, {
      counts: { none: 1, dct_only: 2, cosign_only: 0, notation_only: 0, dct_cosign: 1, dct_notation: 0, cosign_notation: 1, all: 0 },
      filter: undefined,
    });
    const html = renderStatusPage(current);
    for (const [coverage, n] of [
      ['none', 1],
      ['dct_only', 2],
      ['cosign_only', 0],
      ['dct_cosign', 1],
      ['cosign_notation', 1],
      ['all', 0],
      ['any', 5],
    ] as const) {
      assert.equal(coverageCount(html, coverage), n, coverage);
    }
    assert.match(html, /data-stage="not_started"><span class="stage-name">not started <strong>3<\/strong>/);
    assert.match(html, /data-stage="in_progress"><span class="stage-name">in progress <strong>1<\/strong>/);
    assert.match(html, /data-stage="moved"><span class="stage-name">moved <strong>1<\/strong>/);
    assert.match(
      html,
      /class="count coverage-dct_only" href="\?status=all&amp;coverage=dct_only" data-coverage="dct_only"><span class="label">DCT only<\/span>/,
      'a coverage lists its tags, every status'
    );
    assert.match(html, /class="count total current" href="\?status=all" data-coverage="any" aria-current="page"/);
    assert.equal((html.match(/<style>/g) ?? []).length, 2);
  });

  it('shows each row’s coverage and one mark per system, with the reason as escaped title text', () => {
    scanMigration();
    const html = renderStatusPage(view(world, 'status=all'));
    assert.match(html, /<th>Tag<\/th><th>Coverage<\/th><th>GUN<\/th>/);
    assert.deepEqual(
      coverageCellsOf(html).map((cell) => cell.coverage),
      ['dct_only', 'none', 'dct_cosign', 'dct_only', 'cosign_notation'],
      'invalid first, then unsigned, then signed (by name)'
    );
    assert.deepEqual(coverageCellsOf(html)[0]?.marks, ['dct:verified', 'cosign:invalid', 'notation:untrusted']);
    assert.match(html, /title="cosign: invalid \(signs sha256:&#34;&#60;b&#62;other&#60;\/b&#62;\\u202e\)">cosign&#160;✗<\/span>/);
    assert.match(html, /title="Notation: untrusted \(signed by CN=evil &#38; co&#39;s key\)">Notation&#160;\?<\/span>/);
    assert.match(html, /title="Notation: not configured">Notation&#160;·<\/span>/);
    assert.doesNotMatch(html, /<b>other|\u202e/, 'nothing of the reason is markup or a raw direction character');
    assert.match(html, /<span class="coverage-value stage-moved">cosign \+ Notation<\/span>/);
  });

  it('filters by coverage: the table and its pages, while the counts by status stay over every tag', () => {
    scanMigration();
    world.scan(ago(DAY / 2), [
      verdict('legacy', '3', 'unsigned', covered(entry('dct', 'absent'), entry('cosign', 'absent'), entry('notation', 'absent'))),
      verdict('legacy', '4', 'unsigned', covered(entry('dct', 'absent'), entry('cosign', 'error', 'HTTP 503'), entry('notation', 'absent'))),
      verdict('plain', '1', 'unsigned'),
    ]);
    const current = view(world, 'coverage=none&limit=2');
    assert.equal(current.coverage?.filter, 'none');
    assert.equal(current.total, 3, 'the unsigned findings of coverage none');
    assert.equal(current.counts.unsigned, 4, 'the status counts are over every tag');
    const html = renderStatusPage(current);
    assert.deepEqual(
      coverageCellsOf(html).map((cell) => cell.coverage),
      ['none', 'none']
    );
    assert.match(html, /Findings <span class="n">3<\/span> <span class="coverage-filter" id="coverage-filter">coverage <code>none<\/code> · <a href="\?limit=2">any coverage<\/a><\/span>/);
    assert.match(html, /<a rel="next" href="\?coverage=none&amp;page=2&amp;limit=2">/, 'the pages keep the coverage');
    assert.match(html, /href="\?status=unsigned&amp;coverage=none&amp;limit=2" data-status="unsigned"/, 'a status narrows within the coverage');
    assert.match(html, /class="count coverage-none current" href="\?status=all&amp;coverage=none&amp;limit=2" data-coverage="none" aria-current="page"/);

    const second = renderStatusPage(view(world, 'coverage=none&limit=2&page=2'));
    assert.equal(coverageCellsOf(second).length, 1);
    const signedOnly = view(world, 'status=signed&coverage=dct_cosign');
    assert.deepEqual(
      signedOnly.rows.map((row) => `${row.image}:${row.tag}`),
      ['both:1']
    );
    assert.match(renderStatusPage(view(world, 'status=expired&coverage=all')), /<p id="no-findings">No tag with coverage <code>all<\/code> among the expired tags.<\/p>/);
  });

  it('accepts a coverage filter before any tag has one, and says there is none', () => {
    world.scan(ago(DAY), [verdict('a', '1', 'unsigned')]);
    const current = view(world, 'coverage=cosign_only');
    assert.deepEqual(current.coverage?.counts, { none: 0, dct_only: 0, cosign_only: 0, notation_only: 0, dct_cosign: 0, dct_notation: 0, cosign_notation: 0, all: 0 });
    assert.equal(current.total, 0);
    const html = renderStatusPage(current);
    assert.match(html, /<p id="no-findings">No tag with coverage <code>cosign_only<\/code> among the findings.<\/p>/);
    assert.match(renderStatusPage(view(world, 'coverage=dct_only&status=all')), /among the audited tags/);
  });

  it('refuses a coverage outside the closed set, naming the parameter', () => {
    for (const query of ['coverage=bogus', 'coverage=DCT_ONLY', 'coverage=', 'coverage=%3Cscript%3E', 'coverage=dct_only%20']) {
      const parsed = parsePageQuery(new URLSearchParams(query));
      assert.equal(parsed.ok, false, query);
      assert.match(parsed.ok ? '' : parsed.error, /^coverage must be one of none, dct_only, cosign_only, notation_only, dct_cosign, dct_notation, cosign_notation, all$/);
    }
    for (const coverage of COVERAGES) {
      assert.deepEqual(parsePageQuery(new URLSearchParams(`coverage=${coverage}`)), { ok: true, value: { filter: 'findings', page: 1, pageSize: 100, coverage } });
    }
    assert.equal(gatherStatusPage(world.sources, new URLSearchParams('coverage=x'), NOW).ok, false);
  });

  it('names the migration stage of every coverage value, as the dashboard counts them', () => {
    assert.deepEqual(
      MIGRATION_STAGES.map((stage) => COVERAGES.filter((coverage) => STAGE_OF[coverage] === stage)),
      [
        ['none', 'dct_only'],
        ['dct_cosign', 'dct_notation', 'all'],
        ['cosign_only', 'notation_only', 'cosign_notation'],
      ]
    );
    assert.deepEqual(COVERAGES.map(coverageLabel), ['none', 'DCT only', 'cosign only', 'Notation only', 'DCT + cosign', 'DCT + Notation', 'cosign + Notation', 'all three']);
  });
});

describe('status page runbooks', () => {
  it('every runbook the page links has its section in docs/runbooks.md', async () => {
    const runbooks = await readFile(fileURLToPath(new URL('../../../../docs/runbooks.md', import.meta.url)), 'utf8');
    const headings = new Set(runbooks.split('\n').flatMap((line) => (/^#{2,3} /.test(line) ? [line.replace(/^#+ /, '').trim()] : [])));
    const linked = [...Object.values(STATUS_RUNBOOKS), SCAN_RUNBOOK, STALE_RUNBOOK, EXPIRING_RUNBOOK, ROOT_CERTIFICATE_RUNBOOK, ...Object.values(SIGNATURE_RUNBOOKS)]
      .map((runbook) => runbook.alert)
      .filter((alert) => alert !== '');
    for (const alert of linked) {
      assert.ok(headings.has(alert), `docs/runbooks.md has no "## ${alert}" section`);
    }
  });
});

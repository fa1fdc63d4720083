/**
 * The status page as the on-call engineer sees it: `serve` auditing the Nexus
 * test server, the page loaded in a real headless Chromium (--dump-dom), for a
 * healthy registry, a broken one (a finding of every status over several
 * pages, Notary down for one GUN) and Nexus down after a good scan.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { runCli } from '../support/cli.js';
import { dumpDom } from '../support/chromium.js';
import { PREFIX, startStatusPageWorld, type StatusPageWorld } from '../support/status-page-world.js';

interface Row {
  readonly status: string;
  readonly image: string;
  readonly tag: string;
  readonly gun: string;
}

/** The findings table's rows, as Chromium serialised them. */
function rowsOf(dom: string): Row[] {
  const rows: Row[] = [];
  for (const match of dom.matchAll(/<tr class="status-[a-z_]+" data-status="([a-z_]+)">(.*?)<\/tr>/gs)) {
    const cell = (label: string): string => {
      const found = new RegExp(`<td data-label="${label}"[^>]*>(.*?)</td>`, 's').exec(match[2] ?? '');
      return (found?.[1] ?? '').replace(/<wbr>/g, '');
    };
    rows.push({ status: match[1] ?? '', image: cell('Image'), tag: cell('Tag'), gun: cell('GUN') });
  }
  return rows;
}

function count(dom: string, status: string): number {
  const found = new RegExp(`data-status="${status}"[^>]*><span class="label">[^<]*</span> <strong>([\\d,]+)</strong>`).exec(dom);
  assert.ok(found, `a count for ${status}`);
  return Number((found[1] ?? '').replace(/,/g, ''));
}

function sourceState(dom: string, source: 'nexus' | 'notary'): string {
  return /data-state="([a-z]+)"/.exec(new RegExp(`<div class="card source-[a-z]+" id="source-${source}"[^>]*>`).exec(dom)?.[0] ?? '')?.[1] ?? 'missing';
}

/** Where a `rel` link of the page leads (the page's own relative href, resolved as the browser does). */
function linkOf(dom: string, rel: 'next' | 'prev', base: string): string | undefined {
  const href = new RegExp(`<a rel="${rel}" href="([^"]+)"`).exec(dom)?.[1];
  return href === undefined ? undefined : new URL(href.replace(/&amp;/g, '&'), base).toString();
}

describe('status page in a real browser', () => {
  let page: StatusPageWorld;
  let profile: string;
  const load = (path = '/'): Promise<string> => dumpDom(`${page.daemon.url}${path}`, profile);

  before(async () => {
    page = await startStatusPageWorld();
    profile = join(page.world.dir, 'chromium-profile');
    await mkdir(profile, { recursive: true });
  });

  after(async () => {
    await page?.stop();
  });

  it('a healthy registry: the complete scan first, sources up, nothing to do, the skipped tag and the next scan', async () => {
    const response = await fetch(`${page.daemon.url}/`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-security-policy'), "default-src 'none'; style-src 'unsafe-inline'");
    const dom = await load();

    assert.match(dom, /<section id="scan" class="banner outcome-complete">/);
    assert.match(dom, /Latest scan #1: <span id="scan-outcome">complete<\/span>/);
    assert.equal(sourceState(dom, 'nexus'), 'up');
    assert.equal(sourceState(dom, 'notary'), 'up');
    assert.match(dom, /<div class="card" id="skipped"><h3>Skipped<\/h3><p class="state">1<\/p>/, 'the cosign signature tag');
    assert.match(dom, /<time id="next-scan" datetime="\d{4}-01-01T\d\d:00:00.000Z" title="[^"]+">in \d+ (days|hours|years?)<\/time>/);
    assert.match(dom, /<p id="no-findings">Every audited tag is signed.<\/p>/);
    assert.equal(count(dom, 'signed'), 5);
    assert.equal(count(dom, 'findings'), 0);
    assert.match(dom, /<meta http-equiv="refresh" content="60">/);
    assert.match(dom, /<p id="nothing-expiring">No role expires within 7 days.<\/p>/);
    assert.doesNotMatch(dom, /<script/i);
  });

  it('a broken registry: every finding, worst first, over pages that leave none out; the partial scan in red with Notary down', async () => {
    await page.breakRegistry();
    await page.daemon.scanNow();
    let url: string | undefined = `${page.daemon.url}/?limit=5`;
    const rows: Row[] = [];
    const pages: string[] = [];
    while (url !== undefined) {
      const dom = await load(url.slice(page.daemon.url.length));
      pages.push(dom);
      rows.push(...rowsOf(dom));
      url = linkOf(dom, 'next', url);
      assert.ok(pages.length <= 5, 'the next links end');
    }
    const first = pages[0] ?? '';

    assert.match(first, /<section id="scan" class="banner outcome-failed">/);
    assert.match(first, /Latest scan #2: <span id="scan-outcome">partial: not every source answered<\/span>/);
    assert.match(first, /(id="scan-error">|<li>)notary: [^<]*ci-runner[^<]*HTTP 503/, 'why, in the scan row or among the problems');
    assert.equal(sourceState(first, 'nexus'), 'up');
    assert.equal(sourceState(first, 'notary'), 'down');
    assert.match(first, /<span class="range">1–5 of 13 · page 1 of 3<\/span>/);
    assert.equal(pages.length, 3);
    assert.deepEqual(
      {
        invalid: count(first, 'invalid'),
        digest_mismatch: count(first, 'digest_mismatch'),
        expired: count(first, 'expired'),
        error: count(first, 'error'),
        unsigned: count(first, 'unsigned'),
        signed: count(first, 'signed'),
        findings: count(first, 'findings'),
      },
      { invalid: 1, digest_mismatch: 1, expired: 1, error: 1, unsigned: 9, signed: 5, findings: 13 }
    );
    assert.deepEqual(
      rows.map((row) => row.status),
      ['invalid', 'digest_mismatch', 'expired', 'error', ...Array<string>(9).fill('unsigned')],
      'worst first'
    );
    assert.deepEqual(
      rows.map((row) => `${row.image}:${row.tag}`).sort(),
      ['auth-service:3.2', 'batch-worker:nightly', 'billing-api:1.4', 'ci-runner:latest', 'web-frontend:2.0-rc1', ...Array.from({ length: 8 }, (_, i) => `legacy-tool:0.${i + 1}`)].sort(),
      'every finding exactly once'
    );
    assert.ok(
      rows.every((row) => row.gun === `${PREFIX}/${row.image}`),
      'each row shows its GUN'
    );
    // What expires: the expired targets, and the targets that expire in 3 days (a signed tag).
    assert.match(
      first,
      /<td data-label="GUN" class="gun">nexus.example.com:18079\/<wbr>batch-worker<\/td><td data-label="Role">targets<\/td><td data-label="Version">1<\/td><td data-label="Expires"><time [^>]+>expired 2 days ago<\/time>/
    );
    assert.match(
      first,
      /<td data-label="GUN" class="gun">nexus.example.com:18079\/<wbr>reports<\/td><td data-label="Role">targets<\/td><td data-label="Version">1<\/td><td data-label="Expires"><time [^>]+>in 3 days<\/time>/
    );

    const unsigned = await load('/?status=unsigned');
    assert.equal(rowsOf(unsigned).length, 9);
    assert.ok(rowsOf(unsigned).every((row) => row.status === 'unsigned'));
    assert.match(unsigned, /docs\/runbooks.md#trustauditorunsignedtag/);
  });

  it('Nexus down after a good scan: the page leads with the failed scan in red, Nexus down, no tag left signed', async () => {
    page.takeNexusDown();
    await page.daemon.scanNow();
    const dom = await load();

    const scan = dom.indexOf('<section id="scan"');
    assert.ok(scan > 0 && scan < dom.indexOf('id="health"') && scan < dom.indexOf('id="counts"') && scan < dom.indexOf('id="findings"'), 'the scan leads');
    assert.match(dom, /<section id="scan" class="banner outcome-failed">/);
    assert.match(dom, /Latest scan #3: <span id="scan-outcome">failed<\/span>/);
    assert.match(dom, /(id="scan-error">|<li>)nexus: [^<]*HTTP 503/);
    assert.match(dom, /the last scan that completed is #2/);
    assert.equal(sourceState(dom, 'nexus'), 'down');
    assert.equal(sourceState(dom, 'notary'), 'unknown', 'not asked');
    // The findings keep their last known status; the tags last seen signed are error, never a stale signed.
    assert.equal(count(dom, 'signed'), 0);
    assert.equal(count(dom, 'error'), 6);
    assert.equal(count(dom, 'findings'), 18);
    const rows = rowsOf(dom);
    assert.deepEqual(
      rows.map((row) => row.status),
      ['invalid', 'digest_mismatch', 'expired', ...Array<string>(6).fill('error'), ...Array<string>(9).fill('unsigned')]
    );
    assert.deepEqual(
      rows
        .filter((row) => row.status === 'error')
        .map((row) => `${row.image}:${row.tag}`)
        .sort(),
      ['billing-api:1.3', 'ci-runner:latest', 'hello-world:latest', 'reports:2.1', 'web-frontend:1.0', 'web-frontend:1.1']
    );
  });

  it('TRUST_AUDITOR_RUNBOOK_URL must be an http(s) URL: serve refuses another with exit status 2', async () => {
    const config = await page.world.writeConfig(
      'runbook.yaml',
      `nexus:\n  url: http://127.0.0.1:1\nnotary:\n  url: http://127.0.0.1:1\ndatabase: ${join(page.world.dir, 'runbook.db')}\nlisten: 127.0.0.1:0\n`
    );
    const result = await runCli(['serve', '--config', config], { TRUST_AUDITOR_RUNBOOK_URL: 'javascript:alert(1)' });

    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /TRUST_AUDITOR_RUNBOOK_URL must be an http or https URL/);
  });

  it('a bad query is a 400 page that says which parameter, under the same policy', async () => {
    const response = await fetch(`${page.daemon.url}/?status=%3Cscript%3Ealert(1)%3C/script%3E`);
    const body = await response.text();

    assert.equal(response.status, 400);
    assert.equal(response.headers.get('content-security-policy'), "default-src 'none'; style-src 'unsafe-inline'");
    assert.match(body, /<p id="bad-request">status must be/);
    assert.doesNotMatch(body, /<script/);
  });
});

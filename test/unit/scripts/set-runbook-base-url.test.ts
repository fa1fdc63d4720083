/** scripts/set-runbook-base-url.sh: a copy of the rules with the site's runbook address, nothing else changed. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { parse } from 'yaml';

import { makeTempDir } from '../../support/temp.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SCRIPT = join(ROOT, 'scripts/set-runbook-base-url.sh');
const PLACEHOLDER = 'https://trust-auditor.invalid/docs/runbooks.md';

function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(SCRIPT, [...args], { cwd: ROOT, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

interface Rule {
  alert: string;
  annotations: Record<string, string>;
}

/** The rules of an alerts.yml (groups at the top) or a PrometheusRule (groups under spec). */
function rulesOf(text: string): Rule[] {
  const document = parse(text) as { groups?: { rules: Rule[] }[]; spec?: { groups: { rules: Rule[] }[] } };
  return (document.groups ?? document.spec?.groups ?? []).flatMap((group) => group.rules);
}

describe('set-runbook-base-url.sh', () => {
  for (const file of ['deploy/prometheus/alerts.yml', 'deploy/kubernetes/prometheusrule.yaml']) {
    it(`rewrites every runbook_url of ${file} to the given base and changes nothing else`, async () => {
      const base = 'https://git.example.com/ops/trust-auditor/blob/v1.0.0/docs/runbooks.md?plain=1&x=2';
      const shipped = readFileSync(join(ROOT, file), 'utf8');

      const result = await run([base, file]);

      assert.equal(result.code, 0, result.stderr);
      const rewritten = rulesOf(result.stdout);
      assert.ok(rewritten.length > 10);
      for (const rule of rewritten) {
        assert.equal(rule.annotations['runbook_url'], `${base}#${rule.alert.toLowerCase()}`);
      }
      const restored = result.stdout.split(`runbook_url: '${base}#`).join(`runbook_url: '${PLACEHOLDER}#`);
      assert.equal(restored, shipped);
    });
  }

  it('reads deploy/prometheus/alerts.yml by default, and ships it with the placeholder base', async () => {
    const result = await run(['https://wiki.example.com/runbooks']);

    assert.equal(result.code, 0, result.stderr);
    for (const rule of rulesOf(readFileSync(join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8'))) {
      assert.equal(rule.annotations['runbook_url'], `${PLACEHOLDER}#${rule.alert.toLowerCase()}`);
    }
    assert.match(result.stdout, /runbook_url: 'https:\/\/wiki\.example\.com\/runbooks#trustauditorunsignedtag'/);
  });

  it('refuses what is not an http(s) URL that can stand in the rules as written (exit 2)', async () => {
    for (const url of [
      'ftp://wiki.example.com/runbooks.md',
      "https://wiki.example.com/it's",
      'https://wiki.example.com/a b',
      'https://wiki.example.com/runbooks.md#top',
      'https://x/a|b',
      'docs/runbooks.md',
    ]) {
      const result = await run([url]);
      assert.equal(result.code, 2, url);
      assert.equal(result.stdout, '', url);
    }
    assert.equal((await run([])).code, 2);
    assert.equal((await run(['https://wiki.example.com/', 'no/such/file.yml'])).code, 2);
  });

  it('says so when the file has no placeholder left (exit 1)', async () => {
    const dir = await makeTempDir('runbook-base');
    try {
      const copy = join(dir.path, 'rules.yml');
      writeFileSync(copy, (await run(['https://wiki.example.com/runbooks.md'])).stdout);

      const again = await run(['https://wiki.example.com/other.md', copy]);

      assert.equal(again.code, 1);
      assert.match(again.stderr, /placeholder/);
    } finally {
      await dir.remove();
    }
  });
});

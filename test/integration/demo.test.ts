/** The README's main job, `npm run demo` (here with --once), both with the real notary-server and without it. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

import { freePort, runStatus } from '../support/processes.js';

const DEMO = fileURLToPath(new URL('../../demo/run.js', import.meta.url));

const EXPECTED = [
  /signed\s+dct_cosign\s+docker-hosted\/app:1\.0/,
  /unsigned\s+cosign_only\s+docker-hosted\/app:1\.1\s+\(NOT_SIGNED/,
  /digest_mismatch\s+none\s+docker-hosted\/app:2\.0/,
  /signed\s+dct_only\s+docker-hosted\/hello-world:test/,
  /unsigned\s+none\s+docker-hosted\/legacy:0\.9\s+\(NO_TRUST_DATA/,
  /signed\s+dct_only\s+docker-team\/tool:3\.1/,
  /trust_auditor_tags\{repository="docker-hosted",status="signed"\} 3/,
  /trust_auditor_tags_by_coverage\{repository="docker-hosted",coverage="cosign_only"\} 1/,
];

describe('npm run demo', () => {
  it('audits the demo registry with trust data from the real notary-server', async () => {
    const port = await freePort();

    const result = await runStatus(process.execPath, [DEMO, '--once', '--port', String(port)]);

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /real notary client/);
    assert.match(result.stdout, new RegExp(`status page\\s+http://127\\.0\\.0\\.1:${port}/`));
    for (const expected of EXPECTED) {
      assert.match(result.stdout, expected);
    }
  });

  it('falls back to the project signer when the notary package is missing', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'trust-auditor-nobin-'));
    try {
      await symlink('/usr/bin/openssl', join(bin, 'openssl'));
      const port = await freePort();

      const result = await runStatus(process.execPath, [DEMO, '--once', '--port', String(port)], { env: { PATH: bin, HOME: tmpdir() } });

      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /notary package is not installed/);
      for (const expected of EXPECTED) {
        assert.match(result.stdout, expected);
      }
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });
});

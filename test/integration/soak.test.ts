/**
 * The soak (npm run soak) in its short form: 20 seconds of one scan per second
 * under switching faults. Asserts what must hold however fast the machine is:
 * the daemon stays up, keeps scanning, leaks no file descriptors, and stops
 * cleanly on SIGTERM. Its figures over longer runs are in docs/reliability.md.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

import { runStatus } from '../support/processes.js';

const SOAK = fileURLToPath(new URL('../../bench/soak.js', import.meta.url));

describe('soak, short form', () => {
  it('keeps serving and scanning under random faults, without leaking descriptors', async () => {
    const result = await runStatus(process.execPath, [SOAK, '--minutes', '0.34', '--sample-seconds', '4']);

    assert.equal(result.code, 0, result.stderr);
    const figures = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as {
      scans: number;
      fdsStart: number;
      fdsEnd: number;
      exitCodeOnSigterm: number;
      scanOutcomesLast1000: Record<string, number>;
    };
    assert.ok(figures.scans >= 8, `${figures.scans} scans in 20 s`);
    assert.ok(figures.fdsEnd <= figures.fdsStart + 20, `descriptors ${figures.fdsStart} → ${figures.fdsEnd}`);
    assert.equal(figures.exitCodeOnSigterm, 0);
    assert.ok((figures.scanOutcomesLast1000['complete'] ?? 0) + (figures.scanOutcomesLast1000['partial'] ?? 0) >= 5);
  });
});

/**
 * npm run bench in miniature: the benchmark itself must keep working and print
 * every figure the performance goals are read from. (No speed is asserted;
 * figures live in docs/performance.md.)
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

import { runStatus } from '../support/processes.js';

const BENCH = fileURLToPath(new URL('../../bench/run.js', import.meta.url));

describe('npm run bench', () => {
  it('prints one JSON line with every figure, from real scans and a real notary list baseline', async () => {
    const result = await runStatus(process.execPath, [BENCH, '--images', '12', '--tags-per-image', '3', '--sample', '3']);

    assert.equal(result.code, 0, result.stderr);
    const figures = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as Record<string, number | string>;
    for (const key of [
      'tags',
      'images',
      'firstScanSeconds',
      'firstScanTagsPerSecond',
      'rescanSeconds',
      'rescanTagsPerSecond',
      'nexusRequests',
      'notaryRequestsFirstScan',
      'notaryRequestsRescan',
      'peakRssMb',
      'dbBytes',
      'baselineTagsPerSecond',
      'speedupVsBaseline',
    ]) {
      assert.equal(typeof figures[key], 'number', `${key} is printed`);
    }
    assert.equal(figures['tags'], 36);
    assert.equal(figures['firstScanOutcome'], 'complete');
    assert.equal(figures['notaryRequestsRescan'], 12, 'an unchanged rescan asks Notary once per image');
    assert.equal(figures['notaryRequestsFirstScan'], 12 * 5, 'timestamp, snapshot, root, targets and targets/releases per image');
    assert.match(result.stderr, /first scan: 36 tags/);
  });
});

/** Small assertion and parsing helpers shared by the integration tests. */
import assert from 'node:assert/strict';

import { FetchError } from '../../src/lib/errors.js';

/** Awaits `promise` and returns the FetchError it must reject with. */
export async function fetchFailure(promise: Promise<unknown>): Promise<FetchError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof FetchError, String(error));
    return error;
  }
  assert.fail('expected a FetchError');
}

/** Prometheus text exposition → series (`name{labels}`) → value. */
export function parseMetrics(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const index = line.lastIndexOf(' ');
    series.set(line.slice(0, index), Number(line.slice(index + 1)));
  }
  return series;
}

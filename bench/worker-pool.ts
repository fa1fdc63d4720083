/**
 * npm run bench:pool: figures for the verification worker pool alone (no I/O):
 * generated collections, in shared memory as the fetcher hands them over, are
 * verified through `createWorkerVerifier` with as many in flight as a scan has
 * (16 images at once). Prints progress on stderr and one JSON line on stdout:
 * throughput, latency from submission to outcome, CPU time of all threads per
 * collection, and resident memory.
 *
 *   --collections N   distinct generated collections (default 200)
 *   --rounds R        passes over all collections (default 10; the first warms up)
 *   --workers W       worker threads (default 2)
 *   --in-flight F     verifications submitted at once (default 16)
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { NO_HISTORY, type TrustCollectionBytes } from '../src/notary/core/verify-collection.js';
import { createWorkerVerifier, type CollectionVerifier } from '../src/scan/verifier.js';
import { makeTempDir } from '../test/support/temp.js';
import { asCollectionBytes, ed25519Key, generateCollection, generateKeys, targetFor, type TargetSpec } from '../test/support/trust-factory.js';

const { values } = parseArgs({
  options: {
    collections: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '10' },
    workers: { type: 'string', default: '2' },
    'in-flight': { type: 'string', default: '16' },
  },
});
const collectionCount = Number(values.collections);
const rounds = Number(values.rounds);
const workers = Number(values.workers);
const inFlight = Number(values['in-flight']);
for (const [name, value] of Object.entries({ collections: collectionCount, rounds, workers, 'in-flight': inFlight })) {
  if (!Number.isInteger(value) || value < 1 || (name === 'rounds' && value < 2)) {
    throw new Error(`--${name} must be a whole number of at least ${name === 'rounds' ? 2 : 1}, not ${String(value)}`);
  }
}
const GUN = 'bench.example:5000/image';

/** A copy in shared memory, as `NotaryFetcher` hands bytes to the verifier. */
function shared(bytes: Uint8Array): Uint8Array {
  const view = new Uint8Array(new SharedArrayBuffer(bytes.length));
  view.set(bytes);
  return view;
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

const dir = await makeTempDir('bench-pool');
const pool: CollectionVerifier = createWorkerVerifier({ size: workers });
try {
  process.stderr.write(`generating ${collectionCount} collections...\n`);
  const keys = await generateKeys(dir.path, GUN);
  const releasesKey = await ed25519Key();
  const now = new Date();
  const collections: TrustCollectionBytes[] = [];
  for (let i = 0; i < collectionCount; i++) {
    const targets: Record<string, TargetSpec> = {};
    for (let t = 0; t < 10; t++) {
      targets[`v${t}`] = targetFor(`image-${i}-tag-${t}`);
    }
    const generated = asCollectionBytes(await generateCollection({ gun: GUN, keys, now, targets: {}, delegations: [{ name: 'targets/releases', keys: [releasesKey], targets }] }));
    collections.push({
      root: shared(generated.root),
      timestamp: shared(generated.timestamp),
      snapshot: shared(generated.snapshot),
      targets: shared(generated.targets),
      delegations: new Map([...generated.delegations].map(([role, bytes]) => [role, shared(bytes)])),
    });
  }

  const latencies: number[] = [];
  const rssSamples: number[] = [];
  let measuredSeconds = 0;
  let measuredCpuMicros = 0;
  for (let round = 0; round < rounds; round++) {
    const roundLatencies: number[] = [];
    let next = 0;
    const start = performance.now();
    const cpuBefore = process.cpuUsage();
    const lane = async (): Promise<void> => {
      while (next < collections.length) {
        const bytes = collections[next++] as TrustCollectionBytes;
        const submitted = performance.now();
        const outcome = await pool.verify(GUN, bytes, NO_HISTORY, now);
        roundLatencies.push(performance.now() - submitted);
        if (outcome.failure !== undefined) {
          throw new Error(`generated collection failed: ${outcome.failure.code}`);
        }
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    if (round > 0) {
      // The first round starts the workers and warms their JIT.
      measuredSeconds += seconds;
      measuredCpuMicros += cpu.user + cpu.system;
      latencies.push(...roundLatencies);
      rssSamples.push(process.memoryUsage().rss);
    }
    process.stderr.write(`round ${round + 1}/${rounds}: ${Math.round(collections.length / seconds)} collections/s\n`);
  }
  latencies.sort((a, b) => a - b);
  rssSamples.sort((a, b) => a - b);
  process.stdout.write(
    JSON.stringify({
      bench: 'worker-pool',
      workers,
      inFlight,
      collections: latencies.length,
      seconds: Number(measuredSeconds.toFixed(3)),
      collectionsPerSecond: Math.round(latencies.length / measuredSeconds),
      // CPU of every thread of the process: what the pool costs, even on a busy machine.
      cpuMsPerCollection: Number((measuredCpuMicros / 1000 / latencies.length).toFixed(3)),
      p50Ms: Number(percentile(latencies, 0.5).toFixed(2)),
      p99Ms: Number(percentile(latencies, 0.99).toFixed(2)),
      steadyRssMb: Math.round((percentile(rssSamples, 0.5) / 1024 / 1024) * 10) / 10,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    }) + '\n'
  );
} finally {
  await pool.close();
  await dir.remove();
}

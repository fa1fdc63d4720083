/**
 * npm run bench:hostile — what a hostile Notary can make `inspect` hold in
 * memory. One GUN whose targets.json, validly signed, delegates to N roles,
 * each published with M targets (several MiB each), and whose snapshot also
 * lists K delegations that nobody names. Prints the peak RSS of `inspect`
 * (its own process) and what it answered, on one JSON line.
 *
 *   --delegations N   named and published (default 24)
 *   --targets M       targets per delegation (default 40000, about 4.6 MiB each)
 *   --decoys K        listed by the snapshot, named by nobody (default 200)
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { startStaticNotary } from '../test/support/static-notary.js';
import { makeTempDir } from '../test/support/temp.js';
import { fastEd25519Key, generateCollection, generateKeys, targetFor, type TargetSpec } from '../test/support/trust-factory.js';

const { values } = parseArgs({
  options: {
    delegations: { type: 'string', default: '24' },
    targets: { type: 'string', default: '40000' },
    decoys: { type: 'string', default: '200' },
  },
});
const DELEGATIONS = Number(values.delegations);
const TARGETS = Number(values.targets);
const DECOYS = Number(values.decoys);
const GUN = 'registry.example:5000/hostile/app';
const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const RSS_PROBE = fileURLToPath(new URL('./rss-probe.js', import.meta.url));

const log = (message: string): void => void process.stderr.write(`[bench:hostile] ${message}\n`);

const dir = await makeTempDir('hostile');
const notary = await startStaticNotary();
try {
  log(`building ${DELEGATIONS} delegations x ${TARGETS} targets, ${DECOYS} decoys`);
  const many: Record<string, TargetSpec> = {};
  for (let i = 0; i < TARGETS; i++) {
    many[`tag-${i}-${'x'.repeat(40)}`] = targetFor(`t${i}`);
  }
  const key = fastEd25519Key();
  const collection = await generateCollection({
    gun: GUN,
    keys: await generateKeys(dir.path, GUN),
    now: new Date(),
    targets: { v1: targetFor('v1') },
    delegations: Array.from({ length: DELEGATIONS }, (_, i) => ({ name: `targets/d${i}`, keys: [key], targets: many })),
    editSnapshotMeta: (meta) => {
      for (let i = 0; i < DECOYS; i++) {
        meta[`targets/decoy${i}`] = { ...(meta['targets/d0'] as object) };
      }
    },
  });
  const served = [...collection.files.values()].reduce((sum, bytes) => sum + bytes.length, 0);
  notary.setCollection(GUN, collection.files);
  log(`serving ${(served / 1048576).toFixed(1)} MiB of trust data`);

  const rssFile = join(dir.path, 'rss');
  const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', RSS_PROBE, MAIN, 'inspect', GUN, '--notary', notary.url, '--json'], {
      env: { ...process.env, BENCH_RSS_FILE: rssFile },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout }));
  });
  const report = JSON.parse(result.stdout) as { status: string; reason: string | null };
  const decoyRequests = notary.requests.filter((path) => path.includes('decoy')).length;
  process.stdout.write(
    JSON.stringify({
      bench: 'hostile-memory',
      delegations: DELEGATIONS,
      targetsPerDelegation: TARGETS,
      decoys: DECOYS,
      servedMiB: Math.round((served / 1048576) * 10) / 10,
      inspectExit: result.code,
      status: report.status,
      reason: report.reason,
      decoyRequests,
      peakRssMb: Math.round(Number(await readFile(rssFile, 'utf8')) / 1024),
    }) + '\n'
  );
} finally {
  await notary.stop();
  await dir.remove();
}

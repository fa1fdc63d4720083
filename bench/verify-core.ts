/**
 * npm run bench:core: figures for the verification core alone (no I/O).
 * Prints progress on stderr and one JSON line on stdout.
 *
 *   --collections N   distinct generated collections to verify (default 200)
 *   --tags M          tags per collection (default 10)
 *   --rounds R        verification passes over all collections (default 5)
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { checkedEvidence, judgeTag } from '../src/notary/core/assess.js';
import { NO_HISTORY, verifyCollection } from '../src/notary/core/verify-collection.js';
import { makeTempDir } from '../test/support/temp.js';
import { asCollectionBytes, ed25519Key, generateCollection, generateKeys, targetFor, type TargetSpec } from '../test/support/trust-factory.js';

const { values } = parseArgs({
  options: {
    collections: { type: 'string', default: '200' },
    tags: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '5' },
  },
});
const collectionCount = Number(values.collections);
const tagsPerCollection = Number(values.tags);
const rounds = Number(values.rounds);

const dir = await makeTempDir('bench');
try {
  process.stderr.write(`generating ${collectionCount} collections of ${tagsPerCollection} tags...\n`);
  const keys = await generateKeys(dir.path, 'bench.example:5000/image');
  const releasesKey = await ed25519Key();
  const now = new Date();
  const collections = [];
  for (let i = 0; i < collectionCount; i++) {
    const targets: Record<string, TargetSpec> = {};
    for (let t = 0; t < tagsPerCollection; t++) {
      targets[`v${t}`] = targetFor(`image-${i}-tag-${t}`);
    }
    const generated = await generateCollection({
      gun: 'bench.example:5000/image',
      keys,
      now,
      targets: {},
      delegations: [{ name: 'targets/releases', keys: [releasesKey], targets }],
    });
    collections.push({ bytes: asCollectionBytes(generated), targets });
  }

  let verified = 0;
  let judged = 0;
  const start = performance.now();
  for (let round = 0; round < rounds; round++) {
    for (const { bytes, targets } of collections) {
      const verification = verifyCollection('bench.example:5000/image', bytes, NO_HISTORY, now);
      if (!verification.ok) {
        throw new Error(`generated collection failed: ${verification.error.code}`);
      }
      const evidence = checkedEvidence(verification);
      for (const [tag, target] of Object.entries(targets)) {
        if (judgeTag(evidence, tag, { digest: `sha256:${target.sha256Hex}`, size: target.length }, now).status !== 'signed') {
          throw new Error('generated tag not signed');
        }
        judged++;
      }
      verified++;
    }
    process.stderr.write(`round ${round + 1}/${rounds}: ${verified} collections verified\n`);
  }
  const seconds = (performance.now() - start) / 1000;
  process.stdout.write(
    JSON.stringify({
      bench: 'verify-core',
      collections: verified,
      tags: judged,
      seconds: Number(seconds.toFixed(3)),
      collectionsPerSecond: Math.round(verified / seconds),
      tagsPerSecond: Math.round(judged / seconds),
      msPerCollection: Number(((seconds * 1000) / verified).toFixed(3)),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    }) + '\n'
  );
} finally {
  await dir.remove();
}

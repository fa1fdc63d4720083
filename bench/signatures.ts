/**
 * npm run bench:signatures -- --images N --tags-per-image M   (defaults: 500 x 4)
 *
 * What cosign and Notation cost a scan (contract v1.2), side by side with the
 * same registry scanned without the `signatures` section (v1.1):
 *  1. builds N images x M tags with DCT trust data (bench/registry-world.ts)
 *     in two Nexus test servers, one without the OCI referrers API (the
 *     pushers keep `sha256-<hex>` fallback index tags) and one with it;
 *  2. signs every digest, with signing material made once: legacy cosign key
 *     `.sig` layers (70 %: P-256 and Ed25519), keyless `.sig` layers from a
 *     test Sigstore (10 %), cosign 3 DSSE bundles as referrers (10 %),
 *     Notation JWS envelopes (10 %), and a key `.sig` plus a Notation
 *     envelope (10 %);
 *  3. per server, a first scan and an unchanged rescan without `signatures`,
 *     then the same with a policy trusting all of the above, each scan in its
 *     own process against its own fresh database;
 *  4. checks from the database that every tag got the coverage its signatures
 *     should give, so that verification, not failures, is measured.
 * Progress goes to stderr; the last line on stdout is one JSON object.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { listAllPages, SCAN_CONCURRENCY } from './floor.js';
import { buildRegistry, scanInChild, writeConfig, type BuiltTag, type ScanFigures } from './registry-world.js';
import { stopFixtures } from './teardown.js';
import { openDatabase } from '../src/store/database.js';
import { startNexusServer } from '../test/support/nexus/server.js';
import type { FakeNexus } from '../test/support/nexus/types.js';
import {
  bundleReferrerManifest,
  dsseBundle,
  ed25519Key,
  keylessSigner,
  p256Key,
  signStatement,
  simpleSigningLayer,
  testSigstore,
  BUNDLE_V03_MEDIA_TYPE,
} from '../test/support/signers/cosign-signer.js';
import { issue, makeRoot, signJws } from '../test/support/signers/notation-signer.js';
import { pushFallbackIndex, pushOci, pushReferrer, pushSig } from '../test/support/signature-pushes.js';
import { startStaticNotary } from '../test/support/static-notary.js';
import { makeTempDir } from '../test/support/temp.js';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '500' },
    'tags-per-image': { type: 'string', default: '4' },
  },
});
const IMAGES = Number(values.images);
const TAGS = Number(values['tags-per-image']);
const REPOSITORY = 'docker-bench';
const ISSUER = 'https://token.actions.githubusercontent.com';
const WORKFLOW = 'https://github.com/org/app/.github/workflows/release.yml@refs/heads/main';
const NOTATION_ARTIFACT = 'application/vnd.cncf.notary.signature';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

const log = (message: string): void => void process.stderr.write(`[bench:signatures] ${message}\n`);
const round2 = (value: number): number => Math.round(value * 100) / 100;

type Mode = 'absent' | 'supported';
/** How a digest is signed, by its position in the registry (tens: 7 key .sig, 1 keyless .sig, 1 bundle, 1 Notation, 1 both). */
type Signing = 'key-p256' | 'key-ed25519' | 'keyless-sig' | 'bundle' | 'notation' | 'key-and-notation';
const SIGNING_BY_POSITION: readonly Signing[] = ['key-p256', 'key-ed25519', 'key-p256', 'key-ed25519', 'key-p256', 'key-ed25519', 'keyless-sig', 'bundle', 'notation', 'key-and-notation'];
/** The coverage each signing gives a tag that DCT also signs. */
const COVERAGE_OF: Readonly<Record<Signing, string>> = {
  'key-p256': 'dct_cosign',
  'key-ed25519': 'dct_cosign',
  'keyless-sig': 'dct_cosign',
  bundle: 'dct_cosign',
  notation: 'dct_notation',
  'key-and-notation': 'all',
};

/** One GET of the referrers of every digest, `concurrency` at a time: what the API mode's rescan must ask at least. */
async function fetchReferrers(nexus: FakeNexus, digests: readonly { image: string; digest: string }[], concurrency: number): Promise<void> {
  let next = 0;
  const fetchSome = async (): Promise<void> => {
    while (next < digests.length) {
      const { image, digest } = digests[next++] as { image: string; digest: string };
      const res = await fetch(`${nexus.url}/repository/${REPOSITORY}/v2/${image}/referrers/${digest}`);
      if (res.status !== 200) {
        throw new Error(`Nexus test server: ${res.status} for the referrers of ${image}@${digest}`);
      }
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, fetchSome));
}

/** Tags per coverage in a scan's database. */
function coverageCounts(database: string): Record<string, number> {
  const db = openDatabase(database);
  try {
    const rows = db.prepare('SELECT coverage, COUNT(*) AS count FROM tags GROUP BY coverage').all() as { coverage: string | null; count: number }[];
    return Object.fromEntries(rows.map((row) => [row.coverage ?? 'null', row.count]));
  } finally {
    db.close();
  }
}

interface Pair {
  readonly first: ScanFigures & { readonly nexusRequestsServed: number };
  readonly rescan: ScanFigures & { readonly nexusRequestsServed: number };
}

const temp = await makeTempDir('bench-signatures');
const stops: (() => Promise<void>)[] = [];
try {
  const tagCount = IMAGES * TAGS;
  log(`building ${IMAGES} images x ${TAGS} tags = ${tagCount} tags in two Nexus test servers (referrers API absent, supported)`);
  const servers: Record<Mode, FakeNexus> = { absent: await startNexusServer({ referrers: 'absent' }), supported: await startNexusServer({ referrers: 'supported' }) };
  for (const server of Object.values(servers)) {
    stops.push(() => server.stop());
    server.addRepository({ name: REPOSITORY, type: 'hosted' });
  }
  const staticNotary = await startStaticNotary();
  stops.push(() => staticNotary.stop());

  // The signing material, made once: what differs between two signatures is the digest they sign.
  const materialStart = performance.now();
  const now = Date.now();
  const p256 = p256Key();
  const ed25519 = ed25519Key();
  const sigstore = testSigstore(new Date(now - 3_600_000), new Date(now + 86_400_000));
  const release = keylessSigner(sigstore, { issuer: ISSUER, subject: WORKFLOW, notBefore: new Date(now - 60_000), notAfter: new Date(now + 540_000) });
  const rekor = { sigstore, integratedTime: Math.floor(now / 1000) };
  const notationRoot = await makeRoot(temp.path, 'notation-root');
  const notationLeaf = await issue(temp.path, 'notation-leaf', notationRoot, { kind: 'p256' });
  // After the leaf exists: openssl starts its validity at the second it was issued, and a Notation
  // signing time before the certificate's notBefore does not verify.
  const notationSigningTime = new Date();
  const keyFiles = [join(temp.path, 'cosign-p256.pub'), join(temp.path, 'cosign-ed25519.pub')];
  await writeFile(keyFiles[0] as string, p256.publicPem);
  await writeFile(keyFiles[1] as string, ed25519.publicPem);
  await writeFile(join(temp.path, 'trusted_root.json'), sigstore.trustedRootJson);
  const storeDir = join(temp.path, 'trust-store');
  await mkdir(join(storeDir, 'x509', 'ca', 'release'), { recursive: true });
  await writeFile(join(storeDir, 'x509', 'ca', 'release', 'root.crt'), notationRoot.pem);
  await writeFile(
    join(temp.path, 'trustpolicy.json'),
    JSON.stringify({
      version: '1.0',
      trustPolicies: [{ name: 'release', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:release'], trustedIdentities: ['*'] }],
    })
  );
  log(`signing material made in ${round2((performance.now() - materialStart) / 1000)} s`);

  const signingCounts: Record<string, number> = {};
  const expectedCoverage: Record<string, number> = {};
  const digests: { image: string; digest: string }[] = [];
  let position = 0;
  let signingMs = 0;
  const sign = (image: string, tag: BuiltTag): void => {
    const signing = SIGNING_BY_POSITION[position++ % SIGNING_BY_POSITION.length] as Signing;
    signingCounts[signing] = (signingCounts[signing] ?? 0) + 1;
    expectedCoverage[COVERAGE_OF[signing]] = (expectedCoverage[COVERAGE_OF[signing]] ?? 0) + 1;
    digests.push({ image, digest: tag.digest });
    const started = performance.now();
    const subject = { mediaType: DOCKER_MANIFEST, digest: tag.digest, size: tag.size };
    const sigLayer =
      signing === 'key-p256' || signing === 'key-and-notation'
        ? simpleSigningLayer({ digest: tag.digest, signer: p256 })
        : signing === 'key-ed25519'
          ? simpleSigningLayer({ digest: tag.digest, signer: ed25519 })
          : signing === 'keyless-sig'
            ? simpleSigningLayer({ digest: tag.digest, signer: release, rekor })
            : undefined;
    const bundle = signing === 'bundle' ? bundleReferrerManifest(dsseBundle({ statement: signStatement([tag.digest]), signer: release, rekor }), subject, new Date(now)) : undefined;
    const envelope =
      signing === 'notation' || signing === 'key-and-notation' ? signJws({ leaf: notationLeaf, chain: [notationRoot.der], target: subject, signingTime: notationSigningTime }) : undefined;
    signingMs += performance.now() - started;
    for (const [mode, nexus] of Object.entries(servers) as [Mode, FakeNexus][]) {
      if (sigLayer !== undefined) {
        pushSig(nexus, REPOSITORY, image, tag.digest, [sigLayer]);
      }
      if (bundle !== undefined) {
        pushOci(nexus, REPOSITORY, image, undefined, bundle);
        if (mode === 'absent') {
          pushFallbackIndex(nexus, REPOSITORY, image, tag.digest, [{ ...bundle.manifest, artifactType: BUNDLE_V03_MEDIA_TYPE }]);
        }
      }
      if (envelope !== undefined) {
        pushReferrer(nexus, REPOSITORY, image, subject, NOTATION_ARTIFACT, { bytes: envelope, mediaType: 'application/jose+json' }, mode === 'absent');
      }
    }
  };
  const buildStart = performance.now();
  await buildRegistry({
    nexus: [servers.absent, servers.supported],
    repository: REPOSITORY,
    images: IMAGES,
    tagsPerImage: TAGS,
    staticNotary,
    dir: temp.path,
    log,
    onImage: (name, tags) => tags.forEach((tag) => sign(name, tag)),
  });
  log(`registry built in ${round2((performance.now() - buildStart) / 1000)} s, of which signing ${round2(signingMs / 1000)} s: ${JSON.stringify(signingCounts)}`);

  const cosignPolicy = `signatures:
  policies:
    release:
      cosign:
        keys: [${keyFiles.join(', ')}]
        identities:
          - {issuer: "${ISSUER}", subject: "${WORKFLOW}"}
        trustedRoot: ${join(temp.path, 'trusted_root.json')}
      notation:
        trustPolicy: ${join(temp.path, 'trustpolicy.json')}
        trustStore: ${storeDir}
`;

  const scanTwice = async (nexus: FakeNexus, config: string, label: string): Promise<Pair> => {
    const scanOnce = async (what: string): Promise<Pair['first']> => {
      const before = nexus.requests.length;
      const figures = await scanInChild(config, temp.path, `${label} ${what}`, log);
      return { ...figures, nexusRequestsServed: nexus.requests.length - before };
    };
    const first = await scanOnce('first scan');
    const rescan = await scanOnce('rescan');
    log(
      `${label}: first scan ${first.tags} tags in ${first.seconds} s (${first.outcome}), ${first.nexusRequests} Nexus requests, peak RSS ${first.peakRssMb} MB; ` +
        `rescan ${rescan.seconds} s, ${rescan.nexusRequests} Nexus requests, ${rescan.verdictsWritten} verdicts written, peak RSS ${rescan.peakRssMb} MB`
    );
    return { first, rescan };
  };

  const figuresOf = (pair: Pair) => ({
    firstScanSeconds: pair.first.seconds,
    firstScanTagsPerSecond: Math.round(pair.first.tags / pair.first.seconds),
    firstScanOutcome: pair.first.outcome,
    firstScanNexusRequests: pair.first.nexusRequests,
    firstScanNexusRequestsServed: pair.first.nexusRequestsServed,
    firstScanNotaryRequests: pair.first.notaryRequests,
    peakRssMbFirstScan: pair.first.peakRssMb,
    rescanSeconds: pair.rescan.seconds,
    rescanTagsPerSecond: Math.round(pair.rescan.tags / pair.rescan.seconds),
    rescanNexusRequests: pair.rescan.nexusRequests,
    rescanNexusRequestsServed: pair.rescan.nexusRequestsServed,
    rescanNotaryRequests: pair.rescan.notaryRequests,
    rescanVerdictsWritten: pair.rescan.verdictsWritten,
    peakRssMbRescan: pair.rescan.peakRssMb,
  });

  const modes: Record<string, unknown> = {};
  let coverageAsExpected = true;
  for (const mode of ['absent', 'supported'] as const) {
    const nexus = servers[mode];
    const listingStart = performance.now();
    await listAllPages(nexus, REPOSITORY);
    const fixtureListingSeconds = round2((performance.now() - listingStart) / 1000);
    let fixtureReferrersSeconds: number | null = null;
    if (mode === 'supported') {
      const referrersStart = performance.now();
      await fetchReferrers(nexus, digests, SCAN_CONCURRENCY);
      fixtureReferrersSeconds = round2((performance.now() - referrersStart) / 1000);
    }
    log(
      `referrers ${mode}: the Nexus test server alone serves the listing in ${fixtureListingSeconds} s` +
        (fixtureReferrersSeconds === null ? '' : `, ${digests.length} referrers GETs (${SCAN_CONCURRENCY} at a time) in ${fixtureReferrersSeconds} s`)
    );
    const common = { nexusUrl: nexus.url, notaryUrl: staticNotary.url, repository: REPOSITORY };
    const v11Config = await writeConfig(temp.path, `v11-${mode}.yaml`, { ...common, database: join(temp.path, `v11-${mode}.db`) });
    const v11 = await scanTwice(nexus, v11Config, `v1.1, referrers ${mode}`);
    const v12Database = join(temp.path, `v12-${mode}.db`);
    const v12Config = await writeConfig(temp.path, `v12-${mode}.yaml`, {
      ...common,
      database: v12Database,
      repositoryExtra: 'signaturePolicy: release\nrequire: [dct]',
      extra: cosignPolicy,
    });
    const v12 = await scanTwice(nexus, v12Config, `v1.2, referrers ${mode}`);
    const coverage = coverageCounts(v12Database);
    const matches = Object.keys({ ...coverage, ...expectedCoverage }).every((key) => coverage[key] === expectedCoverage[key]);
    coverageAsExpected &&= matches;
    log(`v1.2, referrers ${mode}: coverage ${JSON.stringify(coverage)}${matches ? ' as expected' : `, EXPECTED ${JSON.stringify(expectedCoverage)}`}`);
    modes[mode] = {
      fixtureListingSeconds,
      fixtureReferrersSeconds,
      withoutSignatures: figuresOf(v11),
      withSignatures: figuresOf(v12),
      firstScanSecondsRatio: round2(v12.first.seconds / v11.first.seconds),
      rescanSecondsRatio: round2(v12.rescan.seconds / v11.rescan.seconds),
      extraNexusRequestsFirstScan: v12.first.nexusRequests - v11.first.nexusRequests,
      extraNexusRequestsRescan: v12.rescan.nexusRequests - v11.rescan.nexusRequests,
      coverage,
    };
  }

  const figures = {
    tags: tagCount,
    images: IMAGES,
    tagsPerImage: TAGS,
    signings: signingCounts,
    expectedCoverage,
    coverageAsExpected,
    signingSeconds: round2(signingMs / 1000),
    referrersAbsent: modes['absent'],
    referrersSupported: modes['supported'],
    node: process.versions.node,
    cpus: (await import('node:os')).cpus().length,
  };
  process.stdout.write(JSON.stringify(figures) + '\n');
  if (!coverageAsExpected) {
    log('some tags did not get the coverage their signatures should give: these figures do not measure verification alone');
    process.exitCode = 1;
  }
} finally {
  await stopFixtures(stops, temp, log, 10_000);
}

/**
 * runScan with in-memory ports: a Nexus that lists pages from a table, a
 * Notary that serves generated collections from memory, the real store on
 * an in-memory SQLite database, and a fixed clock. What the scan decides and
 * what it asks of its sources, without a process or a socket.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import type { TagVerdictRecord } from '../../../src/domain/verdict.js';
import type { TrustRoleRecord } from '../../../src/domain/scan.js';
import { fixedClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/logger.js';
import type { ComponentPage, NexusRepository } from '../../../src/nexus/schema.js';
import type { CollectedCollection, VerificationRound } from '../../../src/notary/notary-fetcher.js';
import type { TrustCollectionBytes } from '../../../src/notary/core/verify-collection.js';
import type { RepositorySource, TrustSource } from '../../../src/scan/ports.js';
import { runScan, type ScanListener } from '../../../src/scan/scanner.js';
import type { SignatureVerifiers } from '../../../src/scan/signature-checker.js';
import { FetchError } from '../../../src/lib/errors.js';
import { inlineVerifier, type CollectionVerifier } from '../../../src/scan/verifier.js';
import { openDatabase } from '../../../src/store/database.js';
import { applyMigrations } from '../../../src/store/migrate.js';
import { ScanStore } from '../../../src/store/scan-store.js';
import { releasesCollection, type CollectionBytes } from '../../support/collection-fixture.js';
import { basicConstraints, certificateKey } from '../../support/der-builder.js';
import { ecdsaKey, ed25519Key, targetFor, type SigningKey } from '../../support/trust-factory.js';

const MIGRATIONS = fileURLToPath(new URL('../../../../migrations/', import.meta.url));
const PREFIX = 'registry.example:5000';
const GUN = `${PREFIX}/app`;
/** One clock reading: the trust data and the scans are dated from it. */
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const DAY = 86_400_000;
const SIGNED = targetFor('manifest-signed');
const OTHER = targetFor('manifest-other');
const digestOf = (target: { sha256Hex: string }): string => `sha256:${target.sha256Hex}`;

function rootKey(): SigningKey {
  return certificateKey({ commonName: GUN, notBefore: new Date(NOW.getTime() - DAY), notAfter: new Date(NOW.getTime() + 3650 * DAY), extensions: [basicConstraints('absent')] });
}

/** Nexus as a table of tags, listed in pages of two. */
function memoryNexus(tags: { image: string; tag: string; digest: string | undefined; size: number | undefined }[]): RepositorySource & { requests: number } {
  const source = {
    requests: 0,
    listDockerRepositories: async (): Promise<NexusRepository[]> => [],
    gunPrefixOf: async () => PREFIX,
    async *listTags(): AsyncIterable<ComponentPage> {
      for (let i = 0; i < tags.length; i += 2) {
        source.requests++;
        yield { tags: tags.slice(i, i + 2), continuationToken: null, skipped: 0, invalidNames: [] };
      }
    },
  };
  return source;
}

/** Notary from memory: the current collection of one GUN, and older roots by version. */
class MemoryNotary implements TrustSource {
  requests = 0;
  collection: CollectionBytes | undefined;
  readonly rootsByVersion = new Map<number, Uint8Array>();
  readonly rootWalks: [number, number][] = [];
  collects = 0;

  async fetchTimestamp(gun: string): Promise<Uint8Array | undefined> {
    this.requests++;
    return gun === GUN ? this.collection?.timestamp : undefined;
  }

  async collect<T extends VerificationRound>(_gun: string, _timestamp: Uint8Array, verify: (bytes: TrustCollectionBytes) => Promise<T>): Promise<CollectedCollection<T>> {
    this.collects++;
    const bytes = this.collection as CollectionBytes;
    return { bytes, outcome: await verify(bytes), heldBytes: 0, release: () => undefined };
  }

  async fetchRootVersions(_gun: string, from: number, to: number): Promise<Uint8Array[]> {
    this.rootWalks.push([from, to]);
    const roots: Uint8Array[] = [];
    for (let version = from; version <= to; version++) {
      roots.push(this.rootsByVersion.get(version) as Uint8Array);
    }
    return roots;
  }
}

class Heard implements ScanListener {
  readonly verdicts: TagVerdictRecord[] = [];
  readonly roles: TrustRoleRecord[] = [];
  verdict(verdict: TagVerdictRecord): void {
    this.verdicts.push(verdict);
  }
  trustRoles(roles: readonly TrustRoleRecord[]): void {
    this.roles.push(...roles);
  }
  statusOf(tag: string): string | undefined {
    return this.verdicts.find((v) => v.tag === tag)?.status;
  }
}

function countingVerifier(): CollectionVerifier & { calls: number } {
  const verifier = {
    calls: 0,
    verify: (...args: Parameters<CollectionVerifier['verify']>) => {
      verifier.calls++;
      return inlineVerifier.verify(...args);
    },
    close: async () => undefined,
  };
  return verifier;
}

function newStore(): ScanStore {
  const db = openDatabase(':memory:');
  applyMigrations(db, MIGRATIONS);
  return new ScanStore(db);
}

describe('runScan with in-memory ports', () => {
  const fixture = releasesCollection({
    gun: GUN,
    now: NOW,
    inTargets: SIGNED,
    inReleases: SIGNED,
    keys: async () => ({ root: [rootKey()], targets: ecdsaKey(), snapshot: await ed25519Key(), timestamp: await ed25519Key() }),
  });
  const tags = [
    { image: 'app', tag: 'v1', digest: digestOf(SIGNED), size: SIGNED.length },
    { image: 'app', tag: 'v2', digest: digestOf(OTHER), size: OTHER.length },
    { image: 'app', tag: 'nodigest', digest: undefined, size: undefined },
    { image: 'lonely', tag: 'latest', digest: digestOf(SIGNED), size: SIGNED.length },
  ];
  const scan = (store: ScanStore, notary: MemoryNotary, listener: ScanListener, extra: { evaluateAt?: Date; verifier?: CollectionVerifier } = {}) =>
    runScan(
      {
        nexus: memoryNexus(tags),
        notary,
        registryFor: () => ({
          getManifestDescriptor: async () => undefined,
          getManifestByDigest: async () => undefined,
          getBlob: async () => undefined,
          getReferrers: async () => ({ supported: false, status: 404 }),
        }),
        store,
        clock: fixedClock(NOW),
        log: silentLogger,
        ...(extra.verifier === undefined ? {} : { verifier: extra.verifier }),
      },
      { repositories: [{ name: 'docker-hosted', gunPrefix: PREFIX }], registrySample: 0, listener, evaluateAt: extra.evaluateAt }
    );

  it('tells every verdict to the listener and tallies them; a rescan with the same timestamp verifies nothing', async () => {
    const store = newStore();
    const notary = new MemoryNotary();
    notary.collection = await fixture.build({ targets: { v1: SIGNED, v2: SIGNED } });
    const verifier = countingVerifier();
    const heard = new Heard();
    const first = await scan(store, notary, heard, { verifier });

    assert.equal(first.outcome, 'complete');
    assert.deepEqual(heard.verdicts.map((v) => `${v.image}:${v.tag}=${v.status}`).sort(), ['app:nodigest=error', 'app:v1=signed', 'app:v2=digest_mismatch', 'lonely:latest=unsigned']);
    assert.equal(first.summary.signed, 1);
    assert.equal(first.summary.error, 1);
    assert.equal(first.tagsJudged, 4);
    assert.equal(first.verdictsWritten, 4);
    assert.ok(heard.roles.some((role) => role.gun === GUN && role.role === 'targets'));
    assert.equal(verifier.calls, 1, 'one GUN, verified once for its three tags');

    const again = await scan(store, notary, new Heard(), { verifier });
    assert.equal(again.unchangedImages, 1);
    assert.equal(notary.collects, 1, 'an unchanged timestamp fetches nothing more');
    assert.equal(verifier.calls, 1);
    assert.equal(again.verdictsWritten, 0, 'nothing changed, nothing written');
  });

  it('fetches the intermediate roots the core names before verifying, and verifies once', async () => {
    const store = newStore();
    const notary = new MemoryNotary();
    const firstKey = fixture.keys.root[0] as SigningKey;
    notary.collection = await fixture.build();
    await scan(store, notary, new Heard());

    const second = rootKey();
    const third = rootKey();
    const rotate = (version: number, keys: SigningKey[], signers: SigningKey[]) =>
      fixture.build({
        keys: { ...fixture.keys, root: keys },
        // Every role moves on with the root: the same version with other bytes would be a rollback.
        versions: { root: version, targets: version, snapshot: version, timestamp: version },
        signers: { root: signers },
      });
    notary.rootsByVersion.set(2, (await rotate(2, [second], [firstKey, second])).root);
    notary.collection = await rotate(3, [third], [second, third]);
    const verifier = countingVerifier();
    const heard = new Heard();
    const result = await scan(store, notary, heard, { verifier });

    assert.equal(heard.verdicts.find((v) => v.tag === 'v1')?.reason ?? null, null);
    assert.deepEqual(notary.rootWalks, [[2, 2]]);
    assert.equal(verifier.calls, 1, 'no failed first verification, no second one');
    assert.equal(heard.statusOf('v1'), 'signed');
    assert.equal(result.outcome, 'complete');
  });

  it('a forecast judges at its instant and writes nothing but its scan row', async () => {
    const store = newStore();
    const notary = new MemoryNotary();
    notary.collection = await fixture.build({ targets: { v1: SIGNED }, expires: { targets: new Date(NOW.getTime() + 10 * DAY) } });
    await scan(store, notary, new Heard());
    const before = store.allTags();

    const heard = new Heard();
    const forecast = await scan(store, notary, heard, { evaluateAt: new Date(NOW.getTime() + 20 * DAY) });
    assert.equal(heard.statusOf('v1'), 'expired');
    assert.equal(forecast.evaluatedAt.getTime(), NOW.getTime() + 20 * DAY);
    assert.deepEqual(store.allTags(), before, 'the stored verdicts did not move');
    assert.equal(store.recentScans(1)[0]?.kind, 'forecast');
  });

  describe('runScan with signatures (contract v1.2)', () => {
    const ARTIFACT = `sha256-${'a'.repeat(64)}`;
    const verifiers: SignatureVerifiers = {
      policy: 'release',
      fingerprint: 'f',
      cosign: {
        verifySigLayer: () => assert.fail('no .sig is listed'),
        verifyBundle: () => assert.fail('no bundle is listed'),
      },
    };
    const registry = {
      getManifestDescriptor: async () => undefined,
      getManifestByDigest: async () => undefined,
      getBlob: async () => undefined,
      getReferrers: async () => ({ supported: false as const, status: 404 }),
    };
    const scan = (store: ScanStore, nexus: RepositorySource, signatures: boolean) =>
      runScan(
        { nexus, notary: new MemoryNotary(), registryFor: () => registry, store, clock: fixedClock(NOW), log: silentLogger },
        {
          repositories: [{ name: 'docker-hosted', gunPrefix: PREFIX, signaturePolicy: 'release', require: ['dct'] }],
          registrySample: 0,
          signatures: signatures ? { policies: new Map([['release', verifiers]]) } : undefined,
        }
      );

    it('deletes the verdict v1.1 gave a sha256-<hex> fallback index tag once signatures are configured', async () => {
      const store = newStore();
      const listing = [
        { image: 'app', tag: 'v1', digest: digestOf(SIGNED), size: SIGNED.length },
        { image: 'app', tag: ARTIFACT, digest: digestOf(OTHER), size: OTHER.length },
      ];
      await scan(store, memoryNexus(listing), false);
      assert.equal(store.tag('docker-hosted', 'app', ARTIFACT)?.status, 'unsigned', 'v1.1 judged it as an image');
      const upgraded = await scan(store, memoryNexus(listing), true);
      assert.equal(store.tag('docker-hosted', 'app', ARTIFACT), undefined);
      assert.equal(upgraded.summary.skipped, 1);
      assert.equal(store.tag('docker-hosted', 'app', 'v1')?.coverage, 'none');
    });

    it('a listing that breaks off keeps what was known of every system, not only the status', async () => {
      const store = newStore();
      const listing = [
        { image: 'app', tag: 'v1', digest: digestOf(SIGNED), size: SIGNED.length },
        { image: 'app', tag: 'v2', digest: digestOf(OTHER), size: OTHER.length },
        { image: 'app', tag: 'v3', digest: digestOf(OTHER), size: OTHER.length },
      ];
      await scan(store, memoryNexus(listing), true);
      const before = store.tag('docker-hosted', 'app', 'v3');
      assert.deepEqual(
        before?.signatures?.map((entry) => entry.status),
        ['absent', 'absent', 'not_configured']
      );
      const broken: RepositorySource = {
        ...memoryNexus(listing),
        async *listTags(): AsyncIterable<ComponentPage> {
          yield { tags: listing.slice(0, 2), continuationToken: null, skipped: 0, invalidNames: [] };
          throw new FetchError('HTTP_5XX', 'Nexus answered 503');
        },
      };
      const result = await scan(store, broken, true);
      assert.equal(result.nexusFailed, true);
      const kept = store.tag('docker-hosted', 'app', 'v3');
      assert.match(kept?.reason ?? '', /last known/);
      assert.deepEqual(kept?.signatures, before?.signatures);
      assert.equal(kept?.coverage, before?.coverage);
    });
  });
});

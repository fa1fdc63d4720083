/**
 * Hostile trust data: real notary-server metadata, published by the real
 * notary client (targets/releases delegation included), mutated thousands of
 * times — bytes, fields, signatures, versions, expiry, delegations — and fed
 * to the pure verification core. It must never throw, and must never answer
 * `valid`/`signed` for anything but the untouched bytes.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import fc from 'fast-check';

import { assessCollection, checkedEvidence, judgeTag } from '../../src/notary/core/assess.js';
import { verifyCollection, NO_HISTORY, type TrustCollectionBytes } from '../../src/notary/core/verify-collection.js';
import { NotaryCli } from '../support/notary-cli.js';
import { startNotaryServer, type NotaryServer } from '../support/notary-server.js';
import { makeEcCertificate } from '../support/openssl.js';
import { makeTempDir } from '../support/temp.js';
import { canonicalJson } from '../support/trust-factory.js';
import { fetchAndVerify } from '../support/verify.js';

const GUN = '127.0.0.1:18079/fuzzed';
const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 2000);

type Role = 'root' | 'timestamp' | 'snapshot' | 'targets' | 'targets/releases';
const ROLES: readonly Role[] = ['root', 'timestamp', 'snapshot', 'targets', 'targets/releases'];

function getRole(bytes: TrustCollectionBytes, role: Role): Uint8Array {
  return role === 'targets/releases' ? (bytes.delegations.get(role) ?? new Uint8Array(0)) : bytes[role];
}

function withRole(bytes: TrustCollectionBytes, role: Role, value: Uint8Array): TrustCollectionBytes {
  if (role === 'targets/releases') {
    return { ...bytes, delegations: new Map([...bytes.delegations, [role, value]]) };
  }
  return { ...bytes, [role]: value };
}

type JsonTree = null | boolean | number | string | JsonTree[] | { [key: string]: JsonTree };

/** Paths to every value of a JSON tree, so that a mutation can pick one. */
function paths(tree: JsonTree, prefix: (string | number)[] = []): (string | number)[][] {
  const here = [prefix];
  if (Array.isArray(tree)) {
    return here.concat(...tree.map((item, index) => paths(item, [...prefix, index])));
  }
  if (tree !== null && typeof tree === 'object') {
    return here.concat(...Object.entries(tree).map(([key, value]) => paths(value, [...prefix, key])));
  }
  return here;
}

function setAt(tree: JsonTree, path: (string | number)[], value: JsonTree | undefined): JsonTree {
  if (path.length === 0) {
    return value ?? null;
  }
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(tree)) {
    const copy = [...tree];
    if (value === undefined && rest.length === 0) {
      copy.splice(head as number, 1);
    } else {
      copy[head as number] = setAt(copy[head as number] as JsonTree, rest, value);
    }
    return copy;
  }
  const copy = { ...(tree as { [key: string]: JsonTree }) };
  if (value === undefined && rest.length === 0) {
    delete copy[head as string];
  } else {
    copy[head as string] = setAt(copy[head as string] as JsonTree, rest, value);
  }
  return copy;
}

const replacement: fc.Arbitrary<JsonTree | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -2, max: 2 ** 31 }),
  fc.double({ noNaN: false }),
  fc.string(),
  fc.constantFrom('2099-01-01T00:00:00Z', '2000-01-01T00:00:00Z', '0001-01-01T00:00:00Z', 'Root', 'Targets', 'Snapshot', 'Timestamp', 'ecdsa', 'eddsa', 'rsapss', ''),
  fc.base64String({ maxLength: 120 }),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 })
);

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), role: fc.constantFrom(...ROLES), position: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), role: fc.constantFrom(...ROLES), position: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), role: fc.constantFrom(...ROLES), position: fc.nat(), data: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('field' as const), role: fc.constantFrom(...ROLES), pick: fc.nat(), value: replacement }),
  fc.record({ kind: fc.constant('swap' as const), from: fc.constantFrom(...ROLES), to: fc.constantFrom(...ROLES) }),
  fc.record({ kind: fc.constant('drop-delegation' as const) })
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(original: TrustCollectionBytes, change: Mutation): TrustCollectionBytes {
  switch (change.kind) {
    case 'flip': {
      const bytes = Buffer.from(getRole(original, change.role));
      if (bytes.length === 0) {
        return original;
      }
      const index = change.position % bytes.length;
      bytes[index] = (bytes[index] as number) ^ (1 << change.bit);
      return withRole(original, change.role, bytes);
    }
    case 'truncate': {
      const bytes = getRole(original, change.role);
      if (bytes.length === 0) {
        return original;
      }
      return withRole(original, change.role, bytes.subarray(0, change.position % bytes.length));
    }
    case 'insert': {
      const bytes = Buffer.from(getRole(original, change.role));
      const index = change.position % (bytes.length + 1);
      return withRole(original, change.role, Buffer.concat([bytes.subarray(0, index), change.data, bytes.subarray(index)]));
    }
    case 'field': {
      let tree: JsonTree;
      try {
        tree = JSON.parse(Buffer.from(getRole(original, change.role)).toString('utf8')) as JsonTree;
      } catch {
        return original; // an earlier mutation already broke this file's JSON
      }
      const candidates = paths(tree).filter((path) => path.length > 0);
      const path = candidates[change.pick % candidates.length] as (string | number)[];
      return withRole(original, change.role, Buffer.from(JSON.stringify(setAt(tree, path, change.value))));
    }
    case 'swap':
      return withRole(original, change.to, getRole(original, change.from));
    case 'drop-delegation':
      return { ...original, delegations: new Map() };
  }
}

/**
 * What the data means, as far as any verifier can tell: the exact bytes of
 * every file a hash covers, and for timestamp.json (covered by nothing but its
 * signatures) its canonical signed content and its decoded signature bytes.
 * Re-serialising the timestamp, or flipping a padding bit of a base64
 * signature (Go's decoder ignores it too), changes bytes but not meaning.
 */
function meaning(bytes: TrustCollectionBytes): string {
  const parts = ROLES.filter((role) => role !== 'timestamp').map((role) => Buffer.from(getRole(bytes, role) ?? new Uint8Array()).toString('base64'));
  let timestamp: string;
  try {
    const envelope = JSON.parse(Buffer.from(bytes.timestamp).toString('utf8')) as { signed: JsonTree; signatures: { keyid: string; method: string; sig: string }[] };
    timestamp = canonicalJson(envelope.signed) + JSON.stringify(envelope.signatures.map((s) => [s.keyid, s.method.toLowerCase(), Buffer.from(s.sig, 'base64').toString('hex')]));
  } catch {
    timestamp = 'unparseable:' + Buffer.from(bytes.timestamp).toString('base64');
  }
  return createHash('sha256')
    .update(JSON.stringify([...parts, timestamp]))
    .digest('hex');
}

describe('the verifier against mutated real metadata', () => {
  let dir: { path: string; remove(): Promise<void> };
  let server: NotaryServer;
  let original: TrustCollectionBytes;
  const manifest = { sha256: createHash('sha256').update(randomBytes(64)).digest('hex'), size: 512 };
  const now = new Date();

  before(async () => {
    dir = await makeTempDir('property');
    server = await startNotaryServer({ dir: dir.path });
    const cli = new NotaryCli({ trustDir: `${dir.path}/trust`, serverUrl: server.url, workDir: `${dir.path}/work` });
    const releases = await makeEcCertificate(dir.path, 'releases', 'releases');
    await cli.init(GUN);
    await cli.addDelegation(GUN, 'targets/releases', releases.certFile, releases.keyFile);
    await cli.addHash(GUN, 'v1', manifest.sha256, manifest.size, 'targets/releases');
    await cli.addHash(GUN, 'v1', manifest.sha256, manifest.size, 'targets');
    await cli.publish(GUN);
    const fetched = await fetchAndVerify(server.url, GUN);
    assert.ok(fetched.fetched?.kind === 'fetched');
    original = fetched.fetched.bytes;
  });

  after(async () => {
    await server?.stop();
    await dir?.remove();
  });

  it('verifies the untouched real data as valid, and v1 as signed', () => {
    const evidence = checkedEvidence(verifyCollection(GUN, original, NO_HISTORY, now));

    assert.equal(assessCollection(evidence, now).status, 'valid');
    assert.equal(judgeTag(evidence, 'v1', { digest: `sha256:${manifest.sha256}`, size: manifest.size }, now).status, 'signed');
  });

  it(`never throws and never says valid or signed for mutated data (${RUNS} runs)`, () => {
    let mutated = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (changes) => {
        const bytes = changes.reduce(mutate, original);
        const verification = verifyCollection(GUN, bytes, NO_HISTORY, now);
        const evidence = checkedEvidence(verification);
        const collection = assessCollection(evidence, now).status;
        const tag = judgeTag(evidence, 'v1', { digest: `sha256:${manifest.sha256}`, size: manifest.size }, now).status;
        if (meaning(bytes) === meaning(original)) {
          return; // e.g. swapping a role with itself, or re-serialising the timestamp
        }
        mutated++;
        // Bytes that canonicalise to the same signed content with the same hashes do not exist here:
        // every file is covered by a hash (snapshot, targets, delegations) or a signature over its content (timestamp, root).
        assert.notEqual(collection, 'valid', `valid after ${JSON.stringify(changes).slice(0, 300)}`);
        assert.notEqual(tag, 'signed', `signed after ${JSON.stringify(changes).slice(0, 300)}`);
      }),
      { numRuns: RUNS }
    );
    assert.ok(mutated > RUNS / 2, `${mutated} of ${RUNS} runs changed the bytes`);
  });
});

/**
 * Real Notary trust metadata that nobody on this project wrote, verified by
 * the pure core (test/fixtures/real; where each collection comes from, its
 * licence and what it is: the SOURCE.md of each source folder).
 *
 * What each collection should mean is read independently of src/: the JSON
 * with JSON.parse, the root certificates with node:crypto's X509Certificate,
 * docker's rule (targets/releases first, then targets) written out again here.
 * The evaluation instant is derived from the files (just before the earliest
 * expiry, root certificates included), never from the clock: these files are
 * long expired, and the suite also runs under faketime far in the future.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assessCollection, checkedEvidence, judgeTag, type HonouredTarget } from '../../../src/notary/core/assess.js';
import { NO_HISTORY, verifyCollection, type TrustCollectionBytes, type TrustHistory } from '../../../src/notary/core/verify-collection.js';

/** Compiled, this file is dist/test/unit/notary/; tsc does not copy fixtures, so go up to the repository. */
const REAL = fileURLToPath(new URL('../../../../test/fixtures/real/', import.meta.url));

const SECOND = 1000;

// --- The files, read without src/ ---------------------------------------------

interface FileMetaJson {
  readonly length: number;
  readonly hashes: Readonly<Record<string, string>>;
}

interface SignedJson {
  readonly _type: string;
  readonly version: number;
  readonly expires: string;
  readonly meta?: Readonly<Record<string, FileMetaJson>>;
  readonly targets?: Readonly<Record<string, FileMetaJson>>;
  readonly delegations?: { readonly roles: readonly { readonly name: string; readonly paths: readonly string[] }[] };
  readonly keys?: Readonly<Record<string, { readonly keytype: string; readonly keyval: { readonly public: string } }>>;
  readonly roles?: Readonly<Record<string, { readonly keyids: readonly string[] }>>;
}

/** role name → bytes, exactly as the files are committed. */
function loadFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (relative: string): void => {
    for (const entry of readdirSync(join(dir, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        walk(path);
      } else if (entry.name.endsWith('.json')) {
        files.set(path.slice(0, -'.json'.length), readFileSync(join(dir, path)));
      }
    }
  };
  walk('');
  return files;
}

function signedOf(bytes: Uint8Array): SignedJson {
  return (JSON.parse(Buffer.from(bytes).toString('utf8')) as { signed: SignedJson }).signed;
}

/**
 * Drops the whitespace between JSON tokens (none inside strings). Connaisseur
 * keeps its copies pretty-printed; notary-server serves compact JSON, and the
 * hashes that timestamp and snapshot sign are over those compact bytes. The
 * test proves the result is the served file by checking it against those
 * hashes (`assertListedByParents`), so nothing here is taken on trust.
 */
function withoutInsignificantWhitespace(bytes: Uint8Array): Buffer {
  const text = Buffer.from(bytes).toString('utf8');
  let out = '';
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    if (inString) {
      out += char;
      if (char === '\\') {
        out += text[++index] ?? '';
      } else if (char === '"') {
        inString = false;
      }
    } else if (char === '"') {
      inString = true;
      out += char;
    } else if (!' \t\r\n'.includes(char)) {
      out += char;
    }
  }
  return Buffer.from(out, 'utf8');
}

function base64ToHex(base64: string): string {
  return Buffer.from(base64, 'base64').toString('hex');
}

/** RFC 3339 with nanoseconds and offsets: keep milliseconds, let Date parse the rest. */
function instantOf(rfc3339: string): number {
  const instant = Date.parse(rfc3339.replace(/(\.\d{3})\d+/, '$1'));
  assert.ok(Number.isFinite(instant), `unparseable time ${rfc3339}`);
  return instant;
}

interface RootCertificate {
  readonly commonName: string;
  readonly notAfter: number;
}

/** The root role's certificates, read by node:crypto (not by src/notary/core/der.ts). */
function rootCertificates(root: SignedJson): RootCertificate[] {
  return (root.roles?.['root']?.keyids ?? []).map((keyid) => {
    const key = root.keys?.[keyid];
    assert.ok(key !== undefined && key.keytype.endsWith('-x509'), `root key ${keyid} is a certificate`);
    const certificate = new X509Certificate(Buffer.from(key.keyval.public, 'base64'));
    const commonName = /^CN=(.*)$/m.exec(certificate.subject)?.[1];
    assert.ok(commonName !== undefined, `root key ${keyid} has a CN`);
    return { commonName, notAfter: Date.parse(certificate.validTo) };
  });
}

/** Every file's hash and length, as its signed parent lists them (timestamp → snapshot → the rest). */
function assertListedByParents(served: ReadonlyMap<string, Buffer>): void {
  const check = (role: string, bytes: Buffer | undefined, meta: FileMetaJson | undefined, parent: string): void => {
    assert.ok(bytes !== undefined, `${role} is present`);
    assert.ok(meta !== undefined, `${parent} lists ${role}`);
    assert.equal(bytes.length, meta.length, `${role} length as ${parent} lists it`);
    for (const [algorithm, digest] of Object.entries(meta.hashes)) {
      assert.equal(createHash(algorithm).update(bytes).digest('base64'), digest, `${role} ${algorithm} as ${parent} lists it`);
    }
  };
  const timestamp = signedOf(served.get('timestamp') as Buffer);
  check('snapshot', served.get('snapshot'), timestamp.meta?.['snapshot'], 'timestamp');
  const snapshot = signedOf(served.get('snapshot') as Buffer);
  for (const role of served.keys()) {
    if (role !== 'timestamp' && role !== 'snapshot') {
      check(role, served.get(role), snapshot.meta?.[role], 'snapshot');
    }
  }
}

/** What `docker pull` honours (docker/cli trust.go): targets/releases first, then targets. */
function dockerHonours(served: ReadonlyMap<string, Buffer>): HonouredTarget[] {
  const honoured = new Map<string, HonouredTarget>();
  const add = (role: string, targets: SignedJson['targets'], paths: readonly string[]): void => {
    for (const [tag, meta] of Object.entries(targets ?? {})) {
      if (!honoured.has(tag) && paths.some((path) => tag.startsWith(path))) {
        honoured.set(tag, { tag, digest: `sha256:${base64ToHex(meta.hashes['sha256'] as string)}`, length: meta.length, role });
      }
    }
  };
  const targets = signedOf(served.get('targets') as Buffer);
  const releases = served.get('targets/releases');
  const releasesRole = targets.delegations?.roles.find((role) => role.name === 'targets/releases');
  if (releases !== undefined && releasesRole !== undefined) {
    add('targets/releases', signedOf(releases).targets, releasesRole.paths);
  }
  add('targets', targets.targets, ['']);
  return [...honoured.values()].sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
}

interface Reading {
  /** The CN of the root certificates: the GUN Notary accepts this root for. */
  readonly gun: string;
  /** Earliest instant anything expires: a role's `expires` or a root certificate's notAfter. */
  readonly earliestExpiry: number;
  /** The role (or `root-certificate`) that expires first. */
  readonly firstToExpire: string;
  readonly versions: readonly string[];
  readonly honoured: readonly HonouredTarget[];
  readonly certificateNotAfter: number;
}

function read(served: ReadonlyMap<string, Buffer>): Reading {
  const root = signedOf(served.get('root') as Buffer);
  const certificates = rootCertificates(root);
  const names = new Set(certificates.map((certificate) => certificate.commonName));
  assert.equal(names.size, 1, 'every root certificate names the same GUN');
  const certificateNotAfter = Math.min(...certificates.map((certificate) => certificate.notAfter));
  const expiries: [string, number][] = [['root-certificate', certificateNotAfter]];
  const versions: string[] = [];
  for (const [role, bytes] of served) {
    const signed = signedOf(bytes);
    expiries.push([role, instantOf(signed.expires)]);
    versions.push(`${role}@${signed.version}`);
  }
  expiries.sort((a, b) => a[1] - b[1]);
  const [firstToExpire, earliestExpiry] = expiries[0] as [string, number];
  return {
    gun: [...names][0] as string,
    earliestExpiry,
    firstToExpire,
    versions: versions.sort(),
    honoured: dockerHonours(served),
    certificateNotAfter,
  };
}

// --- The collections -----------------------------------------------------------

interface Collection {
  readonly dir: string;
  /** The files are pretty-printed copies of what the server served (Connaisseur). */
  readonly reformatted: boolean;
}

const COLLECTIONS: readonly Collection[] = [
  { dir: 'notary-compatibility/docker.com/notary0.1/samplerepo', reformatted: false },
  { dir: 'notary-compatibility/docker.com/notary0.3/tst', reformatted: false },
  { dir: 'connaisseur/docker.io/phbelitz/alice-image', reformatted: true },
  { dir: 'connaisseur/docker.io/phbelitz/sample-image', reformatted: true },
  { dir: 'connaisseur/docker.io/phbelitz/sample-san-sama', reformatted: true },
  { dir: 'connaisseur/docker.io/phbelitz/delegation/timestamp-v1', reformatted: true },
  { dir: 'connaisseur/docker.io/phbelitz/delegation/timestamp-v3', reformatted: true },
  { dir: 'connaisseur/docker.io/phbelitz/delegation/timestamp-v6', reformatted: true },
];

interface Loaded {
  readonly committed: Map<string, Buffer>;
  /** The bytes notary-server served: the committed ones, or their compact form for reformatted copies. */
  readonly served: Map<string, Buffer>;
  readonly reading: Reading;
}

function load(collection: Collection): Loaded {
  const committed = loadFiles(join(REAL, collection.dir));
  const served = collection.reformatted ? new Map([...committed].map(([role, bytes]) => [role, withoutInsignificantWhitespace(bytes)])) : committed;
  return { committed, served, reading: read(served) };
}

function asBytes(files: ReadonlyMap<string, Buffer>): TrustCollectionBytes {
  const delegations = new Map<string, Uint8Array>();
  for (const [role, bytes] of files) {
    if (role.startsWith('targets/')) {
      delegations.set(role, bytes);
    }
  }
  return {
    root: files.get('root') as Buffer,
    timestamp: files.get('timestamp') as Buffer,
    snapshot: files.get('snapshot') as Buffer,
    targets: files.get('targets') as Buffer,
    delegations,
  };
}

function verify(gun: string, files: ReadonlyMap<string, Buffer>, now: Date, history: TrustHistory = NO_HISTORY) {
  const verification = verifyCollection(gun, asBytes(files), history, now);
  const evidence = checkedEvidence(verification);
  return { verification, evidence, assessment: assessCollection(evidence, now) };
}

function failureOf(verification: ReturnType<typeof verifyCollection>): string {
  return verification.ok ? 'ok' : `${verification.error.code}@${verification.error.role}`;
}

function versionsOf(roles: readonly { role: string; version: number }[]): string[] {
  return roles
    .filter((role) => role.role !== 'root-certificate')
    .map((role) => `${role.role}@${role.version}`)
    .sort();
}

/** The rollback floor a client would keep after trusting these files (independent of the verifier's records). */
function historyOf(served: ReadonlyMap<string, Buffer>): TrustHistory {
  const roles = new Map<string, { version: number; sha256: string }>();
  for (const [role, bytes] of served) {
    roles.set(role, { version: signedOf(bytes).version, sha256: createHash('sha256').update(bytes).digest('hex') });
  }
  return { pinnedRoot: served.get('root'), roles };
}

// --- The tests -----------------------------------------------------------------

describe('real Notary metadata (test/fixtures/real)', () => {
  for (const collection of COLLECTIONS) {
    describe(collection.dir, () => {
      const { committed, served, reading } = load(collection);
      const justBefore = new Date(reading.earliestExpiry - SECOND);
      const justAfter = new Date(reading.earliestExpiry + SECOND);

      it('is the bytes the server served: every file matches the hash and length its signed parent lists', () => {
        assertListedByParents(served);
      });

      it(`is valid just before its earliest expiry, with exactly the targets docker pull would honour`, () => {
        const { verification, evidence, assessment } = verify(reading.gun, served, justBefore);

        assert.equal(failureOf(verification), 'ok');
        assert.equal(assessment.status, 'valid', assessment.reason ?? '');
        assert.equal(assessment.reasonCode, null);
        assert.deepEqual(assessment.targets, reading.honoured);
        assert.ok(reading.honoured.length > 0, 'the collection signs at least one tag');
        assert.deepEqual(versionsOf(assessment.roles), reading.versions);
        const certificate = assessment.roles.find((role) => role.role === 'root-certificate');
        assert.equal(certificate?.expires, new Date(reading.certificateNotAfter).toISOString());
        for (const target of reading.honoured) {
          const judgement = judgeTag(evidence, target.tag, { digest: target.digest, size: target.length }, justBefore);
          assert.equal(judgement.status, 'signed', `${target.tag}: ${judgement.reason ?? ''}`);
          assert.equal(judgement.role, target.role);
          assert.equal(judgement.signedDigest, target.digest);
        }
      });

      it(`is expired just after its earliest expiry, the ${reading.firstToExpire} expiry`, () => {
        const { verification, assessment } = verify(reading.gun, served, justAfter);

        assert.equal(failureOf(verification), 'ok');
        assert.equal(assessment.status, 'expired');
        assert.equal(assessment.reasonCode, 'EXPIRED');
        assert.match(assessment.reason ?? '', new RegExp(`[:,] ${reading.firstToExpire} at `));
        assert.deepEqual(assessment.targets, reading.honoured);
      });

      if (collection.reformatted) {
        // Connaisseur stores these files pretty-printed. Signatures are over
        // canonical JSON and survive that, but the snapshot's hash in timestamp
        // is over the bytes the server served, so the copies as committed are
        // rightly refused (Notary's CheckHashes refuses them the same way).
        it('as committed (pretty-printed) is invalid: the snapshot no longer has the hash timestamp signed', () => {
          assert.notDeepEqual(committed.get('snapshot'), served.get('snapshot'));
          const { verification, assessment } = verify(reading.gun, committed, justBefore);

          assert.equal(failureOf(verification), 'HASH_MISMATCH@snapshot');
          assert.equal(assessment.status, 'invalid');
          assert.deepEqual(assessment.targets, []);
        });
      }
    });
  }

  describe('what the sources themselves say', () => {
    // fixtures/compatibility/README.md in theupdateframework/notary lists the targets of each repository.
    it('notary0.1 lists LICENSE in targets, as the Notary README says', () => {
      const { reading } = load(COLLECTIONS[0] as Collection);
      assert.equal(reading.gun, 'docker.com/notary0.1/samplerepo');
      assert.deepEqual(reading.honoured, [
        {
          tag: 'LICENSE',
          digest: 'sha256:9395bac6fccb26bcb55efb083d1b4b0fe72a1c25f959f056c016120b3bb56a62',
          length: 11309,
          role: 'targets',
        },
      ]);
    });

    it('notary0.3 lists LICENSE and change in targets and hello in targets/releases, as the Notary README says', () => {
      const { reading } = load(COLLECTIONS[1] as Collection);
      const empty = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
      assert.deepEqual(reading.honoured, [
        {
          tag: 'LICENSE',
          digest: 'sha256:9395bac6fccb26bcb55efb083d1b4b0fe72a1c25f959f056c016120b3bb56a62',
          length: 11309,
          role: 'targets',
        },
        { tag: 'change', digest: empty, length: 0, role: 'targets' },
        { tag: 'hello', digest: empty, length: 0, role: 'targets/releases' },
      ]);
    });

    it('notary0.3 is not valid for the GUN its README names: the root certificate says docker.com/notary0.3/tst', () => {
      // The README calls this repository docker.com/notary0.3/samplerepo, but
      // its directory, its own `notary status` transcript and the root
      // certificate's CN say docker.com/notary0.3/tst. Notary matches the CN
      // against the GUN (trustpinning/certs.go MatchCNToGun), and so do we.
      const { served, reading } = load(COLLECTIONS[1] as Collection);
      assert.equal(reading.gun, 'docker.com/notary0.3/tst');
      const { verification, assessment } = verify('docker.com/notary0.3/samplerepo', served, new Date(reading.earliestExpiry - SECOND));

      assert.equal(failureOf(verification), 'ROOT_CERTIFICATE_INVALID@root');
      assert.equal(assessment.status, 'invalid');
    });

    it('notary0.3 expires with its root certificate (2026-07-25), ninety years before its metadata', () => {
      // Every role says 2116, the root certificate's notAfter is 2026-07-25.
      // We report that as `expired` with the root-certificate role; Notary
      // itself drops an expired root certificate (certs.go validRootLeafCerts
      // with checkExpiry) and fails with "no valid leaf certificates", i.e.
      // refuses the repository outright. Same outcome for a pull (refused),
      // different category: deliberate here (README: expired trust reads as
      // expired, not invalid).
      const { served, reading } = load(COLLECTIONS[1] as Collection);
      assert.equal(reading.firstToExpire, 'root-certificate');
      assert.equal(new Date(reading.earliestExpiry).toISOString(), '2026-07-25T22:56:32.000Z');
      const { assessment } = verify(reading.gun, served, new Date(Date.parse('2116-01-01T00:00:00Z')));

      assert.equal(assessment.status, 'expired');
      assert.equal(assessment.reasonCode, 'EXPIRED');
      assert.match(assessment.reason ?? '', /^expired: root-certificate at \S+$/);
    });
  });

  describe('docker.io/phbelitz/delegation: three real publishes of one repository', () => {
    const [v1, v3, v6] = COLLECTIONS.slice(5).map(load) as [Loaded, Loaded, Loaded];

    it('is one repository with one root, republished with newer versions each time', () => {
      assert.equal(v1.reading.gun, 'docker.io/phbelitz/delegation');
      assert.equal(v3.reading.gun, v1.reading.gun);
      assert.equal(v6.reading.gun, v1.reading.gun);
      assert.deepEqual(v3.served.get('root'), v1.served.get('root'));
      assert.deepEqual(v6.served.get('root'), v1.served.get('root'));
      // The tag `test` moved: a different digest signed in each publish.
      const digests = [v1, v3, v6].map((loaded) => loaded.reading.honoured.find((target) => target.tag === 'test')?.digest);
      assert.equal(new Set(digests).size, 3);
    });

    it('each publish is accepted after the one before it (rollback floor and pinned root of the previous)', () => {
      for (const [previous, next] of [
        [v1, v3],
        [v3, v6],
        [v1, v6],
      ] as const) {
        const { verification, assessment } = verify(next.reading.gun, next.served, new Date(next.reading.earliestExpiry - SECOND), historyOf(previous.served));
        assert.equal(failureOf(verification), 'ok');
        assert.equal(assessment.status, 'valid');
        assert.deepEqual(assessment.targets, next.reading.honoured);
      }
    });

    it('an older publish served after a newer one is a rollback, although every signature in it is genuine', () => {
      const { verification, assessment } = verify(v1.reading.gun, v1.served, new Date(v1.reading.earliestExpiry - SECOND), historyOf(v6.served));

      assert.equal(failureOf(verification), 'ROLLBACK@timestamp');
      assert.equal(assessment.status, 'invalid');
      assert.equal(assessment.reasonCode, 'ROLLBACK');
    });

    it('in the latest publish targets/releases, top-level targets and targets/del2 disagree on `test`: releases wins', () => {
      const signedBy = (role: string): { digest: string; size: number } => {
        const meta = signedOf(v6.served.get(role) as Buffer).targets?.['test'];
        assert.ok(meta !== undefined, `${role} signs test`);
        return { digest: `sha256:${base64ToHex(meta.hashes['sha256'] as string)}`, size: meta.length };
      };
      const [topLevelTarget, releasesTarget, del2Target] = ['targets', 'targets/releases', 'targets/del2'].map(signedBy) as [
        { digest: string; size: number },
        { digest: string; size: number },
        { digest: string; size: number },
      ];
      assert.equal(new Set([topLevelTarget.digest, releasesTarget.digest, del2Target.digest]).size, 3);

      const at = new Date(v6.reading.earliestExpiry - SECOND);
      const { evidence } = verify(v6.reading.gun, v6.served, at);
      const releases = judgeTag(evidence, 'test', releasesTarget, at);
      const topLevel = judgeTag(evidence, 'test', topLevelTarget, at);
      const del2 = judgeTag(evidence, 'test', del2Target, at);

      assert.equal(releases.status, 'signed');
      assert.equal(releases.role, 'targets/releases');
      assert.equal(topLevel.status, 'digest_mismatch');
      assert.equal(del2.status, 'digest_mismatch');
    });
  });
});

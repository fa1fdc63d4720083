/**
 * Attacks on the cosign and Notation audit by someone who controls a
 * repository's tags and untagged manifests (any `.sig`, fallback index,
 * referrer or blob), a signer the policy does not trust, or the registry's
 * answers. Each test is an attempt to make a tag report `verified` that
 * should not, to make the auditor fetch without bound, or to have stored
 * evidence reused after what it was judged under changed; each stays as a
 * regression test. The verifiers are the real ones (cosign's and Notation's),
 * on an in-memory registry that counts its requests.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { Agent } from 'undici';

import { loadCosignVerifiers } from '../../../src/cosign/cosign-policy.js';
import { compileIdentity, matchIdentity } from '../../../src/cosign/core/identity.js';
import { verifyBundle } from '../../../src/cosign/core/verify-cosign.js';
import type { SystemSignature } from '../../../src/domain/signatures.js';
import { FetchError } from '../../../src/lib/errors.js';
import { createHttpClient, type HttpClient } from '../../../src/lib/http/http-client.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { RegistryClient } from '../../../src/registry/registry-client.js';
import { loadNotationVerifiers } from '../../../src/notation/notation-policy.js';
import type { ArtifactSource } from '../../../src/scan/ports.js';
import { ArtifactIndex, SignatureChecker, type SignatureVerifiers } from '../../../src/scan/signature-checker.js';
import { ScanTally } from '../../../src/scan/tally.js';
import { MemorySignatureState } from '../../support/memory-signature-state.js';
import { renderCoverageCell } from '../../../src/server/status-page/coverage-section.js';
import type { StoredTag } from '../../../src/domain/verdict.js';
import { dsseBundle, keylessSigner, p256Key, sigManifest, signStatement, simpleSigningLayer, testSigstore, type CosignKey } from '../../support/signers/cosign-signer.js';
import { issue, makeRoot, signJws, type TestLeaf } from '../../support/signers/notation-signer.js';

const digestOf = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const IMAGE = 'app';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const NOTATION_TYPE = 'application/vnd.cncf.notary.signature';
const JWS = 'application/jose+json';
const ISSUER = 'https://token.actions.githubusercontent.com';
const WORKFLOW = 'https://github.com/org/app/.github/workflows/release.yml@refs/heads/main';
const EMPTY = Buffer.from('{}');

/** Two image manifests of the repository: the victim (never signed by a trusted signer) and one that is. */
const imageManifest = (name: string): Buffer =>
  json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(Buffer.from(name)), size: name.length }, layers: [] });
const VICTIM_BYTES = imageManifest('victim');
const SIGNED_BYTES = imageManifest('signed');
const VICTIM = digestOf(VICTIM_BYTES);
const SIGNED = digestOf(SIGNED_BYTES);

/** A registry in memory that counts its requests; its referrers API answers whatever index it is given. */
class HostileRegistry implements ArtifactSource {
  readonly manifests = new Map<string, Buffer>();
  readonly blobs = new Map<string, Buffer>();
  /** undefined: no referrers API; else the index bytes answered for any digest. */
  referrersIndex: Buffer | undefined;
  requests = 0;
  manifestGets = 0;
  blobGets = 0;

  putManifest(bytes: Buffer): string {
    const digest = digestOf(bytes);
    this.manifests.set(digest, bytes);
    return digest;
  }

  putBlob(bytes: Buffer): { digest: string; size: number } {
    const digest = digestOf(bytes);
    this.blobs.set(digest, bytes);
    return { digest, size: bytes.length };
  }

  async getManifestDescriptor() {
    this.requests++;
    return undefined;
  }

  async getManifestByDigest(_image: string, digest: string) {
    this.requests++;
    this.manifestGets++;
    const bytes = this.manifests.get(digest);
    return bytes === undefined ? undefined : { bytes, mediaType: undefined };
  }

  async getBlob(_image: string, digest: string) {
    this.requests++;
    this.blobGets++;
    return this.blobs.get(digest);
  }

  async getReferrers() {
    this.requests++;
    return this.referrersIndex === undefined ? { supported: false as const, status: 404 } : { supported: true as const, index: this.referrersIndex };
  }
}

/** A referrer manifest of `artifactType` for `subject` whose one layer is `layer`, pushed by digest. */
function pushReferrer(registry: HostileRegistry, subject: string, artifactType: string, layer: { bytes: Buffer; mediaType: string }): { digest: string; artifactType: string } {
  registry.putBlob(EMPTY);
  const blob = registry.putBlob(layer.bytes);
  const digest = registry.putManifest(
    json({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf(EMPTY), size: EMPTY.length },
      layers: [{ mediaType: layer.mediaType, ...blob }],
      subject: { mediaType: OCI_MANIFEST, digest: subject, size: subject === VICTIM ? VICTIM_BYTES.length : SIGNED_BYTES.length },
    })
  );
  return { digest, artifactType };
}

function indexOf(referrers: readonly { digest: string; artifactType?: string }[]): Buffer {
  return json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: referrers.map((r) => ({ mediaType: OCI_MANIFEST, size: 1, ...r })) });
}

const fallbackTag = (digest: string): string => digest.replace(':', '-');
const sigTag = (digest: string): string => `${fallbackTag(digest)}.sig`;

interface World {
  readonly registry: HostileRegistry;
  readonly state: MemorySignatureState;
  readonly artifacts: ArtifactIndex;
  readonly entries: (options?: { digest?: string; scope?: string; verifiers?: SignatureVerifiers; artifacts?: ArtifactIndex; at?: Date }) => Promise<readonly SystemSignature[]>;
}

function world(verifiers: SignatureVerifiers, at = new Date()): World {
  const registry = new HostileRegistry();
  const state = new MemorySignatureState();
  const artifacts = new ArtifactIndex();
  return {
    registry,
    state,
    artifacts,
    entries: (options = {}) => {
      const digest = options.digest ?? VICTIM;
      const evaluatedAt = options.at ?? at;
      // A new checker per call: one scan each, as the scheduler makes them.
      const checker = new SignatureChecker({
        registryFor: () => registry,
        state,
        tally: new ScanTally(),
        log: silentLogger,
        evaluatedAt,
        forecast: false,
        now: () => evaluatedAt,
        signal: undefined,
      });
      return checker.entriesFor(
        { repository: 'hosted', image: IMAGE, digest, size: digest === VICTIM ? VICTIM_BYTES.length : SIGNED_BYTES.length, scope: options.scope ?? `nexus.example/${IMAGE}` },
        { verifiers: options.verifiers ?? verifiers, require: ['cosign'] },
        options.artifacts ?? artifacts
      );
    },
  };
}

const entryOf = (entries: readonly SystemSignature[], system: string): SystemSignature => entries.find((entry) => entry.system === system) ?? assert.fail(`no ${system} entry`);

function cosignVerifiers(keys: readonly CosignKey[], extra: { trustedRoot?: Buffer; identities?: { issuer: string; subject?: string; subjectRegExp?: string }[] } = {}): SignatureVerifiers {
  const files = new Map<string, Buffer>(keys.map((key, index) => [`key-${index}.pub`, Buffer.from(key.publicPem)]));
  if (extra.trustedRoot !== undefined) files.set('trusted_root.json', extra.trustedRoot);
  const cosign = loadCosignVerifiers(
    {
      keys: keys.map((_key, index) => `key-${index}.pub`),
      identities: extra.identities ?? [],
      trustedRoot: extra.trustedRoot === undefined ? undefined : 'trusted_root.json',
      requireTlog: false,
    },
    'signatures.policies.release.cosign',
    (path) => files.get(path) ?? assert.fail(`no file ${path}`)
  );
  return { policy: 'release', fingerprint: `${cosign.fingerprint}/-`, cosign };
}

describe('attacks on cosign discovery and verification', () => {
  const trusted = p256Key();
  const stranger = p256Key();

  it('a .sig of the signed digest placed under the victim digest’s .sig tag is invalid (it signs another digest), never verified', async () => {
    const { registry, artifacts, entries } = world(cosignVerifiers([trusted]));
    const pushed = sigManifest([simpleSigningLayer({ digest: SIGNED, signer: trusted })]);
    for (const blob of pushed.blobs) registry.putBlob(blob.bytes);
    artifacts.record(IMAGE, sigTag(VICTIM), registry.putManifest(pushed.manifest.bytes));
    const cosign = entryOf(await entries(), 'cosign');
    assert.equal(cosign.status, 'invalid');
    assert.match(cosign.reason ?? '', /DIGEST_MISMATCH/);
  });

  it('a .sig listed in another image of the repository does not count for the victim image', async () => {
    const { registry, artifacts, entries } = world(cosignVerifiers([trusted]));
    const pushed = sigManifest([simpleSigningLayer({ digest: VICTIM, signer: trusted })]);
    for (const blob of pushed.blobs) registry.putBlob(blob.bytes);
    artifacts.record('other-image', sigTag(VICTIM), registry.putManifest(pushed.manifest.bytes));
    assert.equal(entryOf(await entries(), 'cosign').status, 'absent');
  });

  it('a referrer whose subject is the victim but whose layer is the signed image’s valid bundle is invalid (the statement names another digest)', async () => {
    const { registry, artifacts, entries } = world(cosignVerifiers([trusted]));
    const bundle = dsseBundle({ statement: signStatement([SIGNED]), signer: trusted });
    const referrer = pushReferrer(registry, VICTIM, BUNDLE_TYPE, { bytes: bundle, mediaType: BUNDLE_TYPE });
    artifacts.record(IMAGE, fallbackTag(VICTIM), registry.putManifest(indexOf([referrer])));
    const cosign = entryOf(await entries(), 'cosign');
    assert.equal(cosign.status, 'invalid');
    assert.match(cosign.reason ?? '', /DIGEST_MISMATCH/);
  });

  it('the signed image’s own bundle referrer listed in the victim’s fallback index is refused by its subject', async () => {
    const { registry, artifacts, entries } = world(cosignVerifiers([trusted]));
    const bundle = dsseBundle({ statement: signStatement([SIGNED]), signer: trusted });
    const referrer = pushReferrer(registry, SIGNED, BUNDLE_TYPE, { bytes: bundle, mediaType: BUNDLE_TYPE });
    artifacts.record(IMAGE, fallbackTag(VICTIM), registry.putManifest(indexOf([referrer])));
    const cosign = entryOf(await entries(), 'cosign');
    assert.equal(cosign.status, 'invalid');
    assert.match(cosign.reason ?? '', /subject is not/);
  });

  it('a referrers API that lists another digest’s referrer for the victim gains nothing: the manifest’s subject decides', async () => {
    const { registry, entries } = world(cosignVerifiers([trusted]));
    const bundle = dsseBundle({ statement: signStatement([SIGNED]), signer: trusted });
    registry.referrersIndex = indexOf([pushReferrer(registry, SIGNED, BUNDLE_TYPE, { bytes: bundle, mediaType: BUNDLE_TYPE })]);
    assert.notEqual(entryOf(await entries(), 'cosign').status, 'verified');
  });

  it('a fallback tag that resolves to the subject itself (oras-go#1396) verifies nothing', async () => {
    const { registry, artifacts, entries } = world(cosignVerifiers([trusted]));
    artifacts.record(IMAGE, fallbackTag(VICTIM), registry.putManifest(VICTIM_BYTES));
    const cosign = entryOf(await entries(), 'cosign');
    assert.notEqual(cosign.status, 'verified');
    // An image index as the subject: its platform manifests are listed, read, and are no signatures.
    const platform = registry.putManifest(SIGNED_BYTES);
    const subjectIndex = json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: platform, size: SIGNED_BYTES.length }] });
    const indexDigest = registry.putManifest(subjectIndex);
    const artifacts2 = new ArtifactIndex();
    artifacts2.record(IMAGE, fallbackTag(indexDigest), indexDigest);
    assert.equal(entryOf(await entries({ digest: indexDigest, artifacts: artifacts2 }), 'cosign').status, 'absent');
  });

  it('a statement listing several subjects verifies for each of them (cosign’s rule), but a digest named elsewhere in it does not count', async () => {
    const verifiers = cosignVerifiers([trusted]);
    const several = dsseBundle({ statement: signStatement([SIGNED, VICTIM]), signer: trusted });
    assert.equal(verifiers.cosign?.verifyBundle(several, VICTIM).status, 'verified');
    const hex = VICTIM.slice('sha256:'.length);
    for (const statement of [
      { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: VICTIM, digest: { sha256: SIGNED.slice(7) } }], predicateType: 'x', predicate: { victim: VICTIM } },
      { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'app', digest: { sha512: hex, SHA256: hex } }], predicateType: 'x', predicate: {} },
      { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'app', digest: { sha256: hex.toUpperCase() } }], predicateType: 'x', predicate: {} },
    ]) {
      const check = verifiers.cosign?.verifyBundle(dsseBundle({ statement: json(statement), signer: trusted }), VICTIM);
      assert.equal(check?.status, 'invalid', JSON.stringify(statement));
      assert.equal(check?.code, 'DIGEST_MISMATCH');
    }
  });

  it('a statement whose subject has a case variant Go would read instead (`Subject`, `Digest`) is refused, not read two ways', () => {
    const verifiers = cosignVerifiers([trusted]);
    const hex = (digest: string) => digest.slice('sha256:'.length);
    // Go's encoding/json matches keys case-insensitively and keeps the last: cosign would read SIGNED here.
    const variants = [
      `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app","digest":{"sha256":"${hex(VICTIM)}"}}],"Subject":[{"name":"app","digest":{"sha256":"${hex(SIGNED)}"}}],"predicateType":"x","predicate":{}}`,
      `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app","digest":{"sha256":"${hex(VICTIM)}"},"Digest":{"sha256":"${hex(SIGNED)}"}}],"predicateType":"x","predicate":{}}`,
    ];
    for (const text of variants) {
      const check = verifiers.cosign?.verifyBundle(dsseBundle({ statement: Buffer.from(text), signer: trusted }), VICTIM);
      assert.equal(check?.status, 'invalid', text);
      assert.equal(check?.code, 'MALFORMED_STATEMENT');
    }
  });

  it('a bundle by a key the policy does not hold, with the trusted key’s hint, is not verified', () => {
    const verifiers = cosignVerifiers([trusted]);
    const bundle = JSON.parse(dsseBundle({ statement: signStatement([VICTIM]), signer: stranger }).toString()) as { verificationMaterial: { publicKey: { hint: string } } };
    bundle.verificationMaterial.publicKey.hint = createHash('sha256').update(trusted.spki).digest('base64');
    assert.notEqual(verifiers.cosign?.verifyBundle(json(bundle), VICTIM).status, 'verified');
  });

  it('artifactType notation with a bundle layer, and a bundle artifactType with a Notation envelope, verify nothing', async () => {
    const { registry, artifacts, entries } = world(cosignVerifiers([trusted]));
    const bundle = dsseBundle({ statement: signStatement([VICTIM]), signer: trusted });
    // The manifest says Notation, its layer is a valid bundle: with no Notation policy it is not fetched, and never a cosign signature.
    const disguised = pushReferrer(registry, VICTIM, NOTATION_TYPE, { bytes: bundle, mediaType: BUNDLE_TYPE });
    artifacts.record(IMAGE, fallbackTag(VICTIM), registry.putManifest(indexOf([{ digest: disguised.digest }])));
    assert.notEqual(entryOf(await entries(), 'cosign').status, 'verified');
  });

  it('an index listing one referrer 256 times fetches it once; one listing 10,000 fetches nothing', async () => {
    const { registry, artifacts, entries } = world(cosignVerifiers([trusted]));
    const bundle = dsseBundle({ statement: signStatement([VICTIM]), signer: stranger });
    const referrer = pushReferrer(registry, VICTIM, BUNDLE_TYPE, { bytes: bundle, mediaType: BUNDLE_TYPE });
    artifacts.record(IMAGE, fallbackTag(VICTIM), registry.putManifest(indexOf(Array.from({ length: 256 }, () => referrer))));
    assert.equal(entryOf(await entries(), 'cosign').status, 'untrusted');
    assert.ok(registry.manifestGets <= 2, `${registry.manifestGets} manifest GETs (the index and the referrer)`);
    assert.ok(registry.blobGets <= 1, `${registry.blobGets} blob GETs`);

    const flood = world(cosignVerifiers([trusted]));
    flood.artifacts.record(IMAGE, fallbackTag(VICTIM), flood.registry.putManifest(indexOf(Array.from({ length: 10_000 }, () => referrer))));
    assert.equal(entryOf(await flood.entries(), 'cosign').status, 'error');
    assert.equal(flood.registry.manifestGets, 1, 'the index only');
  });

  it('a .sig whose 64 layers all name one blob fetches that blob once', async () => {
    const { registry, artifacts, entries } = world(cosignVerifiers([trusted]));
    const layer = simpleSigningLayer({ digest: VICTIM, signer: stranger });
    const pushed = sigManifest(Array.from({ length: 64 }, () => layer));
    for (const blob of pushed.blobs) registry.putBlob(blob.bytes);
    artifacts.record(IMAGE, sigTag(VICTIM), registry.putManifest(pushed.manifest.bytes));
    assert.equal(entryOf(await entries(), 'cosign').status, 'untrusted');
    assert.equal(registry.blobGets, 1);
  });

  it('stored evidence is not reused once the policy no longer holds the key, or the .sig tag names another manifest', async () => {
    const other = p256Key();
    const { registry, artifacts, entries, state } = world(cosignVerifiers([trusted, other]));
    const pushed = sigManifest([simpleSigningLayer({ digest: VICTIM, signer: trusted })]);
    for (const blob of pushed.blobs) registry.putBlob(blob.bytes);
    artifacts.record(IMAGE, sigTag(VICTIM), registry.putManifest(pushed.manifest.bytes));
    assert.equal(entryOf(await entries(), 'cosign').status, 'verified');
    assert.equal(state.rows.size, 1);
    // The key removed from the policy.
    assert.equal(entryOf(await entries({ verifiers: cosignVerifiers([other]) }), 'cosign').status, 'untrusted');
    // The .sig replaced by a stranger's: the listing's digest changes.
    const replaced = sigManifest([simpleSigningLayer({ digest: VICTIM, signer: stranger })]);
    for (const blob of replaced.blobs) registry.putBlob(blob.bytes);
    artifacts.record(IMAGE, sigTag(VICTIM), registry.putManifest(replaced.manifest.bytes));
    assert.equal(entryOf(await entries(), 'cosign').status, 'untrusted');
  });

  it('stored evidence is not reused once the referrers API lists something else', async () => {
    const { registry, entries } = world(cosignVerifiers([trusted]));
    const good = pushReferrer(registry, VICTIM, BUNDLE_TYPE, { bytes: dsseBundle({ statement: signStatement([VICTIM]), signer: trusted }), mediaType: BUNDLE_TYPE });
    registry.referrersIndex = indexOf([good]);
    assert.equal(entryOf(await entries(), 'cosign').status, 'verified');
    const bad = pushReferrer(registry, VICTIM, BUNDLE_TYPE, { bytes: dsseBundle({ statement: signStatement([VICTIM]), signer: stranger }), mediaType: BUNDLE_TYPE });
    registry.referrersIndex = indexOf([bad]);
    assert.equal(entryOf(await entries(), 'cosign').status, 'untrusted');
  });
});

describe('attacks on keyless cosign identities', () => {
  const from = new Date('2026-01-01T00:00:00Z');
  const to = new Date('2027-01-01T00:00:00Z');
  const sigstore = testSigstore(from, to);
  const otherCa = testSigstore(from, to);
  const signedAt = Math.floor(new Date('2026-06-01T00:00:00Z').getTime() / 1000);
  const certificate = { notBefore: new Date('2026-06-01T00:00:00Z'), notAfter: new Date('2026-06-01T00:10:00Z') };
  const policy = (identities: { issuer: string; subject?: string; subjectRegExp?: string }[]) => cosignVerifiers([], { trustedRoot: sigstore.trustedRootJson, identities });
  const keylessBundle = (ca: typeof sigstore, issuer: string | undefined, subject: string) =>
    dsseBundle({ statement: signStatement([VICTIM]), signer: keylessSigner(ca, { issuer, subject, ...certificate }), rekor: { sigstore, integratedTime: signedAt } });

  it('the trusted identity verifies (the control)', () => {
    assert.equal(policy([{ issuer: ISSUER, subject: WORKFLOW }]).cosign?.verifyBundle(keylessBundle(sigstore, ISSUER, WORKFLOW), VICTIM).status, 'verified');
  });

  it('the right subject and issuer from a CA the trusted root does not hold is untrusted', () => {
    const check = policy([{ issuer: ISSUER, subject: WORKFLOW }]).cosign?.verifyBundle(keylessBundle(otherCa, ISSUER, WORKFLOW), VICTIM);
    assert.equal(check?.status, 'untrusted');
  });

  it('the right subject with another issuer, or none, is untrusted', () => {
    const verifiers = policy([{ issuer: ISSUER, subject: WORKFLOW }]);
    for (const issuer of ['https://token.actions.githubusercontent.com.evil.example', 'https://TOKEN.actions.githubusercontent.com', undefined]) {
      const check = verifiers.cosign?.verifyBundle(keylessBundle(sigstore, issuer, WORKFLOW), VICTIM);
      assert.equal(check?.status, 'untrusted', String(issuer));
    }
  });

  it('a subject that only resembles the trusted one is untrusted, exact or by expression (anchored as a whole)', () => {
    const exact = policy([{ issuer: ISSUER, subject: WORKFLOW }]);
    const regexp = policy([
      {
        issuer: ISSUER,
        subjectRegExp: 'https://github\\.com/org/app/\\.github/workflows/release\\.yml@refs/heads/main|https://github\\.com/org/app/\\.github/workflows/hotfix\\.yml@refs/heads/main',
      },
    ]);
    for (const subject of [
      `${WORKFLOW}x`,
      `x${WORKFLOW}`,
      `${WORKFLOW}\n`,
      WORKFLOW.replace('main', 'mainx'),
      `https://github.com/org/app/.github/workflows/release.yml@refs/heads/main.evil`,
    ]) {
      assert.equal(exact.cosign?.verifyBundle(keylessBundle(sigstore, ISSUER, subject), VICTIM).status, 'untrusted', subject);
      assert.equal(regexp.cosign?.verifyBundle(keylessBundle(sigstore, ISSUER, subject), VICTIM).status, 'untrusted', subject);
    }
  });

  it('a subjectRegExp that closes the anchoring group itself is refused at configuration, not left unanchored', () => {
    // `^(?:x)|(?:.*)$` would match any subject: the expression must compile on its own first.
    for (const subjectRegExp of ['x)|(?:.*', 'x)|(.*']) {
      const compiled = compileIdentity({ issuer: ISSUER, subjectRegExp });
      assert.equal(compiled.ok, false, subjectRegExp);
    }
    const alternation = compileIdentity({ issuer: ISSUER, subjectRegExp: 'a|b' });
    assert.ok(alternation.ok);
    assert.equal(matchIdentity([alternation.value], ISSUER, 'xa'), undefined);
    assert.equal(matchIdentity([alternation.value], ISSUER, 'bx'), undefined);
    assert.ok(matchIdentity([alternation.value], ISSUER, 'b'));
  });

  it('a Rekor entry of another signature grafted into a bundle gives it no trusted time (the body is checked even when the log is not required)', () => {
    const verifiers = policy([{ issuer: ISSUER, subject: WORKFLOW }]);
    const signer = keylessSigner(sigstore, { issuer: ISSUER, subject: WORKFLOW, ...certificate });
    const logged = JSON.parse(dsseBundle({ statement: signStatement([SIGNED]), signer, rekor: { sigstore, integratedTime: signedAt } }).toString()) as {
      verificationMaterial: { tlogEntries: unknown[] };
    };
    const unlogged = JSON.parse(dsseBundle({ statement: signStatement([VICTIM]), signer }).toString()) as { verificationMaterial: { tlogEntries: unknown[] } };
    unlogged.verificationMaterial.tlogEntries = logged.verificationMaterial.tlogEntries;
    assert.notEqual(verifiers.cosign?.verifyBundle(json(unlogged), VICTIM).status, 'verified');
  });

  it('a certificate-based bundle verified by the library alone still names the digest (the core, without a policy key)', () => {
    const check = verifyBundle(keylessBundle(sigstore, ISSUER, WORKFLOW), SIGNED, {
      keys: [],
      identities: [],
      trustedRoot: undefined,
      requireTlog: false,
    });
    assert.notEqual(check.status, 'verified');
  });
});

describe('attacks on Notation', () => {
  let dir: string;
  let root: Awaited<ReturnType<typeof makeRoot>>;
  let leaf: TestLeaf;
  let rogueRoot: Awaited<ReturnType<typeof makeRoot>>;
  let rogueLeaf: TestLeaf;
  let policyFile: string;
  let storeDir: string;
  /** Set once the certificates exist: openssl makes them valid from the moment they are issued. */
  let at: Date;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'notation-attacks-'));
    root = await makeRoot(dir, 'release-root', 'Acme');
    leaf = await issue(dir, 'release-leaf', root, { subject: '/C=US/ST=WA/O=Acme, Inc./CN=release' });
    rogueRoot = await makeRoot(dir, 'rogue-root', 'Acme');
    rogueLeaf = await issue(dir, 'rogue-leaf', rogueRoot, { subject: '/C=US/ST=WA/O=Acme, Inc./CN=release' });
    storeDir = join(dir, 'trust-store');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(storeDir, 'x509', 'ca', 'release'), { recursive: true });
    await writeFile(join(storeDir, 'x509', 'ca', 'release', 'root.crt'), root.pem);
    policyFile = join(dir, 'trustpolicy.json');
    at = new Date(Date.now() + 120_000);
  });

  after(async () => rm(dir, { recursive: true, force: true }));

  const writePolicy = async (registryScopes: readonly string[], trustedIdentities: readonly string[]): Promise<void> => {
    await writeFile(
      policyFile,
      JSON.stringify({
        version: '1.0',
        trustPolicies: [{ name: 'release', registryScopes, signatureVerification: { level: 'strict' }, trustStores: ['ca:release'], trustedIdentities }],
      })
    );
  };
  const notationVerifiers = async (): Promise<SignatureVerifiers> => {
    const notation = await loadNotationVerifiers({ trustPolicy: policyFile, trustStore: storeDir }, 'signatures.policies.release.notation');
    return { policy: 'release', fingerprint: `-/${notation.fingerprint}`, notation };
  };
  const envelope = (signer: TestLeaf, chain: readonly Buffer[], digest = VICTIM) =>
    signJws({
      leaf: signer,
      chain,
      target: { mediaType: OCI_MANIFEST, digest, size: digest === VICTIM ? VICTIM_BYTES.length : SIGNED_BYTES.length },
      signingTime: new Date(at.getTime() - 60_000),
    });

  it('a chain that carries the trusted root but whose leaf another CA issued is untrusted', async () => {
    await writePolicy(['*'], ['*']);
    const verifiers = await notationVerifiers();
    const { registry, artifacts, entries } = world(verifiers, at);
    const forged = envelope(rogueLeaf, [root.der]);
    artifacts.record(IMAGE, fallbackTag(VICTIM), registry.putManifest(indexOf([pushReferrer(registry, VICTIM, NOTATION_TYPE, { bytes: forged, mediaType: JWS })])));
    assert.equal(entryOf(await entries(), 'notation').status, 'untrusted');
    // The control: the release leaf verifies in the same place.
    const good = world(verifiers, at);
    good.artifacts.record(
      IMAGE,
      fallbackTag(VICTIM),
      good.registry.putManifest(indexOf([pushReferrer(good.registry, VICTIM, NOTATION_TYPE, { bytes: envelope(leaf, [root.der]), mediaType: JWS })]))
    );
    assert.equal(entryOf(await good.entries(), 'notation').status, 'verified');
  });

  it('trusted identities: an escaped comma is one value, and attributes in another order still match (a subset, as notation)', async () => {
    const verifiers = async (identity: string) => {
      await writePolicy(['*'], [identity]);
      return notationVerifiers();
    };
    const judge = async (identity: string) => {
      const v = await verifiers(identity);
      return v.notation?.verify({
        envelope: envelope(leaf, [root.der]),
        envelopeMediaType: JWS,
        subject: { digest: VICTIM, size: VICTIM_BYTES.length, mediaType: null },
        scope: 'nexus.example/app',
        at,
      }).status;
    };
    assert.equal(await judge('x509.subject: C=US, ST=WA, O=Acme\\, Inc.'), 'verified');
    assert.equal(await judge('x509.subject: O=Acme\\, Inc., ST=WA, C=US, CN=release'), 'verified');
    assert.equal(await judge('x509.subject: C=US, ST=WA, O=Acme'), 'untrusted');
    assert.equal(await judge('x509.subject: C=US, ST=WA, O=Acme\\, Inc., CN=releas'), 'untrusted');
    assert.equal(await judge('x509.subject: C=US, ST=WA, O=Acme\\, Inc., OU=release'), 'untrusted');
  });

  it('stored Notation evidence is not reused once the repository’s scope (its gunPrefix) leaves the statement', async () => {
    await writePolicy(['nexus.example/app'], ['*']);
    const verifiers = await notationVerifiers();
    const { registry, artifacts, entries } = world(verifiers, at);
    artifacts.record(IMAGE, fallbackTag(VICTIM), registry.putManifest(indexOf([pushReferrer(registry, VICTIM, NOTATION_TYPE, { bytes: envelope(leaf, [root.der]), mediaType: JWS })])));
    assert.equal(entryOf(await entries({ scope: 'nexus.example/app' }), 'notation').status, 'verified');
    // Same repository, image and digest, same policy files; the gunPrefix changed, no statement covers the scope now.
    assert.equal(entryOf(await entries({ scope: 'other.example/app' }), 'notation').status, 'untrusted');
  });

  it('a payload whose targetArtifact has a case variant Go would read instead (`TargetArtifact`, `Digest`) is refused, not read two ways', async () => {
    await writePolicy(['*'], ['*']);
    const verifiers = await notationVerifiers();
    const target = (digest: string) => ({ mediaType: OCI_MANIFEST, digest, size: VICTIM_BYTES.length });
    for (const payload of [
      json({ targetArtifact: target(VICTIM), TargetArtifact: target(SIGNED) }),
      Buffer.from(`{"targetArtifact":{"mediaType":"${OCI_MANIFEST}","digest":"${VICTIM}","size":${VICTIM_BYTES.length},"Digest":"${SIGNED}"}}`),
    ]) {
      const signed = signJws({ leaf, chain: [root.der], target: target(VICTIM), signingTime: new Date(at.getTime() - 60_000), payload });
      const check = verifiers.notation?.verify({
        envelope: signed,
        envelopeMediaType: JWS,
        subject: { digest: VICTIM, size: VICTIM_BYTES.length, mediaType: null },
        scope: 'nexus.example/app',
        at,
      });
      assert.notEqual(check?.status, 'verified', payload.toString());
    }
  });

  it('stored Notation evidence is not reused past the signature’s expiry header', async () => {
    await writePolicy(['*'], ['*']);
    const verifiers = await notationVerifiers();
    const { registry, artifacts, entries } = world(verifiers, at);
    const expiring = signJws({
      leaf,
      chain: [root.der],
      target: { mediaType: OCI_MANIFEST, digest: VICTIM, size: VICTIM_BYTES.length },
      signingTime: new Date(at.getTime() - 60_000),
      expiry: new Date(at.getTime() + 60_000),
    });
    artifacts.record(IMAGE, fallbackTag(VICTIM), registry.putManifest(indexOf([pushReferrer(registry, VICTIM, NOTATION_TYPE, { bytes: expiring, mediaType: JWS })])));
    assert.equal(entryOf(await entries(), 'notation').status, 'verified');
    // Two minutes later the signature has expired: a fresh check says so, the stored evidence must not say otherwise.
    const later = new Date(at.getTime() + 120_000);
    const fresh = world(verifiers, later);
    fresh.artifacts.record(IMAGE, fallbackTag(VICTIM), fresh.registry.putManifest(indexOf([pushReferrer(fresh.registry, VICTIM, NOTATION_TYPE, { bytes: expiring, mediaType: JWS })])));
    assert.equal(entryOf(await fresh.entries(), 'notation').status, 'expired', 'the control: a fresh check');
    assert.equal(entryOf(await entries({ at: later }), 'notation').status, 'expired');
  });

  it('a signer subject with markup reaches the status page escaped', async () => {
    await writePolicy(['*'], ['*']);
    const hostileRoot = await makeRoot(dir, 'hostile-root', '<img src=x onerror=alert(1)>"');
    const hostileLeaf = await issue(dir, 'hostile-leaf', hostileRoot);
    const { registry, artifacts, entries } = world(await notationVerifiers(), at);
    artifacts.record(
      IMAGE,
      fallbackTag(VICTIM),
      registry.putManifest(indexOf([pushReferrer(registry, VICTIM, NOTATION_TYPE, { bytes: envelope(hostileLeaf, [hostileRoot.der]), mediaType: JWS })]))
    );
    const signatures = await entries();
    const notation = entryOf(signatures, 'notation');
    assert.equal(notation.status, 'untrusted');
    assert.match(notation.reason ?? '', /<img/);
    const cell = renderCoverageCell({ signatures, coverage: 'none' } as unknown as StoredTag);
    assert.doesNotMatch(cell, /<img/);
    assert.match(cell, /&#60;img src=x onerror=alert\(1\)/);
  });
});

describe('attacks by a hostile registry', () => {
  const base = new URL('http://nexus.example:8081/repository/docker-hosted/');
  /** An HttpClient that answers every request with `answer`, recording what was asked. */
  const answering = (answer: (url: URL) => { status: number; body: Buffer; headers?: Record<string, string> }) => {
    const asked: { url: URL; headers: Readonly<Record<string, string>> | undefined }[] = [];
    const http: HttpClient = {
      send: async (url, request) => {
        asked.push({ url, headers: request.headers });
        const { status, body, headers } = answer(url);
        return { status, body, headers: headers ?? {}, url };
      },
    };
    return { http, asked };
  };

  it('a blob or a manifest whose bytes hash to another digest is refused, whatever the headers say', async () => {
    const signed = Buffer.from('the signed payload');
    const other = Buffer.from('other bytes');
    const { http } = answering(() => ({ status: 200, body: other, headers: { 'docker-content-digest': digestOf(signed), 'content-type': OCI_MANIFEST } }));
    const client = new RegistryClient({ baseUrl: base, http });
    await assert.rejects(client.getBlob(IMAGE, digestOf(signed), 1024), (error: unknown) => error instanceof FetchError && error.code === 'MALFORMED');
    await assert.rejects(client.getManifestByDigest(IMAGE, digestOf(signed)), (error: unknown) => error instanceof FetchError && error.code === 'MALFORMED');
  });

  it('a blob GET redirected to another host does not carry the credentials there', async () => {
    const seen: { host: string; authorization: string | undefined }[] = [];
    const payload = Buffer.from('payload');
    const elsewhere = createServer((req, res) => {
      seen.push({ host: 'elsewhere', authorization: req.headers.authorization });
      res.writeHead(200, { 'content-length': payload.length }).end(payload);
    });
    const nexus = createServer((req, res) => {
      seen.push({ host: 'nexus', authorization: req.headers.authorization });
      if (req.headers.authorization === undefined) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="Sonatype Nexus Repository Manager"' }).end();
        return;
      }
      const { port } = elsewhere.address() as AddressInfo;
      res.writeHead(307, { location: `http://localhost:${port}/blob` }).end();
    });
    await Promise.all([new Promise<void>((resolve) => nexus.listen(0, '127.0.0.1', resolve)), new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve))]);
    const dispatcher = new Agent();
    try {
      const http = createHttpClient({ dispatcher, userAgent: 'test', timeoutMs: 5000 });
      const { port } = nexus.address() as AddressInfo;
      const client = new RegistryClient({ baseUrl: new URL(`http://127.0.0.1:${port}/repository/hosted/`), http, credentials: { username: 'auditor', password: 'secret' } });
      assert.deepEqual(await client.getBlob(IMAGE, digestOf(payload), 1024), payload);
      assert.deepEqual(seen, [
        { host: 'nexus', authorization: undefined },
        { host: 'nexus', authorization: `Basic ${Buffer.from('auditor:secret').toString('base64')}` },
        { host: 'elsewhere', authorization: undefined },
      ]);
    } finally {
      await dispatcher.close();
      nexus.close();
      elsewhere.close();
    }
  });

  it('a referrers API that answers an index of another content type is no API (its index is never read)', async () => {
    const { http } = answering(() => ({ status: 200, body: indexOf([]), headers: { 'content-type': 'application/json' } }));
    const client = new RegistryClient({ baseUrl: base, http });
    assert.deepEqual(await client.getReferrers(IMAGE, VICTIM), { supported: false, status: 200 });
  });
});

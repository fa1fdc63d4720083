/**
 * The test-side Notary signer: builds complete, signed Notary trust collections
 * for the cases the real client cannot produce (tampering with re-signing,
 * thresholds, rollback, far or past expiry, bad certificates).
 *
 * Deliberately independent of src/: its own canonical JSON, its own key ids,
 * Ed25519 signing with @noble/ed25519 (not node:crypto), and certificates made
 * by the openssl command. test/integration/trust-factory.test.ts proves its
 * output against the real `notary` client.
 */
import { createECDH, createHash, createPrivateKey, createPublicKey, randomBytes, sign as nodeSign } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import * as ed from '@noble/ed25519';

import { makeEcCertificate } from './openssl.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Go docker/go canonical/json: sorted keys (UTF-8 byte order), minimal escaping, integers only. */
export function canonicalJson(value: Json): string {
  if (value instanceof PreCanonical) {
    return value.text;
  }
  if (value === null || typeof value === 'boolean') {
    return String(value);
  }
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) {
      throw new Error('canonical JSON has no fractions');
    }
    return value.toFixed(0);
  }
  if (typeof value === 'string') {
    let out = '"';
    for (const char of value) {
      out += char === '"' || char === '\\' ? '\\' + char : char;
    }
    return out + '"';
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  }
  const keys = Object.keys(value).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${keys.map((key) => `${canonicalJson(key)}:${canonicalJson(value[key] as Json)}`).join(',')}}`;
}

/**
 * A value whose canonical text is given as is: for values too deep for the
 * recursive writer above (custom fields nested thousands of levels).
 * Place it with `asJson`.
 */
export class PreCanonical {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  asJson(): Json {
    return this as unknown as Json;
  }
}

export interface SigningKey {
  readonly keytype: string;
  readonly publicB64: string;
  readonly id: string;
  sign(message: Uint8Array): Promise<{ method: string; sig: string }>;
}

export function keyIdOf(keytype: string, publicB64: string): string {
  const preimage = canonicalJson({ keytype, keyval: { private: null, public: publicB64 } });
  return createHash('sha256').update(preimage, 'utf8').digest('hex');
}

/** An Ed25519 key signed with @noble/ed25519 (the server's timestamp keys are Ed25519). */
export async function ed25519Key(): Promise<SigningKey> {
  const secret = randomBytes(32);
  const publicKey = await ed.getPublicKeyAsync(secret);
  const publicB64 = Buffer.from(publicKey).toString('base64');
  return {
    keytype: 'ed25519',
    publicB64,
    id: keyIdOf('ed25519', publicB64),
    sign: async (message) => ({ method: 'eddsa', sig: Buffer.from(await ed.signAsync(message, secret)).toString('base64') }),
  };
}

/** PKCS#8 wrapping of a 32-byte Ed25519 seed (RFC 8410 7). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * An Ed25519 key signed with node:crypto: the same wire format as
 * ed25519Key(), ~20x faster to sign with. For generating large benchmark
 * registries; tests use the independent @noble/ed25519 signer above.
 */
export function fastEd25519Key(): SigningKey {
  // From a random seed, not generateKeyPairSync: on Node 20 a KeyGenJob freed
  // by a GC that runs inside a key export deadlocks the process (seen here as
  // a bench that hung at 6,000 images; gdb: ~KeyGenJob waiting on a mutex
  // under ExportJWKEdKey). Importing keys creates no KeyGenJob.
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, randomBytes(32)]), format: 'der', type: 'pkcs8' });
  const publicB64 = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
  return {
    keytype: 'ed25519',
    publicB64,
    id: keyIdOf('ed25519', publicB64),
    sign: async (message) => ({ method: 'eddsa', sig: nodeSign(null, message, privateKey).toString('base64') }),
  };
}

/** A plain P-256 key ('ecdsa', SPKI), signing raw r||s as Notary does. */
export function ecdsaKey(): SigningKey {
  // ECDH makes the key pair without a KeyGenJob (see fastEd25519Key).
  const ecdh = createECDH('prime256v1');
  const point = ecdh.generateKeys();
  const privateKey = createPrivateKey({
    // getPrivateKey drops leading zero bytes; JWK wants all 32.
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: Buffer.from(ecdh.getPrivateKey('hex').padStart(64, '0'), 'hex').toString('base64url'),
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  const publicB64 = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64');
  return {
    keytype: 'ecdsa',
    publicB64,
    id: keyIdOf('ecdsa', publicB64),
    sign: async (message) => ({
      method: 'ecdsa',
      sig: nodeSign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64'),
    }),
  };
}

/** An 'ecdsa-x509' root key: an openssl-made self-signed certificate whose CN is the GUN. */
export async function rootCertificateKey(dir: string, name: string, commonName: string, days = 3650, digest = 'sha256'): Promise<SigningKey & { plainTwin: SigningKey }> {
  const { keyFile, certFile } = await makeEcCertificate(dir, name, commonName, days, digest);
  const privateKey = createPrivateKey(await readFile(keyFile));
  const publicB64 = Buffer.from(await readFile(certFile)).toString('base64');
  const sign = async (message: Uint8Array): Promise<{ method: string; sig: string }> => ({
    method: 'ecdsa',
    sig: nodeSign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64'),
  });
  // The same public key as a plain 'ecdsa' key: another key id for the same key (threshold dedup tests).
  const spkiB64 = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64');
  return {
    keytype: 'ecdsa-x509',
    publicB64,
    id: keyIdOf('ecdsa-x509', publicB64),
    sign,
    plainTwin: { keytype: 'ecdsa', publicB64: spkiB64, id: keyIdOf('ecdsa', spkiB64), sign },
  };
}

/** Go time.Time JSON with nanoseconds, as Notary writes `expires`. */
export function goTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

const DAY = 86_400_000;

export interface TargetSpec {
  readonly sha256Hex: string;
  readonly length: number;
}

export function targetFor(content: string): TargetSpec {
  return { sha256Hex: createHash('sha256').update(content).digest('hex'), length: Buffer.byteLength(content) };
}

export interface DelegationSpec {
  readonly name: string;
  readonly keys: readonly SigningKey[];
  readonly threshold?: number;
  readonly paths?: readonly string[];
  readonly targets: Readonly<Record<string, TargetSpec>>;
  readonly version?: number;
  readonly expires?: Date;
  /** Keys that sign the delegation file (default: its keys). */
  readonly signers?: readonly SigningKey[];
  /** Declared by its parent but never published: no file, not in the snapshot. */
  readonly unpublished?: boolean;
}

export type RoleName = 'root' | 'targets' | 'snapshot' | 'timestamp';

export interface CollectionKeys {
  readonly root: readonly SigningKey[];
  readonly targets: SigningKey;
  readonly snapshot: SigningKey;
  readonly timestamp: SigningKey;
}

export interface CollectionSpec {
  readonly gun: string;
  readonly keys: CollectionKeys;
  readonly now: Date;
  readonly targets: Readonly<Record<string, TargetSpec>>;
  readonly delegations?: readonly DelegationSpec[];
  readonly versions?: Partial<Record<RoleName, number>>;
  readonly expires?: Partial<Record<RoleName, Date>>;
  readonly thresholds?: Partial<Record<RoleName, number>>;
  /** Who signs each role (default: the role's own keys). */
  readonly signers?: Partial<Record<RoleName, readonly SigningKey[]>>;
  /** Change a role's `signed` object before it is signed. */
  readonly editSigned?: Partial<Record<RoleName, (signed: { [key: string]: Json }) => void>>;
  /** Extra keys listed in root (e.g. a key that signs nothing). */
  readonly rootKeysListedAs?: Readonly<Record<string, SigningKey>>;
  /** Change the snapshot's entry for a file after hashing (e.g. a wrong length). */
  readonly editSnapshotMeta?: (meta: { [role: string]: { [key: string]: Json } }) => void;
}

export interface GeneratedCollection {
  readonly gun: string;
  /** Role name → served bytes (`root`, `timestamp`, `snapshot`, `targets`, `targets/...`). */
  readonly files: ReadonlyMap<string, Uint8Array>;
}

async function signEnvelope(signed: { [key: string]: Json }, signers: readonly SigningKey[]): Promise<Uint8Array> {
  const canonical = canonicalJson(signed);
  const message = Buffer.from(canonical, 'utf8');
  const signatures: Json[] = [];
  for (const key of signers) {
    const { method, sig } = await key.sign(message);
    signatures.push({ keyid: key.id, method, sig });
  }
  // Go writes the envelope with json.Marshal: "signed" (the canonical bytes) first, then "signatures".
  return Buffer.from(`{"signed":${canonical},"signatures":${JSON.stringify(signatures)}}`, 'utf8');
}

function fileMeta(bytes: Uint8Array): { [key: string]: Json } {
  return {
    hashes: {
      sha256: createHash('sha256').update(bytes).digest('base64'),
      sha512: createHash('sha512').update(bytes).digest('base64'),
    },
    length: bytes.length,
  };
}

function targetsObject(entries: Readonly<Record<string, TargetSpec>>): { [key: string]: Json } {
  const result: { [key: string]: Json } = {};
  for (const [name, spec] of Object.entries(entries)) {
    result[name] = { hashes: { sha256: Buffer.from(spec.sha256Hex, 'hex').toString('base64') }, length: spec.length };
  }
  return result;
}

function keyEntry(key: SigningKey): Json {
  return { keytype: key.keytype, keyval: { private: null, public: key.publicB64 } };
}

export async function generateCollection(spec: CollectionSpec): Promise<GeneratedCollection> {
  const now = spec.now.getTime();
  const expires = (role: RoleName, fallbackDays: number): string => goTime(spec.expires?.[role] ?? new Date(now + fallbackDays * DAY));
  const version = (role: RoleName, fallback: number): number => spec.versions?.[role] ?? fallback;
  const files = new Map<string, Uint8Array>();
  const { keys } = spec;

  const rootKeys: { [id: string]: Json } = {};
  for (const key of [...keys.root, keys.targets, keys.snapshot, keys.timestamp]) {
    rootKeys[key.id] = keyEntry(key);
  }
  for (const [id, key] of Object.entries(spec.rootKeysListedAs ?? {})) {
    rootKeys[id] = keyEntry(key);
  }
  const roleEntry = (role: RoleName, ids: string[]): Json => ({ keyids: ids, threshold: spec.thresholds?.[role] ?? 1 });
  const rootSigned: { [key: string]: Json } = {
    _type: 'Root',
    consistent_snapshot: false,
    expires: expires('root', 3650),
    keys: rootKeys,
    roles: {
      root: roleEntry(
        'root',
        keys.root.map((k) => k.id)
      ),
      snapshot: roleEntry('snapshot', [keys.snapshot.id]),
      targets: roleEntry('targets', [keys.targets.id]),
      timestamp: roleEntry('timestamp', [keys.timestamp.id]),
    },
    version: version('root', 1),
  };
  spec.editSigned?.root?.(rootSigned);
  files.set('root', await signEnvelope(rootSigned, spec.signers?.root ?? keys.root));

  // A delegation's parent is the role its name extends (`targets/a/b` → `targets/a`).
  const parentOf = (name: string): string => name.slice(0, name.lastIndexOf('/'));
  const delegationsOf = (parent: string): { [key: string]: Json } => {
    const delegationKeys: { [id: string]: Json } = {};
    const delegationRoles: Json[] = [];
    for (const delegation of (spec.delegations ?? []).filter((d) => parentOf(d.name) === parent)) {
      for (const key of delegation.keys) {
        delegationKeys[key.id] = keyEntry(key);
      }
      delegationRoles.push({
        keyids: delegation.keys.map((k) => k.id),
        name: delegation.name,
        paths: [...(delegation.paths ?? [''])],
        threshold: delegation.threshold ?? 1,
      });
    }
    return { keys: delegationKeys, roles: delegationRoles };
  };
  for (const delegation of spec.delegations ?? []) {
    if (delegation.unpublished === true) {
      continue;
    }
    const signed: { [key: string]: Json } = {
      _type: 'Targets',
      delegations: delegationsOf(delegation.name),
      expires: goTime(delegation.expires ?? new Date(now + 1095 * DAY)),
      targets: targetsObject(delegation.targets),
      version: delegation.version ?? 1,
    };
    files.set(delegation.name, await signEnvelope(signed, delegation.signers ?? delegation.keys));
  }
  const targetsSigned: { [key: string]: Json } = {
    _type: 'Targets',
    delegations: delegationsOf('targets'),
    expires: expires('targets', 1095),
    targets: targetsObject(spec.targets),
    version: version('targets', 1),
  };
  spec.editSigned?.targets?.(targetsSigned);
  files.set('targets', await signEnvelope(targetsSigned, spec.signers?.targets ?? [keys.targets]));

  const meta: { [role: string]: { [key: string]: Json } } = {};
  for (const [role, bytes] of files) {
    meta[role] = fileMeta(bytes);
  }
  spec.editSnapshotMeta?.(meta);
  const snapshotSigned: { [key: string]: Json } = {
    _type: 'Snapshot',
    expires: expires('snapshot', 1095),
    meta,
    version: version('snapshot', 1),
  };
  spec.editSigned?.snapshot?.(snapshotSigned);
  const snapshotBytes = await signEnvelope(snapshotSigned, spec.signers?.snapshot ?? [keys.snapshot]);
  files.set('snapshot', snapshotBytes);

  const timestampSigned: { [key: string]: Json } = {
    _type: 'Timestamp',
    expires: expires('timestamp', 14),
    meta: { snapshot: fileMeta(snapshotBytes) },
    version: version('timestamp', 1),
  };
  spec.editSigned?.timestamp?.(timestampSigned);
  files.set('timestamp', await signEnvelope(timestampSigned, spec.signers?.timestamp ?? [keys.timestamp]));
  return { gun: spec.gun, files };
}

/** Fresh keys for a GUN: an openssl root certificate, Ed25519 for the rest (timestamp as notary-server makes it). */
export async function generateKeys(dir: string, gun: string, options: { rootCertificateDays?: number; commonName?: string; digest?: string } = {}): Promise<CollectionKeys> {
  const safeName = gun.replace(/[^a-z0-9]+/gi, '-');
  const name = `root-${safeName}-${randomBytes(4).toString('hex')}`;
  return {
    root: [await rootCertificateKey(dir, name, options.commonName ?? gun, options.rootCertificateDays, options.digest)],
    targets: ecdsaKey(),
    snapshot: await ed25519Key(),
    timestamp: await ed25519Key(),
  };
}

/** The collection as the verifier's input type. */
export function asCollectionBytes(collection: GeneratedCollection): {
  root: Uint8Array;
  timestamp: Uint8Array;
  snapshot: Uint8Array;
  targets: Uint8Array;
  delegations: Map<string, Uint8Array>;
} {
  const get = (role: string): Uint8Array => collection.files.get(role) ?? new Uint8Array(0);
  const delegations = new Map<string, Uint8Array>();
  for (const [role, bytes] of collection.files) {
    if (role.startsWith('targets/')) {
      delegations.set(role, bytes);
    }
  }
  return { root: get('root'), timestamp: get('timestamp'), snapshot: get('snapshot'), targets: get('targets'), delegations };
}

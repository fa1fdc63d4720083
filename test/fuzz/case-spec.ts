/**
 * The shape of one differential case, as plain data: which keys sign which
 * role, the delegation tree, the tags, and the mutations applied on top. It is
 * a pure function of (seed, case index), so a case can be rebuilt and printed;
 * only the key material behind the pool slots is random.
 */
import { Random } from './prng.js';
import type { CertificateKind } from './root-certificates.js';

export type KeyKind = 'ecdsa' | 'ed25519' | 'rsa';

/** A key from the run's key pool. */
export interface PoolKey {
  readonly kind: KeyKind;
  readonly slot: number;
}

/** A root key: a certificate from the GUN's pool, or a pool key that is no certificate. */
export type RootKey =
  | { readonly certificate: 'valid'; readonly slot: number }
  | { readonly certificate: Exclude<CertificateKind, 'valid'> }
  | { readonly certificate: 'none'; readonly key: PoolKey }
  /** The plain SPKI form of `valid[slot]`'s key. */
  | { readonly certificate: 'plain-twin'; readonly slot: number };

export interface RoleKeys<K> {
  readonly keys: K[];
  threshold: number;
  /** Indexes into `keys` of the keys that sign. */
  signers: number[];
}

export interface TagSpec {
  readonly name: string;
  readonly sha256Hex: string;
  readonly length: number;
}

export interface DelegationSpec extends RoleKeys<PoolKey> {
  readonly name: string;
  paths: string[];
  readonly tags: TagSpec[];
  /** Declared by its parent but never published (no file, not in the snapshot). */
  published: boolean;
}

export type TopRole = 'root' | 'targets' | 'snapshot' | 'timestamp';
export const SIGNED_BY_ROOT: readonly Exclude<TopRole, 'root'>[] = ['targets', 'snapshot', 'timestamp'];

export type Encoding = 'long-form-length' | 'trailing-element' | 'rsa-extra-zero';

/** Every mutation the fuzzer applies; `role` is a base role or a delegation name. */
export type Mutation =
  // keys and key types
  | { readonly kind: 'reencoded-duplicate-key'; readonly role: string; readonly encoding: Encoding }
  | { readonly kind: 'reencoded-only-key'; readonly role: string; readonly encoding: Encoding }
  | { readonly kind: 'twin-root-certificate' }
  | { readonly kind: 'spare-root-key'; readonly key: RootKey }
  | { readonly kind: 'root-key-variant'; readonly key: RootKey }
  | { readonly kind: 'wrong-keytype'; readonly role: string; readonly keytype: string }
  | { readonly kind: 'key-under-foreign-id'; readonly role: string; readonly signatureKeyId: 'listed' | 'own' }
  | { readonly kind: 'pycrypto-pem-key'; readonly role: string }
  | {
      readonly kind: 'base64-spelling';
      readonly role: string;
      readonly where: 'key' | 'signature' | 'hash';
      readonly spelling: Base64Spelling;
      readonly listedUnder: 'canonical-id' | 'id-of-text';
    }
  // thresholds
  | { readonly kind: 'threshold'; readonly role: string; readonly threshold: number }
  | { readonly kind: 'missing-signer'; readonly role: string }
  // delegation structure
  | { readonly kind: 'undeclared-delegation'; readonly role: string }
  | { readonly kind: 'duplicate-delegation-entry'; readonly role: string }
  | { readonly kind: 'delegation-not-served'; readonly role: string }
  | { readonly kind: 'delegation-paths'; readonly role: string; readonly paths: string[] }
  | { readonly kind: 'invalid-delegation-name'; readonly parent: string; readonly name: string }
  // signature placement
  | { readonly kind: 'garbage-signature-first'; readonly role: string }
  | { readonly kind: 'duplicate-signature'; readonly role: string }
  | { readonly kind: 'unknown-keyid-signature'; readonly role: string }
  | { readonly kind: 'wrong-method'; readonly role: string; readonly method: string }
  | { readonly kind: 'no-signatures'; readonly role: string }
  | { readonly kind: 'foreign-key-signature'; readonly role: string }
  | { readonly kind: 'truncated-signature'; readonly role: string }
  // hashes and lengths in snapshot/timestamp meta
  | { readonly kind: 'meta-length'; readonly role: string; readonly delta: number }
  | { readonly kind: 'meta-hash'; readonly role: string; readonly change: MetaHashChange }
  | { readonly kind: 'meta-missing'; readonly role: string }
  | { readonly kind: 'meta-custom'; readonly role: string }
  | { readonly kind: 'meta-extra-entry'; readonly name: string }
  // versions and expiry
  | { readonly kind: 'version'; readonly role: string; readonly version: number }
  | { readonly kind: 'expiry'; readonly role: string; readonly when: 'past' | 'near' }
  | { readonly kind: 'expiry-format'; readonly role: string; readonly format: ExpiryFormat }
  // custom fields in signed
  | { readonly kind: 'extra-field'; readonly role: string; readonly where: ExtraFieldPlace; readonly value: ExtraFieldValue }
  | { readonly kind: 'deep-nesting'; readonly role: string; readonly depth: number }
  | { readonly kind: 'large-number'; readonly role: string; readonly literal: string }
  | { readonly kind: 'invalid-utf8'; readonly role: string }
  | { readonly kind: 'case-variant-field'; readonly role: string; readonly field: CaseVariantField }
  // JSON text (the served bytes only)
  | { readonly kind: 'whitespace'; readonly role: string; readonly style: 'pretty' | 'crlf-tabs' | 'padded' }
  | { readonly kind: 'key-order'; readonly role: string; readonly order: 'reverse' }
  | { readonly kind: 'unicode-escapes'; readonly role: string }
  | { readonly kind: 'duplicate-key'; readonly role: string; readonly variant: 'same-value' | 'decoy-first' | 'decoy-last' }
  | { readonly kind: 'number-spelling'; readonly role: string; readonly field: 'version' | 'length' | 'threshold'; readonly spelling: 'fraction' | 'exponent' }
  // tampering (signatures left broken)
  | { readonly kind: 'tamper-after-signing'; readonly role: string; readonly what: 'tag-digest' | 'version' | 'expires' | 'add-tag' }
  | { readonly kind: 'flip-byte-after-hashing'; readonly role: string };

export type MetaHashChange = 'drop-sha256' | 'drop-sha512' | 'wrong-sha256' | 'wrong-sha512' | 'unknown-algorithm-only' | 'extra-unknown-algorithm' | 'short-sha256';
export type ExpiryFormat =
  | 'utc-offset'
  | 'no-fraction'
  | 'nine-digit-fraction'
  | 'twelve-digit-fraction'
  | 'comma-fraction'
  | 'lowercase'
  | 'space-separator'
  | 'negative-offset'
  | 'unknown-offset'
  | 'offset-without-colon'
  | 'leap-second';
/** Base64 that decodes to the same bytes but is not the canonical text: Go's decoder skips newlines and ignores unused trailing bits. */
export type Base64Spelling = 'newline' | 'trailing-bits';
export type ExtraFieldPlace = 'signed' | 'tag-entry' | 'key-entry' | 'delegation-role';
export type ExtraFieldValue = 'string' | 'object' | 'null' | 'unicode-key' | 'control-characters';
export type CaseVariantField = 'targets' | 'expires' | 'version' | 'delegations' | 'envelope' | 'meta' | '_type';

export interface CaseSpec {
  readonly seed: number;
  readonly index: number;
  readonly root: RoleKeys<RootKey>;
  readonly roles: Record<Exclude<TopRole, 'root'>, RoleKeys<PoolKey>>;
  readonly tags: TagSpec[];
  /** In the order their parents list them. */
  readonly delegations: DelegationSpec[];
  readonly mutations: Mutation[];
}

/** Sizes of the key pools the spec draws from (see key-pool.ts). */
export const POOL_SIZES: Readonly<Record<KeyKind, number>> = { ecdsa: 8, ed25519: 8, rsa: 3 };
export const VALID_ROOT_CERTIFICATES = 4;

const TAG_NAMES = [
  'latest',
  'v1',
  'v1.0.1',
  'v2',
  'release-1',
  'release-2',
  'stable',
  'beta',
  'dev',
  'x_y-z',
  'UPPER',
  '1.0',
  'v1.0.1-rc.1',
  'naïve',
  'a<b>&c',
  'quote"d',
  'back\\slash',
  'emoji💥',
  'ünïcödé-日本',
];
const PATH_PREFIXES = ['v', 'release-', 'v1', 'dev', 'nomatch/', 'a'];

function sha256HexOf(text: string): string {
  // A deterministic 32-byte digest without node:crypto: enough for tag digests.
  const random = new Random(...Array.from(text, (char) => char.codePointAt(0) as number));
  return Array.from({ length: 8 }, () => random.uint32().toString(16).padStart(8, '0')).join('');
}

function pickPoolKeys(random: Random, count: number, kinds: readonly KeyKind[]): PoolKey[] {
  const keys: PoolKey[] = [];
  while (keys.length < count) {
    const kind = random.pick(kinds);
    const slot = random.int(0, POOL_SIZES[kind] - 1);
    if (!keys.some((key) => key.kind === kind && key.slot === slot)) {
      keys.push({ kind, slot });
    }
  }
  return keys;
}

/** A role's keys with a threshold met by exactly the signing keys (the unmutated, valid shape). */
function makeRoleKeys(random: Random, kinds: readonly KeyKind[], maxKeys: number): RoleKeys<PoolKey> {
  const count = random.weighted([
    [6, 1],
    [3, 2],
    [1, maxKeys],
  ] as const);
  const keys = pickPoolKeys(random, Math.min(count, maxKeys), kinds);
  const threshold = random.int(1, keys.length);
  const signers = random.shuffle(keys.map((_, index) => index)).slice(0, random.int(threshold, keys.length));
  return { keys, threshold, signers: signers.sort() };
}

function makeTags(random: Random, index: number, role: string, count: number, from: readonly string[] = TAG_NAMES): TagSpec[] {
  const names = random.shuffle(from).slice(0, count);
  return names.map((name) => ({
    name,
    sha256Hex: sha256HexOf(`${index}/${role}/${name}/${random.uint32()}`),
    length: random.int(1, 200_000),
  }));
}

function makeDelegation(random: Random, index: number, name: string, tagNames: readonly string[]): DelegationSpec {
  const paths = random.weighted<string[]>([
    [8, ['']],
    [2, [random.pick(PATH_PREFIXES)]],
    [1, [random.pick(PATH_PREFIXES), random.pick(PATH_PREFIXES)]],
    [1, []],
  ]);
  return {
    name,
    ...makeRoleKeys(random, ['ecdsa', 'ed25519', 'rsa'], 3),
    paths,
    tags: makeTags(random, index, name, random.int(0, 4), tagNames),
    published: random.chance(0.95),
  };
}

/** The delegation tree: releases, other top-level delegations, nested chains, many children, releases' children. */
function makeDelegationTree(random: Random, index: number, targetTags: readonly TagSpec[]): DelegationSpec[] {
  // Delegations often sign the same tags as targets, so precedence is exercised.
  const overlapping = [...new Set([...targetTags.map((tag) => tag.name), ...random.shuffle(TAG_NAMES).slice(0, 4)])];
  const delegations: DelegationSpec[] = [];
  const add = (name: string): DelegationSpec => {
    const spec = makeDelegation(random, index, name, overlapping);
    delegations.push(spec);
    return spec;
  };
  if (random.chance(0.65)) {
    const releases = add('targets/releases');
    releases.published = random.chance(0.95);
    if (random.chance(0.15)) {
      add(`targets/releases/${random.pick(['qa', 'child', 'team-a'])}`);
    }
  }
  if (random.chance(0.35)) {
    add(random.pick(['targets/alice', 'targets/bob', 'targets/ci']));
  }
  if (random.chance(0.15)) {
    // A chain deep enough to pass any fixed walk depth.
    const depth = random.weighted([
      [3, random.int(2, 5)],
      [2, random.int(7, 12)],
    ] as const);
    let name = 'targets';
    for (let level = 0; level < depth; level++) {
      name += `/${String.fromCharCode(97 + (level % 26))}`;
      add(name);
    }
  }
  if (random.chance(0.08)) {
    const parent = delegations.length > 0 && random.chance(0.5) ? random.pick<DelegationSpec>(delegations).name : 'targets';
    const children = random.int(10, 40);
    for (let child = 0; child < children; child++) {
      const spec = add(`${parent}/team-${child}`);
      spec.tags.splice(1);
    }
  }
  // Order within each parent's list is the order of `delegations`; shuffle siblings, keeping parents first.
  const depthOf = (name: string): number => name.split('/').length;
  return random.shuffle(delegations).sort((a, b) => depthOf(a.name) - depthOf(b.name));
}

export function parentOf(role: string): string {
  return role.slice(0, role.lastIndexOf('/'));
}

export function generateCaseSpec(seed: number, index: number): CaseSpec {
  const random = new Random(seed, index);
  const rootKeyCount = random.weighted([
    [7, 1],
    [2, 2],
    [1, 3],
  ] as const);
  const rootSlots = random.shuffle([0, 1, 2, 3]).slice(0, rootKeyCount);
  const rootThreshold = random.int(1, rootKeyCount);
  const root: RoleKeys<RootKey> = {
    keys: rootSlots.map((slot) => ({ certificate: 'valid', slot })),
    threshold: rootThreshold,
    signers: random
      .shuffle(rootSlots.map((_, i) => i))
      .slice(0, random.int(rootThreshold, rootKeyCount))
      .sort(),
  };
  const roles = {
    targets: makeRoleKeys(random, ['ecdsa', 'ed25519', 'rsa'], 3),
    snapshot: makeRoleKeys(random, ['ecdsa', 'ed25519', 'rsa'], 2),
    timestamp: makeRoleKeys(random, ['ed25519', 'ecdsa'], 2),
  };
  const targetTags = makeTags(
    random,
    index,
    'targets',
    random.weighted([
      [1, 0],
      [12, random.int(1, 4)],
      [2, 8],
    ] as const)
  );
  const spec: CaseSpec = { seed, index, root, roles, tags: targetTags, delegations: makeDelegationTree(random, index, targetTags), mutations: [] };
  // A third of the cases unmutated or lightly mutated keeps both sides honouring tags often enough to compare them.
  const mutationCount = random.weighted([
    [4, 0],
    [5, 1],
    [2, 2],
    [1, 3],
  ] as const);
  for (let i = 0; i < mutationCount; i++) {
    const mutation = pickMutation(random.fork(i), spec);
    if (mutation !== undefined) {
      spec.mutations.push(mutation);
    }
  }
  return spec;
}

/** Roles that exist as files in the case (published delegations included). */
export function publishedRoles(spec: CaseSpec): string[] {
  return ['root', 'targets', 'snapshot', 'timestamp', ...spec.delegations.filter((d) => d.published).map((d) => d.name)];
}

function keysOf(spec: CaseSpec, role: string): RoleKeys<PoolKey> | undefined {
  if (role === 'targets' || role === 'snapshot' || role === 'timestamp') {
    return spec.roles[role];
  }
  return spec.delegations.find((d) => d.name === role);
}

/** Makes the role's first key one of `kinds` (so an encoding mutation has a DER key to re-encode). */
function forceKeyKind(random: Random, spec: CaseSpec, role: string, kinds: readonly KeyKind[]): void {
  const keys = keysOf(spec, role);
  if (keys !== undefined && !kinds.includes((keys.keys[0] as PoolKey).kind)) {
    const kind = random.pick(kinds);
    let slot = random.int(0, POOL_SIZES[kind] - 1);
    while (keys.keys.some((key) => key.kind === kind && key.slot === slot)) {
      slot = (slot + 1) % POOL_SIZES[kind];
    }
    keys.keys[0] = { kind, slot };
  }
}

type MutationMaker = (random: Random, spec: CaseSpec) => Mutation | undefined;

const signedRole = (random: Random, spec: CaseSpec): string => random.pick(publishedRoles(spec));
const keyedRole = (random: Random, spec: CaseSpec): string => random.pick(['targets', 'snapshot', 'timestamp', ...spec.delegations.filter((d) => d.published).map((d) => d.name)]);
const targetsRole = (random: Random, spec: CaseSpec): string => random.pick(['targets', ...spec.delegations.filter((d) => d.published).map((d) => d.name)]);
const delegation = (random: Random, spec: CaseSpec, published = true): DelegationSpec | undefined => {
  const candidates = spec.delegations.filter((d) => d.published || !published);
  return candidates.length === 0 ? undefined : random.pick(candidates);
};

const otherRootKeys: readonly RootKey[] = [
  { certificate: 'expired' },
  { certificate: 'near-expiry' },
  { certificate: 'wrong-cn' },
  { certificate: 'wildcard-cn' },
  { certificate: 'rsa' },
  { certificate: 'ca' },
  { certificate: 'sha1' },
  { certificate: 'none', key: { kind: 'ed25519', slot: 0 } },
  { certificate: 'plain-twin', slot: 0 },
];

const MUTATIONS: readonly (readonly [number, MutationMaker])[] = [
  [
    3,
    (random, spec) => {
      const role = keyedRole(random, spec);
      const encoding = random.pick<Encoding>(['long-form-length', 'trailing-element', 'rsa-extra-zero']);
      forceKeyKind(random, spec, role, encoding === 'rsa-extra-zero' ? ['rsa'] : ['ecdsa', 'rsa']);
      return { kind: 'reencoded-duplicate-key', role, encoding };
    },
  ],
  [
    1,
    (random, spec) => {
      const role = keyedRole(random, spec);
      const encoding = random.pick<Encoding>(['long-form-length', 'trailing-element', 'rsa-extra-zero']);
      forceKeyKind(random, spec, role, encoding === 'rsa-extra-zero' ? ['rsa'] : ['ecdsa', 'rsa']);
      return { kind: 'reencoded-only-key', role, encoding };
    },
  ],
  [2, () => ({ kind: 'twin-root-certificate' })],
  [2, (random) => ({ kind: 'spare-root-key', key: random.pick([...otherRootKeys, { certificate: 'valid', slot: 3 }]) })],
  [2, (random) => ({ kind: 'root-key-variant', key: random.pick(otherRootKeys) })],
  [1, (random, spec) => ({ kind: 'wrong-keytype', role: keyedRole(random, spec), keytype: random.pick(['ecdsa', 'ed25519', 'rsa', 'ecdsa-x509', 'rsa-x509', 'dsa']) })],
  [1, (random, spec) => ({ kind: 'key-under-foreign-id', role: random.pick(['root', keyedRole(random, spec)]), signatureKeyId: random.pick(['listed', 'own'] as const) })],
  [
    1,
    (random, spec) => {
      const role = keyedRole(random, spec);
      forceKeyKind(random, spec, role, ['rsa']);
      return { kind: 'pycrypto-pem-key', role };
    },
  ],
  [
    2,
    (random, spec) => ({
      kind: 'base64-spelling',
      role: random.pick(['root', keyedRole(random, spec)]),
      where: random.pick(['key', 'key', 'signature', 'hash'] as const),
      spelling: random.pick(['newline', 'trailing-bits'] as const),
      listedUnder: random.pick(['canonical-id', 'id-of-text'] as const),
    }),
  ],
  [
    2,
    (random, spec) => {
      const role = random.pick(['root', keyedRole(random, spec)]);
      return { kind: 'threshold', role, threshold: random.pick([0, 2, 3, 5]) };
    },
  ],
  [1, (random, spec) => ({ kind: 'missing-signer', role: random.pick(['root', keyedRole(random, spec)]) })],
  [
    1,
    (random, spec) => {
      const target = delegation(random, spec);
      return target && { kind: 'undeclared-delegation', role: target.name };
    },
  ],
  [
    1,
    (random, spec) => {
      const target = delegation(random, spec, false);
      return target && { kind: 'duplicate-delegation-entry', role: target.name };
    },
  ],
  [
    1,
    (random, spec) => {
      const target = delegation(random, spec);
      return target && { kind: 'delegation-not-served', role: target.name };
    },
  ],
  [
    2,
    (random, spec) => {
      const target = delegation(random, spec, false);
      const paths = random.pick([[], ['nomatch/'], ['v'], ['release-', 'v1'], ['', 'x'], ['*'], ['v1.0.1']]);
      return target && { kind: 'delegation-paths', role: target.name, paths };
    },
  ],
  [
    1,
    (random, spec) => {
      const parent = random.pick(['targets', ...spec.delegations.filter((d) => d.published).map((d) => d.name)]);
      const name = random.pick([`${parent}/UPPER`, `${parent}/../x`, `${parent}/a/b`, `${parent}/`, `${parent}/sp ace`, 'targets', 'targets/releases/../releases']);
      return { kind: 'invalid-delegation-name', parent, name };
    },
  ],
  [2, (random, spec) => ({ kind: 'garbage-signature-first', role: signedRole(random, spec) })],
  [1, (random, spec) => ({ kind: 'duplicate-signature', role: signedRole(random, spec) })],
  [1, (random, spec) => ({ kind: 'unknown-keyid-signature', role: signedRole(random, spec) })],
  [1, (random, spec) => ({ kind: 'wrong-method', role: signedRole(random, spec), method: random.pick(['ecdsa', 'eddsa', 'rsapss', 'rsapkcs1v15', 'ECDSA', 'EdDSA', 'RSAPSS', 'hmac']) })],
  [1, (random, spec) => ({ kind: 'no-signatures', role: signedRole(random, spec) })],
  [1, (random, spec) => ({ kind: 'foreign-key-signature', role: signedRole(random, spec) })],
  [1, (random, spec) => ({ kind: 'truncated-signature', role: signedRole(random, spec) })],
  [2, (random, spec) => ({ kind: 'meta-length', role: random.pick(publishedRoles(spec).filter((r) => r !== 'timestamp')), delta: random.pick([1, 100, -1]) })],
  [
    2,
    (random, spec) => ({
      kind: 'meta-hash',
      role: random.pick(publishedRoles(spec).filter((r) => r !== 'timestamp')),
      change: random.pick<MetaHashChange>(['drop-sha256', 'drop-sha512', 'wrong-sha256', 'wrong-sha512', 'unknown-algorithm-only', 'extra-unknown-algorithm', 'short-sha256']),
    }),
  ],
  [1, (random, spec) => ({ kind: 'meta-missing', role: random.pick(publishedRoles(spec).filter((r) => r !== 'timestamp')) })],
  [1, (random, spec) => ({ kind: 'meta-custom', role: random.pick(publishedRoles(spec).filter((r) => r !== 'timestamp')) })],
  [1, (random) => ({ kind: 'meta-extra-entry', name: random.pick(['targets/ghost', 'targets/releases/ghost', 'other', 'targets/UPPER']) })],
  [2, (random, spec) => ({ kind: 'version', role: signedRole(random, spec), version: random.pick([0, -1, 2, 2 ** 31, 2 ** 53 - 1, 2 ** 53 + 2]) })],
  [2, (random, spec) => ({ kind: 'expiry', role: signedRole(random, spec), when: random.pick(['past', 'near'] as const) })],
  [
    2,
    (random, spec) => ({
      kind: 'expiry-format',
      role: signedRole(random, spec),
      format: random.pick<ExpiryFormat>([
        'utc-offset',
        'no-fraction',
        'nine-digit-fraction',
        'twelve-digit-fraction',
        'comma-fraction',
        'lowercase',
        'space-separator',
        'negative-offset',
        'unknown-offset',
        'offset-without-colon',
        'leap-second',
      ]),
    }),
  ],
  [
    3,
    (random, spec) => ({
      kind: 'extra-field',
      role: signedRole(random, spec),
      where: random.pick<ExtraFieldPlace>(['signed', 'signed', 'tag-entry', 'key-entry', 'delegation-role']),
      value: random.pick<ExtraFieldValue>(['string', 'object', 'null', 'unicode-key', 'control-characters']),
    }),
  ],
  [2, (random, spec) => ({ kind: 'deep-nesting', role: signedRole(random, spec), depth: random.pick([64, 512, 5000, 9999, 10_001, 20_000]) })],
  [
    1,
    (random, spec) => ({
      kind: 'large-number',
      role: signedRole(random, spec),
      literal: random.pick(['9007199254740993', '1152921504606846976', '-1152921504606846976', '123456789012345678901234567890', '1e300', '9007199254740992']),
    }),
  ],
  [1, (random, spec) => ({ kind: 'invalid-utf8', role: signedRole(random, spec) })],
  [
    3,
    (random, spec) => {
      const field = random.pick<CaseVariantField>(['targets', 'expires', 'version', 'delegations', 'envelope', 'meta', '_type']);
      const role = field === 'targets' || field === 'delegations' ? targetsRole(random, spec) : field === 'meta' ? random.pick(['snapshot', 'timestamp']) : signedRole(random, spec);
      return { kind: 'case-variant-field', role, field };
    },
  ],
  [2, (random, spec) => ({ kind: 'whitespace', role: signedRole(random, spec), style: random.pick(['pretty', 'crlf-tabs', 'padded'] as const) })],
  [1, (random, spec) => ({ kind: 'key-order', role: signedRole(random, spec), order: 'reverse' })],
  [1, (random, spec) => ({ kind: 'unicode-escapes', role: signedRole(random, spec) })],
  [2, (random, spec) => ({ kind: 'duplicate-key', role: signedRole(random, spec), variant: random.pick(['same-value', 'decoy-first', 'decoy-last'] as const) })],
  [
    2,
    (random, spec) => {
      const field = random.pick(['version', 'length', 'threshold'] as const);
      const role =
        field === 'length' ? random.pick(['snapshot', 'timestamp', targetsRole(random, spec)]) : field === 'threshold' ? random.pick(['root', 'targets']) : signedRole(random, spec);
      return { kind: 'number-spelling', role, field, spelling: random.pick(['fraction', 'exponent'] as const) };
    },
  ],
  [2, (random, spec) => ({ kind: 'tamper-after-signing', role: signedRole(random, spec), what: random.pick(['tag-digest', 'version', 'expires', 'add-tag'] as const) })],
  [1, (random, spec) => ({ kind: 'flip-byte-after-hashing', role: signedRole(random, spec) })],
];

function pickMutation(random: Random, spec: CaseSpec): Mutation | undefined {
  return random.weighted(MUTATIONS)(random, spec);
}

/** One line per mutation, for reports and reproducers. */
export function describeMutation(mutation: Mutation): string {
  const { kind, ...rest } = mutation;
  const details = Object.entries(rest).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  return details.length === 0 ? kind : `${kind} ${details.join(' ')}`;
}

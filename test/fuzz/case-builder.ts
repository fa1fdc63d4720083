/**
 * Turns a case spec into the bytes a Notary server serves for it: signed
 * metadata built with the test-side signer's keys and canonical JSON
 * (test/support/trust-factory.ts), with the spec's mutations applied at the
 * layer each one belongs to:
 *   - keys, thresholds and delegation entries before anything is signed;
 *   - edits of `signed` before signing (validly signed, semantically odd);
 *   - signature placement after signing;
 *   - tampering after signing or after hashing (signatures left broken);
 *   - the JSON text of the served bytes (same value, other spelling).
 * Snapshot and timestamp meta are computed from the served bytes, then edited
 * where a mutation says so, and signed.
 */
import { createHash } from 'node:crypto';

import { rsaSpkiWithExtraLeadingZero, spkiWithLongFormLength, spkiWithTrailingElement, withPublicKey } from '../support/key-encodings.js';
import { canonicalJson, goTime, keyIdOf, type SigningKey } from '../support/trust-factory.js';
import { parentOf, type CaseSpec, type DelegationSpec, type Encoding, type ExpiryFormat, type Mutation, type PoolKey, type RoleKeys, type RootKey } from './case-spec.js';
import {
  canonicalText,
  DeepNest,
  hasSpecialNodes,
  InvalidUtf8String,
  isPlainObject,
  servedBytes,
  SpelledNumber,
  type DuplicateKey,
  type JsonNode,
  type JsonObjectNode,
  type ServedStyle,
} from './json-text.js';
import type { KeyPool } from './key-pool.js';
import { Random } from './prng.js';

const DAY = 86_400_000;

/** How a role's keys are listed and who signs, after the key mutations. */
interface SigningPlan {
  listed: SigningKey[];
  /** The id each listed key is listed under (normally its own). */
  listedIds: string[];
  threshold: number;
  signers: { key: SigningKey; keyid: string }[];
}

interface SignatureJson {
  keyid: string;
  method: string;
  sig: string;
}

type Json = Parameters<typeof canonicalJson>[0];

export interface BuiltCase {
  readonly gun: string;
  /** Role name → served bytes (a role absent here is answered 404). */
  readonly files: Map<string, Buffer>;
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

function fileMeta(bytes: Uint8Array): JsonObjectNode {
  return {
    hashes: { sha256: sha256(bytes).toString('base64'), sha512: createHash('sha512').update(bytes).digest('base64') },
    length: bytes.length,
  };
}

function keyEntry(key: SigningKey): JsonObjectNode {
  return { keytype: key.keytype, keyval: { private: null, public: key.publicB64 } };
}

/** Copies a tree; the special nodes are immutable and shared. */
function clone(node: JsonNode): JsonNode {
  if (Array.isArray(node)) {
    return node.map(clone);
  }
  if (isPlainObject(node)) {
    const copy: JsonObjectNode = {};
    for (const [key, value] of Object.entries(node)) {
      copy[key] = clone(value);
    }
    return copy;
  }
  return node;
}

function objectAt(node: JsonNode | undefined): JsonObjectNode | undefined {
  return isPlainObject(node) ? node : undefined;
}

function reencode(publicB64: string, encoding: Encoding): string {
  switch (encoding) {
    case 'long-form-length':
      return spkiWithLongFormLength(publicB64);
    case 'trailing-element':
      return spkiWithTrailingElement(publicB64);
    case 'rsa-extra-zero':
      return rsaSpkiWithExtraLeadingZero(publicB64);
  }
}

/** The RSA key as PEM text (what notary's "pycrypto-pkcs#1 pss" verifier reads), signing under that method. */
function asPycryptoKey(key: SigningKey): SigningKey {
  const body = key.publicB64.replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  const publicB64 = Buffer.from(`-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n`).toString('base64');
  return {
    keytype: 'rsa',
    publicB64,
    id: keyIdOf('rsa', publicB64),
    sign: async (message) => ({ method: 'pycrypto-pkcs#1 pss', sig: (await key.sign(message)).sig }),
  };
}

function formatExpiry(date: Date, format: ExpiryFormat): string {
  const iso = date.toISOString(); // 2030-01-02T03:04:05.678Z
  const shifted = (hours: number): string => {
    const local = new Date(date.getTime() + hours * 3600_000).toISOString().slice(0, 23);
    const sign = hours >= 0 ? '+' : '-';
    return `${local}${sign}${String(Math.abs(hours)).padStart(2, '0')}:00`;
  };
  switch (format) {
    case 'utc-offset':
      return shifted(3);
    case 'negative-offset':
      return shifted(-5);
    case 'no-fraction':
      return iso.slice(0, 19) + 'Z';
    case 'nine-digit-fraction':
      return iso.slice(0, 23) + '456789Z';
    case 'lowercase':
      return iso.replace('T', 't').replace('Z', 'z');
    case 'space-separator':
      return iso.replace('T', ' ');
    case 'twelve-digit-fraction':
      return iso.slice(0, 23) + '456789123Z';
    case 'comma-fraction':
      return iso.slice(0, 19) + ',' + iso.slice(20);
    case 'unknown-offset':
      return iso.slice(0, 23) + '-00:00';
    case 'offset-without-colon':
      return shifted(3).replace(/:00$/, '00');
    case 'leap-second':
      return iso.slice(0, 17) + '60Z';
  }
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * The same bytes in another base64 text: a newline in the middle (Go's decoder
 * skips \r and \n), or the unused low bits before the padding set (Go's
 * non-strict decoder ignores them). undefined when there are no unused bits.
 */
export function respellBase64(text: string, spelling: 'newline' | 'trailing-bits'): string | undefined {
  if (spelling === 'newline') {
    const middle = Math.floor(text.length / 8) * 4;
    return text.slice(0, middle) + '\n' + text.slice(middle);
  }
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (padding === 0) {
    return undefined;
  }
  const at = text.length - padding - 1;
  const value = BASE64_ALPHABET.indexOf(text[at] as string);
  return text.slice(0, at) + BASE64_ALPHABET[value ^ 1] + text.slice(at + 1);
}

export async function buildCase(spec: CaseSpec, gun: string, pool: KeyPool, now: Date): Promise<BuiltCase> {
  const random = new Random(spec.seed, spec.index, 0x6275696c); // decisions made while building ("buil")
  const certificates = pool.certificates(gun);
  const mutations = spec.mutations;
  const has = <K extends Mutation['kind']>(kind: K): Extract<Mutation, { kind: K }>[] => mutations.filter((m): m is Extract<Mutation, { kind: K }> => m.kind === kind);

  const rootKey = (ref: RootKey): SigningKey => {
    switch (ref.certificate) {
      case 'valid':
        return certificates.valid[ref.slot] as SigningKey;
      case 'none':
        return pool.key(ref.key);
      case 'plain-twin':
        return (certificates.valid[ref.slot] as { plainTwin: SigningKey }).plainTwin;
      default:
        return certificates.special.get(ref.certificate) as SigningKey;
    }
  };
  const planOf = <K>(roleKeys: RoleKeys<K>, resolve: (ref: K) => SigningKey): SigningPlan => {
    const listed = roleKeys.keys.map(resolve);
    return {
      listed,
      listedIds: listed.map((key) => key.id),
      threshold: roleKeys.threshold,
      signers: roleKeys.signers.map((index) => listed[index] as SigningKey).map((key) => ({ key, keyid: key.id })),
    };
  };
  const plans = new Map<string, SigningPlan>();
  plans.set('root', planOf(spec.root, rootKey));
  for (const role of ['targets', 'snapshot', 'timestamp'] as const) {
    plans.set(
      role,
      planOf(spec.roles[role], (ref: PoolKey) => pool.key(ref))
    );
  }
  for (const delegation of spec.delegations) {
    plans.set(
      delegation.name,
      planOf(delegation, (ref: PoolKey) => pool.key(ref))
    );
  }
  const plan = (role: string): SigningPlan | undefined => plans.get(role);
  const single = (key: SigningKey): SigningPlan => ({ listed: [key], listedIds: [key.id], threshold: 1, signers: [{ key, keyid: key.id }] });

  // Keys, key types and thresholds.
  for (const mutation of mutations) {
    switch (mutation.kind) {
      case 'reencoded-duplicate-key':
      case 'reencoded-only-key': {
        const target = plan(mutation.role);
        const key = target?.listed[0];
        // Only a DER SubjectPublicKeyInfo can be re-encoded (an earlier mutation may have relabelled the key).
        if (target === undefined || key === undefined || Buffer.from(key.publicB64, 'base64')[0] !== 0x30 || (key.keytype !== 'ecdsa' && key.keytype !== 'rsa')) {
          break;
        }
        const twin = withPublicKey(key, reencode(key.publicB64, mutation.encoding));
        if (mutation.kind === 'reencoded-only-key') {
          plans.set(mutation.role, single(twin));
        } else {
          // One private key under two key ids, signing twice, to try to meet threshold 2.
          plans.set(mutation.role, {
            listed: [key, twin],
            listedIds: [key.id, twin.id],
            threshold: 2,
            signers: [
              { key, keyid: key.id },
              { key: twin, keyid: twin.id },
            ],
          });
        }
        break;
      }
      case 'twin-root-certificate': {
        const first = certificates.valid[0] as SigningKey;
        const twin = certificates.special.get('twin') as SigningKey;
        plans.set('root', {
          listed: [first, twin],
          listedIds: [first.id, twin.id],
          threshold: 2,
          signers: [
            { key: first, keyid: first.id },
            { key: twin, keyid: twin.id },
          ],
        });
        break;
      }
      case 'spare-root-key': {
        const root = plan('root') as SigningPlan;
        const spare = rootKey(mutation.key);
        if (!root.listedIds.includes(spare.id)) {
          root.listed.push(spare);
          root.listedIds.push(spare.id);
        }
        break;
      }
      case 'root-key-variant':
        plans.set('root', single(rootKey(mutation.key)));
        break;
      case 'wrong-keytype': {
        const target = plan(mutation.role);
        const key = target?.listed[0];
        if (target === undefined || key === undefined) {
          break;
        }
        const relabelled: SigningKey = { ...key, keytype: mutation.keytype, id: keyIdOf(mutation.keytype, key.publicB64), sign: (m) => key.sign(m) };
        target.listed[0] = relabelled;
        target.listedIds[0] = relabelled.id;
        target.signers = target.signers.map((s) => (s.key === key ? { key: relabelled, keyid: relabelled.id } : s));
        break;
      }
      case 'key-under-foreign-id': {
        const target = plan(mutation.role);
        const key = target?.listed[0];
        if (target === undefined || key === undefined) {
          break;
        }
        const foreignId = sha256(Buffer.from(`foreign:${spec.index}:${mutation.role}`)).toString('hex');
        target.listedIds[0] = foreignId;
        target.signers = target.signers.map((s) => (s.key === key ? { key, keyid: mutation.signatureKeyId === 'listed' ? foreignId : key.id } : s));
        break;
      }
      case 'pycrypto-pem-key': {
        const key = plan(mutation.role)?.listed[0];
        if (key !== undefined && key.keytype === 'rsa') {
          plans.set(mutation.role, single(asPycryptoKey(key)));
        }
        break;
      }
      case 'base64-spelling': {
        const target = plan(mutation.role);
        const key = target?.listed[0];
        const respelled = key === undefined ? undefined : respellBase64(key.publicB64, mutation.spelling);
        if (mutation.where !== 'key' || target === undefined || key === undefined || respelled === undefined) {
          break;
        }
        // Notary's key id is over the re-encoded (canonical) base64; a reader that hashes the text gets another id.
        const listedId = mutation.listedUnder === 'canonical-id' ? key.id : keyIdOf(key.keytype, respelled);
        const respelledKey: SigningKey = { keytype: key.keytype, publicB64: respelled, id: listedId, sign: (m) => key.sign(m) };
        target.listed[0] = respelledKey;
        target.listedIds[0] = listedId;
        target.signers = target.signers.map((s) => (s.key === key ? { key: respelledKey, keyid: listedId } : s));
        break;
      }
      case 'threshold': {
        const target = plan(mutation.role);
        if (target !== undefined) {
          target.threshold = mutation.threshold;
        }
        break;
      }
      case 'missing-signer':
        plan(mutation.role)?.signers.pop();
        break;
      default:
        break;
    }
  }

  // Edits of `signed`, per role, applied just before signing.
  const editors = new Map<string, ((signed: JsonObjectNode) => void)[]>();
  const edit = (role: string, editor: (signed: JsonObjectNode) => void): void => {
    editors.set(role, [...(editors.get(role) ?? []), editor]);
  };
  const styles = new Map<string, ServedStyle>();
  const style = (role: string, extra: ServedStyle): void => {
    const current = styles.get(role) ?? {};
    styles.set(role, { ...current, ...extra, duplicates: [...(current.duplicates ?? []), ...(extra.duplicates ?? [])] });
  };
  const isTargetsRole = (role: string): boolean => role === 'targets' || role.startsWith('targets/');
  const firstTag = (signed: JsonObjectNode): JsonObjectNode | undefined => {
    const targets = objectAt(signed['targets']);
    const name = targets === undefined ? undefined : Object.keys(targets).sort()[0];
    return name === undefined ? undefined : objectAt(targets?.[name]);
  };
  /** The meta entry a length or hash mutation of `role` edits. */
  const metaHolder = (role: string): string => (role === 'snapshot' ? 'timestamp' : 'snapshot');

  for (const mutation of mutations) {
    switch (mutation.kind) {
      case 'version':
        edit(mutation.role, (signed) => {
          signed['version'] = mutation.version;
        });
        break;
      case 'expiry':
        edit(mutation.role, (signed) => {
          signed['expires'] = goTime(new Date(now.getTime() + (mutation.when === 'past' ? -DAY : 3600_000)));
        });
        break;
      case 'expiry-format':
        edit(mutation.role, (signed) => {
          const current = Date.parse(String(signed['expires']));
          signed['expires'] = formatExpiry(new Date(Number.isNaN(current) ? now.getTime() + 30 * DAY : current), mutation.format);
        });
        break;
      case 'extra-field': {
        const value: JsonNode = {
          string: 'a custom value',
          object: { nested: [1, 2, { deeper: null, flag: true }], note: 'custom' },
          null: null,
          'unicode-key': { 'ключ-🔑': 'значение' },
          'control-characters': 'line\nbreak\ttab\u0001\u001f end',
        }[mutation.value];
        edit(mutation.role, (signed) => {
          const place =
            mutation.where === 'tag-entry'
              ? (firstTag(signed) ?? objectAt(Object.values(objectAt(signed['meta']) ?? {})[0]))
              : mutation.where === 'key-entry'
                ? objectAt(Object.values(objectAt(signed['keys']) ?? objectAt(objectAt(signed['delegations'])?.['keys']) ?? {})[0])
                : mutation.where === 'delegation-role'
                  ? (objectAt(objectAt(signed['roles'])?.['targets']) ?? objectAt((objectAt(signed['delegations'])?.['roles'] as JsonNode[] | undefined)?.[0]))
                  : undefined;
          (place ?? signed)[mutation.where === 'tag-entry' ? 'custom' : 'x-custom'] = value;
        });
        break;
      }
      case 'deep-nesting':
        edit(mutation.role, (signed) => {
          signed['x-deep'] = new DeepNest(mutation.depth, 'bottom');
        });
        break;
      case 'large-number':
        edit(mutation.role, (signed) => {
          signed['x-large'] = new SpelledNumber(Number(mutation.literal), mutation.literal);
        });
        break;
      case 'invalid-utf8':
        edit(mutation.role, (signed) => {
          signed['x-text'] = new InvalidUtf8String('before-', '-after');
        });
        break;
      case 'case-variant-field':
        style(mutation.role, { keyOrder: 'case-variants-last' });
        if (mutation.field !== 'envelope') {
          edit(mutation.role, (signed) => addCaseVariant(signed, mutation.field, now));
        }
        break;
      case 'number-spelling':
        edit(mutation.role, (signed) => {
          const spell = (value: number): SpelledNumber => new SpelledNumber(value, mutation.spelling === 'fraction' ? `${value}.0` : `${value * 10}e-1`);
          const holder =
            mutation.field === 'length'
              ? (firstTag(signed) ?? objectAt(Object.values(objectAt(signed['meta']) ?? {})[0]))
              : mutation.field === 'threshold'
                ? (objectAt(objectAt(signed['roles'])?.['root']) ?? objectAt((objectAt(signed['delegations'])?.['roles'] as JsonNode[] | undefined)?.[0]))
                : undefined;
          const field = holder === undefined ? 'version' : mutation.field;
          const target = holder ?? signed;
          if (typeof target[field] === 'number') {
            target[field] = spell(target[field]);
          }
        });
        break;
      case 'whitespace':
        style(
          mutation.role,
          mutation.style === 'pretty'
            ? { indent: '  ', colonSpace: true }
            : mutation.style === 'crlf-tabs'
              ? { indent: '\t', newline: '\r\n', colonSpace: true }
              : { leading: ' \n\t', trailing: '\r\n  \n' }
        );
        break;
      case 'key-order':
        style(mutation.role, { keyOrder: mutation.order });
        break;
      case 'unicode-escapes':
        style(mutation.role, { unicodeEscapes: true, escapeSlash: true });
        break;
      default:
        break;
    }
  }

  /** Signs `signed` for `role` and writes its envelope, with the role's signature, tamper and text mutations. */
  const seal = async (role: string, signed: JsonObjectNode): Promise<Buffer> => {
    const signing = plan(role) as SigningPlan;
    for (const editor of editors.get(role) ?? []) {
      editor(signed);
    }
    const signatures = await signaturesFor(signed, signing.signers);
    const roleMutations = mutations.filter((m) => 'role' in m && m.role === role);
    let served: JsonObjectNode = signed;
    let envelope: JsonObjectNode;
    for (const mutation of roleMutations) {
      switch (mutation.kind) {
        case 'garbage-signature-first': {
          const first = signatures[0] ?? { keyid: signing.listedIds[0] ?? 'none', method: 'ecdsa', sig: '' };
          const length = Math.max(Buffer.from(first.sig, 'base64').length, 64);
          signatures.unshift({ keyid: first.keyid, method: first.method, sig: drawBytes(random, length).toString('base64') });
          break;
        }
        case 'duplicate-signature':
          if (signatures[0] !== undefined) {
            signatures.push({ ...signatures[0] });
          }
          break;
        case 'unknown-keyid-signature':
          signatures.unshift({ keyid: drawBytes(random, 32).toString('hex'), method: 'ecdsa', sig: drawBytes(random, 64).toString('base64') });
          break;
        case 'wrong-method':
          if (signatures[0] !== undefined) {
            signatures[0].method = mutation.method;
          }
          break;
        case 'no-signatures':
          signatures.splice(0);
          break;
        case 'foreign-key-signature': {
          // A key the role does not list (the pool's last ECDSA key, listed nowhere else by this mutation).
          const foreign = pool.key({ kind: 'ecdsa', slot: 7 });
          signatures.splice(0, signatures.length, ...(await signaturesFor(signed, [{ key: foreign, keyid: foreign.id }])));
          break;
        }
        case 'base64-spelling':
          if (mutation.where === 'signature' && signatures[0] !== undefined) {
            signatures[0].sig = respellBase64(signatures[0].sig, mutation.spelling) ?? signatures[0].sig;
          }
          break;
        case 'truncated-signature':
          if (signatures[0] !== undefined) {
            const bytes = Buffer.from(signatures[0].sig, 'base64');
            signatures[0].sig = bytes.subarray(0, Math.floor(bytes.length / 2)).toString('base64');
          }
          break;
        case 'tamper-after-signing':
          served = clone(signed) as JsonObjectNode;
          tamper(served, mutation.what);
          break;
        default:
          break;
      }
    }
    envelope = { signed: served, signatures: signatures as unknown as JsonNode };
    if (roleMutations.some((m) => m.kind === 'case-variant-field' && m.field === 'envelope')) {
      // Another `signed`, validly signed by the same keys, under keys that differ only in case.
      const other = clone(signed) as JsonObjectNode;
      if (isTargetsRole(role)) {
        tamper(other, 'tag-digest');
        tamper(other, 'add-tag');
      } else {
        other['expires'] = goTime(new Date(now.getTime() - 2 * DAY));
      }
      envelope = { ...envelope, Signed: other, Signatures: (await signaturesFor(other, signing.signers)) as unknown as JsonNode };
    }
    const duplicates: DuplicateKey[] = [];
    for (const mutation of roleMutations) {
      if (mutation.kind === 'duplicate-key') {
        const version = typeof signed['version'] === 'number' ? signed['version'] : 1;
        duplicates.push({
          path: ['signed'],
          key: 'version',
          decoy: mutation.variant === 'same-value' ? version : version + 7,
          position: mutation.variant === 'decoy-first' ? 'before' : 'after',
        });
      }
    }
    const roleStyle = styles.get(role) ?? {};
    return servedBytes(envelope, { ...roleStyle, duplicates: [...(roleStyle.duplicates ?? []), ...duplicates] });
  };

  // Delegation entries, as each parent lists its children.
  const undeclared = new Set(has('undeclared-delegation').map((m) => m.role));
  const delegationsOf = (parent: string): JsonObjectNode => {
    const keys: JsonObjectNode = {};
    const roles: JsonNode[] = [];
    for (const child of spec.delegations.filter((d) => parentOf(d.name) === parent && !undeclared.has(d.name))) {
      const signing = plan(child.name) as SigningPlan;
      signing.listed.forEach((key, index) => {
        keys[signing.listedIds[index] as string] = keyEntry(key);
      });
      const paths = has('delegation-paths').find((m) => m.role === child.name)?.paths ?? child.paths;
      const entry: JsonObjectNode = { keyids: [...signing.listedIds], name: child.name, paths: [...paths], threshold: signing.threshold };
      roles.push(entry);
      if (has('duplicate-delegation-entry').some((m) => m.role === child.name)) {
        roles.push(clone(entry));
      }
    }
    for (const invalid of has('invalid-delegation-name').filter((m) => m.parent === parent)) {
      const key = pool.key({ kind: 'ed25519', slot: 6 });
      keys[key.id] = keyEntry(key);
      roles.push({ keyids: [key.id], name: invalid.name, paths: [''], threshold: 1 });
    }
    return { keys, roles };
  };
  const targetsObject = (tags: CaseSpec['tags']): JsonObjectNode => {
    const result: JsonObjectNode = {};
    for (const tag of tags) {
      result[tag.name] = { hashes: { sha256: Buffer.from(tag.sha256Hex, 'hex').toString('base64') }, length: tag.length };
    }
    return result;
  };

  const files = new Map<string, Buffer>();
  for (const delegation of spec.delegations.filter((d: DelegationSpec) => d.published)) {
    files.set(
      delegation.name,
      await seal(delegation.name, {
        _type: 'Targets',
        delegations: delegationsOf(delegation.name),
        expires: goTime(new Date(now.getTime() + 1095 * DAY)),
        targets: targetsObject(delegation.tags),
        version: 1,
      })
    );
  }
  files.set(
    'targets',
    await seal('targets', {
      _type: 'Targets',
      delegations: delegationsOf('targets'),
      expires: goTime(new Date(now.getTime() + 1095 * DAY)),
      targets: targetsObject(spec.tags),
      version: 1,
    })
  );
  const rootKeys: JsonObjectNode = {};
  const rootRoles: JsonObjectNode = {};
  for (const role of ['root', 'snapshot', 'targets', 'timestamp']) {
    const signing = plan(role) as SigningPlan;
    signing.listed.forEach((key, index) => {
      rootKeys[signing.listedIds[index] as string] = keyEntry(key);
    });
    rootRoles[role] = { keyids: [...signing.listedIds], threshold: signing.threshold };
  }
  files.set(
    'root',
    await seal('root', {
      _type: 'Root',
      consistent_snapshot: false,
      expires: goTime(new Date(now.getTime() + 3650 * DAY)),
      keys: rootKeys,
      roles: rootRoles,
      version: 1,
    })
  );

  // Snapshot and timestamp meta, from the served bytes, then edited.
  const editMeta = (holder: string, meta: JsonObjectNode): void => {
    for (const mutation of mutations) {
      if (!('role' in mutation) || metaHolder(mutation.role) !== holder) {
        if (mutation.kind === 'meta-extra-entry' && holder === 'snapshot') {
          meta[mutation.name] = fileMeta(Buffer.from(`ghost ${mutation.name}`));
        }
        continue;
      }
      const entry = objectAt(meta[mutation.role]);
      const hashes = objectAt(entry?.['hashes']);
      switch (mutation.kind) {
        case 'meta-length':
          if (entry !== undefined && typeof entry['length'] === 'number') {
            entry['length'] = entry['length'] + mutation.delta;
          }
          break;
        case 'meta-missing':
          delete meta[mutation.role];
          break;
        case 'meta-custom':
          if (entry !== undefined) {
            entry['custom'] = { note: 'custom file meta', list: [1, 'two'] };
          }
          break;
        case 'meta-hash':
          if (hashes !== undefined) {
            editHashes(hashes, mutation.change);
          }
          break;
        case 'base64-spelling':
          if (mutation.where === 'hash' && hashes !== undefined && typeof hashes['sha256'] === 'string') {
            hashes['sha256'] = respellBase64(hashes['sha256'], mutation.spelling) ?? hashes['sha256'];
          }
          break;
        default:
          break;
      }
    }
  };
  const snapshotMeta: JsonObjectNode = {};
  for (const [role, bytes] of files) {
    snapshotMeta[role] = fileMeta(bytes);
  }
  editMeta('snapshot', snapshotMeta);
  files.set('snapshot', await seal('snapshot', { _type: 'Snapshot', expires: goTime(new Date(now.getTime() + 1095 * DAY)), meta: snapshotMeta, version: 1 }));
  const timestampMeta: JsonObjectNode = { snapshot: fileMeta(files.get('snapshot') as Buffer) };
  editMeta('timestamp', timestampMeta);
  files.set('timestamp', await seal('timestamp', { _type: 'Timestamp', expires: goTime(new Date(now.getTime() + 14 * DAY)), meta: timestampMeta, version: 1 }));

  // Tampering after hashing, and files the server does not have.
  for (const mutation of has('flip-byte-after-hashing')) {
    const bytes = files.get(mutation.role);
    if (bytes !== undefined) {
      files.set(mutation.role, flipSignatureCharacter(bytes));
    }
  }
  for (const mutation of has('delegation-not-served')) {
    files.delete(mutation.role);
  }
  return { gun, files };
}

async function signaturesFor(signed: JsonObjectNode, signers: readonly { key: SigningKey; keyid: string }[]): Promise<SignatureJson[]> {
  const canonical = canonicalText(signed);
  if (!hasSpecialNodes(signed)) {
    // The fuzzer's writer must say exactly what the independent test-side signer says.
    const reference = canonicalJson(signed as Json);
    if (reference !== canonical) {
      throw new Error('canonical JSON of the fuzzer and of the trust-factory differ');
    }
  }
  const message = Buffer.from(canonical, 'utf8');
  const signatures: SignatureJson[] = [];
  for (const { key, keyid } of signers) {
    const { method, sig } = await key.sign(message);
    signatures.push({ keyid, method, sig });
  }
  return signatures;
}

function drawBytes(random: Random, length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => random.int(0, 255)));
}

/** Changes what a tag, version or expiry means, after the signatures were made. */
function tamper(signed: JsonObjectNode, what: 'tag-digest' | 'version' | 'expires' | 'add-tag'): void {
  const targets = objectAt(signed['targets']);
  const names = targets === undefined ? [] : Object.keys(targets).sort();
  const first = names[0] === undefined ? undefined : objectAt(targets?.[names[0]]);
  const hashes = objectAt(first?.['hashes']);
  if (what === 'tag-digest' && hashes !== undefined) {
    hashes['sha256'] = createHash('sha256').update('tampered').digest('base64');
  } else if (what === 'add-tag' && targets !== undefined) {
    targets['injected'] = { hashes: { sha256: createHash('sha256').update('injected').digest('base64') }, length: 1234 };
  } else if (what === 'expires' || (what !== 'version' && targets === undefined)) {
    signed['expires'] = goTime(new Date(Date.now() + 20 * 365 * DAY));
  } else {
    signed['version'] = typeof signed['version'] === 'number' ? signed['version'] + 1 : 2;
  }
}

/**
 * Adds a field that equals a known one but for case. docker/go's decoder
 * matches struct fields case-insensitively and keeps the last occurrence in
 * the text; the served text puts the variant last.
 */
function addCaseVariant(signed: JsonObjectNode, field: string, now: Date): void {
  switch (field) {
    case 'targets': {
      const variant = clone(signed['targets'] ?? {}) as JsonObjectNode;
      const first = Object.keys(variant).sort()[0];
      const hashes = first === undefined ? undefined : objectAt(objectAt(variant[first])?.['hashes']);
      if (hashes !== undefined) {
        hashes['sha256'] = createHash('sha256').update('case-variant').digest('base64');
      }
      variant['case-variant-extra'] = { hashes: { sha256: createHash('sha256').update('extra').digest('base64') }, length: 99 };
      signed['Targets'] = variant;
      break;
    }
    case 'expires':
      signed['Expires'] = goTime(new Date(now.getTime() - 2 * DAY));
      break;
    case 'version':
      signed['Version'] = 0;
      break;
    case 'delegations':
      signed['Delegations'] = { keys: {}, roles: [] };
      break;
    case 'meta': {
      const meta = objectAt(signed['meta']) ?? {};
      const first = Object.keys(meta).sort()[0] ?? 'snapshot';
      signed['Meta'] = { [first]: fileMeta(Buffer.from('not the file')) };
      break;
    }
    case '_type':
      signed['_TYPE'] = 'Wrong';
      break;
  }
}

function editHashes(hashes: JsonObjectNode, change: string): void {
  const wrong = (algorithm: string): string => createHash(algorithm).update('wrong').digest('base64');
  switch (change) {
    case 'drop-sha256':
      delete hashes['sha256'];
      break;
    case 'drop-sha512':
      delete hashes['sha512'];
      break;
    case 'wrong-sha256':
      hashes['sha256'] = wrong('sha256');
      break;
    case 'wrong-sha512':
      hashes['sha512'] = wrong('sha512');
      break;
    case 'unknown-algorithm-only':
      for (const key of Object.keys(hashes)) {
        delete hashes[key];
      }
      hashes['md5'] = createHash('md5').update('x').digest('base64');
      break;
    case 'extra-unknown-algorithm':
      hashes['sha384'] = createHash('sha384').update('unrelated').digest('base64');
      break;
    case 'short-sha256':
      hashes['sha256'] = Buffer.from(String(hashes['sha256']), 'base64').subarray(0, 20).toString('base64');
      break;
  }
}

/** Replaces one base64 character inside the first signature value. */
function flipSignatureCharacter(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  const marker = copy.indexOf('"sig"');
  const at = marker < 0 ? Math.floor(copy.length / 2) : copy.indexOf('"', copy.indexOf(':', marker) + 1) + 5;
  const current = copy[at] ?? 0x41;
  copy[at] = current === 0x41 ? 0x42 : 0x41;
  return copy;
}

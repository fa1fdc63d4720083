/**
 * Strict parsing of Notary metadata (src/notary/core/model.ts): every field
 * that must be there with its type, every bound, and Go's `null` for empty
 * maps and lists. Files are written by hand as JSON; nothing here is signed
 * (parsing comes before any signature check), so no clock is involved.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { guard } from '../../../src/notary/core/metadata-fields.js';
import { parseFileMeta } from '../../../src/notary/core/metadata-parts.js';
import type { ParseFailure } from '../../../src/notary/core/model.js';
import { parseRoot, parseSnapshot, parseTargets, parseTimestamp } from '../../../src/notary/core/parse-roles.js';
import type { Result } from '../../../src/lib/result.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const EXPIRES = '2030-01-02T03:04:05.123456789+01:00';
const SHA256 = Buffer.alloc(32, 0xab).toString('base64');
const SHA512 = Buffer.alloc(64, 0xcd).toString('base64');
const ED25519 = Buffer.alloc(32, 0x11).toString('base64');

const file = (signed: Json, signatures: Json = []): Uint8Array => Buffer.from(JSON.stringify({ signed, signatures }));
const fileMeta = (length = 10): Json => ({ length, hashes: { sha256: SHA256 } });
const key = (): Json => ({ keytype: 'ed25519', keyval: { private: null, public: ED25519 } });
const role = (keyids: Json = ['k1'], threshold: Json = 1): Json => ({ keyids, threshold });

function rootSigned(edit: (signed: { [key: string]: Json }) => void = () => {}): Json {
  const signed: { [key: string]: Json } = {
    _type: 'Root',
    consistent_snapshot: false,
    expires: EXPIRES,
    keys: { k1: key(), k2: key() },
    roles: { root: role(), targets: role(['k2']), snapshot: role(), timestamp: role(['k1', 'k2'], 2) },
    version: 3,
  };
  edit(signed);
  return signed;
}

function targetsSigned(edit: (signed: { [key: string]: Json }) => void = () => {}): { [key: string]: Json } {
  const signed: { [key: string]: Json } = {
    _type: 'Targets',
    delegations: { keys: { d1: key() }, roles: [{ name: 'targets/releases', keyids: ['d1'], threshold: 1, paths: [''] }] },
    expires: EXPIRES,
    targets: { v1: fileMeta(5) },
    version: 1,
  };
  edit(signed);
  return signed;
}

function snapshotSigned(meta: Json): Json {
  return { _type: 'Snapshot', expires: EXPIRES, meta, version: 1 };
}

function refused<T>(result: Result<T, ParseFailure>, code: ParseFailure['code'], detail: string | RegExp): void {
  assert.ok(!result.ok, 'expected a parse failure');
  assert.equal(result.error.code, code);
  if (typeof detail === 'string') {
    assert.equal(result.error.detail, detail);
  } else {
    assert.match(result.error.detail, detail);
  }
}

const malformed = <T>(result: Result<T, ParseFailure>, detail: string | RegExp): void => refused(result, 'MALFORMED_METADATA', detail);

describe('the signed envelope', () => {
  it('reads version, expiry (offsets and nanoseconds), canonical message and signatures (method lower-cased)', () => {
    const signature = { keyid: 'k1', method: 'ECDSA', sig: Buffer.alloc(64, 7).toString('base64') };
    const result = parseRoot(file(rootSigned(), [signature]));
    assert.ok(result.ok);
    assert.equal(result.value.version, 3);
    assert.equal(result.value.expires.toISOString(), '2030-01-02T02:04:05.123Z');
    assert.deepEqual(result.value.signatures, [{ keyid: 'k1', method: 'ecdsa', sig: Buffer.alloc(64, 7) }]);
    assert.match(Buffer.from(result.value.message).toString(), /^\{"_type":"Root","consistent_snapshot":false,"expires":/);
  });

  it('refuses a file that is not a JSON object', () => {
    malformed(parseRoot(Buffer.from('[]')), 'metadata is not a JSON object');
    malformed(parseRoot(Buffer.from('"Root"')), 'metadata is not a JSON object');
    malformed(parseRoot(Buffer.from('{')), /^not valid JSON/);
    malformed(parseRoot(Buffer.from([0x7b, 0xff, 0x7d])), 'not valid UTF-8');
  });

  it('refuses a missing or ill-typed signed part or signature list', () => {
    malformed(parseRoot(Buffer.from('{"signatures":[]}')), 'metadata has no "signed"');
    malformed(parseRoot(file([])), 'metadata.signed is not an object');
    malformed(parseRoot(file(rootSigned(), {})), 'metadata.signatures is not an array');
    malformed(parseRoot(Buffer.from(JSON.stringify({ signed: rootSigned() }))), 'metadata has no "signatures"');
  });

  it('refuses more than 64 signatures, and takes 64', () => {
    const signature = { keyid: 'k1', method: 'eddsa', sig: SHA512 };
    malformed(
      parseRoot(
        file(
          rootSigned(),
          Array.from({ length: 65 }, () => signature)
        )
      ),
      'metadata.signatures has more than 64 entries'
    );
    assert.equal(
      parseRoot(
        file(
          rootSigned(),
          Array.from({ length: 64 }, () => signature)
        )
      ).ok,
      true
    );
  });

  it('refuses a signature that is not an object, or whose fields are missing, ill-typed or not base64', () => {
    malformed(parseRoot(file(rootSigned(), ['sig'])), 'signatures[0] is not an object');
    malformed(parseRoot(file(rootSigned(), [{ keyid: 'k1', method: 'eddsa' }])), 'signatures[0] has no "sig"');
    malformed(parseRoot(file(rootSigned(), [{ keyid: 'k1', method: 'eddsa', sig: 5 }])), 'signatures[0].sig is not a string');
    malformed(parseRoot(file(rootSigned(), [{ keyid: 'k1', method: 'eddsa', sig: 'not base64!' }])), 'signatures[0].sig is not base64');
    malformed(parseRoot(file(rootSigned(), [{ keyid: 1, method: 'eddsa', sig: SHA512 }])), 'signatures[0].keyid is not a string');
    malformed(parseRoot(file(rootSigned(), [{ keyid: 'k1', sig: SHA512 }])), 'signatures[0] has no "method"');
  });

  it('refuses a _type that is missing or not a string (malformed), or another role (WRONG_TYPE)', () => {
    malformed(parseRoot(file(rootSigned((s) => delete s['_type']))), 'signed has no "_type"');
    malformed(parseRoot(file(rootSigned((s) => void (s['_type'] = 1)))), 'signed._type is not a string');
    refused(parseRoot(file(rootSigned((s) => void (s['_type'] = 'root')))), 'WRONG_TYPE', '_type is "root", expected "Root"');
    refused(parseTimestamp(file(rootSigned())), 'WRONG_TYPE', '_type is "Root", expected "Timestamp"');
  });

  it('refuses an expiry that is missing, not a string, or not RFC 3339', () => {
    malformed(parseRoot(file(rootSigned((s) => delete s['expires']))), 'signed has no "expires"');
    malformed(parseRoot(file(rootSigned((s) => void (s['expires'] = 1893456000)))), 'signed.expires is not a string');
    malformed(parseRoot(file(rootSigned((s) => void (s['expires'] = '2030-01-02 03:04:05Z')))), 'signed.expires "2030-01-02 03:04:05Z" is not an RFC 3339 time');
  });

  it('refuses a signed part that cannot be canonicalised (a number that is not a safe integer)', () => {
    malformed(parseRoot(file(rootSigned((s) => void (s['custom'] = 1.5)))), 'number 1.5 is not an integer literal');
    malformed(parseRoot(file(rootSigned((s) => void (s['custom'] = [2 ** 53])))), 'signed cannot be canonicalised: number 9007199254740992 is not a safe integer');
  });

  it('refuses a version that is missing, not an integer, or under 1', () => {
    malformed(parseRoot(file(rootSigned((s) => delete s['version']))), 'signed has no "version"');
    for (const version of [0, -1, '1', null, true]) {
      malformed(parseRoot(file(rootSigned((s) => void (s['version'] = version)))), 'signed.version is not an integer >= 1');
    }
    // An integer spelled 1e15 or 3.0 canonicalises to the same integer, but Go cannot read it into an
    // integer field and the notary client refuses the file (a differential finding): so do we.
    for (const spelled of ['1e15', '3.0', '30e-1']) {
      const text = JSON.stringify({ signed: rootSigned(), signatures: [] }).replace('"version":3', `"version":${spelled}`);
      malformed(parseRoot(Buffer.from(text)), `number ${spelled} is not an integer literal`);
    }
    assert.ok(parseRoot(Buffer.from(JSON.stringify({ signed: rootSigned(), signatures: [] }).replace('"version":3', '"version":1000000000000000'))).ok);
  });

  it('reads a __proto__ key as a plain own field (JSON.parse), never as the prototype', () => {
    const bytes = Buffer.from(`{"signed":${JSON.stringify(rootSigned()).replace('"version":3', '"version":3,"__proto__":{"version":9}')},"signatures":[]}`);
    const result = parseRoot(bytes);
    assert.ok(result.ok);
    assert.equal(result.value.version, 3);
    assert.match(Buffer.from(result.value.message).toString(), /"__proto__":\{"version":9\}/);
  });
});

describe('guard: what a parser refuses, and what it does not', () => {
  it('returns the value of a parser that does not throw', () => {
    assert.deepEqual(
      guard(() => 42),
      { ok: true, value: 42 }
    );
  });

  it('lets an error that is not a parse failure propagate, never reading it as malformed metadata', () => {
    const bug = new TypeError('a bug in a parser');
    assert.throws(
      () =>
        guard(() => {
          throw bug;
        }),
      (error: unknown) => error === bug
    );
    assert.throws(
      () =>
        guard(() => {
          throw new RangeError('Invalid string length');
        }),
      RangeError
    );
  });
});

describe('root', () => {
  it('reads keys and the four base roles', () => {
    const result = parseRoot(file(rootSigned()));
    assert.ok(result.ok);
    assert.deepEqual([...result.value.keys.keys()], ['k1', 'k2']);
    assert.deepEqual(result.value.roles, {
      root: { keyids: ['k1'], threshold: 1 },
      targets: { keyids: ['k2'], threshold: 1 },
      snapshot: { keyids: ['k1'], threshold: 1 },
      timestamp: { keyids: ['k1', 'k2'], threshold: 2 },
    });
    assert.equal(result.value.keys.get('k1')?.problem, undefined);
  });

  it('keeps an unusable key as a key with a problem (it just never signs)', () => {
    const result = parseRoot(file(rootSigned((s) => void ((s['keys'] as { [key: string]: Json })['k2'] = { keytype: 'ed25519', keyval: { private: null, public: 'AAAA' } }))));
    assert.ok(result.ok);
    assert.equal(result.value.keys.get('k2')?.problem, 'ed25519 key is not 32 bytes');
  });

  it('refuses keys that are missing, not an object, or more than 256', () => {
    malformed(parseRoot(file(rootSigned((s) => delete s['keys']))), 'signed has no "keys"');
    malformed(parseRoot(file(rootSigned((s) => void (s['keys'] = null)))), 'signed.keys is not an object');
    const many = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`k${i}`, key()]));
    malformed(parseRoot(file(rootSigned((s) => void (s['keys'] = many)))), 'signed.keys lists more than 256 keys');
  });

  it('refuses a key entry that is not an object, or lacks keytype or keyval.public', () => {
    const withKey = (value: Json): Uint8Array => file(rootSigned((s) => void ((s['keys'] as { [key: string]: Json })['k2'] = value)));
    malformed(parseRoot(withKey('ed25519')), 'signed.keys.k2 is not an object');
    malformed(parseRoot(withKey({ keyval: { public: ED25519 } })), 'signed.keys.k2 has no "keytype"');
    malformed(parseRoot(withKey({ keytype: 'ed25519' })), 'signed.keys.k2 has no "keyval"');
    malformed(parseRoot(withKey({ keytype: 'ed25519', keyval: [] })), 'signed.keys.k2.keyval is not an object');
    malformed(parseRoot(withKey({ keytype: 'ed25519', keyval: { private: null } })), 'signed.keys.k2.keyval has no "public"');
  });

  it('refuses roles that are missing, lack a base role, or list what is not a role', () => {
    const roles = (edit: (roles: { [key: string]: Json }) => void): Uint8Array => file(rootSigned((s) => edit(s['roles'] as { [key: string]: Json })));
    malformed(parseRoot(file(rootSigned((s) => delete s['roles']))), 'signed has no "roles"');
    malformed(parseRoot(roles((r) => delete r['snapshot'])), 'signed.roles has no "snapshot"');
    malformed(parseRoot(roles((r) => void (r['targets'] = ['k1']))), 'signed.roles.targets is not an object');
    malformed(parseRoot(roles((r) => void (r['root'] = role('k1')))), 'signed.roles.root.keyids is not an array');
    malformed(parseRoot(roles((r) => void (r['root'] = role(['k1', 7])))), 'signed.roles.root.keyids holds a non-string');
    malformed(parseRoot(roles((r) => void (r['root'] = role(Array.from({ length: 257 }, () => 'k1'))))), 'signed.roles.root.keyids has more than 256 entries');
    malformed(parseRoot(roles((r) => void (r['root'] = role(['k3'])))), 'signed.roles.root lists key k3, which is not among the keys');
    malformed(parseRoot(roles((r) => void (r['root'] = role(['k1'], 0)))), 'signed.roles.root.threshold is not an integer >= 1');
    malformed(parseRoot(roles((r) => void (r['root'] = { keyids: ['k1'] }))), 'signed.roles.root has no "threshold"');
  });
});

describe('file meta (hashes and length)', () => {
  it('reads sha256 and sha512 and ignores other algorithms, as notary CheckHashes does', () => {
    const hashes = JSON.parse(`{"sha256":"${SHA256}","sha512":"${SHA512}","md5":"not even base64!","blake3":42,"constructor":"x","toString":1,"__proto__":"y"}`) as Record<string, string>;
    const meta = parseFileMeta({ length: 7, hashes }, 'here');
    assert.equal(meta.length, 7);
    assert.deepEqual([...meta.hashes.keys()], ['sha256', 'sha512']);
    assert.deepEqual(meta.hashes.get('sha512'), Buffer.from(SHA512, 'base64'));
  });

  it('refuses what is not an object with a length and hashes', () => {
    assert.throws(() => parseFileMeta([], 'here'), /here is not an object/);
    assert.throws(() => parseFileMeta({ hashes: { sha256: SHA256 } }, 'here'), /here has no "length"/);
    assert.throws(() => parseFileMeta({ length: -1, hashes: { sha256: SHA256 } }, 'here'), /here.length is not an integer >= 0/);
    assert.throws(() => parseFileMeta({ length: 1.5, hashes: { sha256: SHA256 } }, 'here'), /here.length is not an integer >= 0/);
    assert.throws(() => parseFileMeta({ length: 1 }, 'here'), /here has no "hashes"/);
    assert.throws(() => parseFileMeta({ length: 1, hashes: [SHA256] }, 'here'), /here.hashes is not an object/);
  });

  it('refuses a known digest that is not a string, not base64, or of the wrong length', () => {
    for (const [algorithm, value] of [
      ['sha256', 32],
      ['sha256', 'q83vq83vq83vq83vq83vq83vq83vq83vq83vq83vq83v!='],
      ['sha256', SHA512],
      ['sha512', SHA256],
    ] as const) {
      assert.throws(() => parseFileMeta({ length: 1, hashes: { sha256: SHA256, [algorithm]: value } }, 'here'), new RegExp(`here.hashes.${algorithm} is not a base64 ${algorithm} digest`));
    }
  });

  it('refuses file meta without a sha256 digest', () => {
    assert.throws(() => parseFileMeta({ length: 1, hashes: { sha512: SHA512 } }, 'here'), /here has no sha256 hash/);
    assert.throws(() => parseFileMeta({ length: 1, hashes: {} }, 'here'), /here has no sha256 hash/);
  });
});

describe('timestamp', () => {
  it('reads the snapshot meta', () => {
    const result = parseTimestamp(file({ _type: 'Timestamp', expires: EXPIRES, meta: { snapshot: fileMeta(99) }, version: 4 }));
    assert.ok(result.ok);
    assert.equal(result.value.snapshot.length, 99);
  });

  it('refuses a timestamp without meta or without the snapshot in it', () => {
    malformed(parseTimestamp(file({ _type: 'Timestamp', expires: EXPIRES, version: 4 })), 'signed has no "meta"');
    malformed(parseTimestamp(file({ _type: 'Timestamp', expires: EXPIRES, meta: { root: fileMeta() }, version: 4 })), 'signed.meta has no "snapshot"');
    malformed(parseTimestamp(file({ _type: 'Timestamp', expires: EXPIRES, meta: { snapshot: 'x' }, version: 4 })), 'signed.meta.snapshot is not an object');
  });
});

describe('snapshot', () => {
  it('reads every listed file, root and targets by name', () => {
    const result = parseSnapshot(file(snapshotSigned({ root: fileMeta(1), targets: fileMeta(2), 'targets/releases': fileMeta(3) })));
    assert.ok(result.ok);
    assert.deepEqual([...result.value.meta.keys()], ['root', 'targets', 'targets/releases']);
    assert.equal(result.value.root.length, 1);
    assert.equal(result.value.targets.length, 2);
    assert.equal(result.value.root, result.value.meta.get('root'));
  });

  it('refuses a snapshot that does not list root, or targets (notary IsValidSnapshotStructure)', () => {
    malformed(parseSnapshot(file(snapshotSigned({ targets: fileMeta() }))), 'signed.meta has no "root"');
    malformed(parseSnapshot(file(snapshotSigned({ root: fileMeta() }))), 'signed.meta has no "targets"');
    malformed(parseSnapshot(file(snapshotSigned({}))), 'signed.meta has no "root"');
  });

  it('refuses more than 258 files (256 delegations, root and targets), and takes 258', () => {
    const meta = (count: number): Json =>
      Object.fromEntries<Json>([['root', fileMeta()], ['targets', fileMeta()], ...Array.from({ length: count }, (_, i): [string, Json] => [`targets/d${i}`, fileMeta()])]);
    malformed(parseSnapshot(file(snapshotSigned(meta(257)))), 'signed.meta lists more than 258 files');
    assert.equal(parseSnapshot(file(snapshotSigned(meta(256)))).ok, true);
  });

  it('refuses an entry that is not file meta, naming it', () => {
    malformed(parseSnapshot(file(snapshotSigned({ root: fileMeta(), targets: { length: 1 } }))), 'signed.meta.targets has no "hashes"');
  });
});

describe('targets and delegations', () => {
  it('reads targets, delegation keys and roles', () => {
    const result = parseTargets(file(targetsSigned()), 'targets');
    assert.ok(result.ok);
    assert.equal(result.value.targets.get('v1')?.length, 5);
    assert.deepEqual([...result.value.delegationKeys.keys()], ['d1']);
    assert.deepEqual(result.value.delegations, [{ name: 'targets/releases', keyids: ['d1'], threshold: 1, paths: [''] }]);
  });

  it("reads Go's null for an empty targets map, keys map and roles list; absent is still malformed", () => {
    const result = parseTargets(
      file(
        targetsSigned((s) => {
          s['targets'] = null;
          s['delegations'] = { keys: null, roles: null };
        })
      ),
      'targets'
    );
    assert.ok(result.ok);
    assert.equal(result.value.targets.size, 0);
    assert.equal(result.value.delegationKeys.size, 0);
    assert.deepEqual(result.value.delegations, []);
    malformed(parseTargets(file(targetsSigned((s) => delete s['targets'])), 'targets'), 'signed has no "targets"');
    malformed(parseTargets(file(targetsSigned((s) => void (s['delegations'] = { keys: {} }))), 'targets'), 'signed.delegations has no "roles"');
    malformed(parseTargets(file(targetsSigned((s) => void (s['delegations'] = { roles: [] }))), 'targets'), 'signed.delegations has no "keys"');
    malformed(parseTargets(file(targetsSigned((s) => delete s['delegations'])), 'targets'), 'signed has no "delegations"');
    malformed(parseTargets(file(targetsSigned((s) => void (s['delegations'] = null))), 'targets'), 'signed.delegations is not an object');
    malformed(parseTargets(file(targetsSigned((s) => void (s['targets'] = []))), 'targets'), 'signed.targets is not an object');
  });

  it('refuses a target entry that is not file meta, naming the target', () => {
    malformed(parseTargets(file(targetsSigned((s) => void (s['targets'] = { 'v"1': { length: 1, hashes: {} } }))), 'targets'), 'signed.targets["v\\"1"] has no sha256 hash');
  });

  it('refuses more than 256 delegation roles', () => {
    const roles = Array.from({ length: 257 }, (_, i) => ({ name: `targets/d${i}`, keyids: ['d1'], threshold: 1, paths: [''] }));
    malformed(
      parseTargets(file(targetsSigned((s) => void ((s['delegations'] as { [key: string]: Json })['roles'] = roles))), 'targets'),
      'signed.delegations.roles has more than 256 entries'
    );
  });

  describe('a delegation role', () => {
    const withRole = (value: Json, parent = 'targets'): Result<unknown, ParseFailure> =>
      parseTargets(file(targetsSigned((s) => void ((s['delegations'] as { [key: string]: Json })['roles'] = [value]))), parent);
    const delegation = (fields: { [key: string]: Json }): Json => ({ name: 'targets/releases', keyids: ['d1'], threshold: 1, paths: [''], ...fields });

    it('refuses an entry that is not an object, or lacks its name, keys or paths', () => {
      malformed(withRole('targets/releases'), 'signed.delegations.roles[0] is not an object');
      malformed(withRole({ keyids: ['d1'], threshold: 1, paths: [''] }), 'signed.delegations.roles[0] has no "name"');
      malformed(withRole(delegation({ keyids: ['d2'] })), 'signed.delegations.roles[0] lists key d2, which is not among the keys');
      malformed(withRole(delegation({ paths: null })), 'signed.delegations.roles[0].paths is not an array');
      malformed(withRole(delegation({ paths: [1] })), 'signed.delegations.roles[0].paths holds a non-string');
      malformed(withRole(delegation({ paths: Array.from({ length: 1025 }, () => '') })), 'signed.delegations.roles[0].paths has more than 1024 entries');
    });

    it('takes 1024 paths', () => {
      assert.equal(withRole(delegation({ paths: Array.from({ length: 1024 }, (_, i) => `p${i}`) })).ok, true);
    });

    it('refuses a name that is not a direct child delegation of the file it is in (notary IsDelegation)', () => {
      const refusedName = (name: string, parent = 'targets'): void =>
        malformed(withRole(delegation({ name }), parent), `signed.delegations.roles[0].name ${JSON.stringify(name)} is not a direct child delegation of ${parent}`);
      for (const name of ['targets', 'targets/', 'targets/Releases', 'targets/a b', 'targets//a', 'targets/a/', 'targets/../a', 'targets/./a', 'releases', 'root/a', 'targets/a/b']) {
        refusedName(name);
      }
      refusedName('targets/other/child', 'targets/releases');
      refusedName('targets/releases/a/b', 'targets/releases');
      refusedName(`targets/${'a'.repeat(248)}`);
      assert.equal(withRole(delegation({ name: `targets/${'a'.repeat(247)}` })).ok, true);
      assert.equal(withRole(delegation({ name: 'targets/releases/child_1-x' }), 'targets/releases').ok, true);
    });
  });
});

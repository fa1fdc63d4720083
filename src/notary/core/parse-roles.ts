/**
 * Notary's role files parsed strictly into the values of model.ts: a missing
 * or ill-typed field fails closed, as MALFORMED_METADATA or WRONG_TYPE.
 */
import type { Result } from '../../lib/result.js';
import type { BaseRole } from './codes.js';
import { entriesOf, isObject } from './json.js';
import { fail, field, guard, listField, mapField, objectField, refuseCaseVariants, stringArray, stringField } from './metadata-fields.js';
import { parseFileMeta, parseKeys, parseRoleKeys, parseSigned } from './metadata-parts.js';
import { isDelegationName, type DelegatedRole, type FileMeta, type ParseFailure, type Root, type RoleKeys, type Snapshot, type Targets, type Timestamp } from './model.js';

/** Bounds on what one file may make us do (with MAX_SIGNATURES and MAX_KEYS in metadata-parts.ts). */
const MAX_DELEGATIONS = 256;
const MAX_PATHS = 1024;

const DELEGATIONS_FIELDS = ['keys', 'roles'];

export function parseRoot(bytes: Uint8Array): Result<Root, ParseFailure> {
  return guard(() => {
    const { signed, common } = parseSigned(bytes, 'Root');
    const keys = parseKeys(objectField(signed, 'keys', 'signed'), 'signed.keys');
    const rolesObject = objectField(signed, 'roles', 'signed');
    const roleKeys = (role: BaseRole): RoleKeys => parseRoleKeys(field(rolesObject, role, 'signed.roles'), `signed.roles.${role}`, keys);
    // A record, not a map: a base role without keys cannot be expressed. Parsed in BASE_ROLES order.
    const roles: Record<BaseRole, RoleKeys> = { root: roleKeys('root'), targets: roleKeys('targets'), snapshot: roleKeys('snapshot'), timestamp: roleKeys('timestamp') };
    return { ...common, keys, roles };
  });
}

export function parseTimestamp(bytes: Uint8Array): Result<Timestamp, ParseFailure> {
  return guard(() => {
    const { signed, common } = parseSigned(bytes, 'Timestamp');
    const meta = objectField(signed, 'meta', 'signed');
    return { ...common, snapshot: parseFileMeta(field(meta, 'snapshot', 'signed.meta'), 'signed.meta.snapshot') };
  });
}

export function parseSnapshot(bytes: Uint8Array): Result<Snapshot, ParseFailure> {
  return guard(() => {
    const { signed, common } = parseSigned(bytes, 'Snapshot');
    const meta = new Map<string, FileMeta>();
    const entries = entriesOf(objectField(signed, 'meta', 'signed'));
    if (entries.length > MAX_DELEGATIONS + 2) {
      fail(`signed.meta lists more than ${MAX_DELEGATIONS + 2} files`);
    }
    for (const [role, value] of entries) {
      meta.set(role, parseFileMeta(value, `signed.meta.${role}`));
    }
    // notary IsValidSnapshotStructure: root and targets must be listed.
    const required = (role: 'root' | 'targets'): FileMeta => meta.get(role) ?? fail(`signed.meta has no "${role}"`);
    const root = required('root');
    return { ...common, meta, root, targets: required('targets') };
  });
}

/** Parses `targets.json` or a delegation file; `role` is its own name (delegations must be direct children). */
export function parseTargets(bytes: Uint8Array, role: string): Result<Targets, ParseFailure> {
  return guard(() => {
    const { signed, common } = parseSigned(bytes, 'Targets');
    const targets = new Map<string, FileMeta>();
    for (const [name, value] of entriesOf(mapField(signed, 'targets', 'signed'))) {
      targets.set(name, parseFileMeta(value, `signed.targets[${JSON.stringify(name)}]`));
    }
    const delegationsObject = objectField(signed, 'delegations', 'signed');
    refuseCaseVariants(delegationsObject, DELEGATIONS_FIELDS, 'signed.delegations');
    const delegationKeys = parseKeys(mapField(delegationsObject, 'keys', 'signed.delegations'), 'signed.delegations.keys');
    const declared = new Set<string>();
    const delegations = listField(delegationsObject, 'roles', 'signed.delegations', MAX_DELEGATIONS).map((value, index): DelegatedRole => {
      const where = `signed.delegations.roles[${index}]`;
      if (!isObject(value)) {
        fail(`${where} is not an object`);
      }
      const name = stringField(value, 'name', where);
      if (!isDelegationName(name) || !name.startsWith(role + '/') || name.slice(role.length + 1).includes('/')) {
        fail(`${where}.name ${JSON.stringify(name)} is not a direct child delegation of ${role}`);
      }
      // notary tuf/data/targets.go: a role declared twice fails the load ("has already been loaded").
      if (declared.has(name)) {
        fail(`${where}.name ${JSON.stringify(name)} is declared twice`);
      }
      declared.add(name);
      return {
        name,
        ...parseRoleKeys(value, where, delegationKeys),
        paths: stringArray(value, 'paths', where, MAX_PATHS),
      };
    });
    return { ...common, targets, delegationKeys, delegations };
  });
}

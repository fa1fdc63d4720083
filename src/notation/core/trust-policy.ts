/**
 * notation's `trustpolicy.json`, version 1.0, read as notation writes it
 * (docs/signature-systems.md §4): `{"version": "1.0", "trustPolicies": [...]}`
 * with, per statement, `name`, `registryScopes`, `signatureVerification`
 * (`level`, `override`, `verifyTimestamp`), `trustStores` and
 * `trustedIdentities`.
 *
 * Validation follows notation-go `verifier/trustpolicy` (OCIDocument.Validate,
 * validatePolicyCore, validateRegistryScopes, validateTrustedIdentities) and
 * its `internal/pkix` DN rules. Where notation-go is lenient this reader is
 * stricter, because a policy it misreads would make the audit report a
 * signature as trusted that notation would not, or the reverse:
 * - unknown keys are refused at every level (Go's encoding/json ignores them,
 *   so a misspelt `trustedIdentites` would silently vanish);
 * - keys must be spelt exactly (Go matches field names case-insensitively);
 * - a trusted identity with a prefix other than `x509.subject` is refused
 *   (notation-go skips it without a word);
 * - identity DNs accept backslash escapes but not quoted or `#` values, and
 *   attribute types are case-sensitive short names.
 */
import { err, ok, type Result } from '../../lib/result.js';
import type { Failure, TrustPolicyFailureCode } from './codes.js';

export type VerificationLevel = 'strict' | 'permissive' | 'audit' | 'skip';
export type ValidationType = 'integrity' | 'authenticity' | 'authenticTimestamp' | 'expiry' | 'revocation';
export type ValidationAction = 'enforce' | 'log' | 'skip';
export type TrustStoreType = 'ca' | 'signingAuthority' | 'tsa';

export interface TrustStoreReference {
  readonly type: TrustStoreType;
  readonly name: string;
}

/** One `x509.subject` identity: its attributes by short name (`S` read as `ST`), and the text as written. */
export interface TrustedIdentity {
  readonly text: string;
  readonly attributes: ReadonlyMap<string, string>;
}

export interface TrustPolicyStatement {
  readonly name: string;
  /** `*` alone, or fully qualified `registry[:port]/repository` scopes. */
  readonly registryScopes: readonly string[];
  readonly level: VerificationLevel;
  readonly override: Readonly<Partial<Record<ValidationType, ValidationAction>>>;
  readonly verifyTimestamp: 'always' | 'afterCertExpiry';
  readonly trustStores: readonly TrustStoreReference[];
  /** `'*'` trusts any leaf that chains to the stores; otherwise a list of identities. */
  readonly trustedIdentities: '*' | readonly TrustedIdentity[];
}

export interface TrustPolicyDocument {
  readonly version: '1.0';
  readonly statements: readonly TrustPolicyStatement[];
}

/** Bound on the policy file (docs/house-style.md rule 6); real ones are a few kilobytes. */
export const MAX_TRUST_POLICY_BYTES = 1024 * 1024;

const LEVELS: readonly VerificationLevel[] = ['strict', 'permissive', 'audit', 'skip'];
const VALIDATION_TYPES: readonly ValidationType[] = ['integrity', 'authenticity', 'authenticTimestamp', 'expiry', 'revocation'];
const VALIDATION_ACTIONS: readonly ValidationAction[] = ['enforce', 'log', 'skip'];
const STORE_TYPES: readonly TrustStoreType[] = ['ca', 'signingAuthority', 'tsa'];
/** notation-go internal/file IsValidFileName. */
const STORE_NAME = /^[a-zA-Z0-9_.-]+$/;
/** notation-go verifier/trustpolicy validateRegistryScopeFormat: the domain and repository grammars. */
const SCOPE_DOMAIN = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+)?(?::[0-9]+)?$/;
const SCOPE_REPOSITORY = /^[a-z0-9]+(?:(?:(?:[._]|__|[-]*)[a-z0-9]+)+)?(?:(?:\/[a-z0-9]+(?:(?:(?:[._]|__|[-]*)[a-z0-9]+)+)?)+)?$/;
const MANDATORY_ATTRIBUTES = ['C', 'ST', 'O'];
const WILDCARD = '*';

type Refusal = Failure<TrustPolicyFailureCode>;

class PolicyError extends Error {
  readonly refusal: Refusal;

  constructor(refusal: Refusal) {
    super(refusal.detail);
    this.refusal = refusal;
  }
}

function refuse(code: TrustPolicyFailureCode, detail: string): never {
  throw new PolicyError({ code, detail });
}

/** Parses and validates the whole document; the first problem is the answer. */
export function parseTrustPolicy(bytes: Uint8Array): Result<TrustPolicyDocument, Refusal> {
  if (bytes.byteLength > MAX_TRUST_POLICY_BYTES) return err({ code: 'MALFORMED_JSON', detail: `${bytes.byteLength} bytes (at most ${MAX_TRUST_POLICY_BYTES})` });
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch {
    return err({ code: 'MALFORMED_JSON', detail: 'not UTF-8 JSON' });
  }
  try {
    return ok(readDocument(document));
  } catch (error) {
    /* c8 ignore next -- every refusal is a PolicyError; anything else is a bug to surface */
    if (!(error instanceof PolicyError)) throw error;
    return err(error.refusal);
  }
}

/**
 * The statement that governs `scope` (`<registry host[:port]>/<repository>`):
 * the one listing it exactly, else the `*` statement, else none (notation-go
 * OCIDocument.GetApplicableTrustPolicy).
 */
export function statementForScope(document: TrustPolicyDocument, scope: string): TrustPolicyStatement | null {
  return document.statements.find((statement) => statement.registryScopes.includes(scope)) ?? document.statements.find((statement) => statement.registryScopes.includes(WILDCARD)) ?? null;
}

function readDocument(document: unknown): TrustPolicyDocument {
  const root = objectWithKeys(document, 'the document', ['version', 'trustPolicies'], [], 'MALFORMED_JSON');
  if (root.version !== '1.0') refuse('UNSUPPORTED_VERSION', `version ${JSON.stringify(root.version)} (notation reads "1.0")`);
  const list = root.trustPolicies;
  if (!Array.isArray(list) || list.length === 0) refuse('INVALID_STATEMENT', '`trustPolicies` is not a non-empty list');
  const statements = list.map((entry, index) => readStatement(entry, index));
  const names = new Set<string>();
  const scopes = new Map<string, string>();
  for (const statement of statements) {
    if (names.has(statement.name)) refuse('INVALID_STATEMENT', `two statements are named ${JSON.stringify(statement.name)}`);
    names.add(statement.name);
    for (const scope of statement.registryScopes) {
      const owner = scopes.get(scope);
      if (owner !== undefined) refuse('OVERLAPPING_SCOPE', `scope ${JSON.stringify(scope)} is in statements ${JSON.stringify(owner)} and ${JSON.stringify(statement.name)}`);
      scopes.set(scope, statement.name);
    }
  }
  return { version: '1.0', statements };
}

function readStatement(entry: unknown, index: number): TrustPolicyStatement {
  const statement = objectWithKeys(entry, `trustPolicies[${index}]`, ['name', 'registryScopes', 'signatureVerification'], ['trustStores', 'trustedIdentities']);
  const { name } = statement;
  if (typeof name !== 'string' || name === '') refuse('INVALID_STATEMENT', `trustPolicies[${index}] has no name`);
  const where = `statement ${JSON.stringify(name)}`;
  const registryScopes = stringList(statement.registryScopes, `${where}: registryScopes`, 'INVALID_SCOPE');
  if (registryScopes.length === 0) refuse('INVALID_SCOPE', `${where} has no registry scope`);
  if (registryScopes.length > 1 && registryScopes.includes(WILDCARD)) refuse('INVALID_SCOPE', `${where}: the scope '*' must stand alone`);
  if (new Set(registryScopes).size !== registryScopes.length) refuse('OVERLAPPING_SCOPE', `${where} lists a scope twice`);
  for (const scope of registryScopes) if (scope !== WILDCARD && !isValidScope(scope)) refuse('INVALID_SCOPE', `${where}: ${JSON.stringify(scope)} is not registry[:port]/repository`);
  const verification = objectWithKeys(statement.signatureVerification, `${where}: signatureVerification`, ['level'], ['override', 'verifyTimestamp']);
  const level = verification.level;
  if (!LEVELS.includes(level as VerificationLevel)) refuse('INVALID_STATEMENT', `${where}: level ${JSON.stringify(level)} is none of ${LEVELS.join(', ')}`);
  const override = readOverride(verification.override, level as VerificationLevel, where);
  const verifyTimestamp = verification.verifyTimestamp ?? 'always';
  if (verifyTimestamp !== 'always' && verifyTimestamp !== 'afterCertExpiry') refuse('INVALID_STATEMENT', `${where}: verifyTimestamp is neither "always" nor "afterCertExpiry"`);
  const storeTexts = statement.trustStores === undefined ? [] : stringList(statement.trustStores, `${where}: trustStores`, 'INVALID_TRUST_STORE');
  const identityTexts = statement.trustedIdentities === undefined ? [] : stringList(statement.trustedIdentities, `${where}: trustedIdentities`, 'INVALID_IDENTITY');
  if (level === 'skip') {
    // notation-go validatePolicyCore: skip with stores or identities is a mistake to point out.
    if (storeTexts.length > 0 || identityTexts.length > 0) refuse('INVALID_STATEMENT', `${where} skips verification but names trust stores or identities`);
  } else if (storeTexts.length === 0 || identityTexts.length === 0) {
    refuse('INVALID_STATEMENT', `${where} needs both trust stores and trusted identities`);
  }
  return {
    name,
    registryScopes,
    level: level as VerificationLevel,
    override,
    verifyTimestamp,
    trustStores: storeTexts.map((text) => readStoreReference(text, where)),
    trustedIdentities: readIdentities(identityTexts, where),
  };
}

function readOverride(value: unknown, level: VerificationLevel, where: string): Partial<Record<ValidationType, ValidationAction>> {
  if (value === undefined) return {};
  const entries = Object.entries(objectWithKeys(value, `${where}: override`, [], VALIDATION_TYPES));
  // notation-go GetVerificationLevel: skip cannot be customised, integrity never
  // overridden, and only revocation may be skipped.
  if (entries.length > 0 && level === 'skip') refuse('INVALID_STATEMENT', `${where}: level skip cannot be overridden`);
  const override: Partial<Record<ValidationType, ValidationAction>> = {};
  for (const [type, action] of entries) {
    if (!VALIDATION_ACTIONS.includes(action as ValidationAction))
      refuse('INVALID_STATEMENT', `${where}: override action ${JSON.stringify(action)} is none of ${VALIDATION_ACTIONS.join(', ')}`);
    if (type === 'integrity') refuse('INVALID_STATEMENT', `${where}: integrity cannot be overridden`);
    if (type !== 'revocation' && action === 'skip') refuse('INVALID_STATEMENT', `${where}: ${type} cannot be skipped`);
    override[type as ValidationType] = action as ValidationAction;
  }
  return override;
}

function readStoreReference(text: string, where: string): TrustStoreReference {
  const separator = text.indexOf(':');
  const type = text.slice(0, separator);
  const name = text.slice(separator + 1);
  if (separator < 0 || !STORE_TYPES.includes(type as TrustStoreType)) refuse('INVALID_TRUST_STORE', `${where}: ${JSON.stringify(text)} is not <ca|signingAuthority|tsa>:<name>`);
  if (!STORE_NAME.test(name)) refuse('INVALID_TRUST_STORE', `${where}: store name ${JSON.stringify(name)} is not [a-zA-Z0-9_.-]+`);
  return { type: type as TrustStoreType, name };
}

function readIdentities(texts: readonly string[], where: string): '*' | TrustedIdentity[] {
  if (texts.includes(WILDCARD)) {
    if (texts.length > 1) refuse('INVALID_IDENTITY', `${where}: the identity '*' must stand alone`);
    return WILDCARD;
  }
  const identities = texts.map((text) => {
    const separator = text.indexOf(':');
    if (separator < 0 || text.slice(0, separator) !== 'x509.subject') refuse('INVALID_IDENTITY', `${where}: ${JSON.stringify(text)} is not "x509.subject: <DN>" or "*"`);
    return { text, attributes: parseDistinguishedName(text.slice(separator + 1), where) };
  });
  // notation-go validateOverlappingDNs: no identity may be a subset of another.
  for (const [index, first] of identities.entries()) {
    for (const [other, second] of identities.entries()) {
      if (index !== other && isSubset(first.attributes, second.attributes)) refuse('INVALID_IDENTITY', `${where}: ${JSON.stringify(first.text)} overlaps ${JSON.stringify(second.text)}`);
    }
  }
  return identities;
}

/** Every attribute of `required` is in `actual` with the same value (notation-go internal/pkix IsSubsetDN). */
export function isSubset(required: ReadonlyMap<string, string>, actual: ReadonlyMap<string, string>): boolean {
  for (const [type, value] of required) if (actual.get(type) !== value) return false;
  return true;
}

/**
 * An RFC 4514 DN as notation's identities hold it: `TYPE=value` pairs split by
 * unescaped commas, spaces around them dropped, backslash escapes of a
 * special character or of two hex digits; `S` stands for `ST`. Multi-valued
 * RDNs (`+`), repeated types, `#` values and quotes are refused; C, ST and O
 * are mandatory (notation-go internal/pkix ParseDistinguishedName).
 */
function parseDistinguishedName(text: string, where: string): Map<string, string> {
  const bad = (why: string): never => refuse('INVALID_IDENTITY', `${where}: x509.subject ${JSON.stringify(text.trim())} ${why}`);
  const attributes = new Map<string, string>();
  for (const part of splitUnescaped(text, bad)) {
    const equals = part.indexOf('=');
    if (equals <= 0) bad('has an attribute without a type');
    const rawType = part.slice(0, equals).trim();
    const type = rawType === 'S' ? 'ST' : rawType;
    if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(type)) bad(`has the attribute type ${JSON.stringify(rawType)}`);
    const value = unescapeValue(part.slice(equals + 1).trim(), bad);
    if (attributes.has(type)) bad(`repeats ${type}`);
    attributes.set(type, value);
  }
  for (const type of MANDATORY_ATTRIBUTES) if (!attributes.get(type)) bad(`lacks ${type}: C, ST (or S) and O are mandatory`);
  return attributes;
}

function splitUnescaped(text: string, bad: (why: string) => never): string[] {
  const parts: string[] = [];
  let current = '';
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index] as string;
    if (char === '\\') {
      current += text.slice(index, index + 2);
      index += 1;
    } else if (char === ',') {
      parts.push(current);
      current = '';
    } else if (char === '+' || char === ';') {
      bad(`uses ${JSON.stringify(char)}: multi-valued RDNs and ';' separators are not supported`);
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

function unescapeValue(raw: string, bad: (why: string) => never): string {
  if (raw === '' || raw.startsWith('#') || raw.includes('"')) bad('has an empty, quoted or # value');
  const bytes: number[] = [];
  for (let index = 0; index < raw.length; index += 1) {
    const char = raw[index] as string;
    if (char !== '\\') {
      bytes.push(...Buffer.from(char, 'utf8'));
      continue;
    }
    const next = raw.slice(index + 1, index + 3);
    if (/^[0-9A-Fa-f]{2}$/.test(next)) {
      bytes.push(parseInt(next, 16));
      index += 2;
    } else if (next.length > 0 && ' "#+,;<=>\\'.includes(next[0] as string)) {
      bytes.push((next[0] as string).charCodeAt(0));
      index += 1;
    } else {
      bad('has a dangling or unknown escape');
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    return bad('escapes bytes that are not UTF-8');
  }
}

function isValidScope(scope: string): boolean {
  const slash = scope.indexOf('/');
  return slash > 0 && SCOPE_DOMAIN.test(scope.slice(0, slash)) && SCOPE_REPOSITORY.test(scope.slice(slash + 1));
}

function objectWithKeys(
  value: unknown,
  where: string,
  required: readonly string[],
  optional: readonly string[],
  code: TrustPolicyFailureCode = 'INVALID_STATEMENT'
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return refuse(code, `${where} is not an object`);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!required.includes(key) && !optional.includes(key)) refuse(code, `${where} has the unknown key ${JSON.stringify(key)}`);
  for (const key of required) if (!Object.hasOwn(record, key)) refuse(code, `${where} lacks ${JSON.stringify(key)}`);
  return record;
}

function stringList(value: unknown, where: string, code: TrustPolicyFailureCode): string[] {
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) return refuse(code, `${where} is not a list of strings`);
  return value;
}

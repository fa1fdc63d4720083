/**
 * The `signatures` section of contract v1.2: named policies of cosign keys or
 * keyless identities and of Notation trust files, and per repository the
 * policy that audits it and the systems its tags require. Only paths and
 * words are read here; the files are loaded when the scan is wired
 * (cli/commands/deps.ts), where a file that cannot be used is a
 * configuration error naming its key.
 */
import type { SignatureSystem } from '../domain/signatures.js';
import { described, fieldsSchema, isAbsent, isTree, keyOf, section, type Field, type JsonSchema, type Reading, type Tree } from './schema.js';
import { booleanWithDefault, optionalString } from './fields.js';

/** A keyless signer: the OIDC issuer exactly, the certificate subject exactly or by an expression the auditor anchors. */
export interface IdentityConfig {
  readonly issuer: string;
  readonly subject?: string | undefined;
  readonly subjectRegExp?: string | undefined;
}

export interface CosignPolicyConfig {
  readonly keys: readonly string[];
  readonly identities: readonly IdentityConfig[];
  readonly trustedRoot: string | undefined;
  readonly requireTlog: boolean;
}

export interface NotationPolicyConfig {
  readonly trustPolicy: string;
  readonly trustStore: string;
}

export interface SignaturePolicyConfig {
  readonly name: string;
  readonly cosign: CosignPolicyConfig | undefined;
  readonly notation: NotationPolicyConfig | undefined;
}

export interface SignaturesConfig {
  readonly policies: readonly SignaturePolicyConfig[];
}

function refuseUnknownKeys(tree: Tree, where: string, known: readonly string[], reading: Reading): void {
  for (const key of Object.keys(tree)) {
    if (!known.includes(key)) {
      reading.issue(keyOf(where, key), `is not a known key (known here: ${known.join(', ')})`);
    }
  }
}

/** A policy name is a metric label: short, plain. */
const POLICY_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

function stringList(tree: Tree, name: string, where: string, reading: Reading, message: string): string[] {
  const value = tree[name];
  if (isAbsent(value)) {
    return [];
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item.length > 0)) {
    reading.issue(keyOf(where, name), message);
    return [];
  }
  return value as string[];
}

const IDENTITY_KEYS = ['issuer', 'subject', 'subjectRegExp'];

function readIdentities(tree: Tree, name: string, where: string, reading: Reading): IdentityConfig[] {
  const key = keyOf(where, name);
  const value = tree[name];
  if (isAbsent(value)) {
    return [];
  }
  if (!Array.isArray(value)) {
    reading.issue(key, 'must be a list of {issuer, subject} or {issuer, subjectRegExp}');
    return [];
  }
  const identities: IdentityConfig[] = [];
  for (const [index, item] of value.entries()) {
    const at = `${key}[${index}]`;
    if (!isTree(item)) {
      reading.issue(at, 'must be a mapping {issuer, subject} or {issuer, subjectRegExp}');
      continue;
    }
    const unknown = Object.keys(item).find((itemKey) => !IDENTITY_KEYS.includes(itemKey));
    if (unknown !== undefined) {
      reading.issue(`${at}.${unknown}`, `is not a known key (known here: ${IDENTITY_KEYS.join(', ')})`);
      continue;
    }
    const { issuer, subject, subjectRegExp } = item;
    if (typeof issuer !== 'string' || issuer.length === 0) {
      reading.issue(`${at}.issuer`, 'is required: the OIDC issuer URL, matched exactly');
      continue;
    }
    if ((subject === undefined) === (subjectRegExp === undefined)) {
      reading.issue(at, 'needs exactly one of subject (matched exactly) and subjectRegExp (matched as a whole)');
      continue;
    }
    if (subject !== undefined && (typeof subject !== 'string' || subject.length === 0)) {
      reading.issue(`${at}.subject`, 'must be a non-empty string');
      continue;
    }
    if (subjectRegExp !== undefined) {
      if (typeof subjectRegExp !== 'string' || subjectRegExp.length === 0) {
        reading.issue(`${at}.subjectRegExp`, 'must be a non-empty string');
        continue;
      }
      try {
        new RegExp(subjectRegExp, 'u');
      } catch (error) {
        reading.issue(`${at}.subjectRegExp`, `is not a valid regular expression: ${(error as Error).message}`);
        continue;
      }
    }
    identities.push({ issuer, subject: subject, subjectRegExp: subjectRegExp });
  }
  return identities;
}

const IDENTITY_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    issuer: { type: 'string', minLength: 1, description: 'The OIDC issuer URL of the signing certificate, matched exactly.', examples: ['https://token.actions.githubusercontent.com'] },
    subject: { type: 'string', minLength: 1, description: "The certificate's subject (SAN), matched exactly." },
    subjectRegExp: { type: 'string', minLength: 1, description: "A regular expression the certificate's subject (SAN) must match as a whole (the auditor anchors it)." },
  },
  required: ['issuer'],
  oneOf: [{ required: ['subject'] }, { required: ['subjectRegExp'] }],
  additionalProperties: false,
};

const COSIGN_FIELDS = {
  keys: described('PEM public key files (ECDSA P-256/P-384, Ed25519, RSA) whose signatures are trusted.', {
    schema: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
    read: (tree, name, where, reading) => stringList(tree, name, where, reading, 'must be a list of PEM public key file paths'),
  } satisfies Field<string[]>),
  identities: described('Keyless signers (Sigstore certificates) that are trusted: an OIDC issuer and a subject, or a subject expression.', {
    schema: { type: 'array', items: IDENTITY_SCHEMA, default: [] },
    read: readIdentities,
  } satisfies Field<IdentityConfig[]>),
  trustedRoot: described(
    'The Sigstore trusted root (trusted_root.json: Fulcio, Rekor, CT logs, TSAs) that keyless certificates chain to; required with identities, read once, never fetched.',
    optionalString
  ),
  requireTlog: described('Require a transparency-log (Rekor) entry, verified offline against trustedRoot: a signature without one is untrusted.', booleanWithDefault(false)),
};

const NOTATION_FIELDS = {
  trustPolicy: described("notation's trustpolicy.json.", optionalString),
  trustStore: described("notation's trust store directory, the one holding x509/ca, x509/signingAuthority and x509/tsa.", optionalString),
};

const COSIGN_SCHEMA = fieldsSchema(COSIGN_FIELDS, {
  description: 'Who may sign with cosign: keys, keyless identities, or both.',
  anyOf: [
    { required: ['keys'], properties: { keys: { type: 'array', minItems: 1 } } },
    { required: ['identities'], properties: { identities: { type: 'array', minItems: 1 } } },
  ],
  dependencies: { identities: ['trustedRoot'] },
});

const NOTATION_SCHEMA = fieldsSchema(NOTATION_FIELDS, { description: "Notation's own trust policy and trust store.", required: ['trustPolicy', 'trustStore'] });

const SIGNATURES_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    policies: {
      type: 'object',
      description: 'Named policies; a repository names the one that audits it (signaturePolicy). A name is a metric label.',
      minProperties: 1,
      propertyNames: { pattern: POLICY_NAME.source },
      additionalProperties: {
        type: 'object',
        properties: { cosign: COSIGN_SCHEMA, notation: NOTATION_SCHEMA },
        minProperties: 1,
        additionalProperties: false,
      },
    },
  },
  required: ['policies'],
  additionalProperties: false,
};

function readCosign(tree: Tree, where: string, reading: Reading): CosignPolicyConfig | undefined {
  const parsed = section(COSIGN_FIELDS, { whenAbsent: 'undefined' }).read(tree, 'cosign', where, reading);
  if (parsed === undefined) {
    return undefined;
  }
  const key = keyOf(where, 'cosign');
  if (parsed.keys.length === 0 && parsed.identities.length === 0) {
    reading.issue(key, 'needs keys or identities: who may sign');
  }
  if (parsed.identities.length > 0 && parsed.trustedRoot === undefined) {
    reading.issue(`${key}.trustedRoot`, 'is required with identities: the Sigstore trusted root that keyless certificates chain to (it is never fetched at run time)');
  }
  return parsed;
}

function readNotation(tree: Tree, where: string, reading: Reading): NotationPolicyConfig | undefined {
  const parsed = section(NOTATION_FIELDS, { whenAbsent: 'undefined' }).read(tree, 'notation', where, reading);
  if (parsed === undefined) {
    return undefined;
  }
  const key = keyOf(where, 'notation');
  if (parsed.trustPolicy === undefined) {
    reading.issue(`${key}.trustPolicy`, "is required: the path of notation's trustpolicy.json");
  }
  if (parsed.trustStore === undefined) {
    reading.issue(`${key}.trustStore`, "is required: the path of notation's trust store directory (the one holding x509/)");
  }
  return parsed.trustPolicy === undefined || parsed.trustStore === undefined ? undefined : { trustPolicy: parsed.trustPolicy, trustStore: parsed.trustStore };
}

/** `signatures: {policies: {<name>: {cosign?, notation?}}}`; undefined when absent (v1.1 behaviour). */
export const signaturesSection: Field<SignaturesConfig | undefined> = {
  schema: SIGNATURES_SCHEMA,
  read(tree, name, where, reading) {
    const key = keyOf(where, name);
    const value = tree[name];
    if (isAbsent(value)) {
      return undefined;
    }
    if (!isTree(value)) {
      reading.issue(key, 'must be a mapping with policies');
      return undefined;
    }
    refuseUnknownKeys(value, key, ['policies'], reading);
    const policiesTree = value['policies'];
    const policiesKey = `${key}.policies`;
    if (!isTree(policiesTree) || Object.keys(policiesTree).length === 0) {
      reading.issue(policiesKey, 'must be a mapping of policy names to {cosign, notation}');
      return { policies: [] };
    }
    const policies: SignaturePolicyConfig[] = [];
    for (const [policyName, policyTree] of Object.entries(policiesTree)) {
      const at = `${policiesKey}.${policyName}`;
      if (!POLICY_NAME.test(policyName)) {
        reading.issue(at, 'a policy name is a metric label: lower-case letters, digits, _ and -, starting with a letter, at most 32 characters');
        continue;
      }
      if (!isTree(policyTree)) {
        reading.issue(at, 'must be a mapping with cosign and/or notation');
        continue;
      }
      refuseUnknownKeys(policyTree, at, ['cosign', 'notation'], reading);
      const cosign = readCosign(policyTree, at, reading);
      const notation = readNotation(policyTree, at, reading);
      if (cosign === undefined && notation === undefined) {
        reading.issue(at, 'needs cosign or notation (or both)');
      }
      policies.push({ name: policyName, cosign, notation });
    }
    return { policies };
  },
};

/** The repositories' `signaturePolicy` and `require` against the policies they name. */
export function checkRepositoryPolicies(
  repositories: readonly { readonly name: string; readonly signaturePolicy?: string | undefined; readonly require: readonly SignatureSystem[] }[] | undefined,
  signatures: SignaturesConfig | undefined,
  reading: Reading
): void {
  for (const [index, repository] of (repositories ?? []).entries()) {
    const at = `nexus.repositories[${index}]`;
    const policy = repository.signaturePolicy === undefined ? undefined : signatures?.policies.find((candidate) => candidate.name === repository.signaturePolicy);
    if (repository.signaturePolicy !== undefined && policy === undefined) {
      const known = signatures?.policies.map((candidate) => candidate.name) ?? [];
      reading.issue(
        `${at}.signaturePolicy`,
        known.length === 0 ? 'names a policy, but signatures.policies is not set' : `names no policy of signatures.policies (known: ${known.join(', ')})`
      );
      continue;
    }
    for (const system of repository.require) {
      if (system === 'cosign' && policy?.cosign === undefined) {
        reading.issue(`${at}.require`, 'requires cosign, but the repository has no signaturePolicy with a cosign part: every tag would be unknown');
      }
      if (system === 'notation' && policy?.notation === undefined) {
        reading.issue(`${at}.require`, 'requires notation, but the repository has no signaturePolicy with a notation part: every tag would be unknown');
      }
    }
  }
}

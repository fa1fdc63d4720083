/** notation's trustpolicy.json (src/notation/core/trust-policy.ts): what notation-go refuses, and where this reader is stricter. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { NOTATION_FAILURE_CODES, TRUST_POLICY_FAILURE_CODES, TRUST_STORE_FAILURE_CODES } from '../../../src/notation/core/codes.js';
import { MAX_TRUST_POLICY_BYTES, parseTrustPolicy, statementForScope, type TrustedIdentity } from '../../../src/notation/core/trust-policy.js';

const STATEMENT = { name: 'a', registryScopes: ['registry.example:5000/team/app'], signatureVerification: { level: 'strict' }, trustStores: ['ca:x'], trustedIdentities: ['*'] };
const parse = (value: unknown) => parseTrustPolicy(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));
const doc = (...statements: unknown[]) => ({ version: '1.0', trustPolicies: statements });
const code = (value: unknown): string | null => {
  const result = parse(value);
  return result.ok ? null : result.error.code;
};

describe('parseTrustPolicy', () => {
  it('reads a full document and picks the exact scope, then *, then none', () => {
    const result = parse(
      doc(
        {
          ...STATEMENT,
          signatureVerification: { level: 'permissive', override: { revocation: 'skip', expiry: 'log' }, verifyTimestamp: 'afterCertExpiry' },
          trustStores: ['ca:x', 'tsa:t', 'signingAuthority:s'],
        },
        {
          name: 'rest',
          registryScopes: ['*'],
          signatureVerification: { level: 'audit' },
          trustStores: ['ca:x'],
          trustedIdentities: ['x509.subject: C=US, S=WA, O=Acme\\, Inc., CN=r\\c3\\a9\\+x'],
        }
      )
    );
    assert.ok(result.ok, JSON.stringify(result));
    const [first, rest] = result.value.statements;
    assert.equal(first?.verifyTimestamp, 'afterCertExpiry');
    assert.deepEqual(first?.override, { revocation: 'skip', expiry: 'log' });
    assert.deepEqual(
      first?.trustStores.map((store) => `${store.type}:${store.name}`),
      ['ca:x', 'tsa:t', 'signingAuthority:s']
    );
    const identity = (rest?.trustedIdentities as TrustedIdentity[])[0];
    assert.deepEqual(
      [...(identity?.attributes ?? [])],
      [
        ['C', 'US'],
        ['ST', 'WA'],
        ['O', 'Acme, Inc.'],
        ['CN', 'ré+x'],
      ]
    );
    assert.equal(statementForScope(result.value, 'registry.example:5000/team/app')?.name, 'a');
    assert.equal(statementForScope(result.value, 'registry.example:5000/other')?.name, 'rest');
    const only = parse(doc(STATEMENT));
    assert.ok(only.ok);
    assert.equal(statementForScope(only.value, 'elsewhere/app'), null);
    assert.equal(only.value.statements[0]?.verifyTimestamp, 'always');
    const skip = parse(doc({ name: 's', registryScopes: ['r.example/a'], signatureVerification: { level: 'skip' } }));
    assert.ok(skip.ok);
    assert.deepEqual(skip.value.statements[0]?.trustStores, []);
  });

  it('refuses what notation-go refuses, and what it would silently misread', () => {
    const cases: Array<[unknown, string]> = [
      ['{', 'MALFORMED_JSON'],
      [[], 'MALFORMED_JSON'],
      [{ version: '1.0', trustPolicies: [], extra: 1 }, 'MALFORMED_JSON'],
      [{ trustPolicies: [] }, 'MALFORMED_JSON'],
      [{ version: '2.0', trustPolicies: [STATEMENT] }, 'UNSUPPORTED_VERSION'],
      [doc(), 'INVALID_STATEMENT'],
      [doc(1), 'INVALID_STATEMENT'],
      [doc({ ...STATEMENT, name: '' }), 'INVALID_STATEMENT'],
      [doc({ ...STATEMENT, trustedIdentites: ['*'] }), 'INVALID_STATEMENT'],
      [doc(STATEMENT, { ...STATEMENT, registryScopes: ['r.example/b'] }), 'INVALID_STATEMENT'],
      [doc({ ...STATEMENT, registryScopes: [] }), 'INVALID_SCOPE'],
      [doc({ ...STATEMENT, registryScopes: 'r.example/a' }), 'INVALID_SCOPE'],
      [doc({ ...STATEMENT, registryScopes: ['*', 'r.example/a'] }), 'INVALID_SCOPE'],
      [doc({ ...STATEMENT, registryScopes: ['r.example/a', 'r.example/a'] }), 'OVERLAPPING_SCOPE'],
      [doc(STATEMENT, { ...STATEMENT, name: 'b' }), 'OVERLAPPING_SCOPE'],
      ...['r.example', 'r.example/*', 'https://r.example/a', 'r.example/A', 'r.example/a:tag', '-r.example/a', '/a'].map((scope): [unknown, string] => [
        doc({ ...STATEMENT, registryScopes: [scope] }),
        'INVALID_SCOPE',
      ]),
      [doc({ ...STATEMENT, signatureVerification: { level: 'lenient' } }), 'INVALID_STATEMENT'],
      [doc({ ...STATEMENT, signatureVerification: 'strict' }), 'INVALID_STATEMENT'],
      [doc({ ...STATEMENT, signatureVerification: { level: 'strict', verifyTimestamp: 'never' } }), 'INVALID_STATEMENT'],
      [doc({ ...STATEMENT, signatureVerification: { level: 'strict', override: { integrity: 'log' } } }), 'INVALID_STATEMENT'],
      [doc({ ...STATEMENT, signatureVerification: { level: 'strict', override: { expiry: 'skip' } } }), 'INVALID_STATEMENT'],
      [doc({ ...STATEMENT, signatureVerification: { level: 'strict', override: { expiry: 'ignore' } } }), 'INVALID_STATEMENT'],
      [doc({ ...STATEMENT, signatureVerification: { level: 'strict', override: { freshness: 'log' } } }), 'INVALID_STATEMENT'],
      [doc({ name: 's', registryScopes: ['r.example/a'], signatureVerification: { level: 'skip', override: { revocation: 'log' } } }), 'INVALID_STATEMENT'],
      [doc({ ...STATEMENT, signatureVerification: { level: 'skip' } }), 'INVALID_STATEMENT'],
      [doc({ ...STATEMENT, trustStores: [] }), 'INVALID_STATEMENT'],
      [doc({ ...STATEMENT, trustedIdentities: undefined }), 'INVALID_STATEMENT'],
      [doc({ ...STATEMENT, trustStores: ['x'] }), 'INVALID_TRUST_STORE'],
      [doc({ ...STATEMENT, trustStores: ['cert:x'] }), 'INVALID_TRUST_STORE'],
      [doc({ ...STATEMENT, trustStores: ['ca:a/b'] }), 'INVALID_TRUST_STORE'],
      [doc({ ...STATEMENT, trustStores: [1] }), 'INVALID_TRUST_STORE'],
      [doc({ ...STATEMENT, trustedIdentities: ['*', 'x509.subject: C=US, ST=WA, O=A'] }), 'INVALID_IDENTITY'],
      [doc({ ...STATEMENT, trustedIdentities: ['C=US, ST=WA, O=A'] }), 'INVALID_IDENTITY'],
      [doc({ ...STATEMENT, trustedIdentities: ['x509.san: a'] }), 'INVALID_IDENTITY'],
      [doc({ ...STATEMENT, trustedIdentities: [2] }), 'INVALID_IDENTITY'],
      ...[
        'C=US, ST=WA',
        'C=US, ST=WA, O=A, O=B',
        'C=US, ST=WA, O=A+CN=b',
        'C=US; ST=WA; O=A',
        'C=US, ST=WA, O=#0403',
        'C=US, ST=WA, O="A"',
        'C=US, ST=WA, O=',
        'C=US, ST=WA, =A',
        'C=US, ST=WA, O=A, junk',
        'C=US, ST=WA, 1O=A',
        'C=US, ST=WA, O=A\\',
        'C=US, ST=WA, O=A\\q',
        'C=US, ST=WA, O=\\ff',
      ].map((dn): [unknown, string] => [doc({ ...STATEMENT, trustedIdentities: [`x509.subject: ${dn}`] }), 'INVALID_IDENTITY']),
      [doc({ ...STATEMENT, trustedIdentities: ['x509.subject: C=US, ST=WA, O=A', 'x509.subject: C=US, ST=WA, O=A, CN=b'] }), 'INVALID_IDENTITY'],
    ];
    for (const [value, expected] of cases) assert.equal(code(value), expected, JSON.stringify(value));
    assert.equal(code(Buffer.from([0xff])), 'MALFORMED_JSON');
    assert.equal(parseTrustPolicy(new Uint8Array(MAX_TRUST_POLICY_BYTES + 1)).ok, false);
  });

  it('keeps its failure codes in closed lists', () => {
    assert.ok(TRUST_POLICY_FAILURE_CODES.includes('OVERLAPPING_SCOPE'));
    assert.ok(TRUST_STORE_FAILURE_CODES.includes('NOT_A_ROOT'));
    assert.equal(new Set(NOTATION_FAILURE_CODES).size, NOTATION_FAILURE_CODES.length);
  });
});

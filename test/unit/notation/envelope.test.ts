/** Envelope shapes the JWS and COSE readers refuse (src/notation/core/jws.ts, cose.ts, envelope.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { readCoseEnvelope } from '../../../src/notation/core/cose.js';
import { checkSignedHeaders } from '../../../src/notation/core/envelope.js';
import { readJwsEnvelope } from '../../../src/notation/core/jws.js';
import { encodeCbor, Tagged, type CborInput } from '../../support/signers/notation-signer.js';

const b64u = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const CTY = 'application/vnd.cncf.notary.payload.v1+json';
const HEADER = { alg: 'ES256', cty: CTY, crit: ['io.cncf.notary.signingScheme'], 'io.cncf.notary.signingScheme': 'notary.x509', 'io.cncf.notary.signingTime': '2030-01-01T00:00:00Z' };
const jws = (overrides: Record<string, unknown> = {}, header: Record<string, unknown> = HEADER) =>
  Buffer.from(JSON.stringify({ payload: b64u('{}'), protected: b64u(header), header: { x5c: ['MAA='] }, signature: b64u('sig'), ...overrides }));
const jwsCode = (bytes: Buffer) => {
  const result = readJwsEnvelope(bytes);
  return result.ok ? null : result.error.code;
};

describe('readJwsEnvelope', () => {
  it('reads a well-formed envelope and refuses every malformed field', () => {
    assert.equal(jwsCode(jws()), null);
    assert.equal(jwsCode(Buffer.from('[]')), 'MALFORMED_ENVELOPE');
    assert.equal(jwsCode(Buffer.from('{')), 'MALFORMED_ENVELOPE');
    assert.equal(jwsCode(jws({ signatures: [] })), 'MALFORMED_ENVELOPE');
    assert.equal(jwsCode(jws({ payload: 1 })), 'MALFORMED_ENVELOPE');
    assert.equal(jwsCode(jws({ header: 'x' })), 'MALFORMED_ENVELOPE');
    assert.equal(jwsCode(jws({ signature: 'a+b' })), 'MALFORMED_ENVELOPE');
    assert.equal(jwsCode(jws({ signature: 'AB' })), 'MALFORMED_ENVELOPE');
    assert.equal(jwsCode(jws({}, { ...HEADER, 'io.cncf.notary.signingTime': '2030-01-01T00:00:00.5+02:00' })), null);
    assert.equal(jwsCode(jws({ header: { x5c: ['MAA='], X5C: [] } })), 'MALFORMED_ENVELOPE');
    assert.equal(jwsCode(jws({ header: { x5c: [] } })), 'MALFORMED_ENVELOPE');
    assert.equal(jwsCode(jws({ header: { x5c: ['M-A'] } })), 'MALFORMED_ENVELOPE');
    assert.equal(jwsCode(jws({ header: { x5c: [1] } })), 'MALFORMED_ENVELOPE');
    assert.equal(jwsCode(jws({ protected: b64u('[]') })), 'MALFORMED_ENVELOPE');
    assert.equal(jwsCode(jws({}, { ...HEADER, ALG: 'ES256' })), 'MALFORMED_ENVELOPE');
    assert.equal(jwsCode(jws({}, { ...HEADER, 'io.cncf.notary.ſigningScheme': 'x' })), 'MALFORMED_ENVELOPE');
    assert.equal(jwsCode(jws({}, { ...HEADER, alg: 'RS256' })), 'UNSUPPORTED_ALGORITHM');
    assert.equal(jwsCode(jws({}, { ...HEADER, cty: 'application/json' })), 'MALFORMED_ENVELOPE');
    assert.equal(jwsCode(jws({}, { ...HEADER, crit: 'x' })), 'MALFORMED_ENVELOPE');
    for (const time of [
      '2030-01-01',
      1,
      '2030-02-31T00:00:00Z',
      '2030-13-01T00:00:00Z',
      '2030-00-01T00:00:00Z',
      '2030-01-00T00:00:00Z',
      '2030-01-01T24:00:00Z',
      '2030-01-01T00:60:00Z',
      '2030-01-01T00:00:60Z',
      '2030-01-01T00:00:00+24:00',
      '2030-01-01T00:00:00+00:60',
    ])
      assert.equal(jwsCode(jws({}, { ...HEADER, 'io.cncf.notary.signingTime': time })), 'MALFORMED_ENVELOPE', String(time));
  });
});

describe('checkSignedHeaders', () => {
  const base = { signingScheme: 'notary.x509', signingTime: new Date(0), authenticSigningTime: null, expiry: null, critical: ['io.cncf.notary.signingScheme'] } as const;
  const codeOf = (overrides: Record<string, unknown>) => {
    const result = checkSignedHeaders({ ...base, ...overrides });
    return 'code' in result ? result.code : null;
  };
  it('applies the scheme rules', () => {
    assert.equal(codeOf({}), null);
    assert.equal(codeOf({ critical: [1] }), 'UNKNOWN_CRITICAL_HEADER');
    assert.equal(codeOf({ critical: ['io.cncf.notary.signingScheme', 'io.cncf.notary.signingScheme'] }), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf({ signingScheme: 'notary.default' }), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf({ critical: [] }), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf({ expiry: 'malformed' }), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf({ authenticSigningTime: 'malformed' }), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf({ expiry: new Date(0) }), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf({ signingTime: null }), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf({ authenticSigningTime: new Date(0) }), 'MALFORMED_ENVELOPE');
    const sa = {
      signingScheme: 'notary.x509.signingAuthority',
      signingTime: null,
      authenticSigningTime: new Date(0),
      critical: ['io.cncf.notary.signingScheme', 'io.cncf.notary.authenticSigningTime'],
    };
    assert.equal(codeOf(sa), null);
    assert.equal(codeOf({ ...sa, critical: ['io.cncf.notary.signingScheme'] }), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf({ ...sa, signingTime: new Date(0) }), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf({ ...sa, authenticSigningTime: null }), 'MALFORMED_ENVELOPE');
  });
});

describe('readCoseEnvelope', () => {
  const headers = (overrides: Array<[number | string, CborInput]> = []) =>
    encodeCbor(
      new Map<number | string, CborInput>([
        [1, -7],
        [2, ['io.cncf.notary.signingScheme']],
        [3, CTY],
        ['io.cncf.notary.signingScheme', 'notary.x509'],
        ['io.cncf.notary.signingTime', new Tagged(1, 1_900_000_000)],
        ...overrides,
      ])
    );
  const cose = (parts: CborInput[], tag = 18) => encodeCbor(new Tagged(tag, parts));
  const unprotected = (chain: CborInput) => new Map<number | string, CborInput>([[33, chain]]);
  const codeOf = (bytes: Buffer) => {
    const result = readCoseEnvelope(bytes);
    return result.ok ? null : `${result.error.code}`;
  };
  it('reads a well-formed message and refuses every malformed field', () => {
    const body = Buffer.from('{}');
    const sig = Buffer.from('s');
    assert.equal(codeOf(cose([headers(), unprotected([Buffer.from([0x30, 0])]), body, sig])), null);
    assert.equal(codeOf(cose([headers(), unprotected(Buffer.from([0x30, 0])), Buffer.alloc(300), sig])), null);
    assert.equal(codeOf(cose([headers(), unprotected(Buffer.from([0x30, 0])), Buffer.alloc(70_000), sig])), null);
    assert.equal(codeOf(Buffer.from([0xff])), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf(cose([headers(), unprotected([]), body, sig], 98)), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf(encodeCbor(new Tagged(18, 'x'))), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf(cose([headers(), unprotected([]), body])), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf(cose([headers(), unprotected([]), 'nil', sig])), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf(cose([encodeCbor([1]), unprotected([]), body, sig])), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf(cose([headers([[1, 'ES256']]), unprotected([]), body, sig])), 'UNSUPPORTED_ALGORITHM');
    assert.equal(codeOf(cose([headers([[3, 50]]), unprotected([]), body, sig])), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf(cose([headers([[3, [1]]]), unprotected([]), body, sig])), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf(cose([headers([[2, 'x']]), unprotected([]), body, sig])), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf(cose([headers([['io.cncf.notary.signingTime', 5]]), unprotected([]), body, sig])), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf(cose([headers(), unprotected([]), body, sig])), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf(cose([headers(), unprotected(['x']), body, sig])), 'MALFORMED_ENVELOPE');
    assert.equal(codeOf(cose([headers(), new Map(), body, sig])), 'MALFORMED_ENVELOPE');
  });
});

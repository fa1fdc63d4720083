import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { basicAuthorization } from '../../../../src/lib/http/basic-auth.js';

describe('basicAuthorization', () => {
  it('is the RFC 7617 example', () => {
    assert.equal(basicAuthorization({ username: 'Aladdin', password: 'open sesame' }), 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  });

  it('encodes the user-id and password as UTF-8 (RFC 7617 §2.1 charset)', () => {
    // RFC 7617 §2.1: "test" / "123£" is dGVzdDoxMjPCow== in UTF-8.
    assert.equal(basicAuthorization({ username: 'test', password: '123£' }), 'Basic dGVzdDoxMjPCow==');
  });

  it('keeps colons in the password and allows empty parts', () => {
    const header = basicAuthorization({ username: 'auditor', password: 'a:b:c' });
    assert.equal(Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8'), 'auditor:a:b:c');
    assert.equal(basicAuthorization({ username: '', password: '' }), 'Basic Og==');
  });
});

/** Trust stores (src/notation/core/trust-store.ts) and the certificate reader behind them (certificate.ts, der.ts). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { parseCertificate } from '../../../src/notation/core/certificate.js';
import { decodeOid, DerError, readDerElement, readDerElements } from '../../../src/notation/core/der.js';
import { buildTrustStore, certificatesOf, MAX_CERTIFICATES_PER_STORE } from '../../../src/notation/core/trust-store.js';
import { basicConstraints, bmp, certificate, extension, oid, p256, pem, seq, tlv, utf8 } from '../../support/der-builder.js';

const NOW = new Date('2030-01-01T00:00:00Z');
const LATER = new Date('2031-01-01T00:00:00Z');
const attribute = (oidHex: string, value: Buffer) => tlv(0x31, seq(oid(oidHex), value));
const string = (tag: number, bytes: number[] | string) => tlv(tag, Buffer.isBuffer(bytes) ? bytes : typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes));
const make = (subject: Buffer, extensions?: Buffer[]) => certificate({ spki: p256().spki, notBefore: NOW, notAfter: LATER, subject, extensions });

describe('parseCertificate', () => {
  it('refuses a certificate whose public key does not decode (OpenSSL decodes it lazily, then throws on use)', () => {
    const spki = seq(seq(oid('2a8648ce3d0201'), oid('2a8648ce3d030107')), tlv(0x03, Buffer.from([0x00, 0x04, 0x01, 0x02])));
    assert.equal(parseCertificate(certificate({ spki, notBefore: new Date('2024-01-01T00:00:00Z'), notAfter: new Date('2025-01-01T00:00:00Z') })), null);
  });

  it('reads subjects of every directory string type and refuses ambiguous ones', () => {
    const read = (subject: Buffer) => parseCertificate(make(subject))?.subjectAttributes ?? null;
    const full = read(
      seq(
        attribute('550406', string(0x13, 'US')),
        attribute('550408', string(0x14, 'W\xe4')),
        attribute('55040a', bmp('Org')),
        attribute('550403', utf8('é')),
        attribute('550407', string(0x16, 'x'))
      )
    );
    assert.deepEqual(
      [...(full ?? [])],
      [
        ['C', 'US'],
        ['ST', 'Wä'],
        ['O', 'Org'],
        ['CN', 'é'],
        ['L', 'x'],
      ]
    );
    assert.equal(read(seq(attribute('2a864886f70d010901', string(0x16, 'a@b')))), null); // no short name
    assert.equal(read(seq(tlv(0x31, seq(oid('550403'), utf8('a')), seq(oid('55040a'), utf8('b'))))), null); // multi-valued
    assert.equal(read(seq(attribute('550403', utf8('a')), attribute('550403', utf8('b')))), null); // repeated
    assert.equal(read(seq(attribute('550403', string(0x0c, [0xff])))), null); // bad UTF-8
    assert.equal(read(seq(attribute('550403', string(0x13, [0xe9])))), null); // non-ASCII printable
    assert.equal(read(seq(attribute('550403', string(0x1e, [0x00])))), null); // odd BMP
    assert.equal(read(seq(attribute('550403', string(0x04, 'x')))), null); // not a string type
    assert.equal(read(seq(tlv(0x31, seq(oid('550403'))))), null); // no value
  });

  it('reads basic constraints, key usage and extended key usage, and notes unknown critical extensions', () => {
    const certificateWith = (extensions: Buffer[]) => parseCertificate(make(seq(attribute('550403', utf8('a'))), extensions));
    const read = certificateWith([
      basicConstraints('true', 3),
      extension('551d0f', tlv(0x03, Buffer.from([0x07, 0x80])), true),
      extension('551d25', seq(oid('2b06010505070303'))),
      extension('2a03', tlv(0x05), true),
      extension('2a04', tlv(0x05)),
    ]);
    assert.deepEqual(read?.basicConstraints, { ca: true, pathLength: 3 });
    assert.equal(read?.keyUsage, 0x8000);
    assert.deepEqual(read?.extendedKeyUsage, ['1.3.6.1.5.5.7.3.3']);
    assert.deepEqual(read?.unknownCriticalExtensions, ['1.2.3']);
    assert.equal(read?.selfSigned, false);
    assert.deepEqual(certificateWith([basicConstraints('absent')])?.basicConstraints, { ca: false, pathLength: null });
    assert.equal(certificateWith([extension('551d13', seq(utf8('x')), true)]), null);
    assert.equal(certificateWith([extension('551d0f', tlv(0x03, Buffer.from([0x00])), true)])?.keyUsage, 0);
    assert.equal(parseCertificate(Buffer.from('junk')), null);
    assert.equal(certificateWith([extension('551d25', seq(utf8('x')))]), null);
    assert.notEqual(parseCertificate(certificate({ spki: p256().spki, notBefore: NOW, notAfter: LATER, v1: true })), null);
  });
});

describe('der', () => {
  it('reads long lengths and OIDs, refuses what DER forbids', () => {
    assert.equal(readDerElement(Buffer.concat([Buffer.from([0x04, 0x81, 0x80]), Buffer.alloc(0x80)]), 0x04).content.length, 0x80);
    assert.equal(decodeOid(Buffer.from('2a864886f70d', 'hex')), '1.2.840.113549');
    assert.equal(decodeOid(Buffer.from('8837', 'hex')), '2.999');
    for (const bytes of ['1f00', '04', '0480', '0485000000000000', '0482', '048101', '0401']) assert.throws(() => readDerElements(Buffer.from(bytes, 'hex')), DerError, bytes);
    assert.throws(() => readDerElement(Buffer.from('0400', 'hex'), 0x30), DerError);
    assert.throws(() => decodeOid(Buffer.alloc(0)), DerError);
    assert.throws(() => decodeOid(Buffer.from('2a86', 'hex')), DerError);
    assert.throws(() => decodeOid(Buffer.from('ffffffffffffffff7f', 'hex')), DerError);
  });
});

describe('buildTrustStore', () => {
  const { spki } = p256();
  const notSelfSigned = certificate({ spki, notBefore: NOW, notAfter: LATER, extensions: [basicConstraints('true')] });

  it('refuses names, files and certificates notation would not use as roots', () => {
    const codeOf = (inputs: Parameters<typeof buildTrustStore>[0]) => {
      const result = buildTrustStore(inputs);
      return result.ok ? null : result.error.code;
    };
    assert.equal(codeOf([{ type: 'ca', name: '../x', certificates: [] }]), 'INVALID_STORE_NAME');
    assert.equal(codeOf([{ type: 'ca', name: 'x', certificates: [] }]), 'EMPTY_STORE');
    assert.equal(codeOf([{ type: 'ca', name: 'x', certificates: [Buffer.from('hello')] }]), 'MALFORMED_CERTIFICATE');
    assert.equal(codeOf([{ type: 'ca', name: 'x', certificates: [Buffer.alloc(0)] }]), 'MALFORMED_CERTIFICATE');
    assert.equal(codeOf([{ type: 'ca', name: 'x', certificates: [Buffer.from('-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n')] }]), 'MALFORMED_CERTIFICATE');
    assert.equal(codeOf([{ type: 'ca', name: 'x', certificates: [Buffer.from([0x30, 0x00])] }]), 'MALFORMED_CERTIFICATE');
    assert.equal(codeOf([{ type: 'ca', name: 'x', certificates: [Buffer.from(pem(notSelfSigned))] }]), 'NOT_A_ROOT');
    const selfSignedLeaf = readFileSync(
      fileURLToPath(new URL('../../../../test/fixtures/real/notation-go/verifier/testdata/truststore/x509/ca/valid-trust-store/TestTimestamp.crt', import.meta.url))
    );
    assert.equal(codeOf([{ type: 'ca', name: 'x', certificates: [selfSignedLeaf] }]), null);
    assert.equal(codeOf([{ type: 'tsa', name: 'x', certificates: [selfSignedLeaf] }]), 'NOT_A_ROOT');
    assert.equal(codeOf([{ type: 'ca', name: 'x', certificates: Array.from({ length: MAX_CERTIFICATES_PER_STORE + 1 }, () => selfSignedLeaf) }]), 'TOO_MANY_CERTIFICATES');
    assert.equal(certificatesOf({ stores: new Map() }, [{ type: 'ca', name: 'x' }], ['ca']).length, 0);
    assert.ok(MAX_CERTIFICATES_PER_STORE > 0);
  });
});

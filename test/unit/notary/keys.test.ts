/**
 * Keys as the metadata lists them (src/notary/core/keys.ts): every reason a key
 * is unusable, lazy import of the node:crypto key, and the root certificate
 * checks. Key material comes from node:crypto; certificates are written by
 * hand (test/support/der-builder.ts) at instants derived from one clock reading.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';

import { checkRootCertificate, computeKeyId, importKey, type TufKey } from '../../../src/notary/core/keys.js';
import { basicConstraints, certificate, certificateKey, name, oid, OIDS, p256, pem, rsaSpki, seq, spki } from '../../support/der-builder.js';
import { keyIdOf } from '../../support/trust-factory.js';

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const DAY = 86_400_000;
const GUN = 'registry.example:5000/team/app';
const b64 = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64');

function rsaPublicB64(bits: number): string {
  return b64(generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'der', type: 'spki' }));
}

/** An x509 key (leaf first) whose bundle is the given certificates. */
function bundleKey(keytype: 'ecdsa-x509' | 'rsa-x509', ...certificates: Buffer[]): TufKey {
  return importKey(keytype, b64(certificates.map(pem).join('')));
}

const leafFor = (commonName: string, extra: Partial<Parameters<typeof certificate>[0]> = {}): Buffer =>
  certificate({
    spki: p256().spki,
    notBefore: new Date(NOW.getTime() - DAY),
    notAfter: new Date(NOW.getTime() + 365 * DAY),
    commonName,
    extensions: [basicConstraints('absent')],
    ...extra,
  });

describe('importKey: what makes a key unusable', () => {
  it('computes the TUF key id over the base64 text, even for an unusable key', () => {
    const key = importKey('ed25519', 'AAAA');
    assert.equal(key.id, computeKeyId('ed25519', 'AAAA'));
    assert.equal(key.id, keyIdOf('ed25519', 'AAAA'));
  });

  it('refuses a public key that is not canonical base64', () => {
    for (const text of ['AAA', 'AA=A', '!!!!', 'AA==AA==']) {
      const key = importKey('ecdsa', text);
      assert.equal(key.problem, 'public key is not base64', text);
      assert.equal(key.fingerprint, undefined);
    }
    // A line break is skipped by Go's decoder: the key decodes, and is refused for its spelling.
    const broken = importKey('ecdsa', 'AAAA\n');
    assert.equal(broken.problem, 'public key is not in canonical base64');
    assert.equal(broken.fingerprint, undefined);
  });

  it('refuses an Ed25519 key that is not 32 bytes', () => {
    assert.equal(importKey('ed25519', b64(Buffer.alloc(31, 1))).problem, 'ed25519 key is not 32 bytes');
    assert.equal(importKey('ed25519', b64(Buffer.alloc(33, 1))).problem, 'ed25519 key is not 32 bytes');
    assert.equal(importKey('ed25519', b64(Buffer.alloc(32, 1))).problem, undefined);
  });

  it('refuses an unknown key type', () => {
    assert.equal(importKey('ECDSA', b64(p256().spki)).problem, 'unsupported key type "ECDSA"');
    assert.equal(importKey('dsa', b64(p256().spki)).problem, 'unsupported key type "dsa"');
  });

  it('refuses a key whose DER cannot be read, naming the reason', () => {
    assert.equal(importKey('ecdsa', b64(Buffer.from([0x30, 0x05, 0x00]))).problem, 'public key cannot be parsed (DER value runs past its container)');
    assert.equal(importKey('rsa', b64(rsaSpki(Buffer.from([0x00, 0xc0, 0x01]), Buffer.from([0x00, 0x01])))).problem, 'public key cannot be parsed (DER integer is not minimally encoded)');
  });

  it('refuses a key whose algorithm is not the key type', () => {
    assert.equal(importKey('ecdsa', rsaPublicB64(2048)).problem, 'ecdsa key holds a rsa public key');
    assert.equal(importKey('rsa', b64(p256().spki)).problem, 'rsa key holds a ec public key');
    assert.equal(importKey('ecdsa', b64(spki(seq(oid(OIDS.ed25519)), Buffer.alloc(32, 1)))).problem, 'ecdsa key holds a ed25519 public key');
    assert.equal(importKey('ecdsa', b64(spki(seq(oid(OIDS.dsa)), Buffer.alloc(32, 1)))).problem, 'ecdsa key holds a other public key');
  });

  it('refuses RSA keys under 2048 bits, counting bits and not bytes (notary verifiers.go: N.BitLen() < 2048)', () => {
    assert.equal(importKey('rsa', rsaPublicB64(1024)).problem, 'RSA key is shorter than 2048 bits');
    // 2047 bits still take 256 bytes: only the bit length tells them from 2048.
    assert.equal(importKey('rsa', rsaPublicB64(2047)).problem, 'RSA key is shorter than 2048 bits');
    const modulus2041 = Buffer.concat([Buffer.from([0x01]), Buffer.alloc(255, 0xab)]);
    assert.equal(importKey('rsa', b64(rsaSpki(modulus2041))).problem, 'RSA key is shorter than 2048 bits');
    const modulus2048 = Buffer.concat([Buffer.from([0x00, 0x80]), Buffer.alloc(255, 0xab)]);
    assert.equal(importKey('rsa', b64(rsaSpki(modulus2048))).problem, undefined);
    assert.equal(importKey('rsa', rsaPublicB64(2048)).problem, undefined);
  });

  describe('certificate bundles (ecdsa-x509, rsa-x509)', () => {
    it('refuses a key that holds no PEM certificate', () => {
      assert.equal(importKey('ecdsa-x509', b64('not a certificate')).problem, 'key holds no PEM certificate');
      assert.equal(importKey('ecdsa-x509', b64(p256().spki)).problem, 'key holds no PEM certificate');
    });

    it('refuses a certificate that cannot be parsed, naming the reason', () => {
      assert.equal(importKey('ecdsa-x509', b64(pem(seq(seq())))).problem, 'certificate cannot be parsed (certificate has too few fields)');
    });

    it('refuses more than 10 certificates, and takes 10', () => {
      const leaf = leafFor(GUN);
      assert.equal(bundleKey('ecdsa-x509', ...Array.from({ length: 11 }, () => leaf)).problem, 'certificate bundle has more than 10 certificates');
      const ten = bundleKey('ecdsa-x509', ...Array.from({ length: 10 }, () => leaf));
      assert.equal(ten.problem, undefined);
      assert.equal(ten.certificates.length, 10);
    });

    it("refuses a bundle not laid out as Go's pem.Encode writes it", () => {
      const canonical = pem(leafFor(GUN));
      const body = canonical.split('\n').slice(1, -2).join('');
      const variants = {
        crlf: canonical.replace(/\n/g, '\r\n'),
        '76 columns': `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,76}/g)?.join('\n')}\n-----END CERTIFICATE-----\n`,
        'no final newline': canonical.slice(0, -1),
        'text before': `leaf\n${canonical}`,
        'text after': `${canonical}# comment\n`,
      };
      for (const [variant, text] of Object.entries(variants)) {
        assert.equal(importKey('ecdsa-x509', b64(text)).problem, 'certificate bundle is not in canonical PEM form', variant);
      }
      assert.equal(importKey('ecdsa-x509', b64(canonical)).problem, undefined);
    });

    it("refuses a leaf whose key is not the key type's algorithm", () => {
      const rsaLeaf = certificate({ spki: rsaSpki(Buffer.concat([Buffer.from([0x00, 0xc0]), Buffer.alloc(255, 1)])), notBefore: NOW, notAfter: NOW, commonName: GUN });
      assert.equal(bundleKey('ecdsa-x509', rsaLeaf).problem, 'ecdsa-x509 key holds a rsa public key');
      assert.equal(bundleKey('rsa-x509', leafFor(GUN)).problem, 'rsa-x509 key holds a ec public key');
      assert.equal(bundleKey('rsa-x509', rsaLeaf).problem, undefined);
    });
  });
});

describe('TufKey.publicKey: the node:crypto key, imported on first use', () => {
  const ecKey = (point: Buffer): TufKey => importKey('ecdsa', b64(spki(seq(oid(OIDS.ecPublicKey), oid(OIDS.p256)), point)));

  it('is the same KeyObject on every use', () => {
    const key = importKey('ecdsa', b64(p256().spki));
    const first = key.publicKey;
    assert.ok(first !== undefined);
    assert.equal(first.asymmetricKeyType, 'ec');
    assert.equal(key.publicKey, first);
  });

  it('is undefined for an unusable key', () => {
    const key = importKey('ed25519', b64(Buffer.alloc(31, 1)));
    assert.notEqual(key.problem, undefined);
    assert.equal(key.publicKey, undefined);
  });

  it('is undefined for a compressed or odd-length point (never written by Go), though the key parses', () => {
    for (const point of [Buffer.concat([Buffer.from([0x02]), Buffer.alloc(32, 0x22)]), Buffer.concat([Buffer.from([0x04]), Buffer.alloc(63, 0x22)])]) {
      const key = ecKey(point);
      assert.equal(key.problem, undefined);
      assert.notEqual(key.fingerprint, undefined);
      assert.equal(key.publicKey, undefined);
    }
  });

  it('is undefined, every time, for a point not on the curve', () => {
    const key = ecKey(Buffer.concat([Buffer.from([0x04]), Buffer.alloc(64, 0x22)]));
    assert.equal(key.problem, undefined);
    assert.equal(key.publicKey, undefined);
    assert.equal(key.publicKey, undefined);
  });
});

describe('checkRootCertificate', () => {
  const check = (key: TufKey, gun = GUN, now = NOW): string | undefined => {
    assert.equal(key.problem, undefined);
    return checkRootCertificate(key, gun, now);
  };

  it('accepts a leaf for the GUN, valid now', () => {
    assert.equal(check(bundleKey('ecdsa-x509', leafFor(GUN))), undefined);
  });

  it('refuses a key that is not a certificate', () => {
    const key = importKey('ecdsa', b64(p256().spki));
    assert.equal(check(key), `root key ${key.id} is a ecdsa key, not a certificate`);
  });

  it('refuses a CA as the leaf', () => {
    const key = bundleKey('ecdsa-x509', leafFor(GUN, { extensions: [basicConstraints('true')] }));
    assert.equal(check(key), `root key ${key.id}: the first certificate is a CA, not a leaf`);
  });

  it('refuses a CN that is not the GUN, and a certificate without CN', () => {
    const other = bundleKey('ecdsa-x509', leafFor('registry.example:5000/team/other'));
    assert.equal(check(other), `root key ${other.id}: certificate CN "registry.example:5000/team/other" does not match GUN "${GUN}"`);
    const none = bundleKey('ecdsa-x509', leafFor('', { subject: name() }));
    assert.equal(check(none), `root key ${none.id}: certificate CN "" does not match GUN "${GUN}"`);
  });

  it('matches a trailing * as a prefix of the GUN (notary MatchCNToGun), and nothing else as a wildcard', () => {
    assert.equal(check(bundleKey('ecdsa-x509', leafFor('registry.example:5000/team/*'))), undefined);
    assert.equal(check(bundleKey('ecdsa-x509', leafFor('*'))), undefined);
    assert.match(check(bundleKey('ecdsa-x509', leafFor('registry.example:5000/other/*'))) ?? '', /does not match GUN/);
    assert.match(check(bundleKey('ecdsa-x509', leafFor('registry.example:5000/*/app'))) ?? '', /does not match GUN/);
  });

  it('refuses a certificate signed with SHA-1', () => {
    const key = bundleKey('ecdsa-x509', leafFor(GUN, { signatureOid: OIDS.ecdsaWithSha1 }));
    assert.equal(check(key), `root key ${key.id}: certificate is signed with SHA-1 or MD5`);
  });

  it('allows notBefore up to one day ahead (clock skew at signing), not more', () => {
    const soon = bundleKey('ecdsa-x509', leafFor(GUN, { notBefore: new Date(NOW.getTime() + DAY) }));
    assert.equal(check(soon), undefined);
    const notBefore = new Date(NOW.getTime() + DAY + 1000);
    const later = bundleKey('ecdsa-x509', leafFor(GUN, { notBefore }));
    assert.equal(check(later), `root key ${later.id}: certificate is not valid before ${notBefore.toISOString()}`);
  });

  it('does not judge the leaf expiry (it is the root-certificate role expiry)', () => {
    const lapsed = bundleKey('ecdsa-x509', leafFor(GUN, { notBefore: new Date(NOW.getTime() - 30 * DAY), notAfter: new Date(NOW.getTime() - DAY) }));
    assert.equal(check(lapsed), undefined);
  });

  describe('intermediates', () => {
    const intermediate = (isCA: boolean, notAfter: Date): Buffer => leafFor('intermediate', { extensions: [basicConstraints(isCA ? 'true' : 'absent')], notAfter });
    const inAYear = new Date(NOW.getTime() + 365 * DAY);

    it('accepts CA intermediates that have not expired', () => {
      const key = bundleKey('ecdsa-x509', leafFor(GUN), intermediate(true, inAYear), intermediate(true, NOW));
      assert.equal(key.certificates.length, 3);
      assert.equal(check(key), undefined);
    });

    it('refuses an intermediate that is not a CA, or has expired', () => {
      const notCA = bundleKey('ecdsa-x509', leafFor(GUN), intermediate(false, inAYear));
      assert.equal(check(notCA), `root key ${notCA.id}: an intermediate certificate is not a valid CA`);
      const expired = bundleKey('ecdsa-x509', leafFor(GUN), intermediate(true, inAYear), intermediate(true, new Date(NOW.getTime() - 1000)));
      assert.equal(check(expired), `root key ${expired.id}: an intermediate certificate is not a valid CA`);
    });
  });

  it('judges a key built by the test support signer the same way', () => {
    const signer = certificateKey({ commonName: GUN, notBefore: NOW, notAfter: new Date(NOW.getTime() + DAY) });
    const key = importKey(signer.keytype, signer.publicB64);
    assert.equal(key.id, signer.id);
    assert.equal(check(key), undefined);
    assert.equal(check(key, 'registry.example:5000/team/other'), `root key ${key.id}: certificate CN "${GUN}" does not match GUN "registry.example:5000/team/other"`);
    assert.deepEqual(key.certificates[0]?.der, signer.leaf);
  });
});

/**
 * Public keys as Notary lists them (notary `tuf/data/keys.go`), their key ids,
 * and root certificate checks (notary `trustpinning/certs.go` ValidateRoot,
 * `tuf/utils/x509.go` ValidateCertificate).
 */
import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';

import { canonicalize } from './canonical-json.js';
import { readCertificateFacts, type CertificateFacts } from './der.js';

export interface TufKey {
  /** The id computed from the key itself; a role's keyid must equal it. */
  readonly id: string;
  readonly keytype: string;
  /** Absent when the key cannot be used (unknown type, bad encoding). */
  readonly publicKey: KeyObject | undefined;
  /** sha256 of the SPKI: thresholds count distinct public keys, not key ids (GHSA-3633-5h82-39pq). */
  readonly fingerprint: string | undefined;
  readonly problem: string | undefined;
  /** Parsed certificate bundle for `*-x509` keys, leaf first. */
  readonly certificates: readonly ParsedCertificate[];
}

export interface ParsedCertificate extends CertificateFacts {
  readonly der: Buffer;
  readonly isCA: boolean;
  readonly publicKey: KeyObject;
}

/**
 * TUF key id: hex sha256 of canonical `{"keytype":T,"keyval":{"private":null,"public":B64}}`.
 * `private` is an explicit null because Go's `KeyPair.Private` has no omitempty.
 */
export function computeKeyId(keytype: string, publicBase64: string): string {
  const preimage = canonicalize({ keytype, keyval: { private: null, public: publicBase64 } });
  return createHash('sha256').update(preimage).digest('hex');
}

export function importKey(keytype: string, publicBase64: string): TufKey {
  const id = computeKeyId(keytype, publicBase64);
  const unusable = (problem: string): TufKey => ({
    id,
    keytype,
    publicKey: undefined,
    fingerprint: undefined,
    problem,
    certificates: [],
  });
  const raw = decodeBase64(publicBase64);
  if (raw === undefined) {
    return unusable('public key is not base64');
  }
  try {
    switch (keytype) {
      case 'ed25519': {
        if (raw.length !== 32) {
          return unusable('ed25519 key is not 32 bytes');
        }
        const key = createPublicKey({
          key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
          format: 'jwk',
        });
        return usable(id, keytype, key, []);
      }
      case 'ecdsa':
      case 'rsa': {
        const key = createPublicKey({ key: raw, format: 'der', type: 'spki' });
        const problem = checkAlgorithm(keytype, key);
        return problem === undefined ? usable(id, keytype, key, []) : unusable(problem);
      }
      case 'ecdsa-x509':
      case 'rsa-x509': {
        const bundle = parseCertificateBundle(raw.toString('latin1'));
        if (typeof bundle === 'string') {
          return unusable(bundle);
        }
        const leaf = bundle[0] as ParsedCertificate;
        const problem = checkAlgorithm(keytype, leaf.publicKey);
        return problem === undefined ? usable(id, keytype, leaf.publicKey, bundle) : unusable(problem);
      }
      default:
        return unusable(`unsupported key type ${JSON.stringify(keytype)}`);
    }
  } catch (error) {
    return unusable(`public key cannot be imported (${(error as Error).message})`);
  }
}

function usable(id: string, keytype: string, key: KeyObject, certificates: ParsedCertificate[]): TufKey {
  const spki = key.export({ format: 'der', type: 'spki' });
  return {
    id,
    keytype,
    publicKey: key,
    fingerprint: createHash('sha256').update(spki).digest('hex'),
    problem: undefined,
    certificates,
  };
}

function checkAlgorithm(keytype: string, key: KeyObject): string | undefined {
  const family = keytype.startsWith('ecdsa') ? 'ec' : 'rsa';
  if (key.asymmetricKeyType !== family) {
    return `${keytype} key holds a ${key.asymmetricKeyType ?? 'unknown'} public key`;
  }
  // notary tuf/signed/verifiers.go: RSA keys under 2048 bits are refused.
  if (family === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    return 'RSA key is shorter than 2048 bits';
  }
  return undefined;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function decodeBase64(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || !BASE64.test(text)) {
    return undefined;
  }
  return Buffer.from(text, 'base64');
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END CERTIFICATE-----/g;

/** Go `pem.Encode`: 64-column base64 lines, one trailing newline. */
function encodePem(der: Buffer): string {
  const body = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

/**
 * Parses a PEM bundle (leaf first, then intermediates) and insists that it is
 * laid out as Go's `pem.Encode` writes it: Notary rebuilds the bundle before
 * computing the key id it verifies with (`CertBundleToKey`), so any other
 * layout would not verify in Notary either.
 */
function parseCertificateBundle(pem: string): ParsedCertificate[] | string {
  const certificates: ParsedCertificate[] = [];
  let rebuilt = '';
  for (const match of pem.matchAll(PEM_CERTIFICATE)) {
    const der = Buffer.from((match[1] as string).replace(/\s+/g, ''), 'base64');
    let x509: X509Certificate;
    let facts: CertificateFacts;
    try {
      x509 = new X509Certificate(der);
      facts = readCertificateFacts(der);
    } catch (error) {
      return `certificate cannot be parsed (${(error as Error).message})`;
    }
    certificates.push({ ...facts, der, isCA: x509.ca, publicKey: x509.publicKey });
    rebuilt += encodePem(der);
    if (certificates.length > 10) {
      return 'certificate bundle has more than 10 certificates';
    }
  }
  if (certificates.length === 0) {
    return 'key holds no PEM certificate';
  }
  if (rebuilt !== pem) {
    return 'certificate bundle is not in canonical PEM form';
  }
  return certificates;
}

/**
 * Checks one root-role certificate bundle for `gun` at `now`
 * (notary trustpinning/certs.go validRootLeafCerts, tuf/utils/x509.go ValidateCertificate).
 * Expiry of the leaf is not judged here: the caller reports it as the
 * `root-certificate` role's expiry, so that an expired certificate reads as
 * `expired`, not `invalid`.
 */
export function checkRootCertificate(key: TufKey, gun: string, now: Date): string | undefined {
  const [leaf, ...intermediates] = key.certificates;
  if (leaf === undefined) {
    return `root key ${key.id} is a ${key.keytype} key, not a certificate`;
  }
  if (leaf.isCA) {
    return `root key ${key.id}: the first certificate is a CA, not a leaf`;
  }
  if (!commonNameMatches(leaf.commonName, gun)) {
    return `root key ${key.id}: certificate CN ${JSON.stringify(leaf.commonName ?? '')} does not match GUN ${JSON.stringify(gun)}`;
  }
  if (leaf.weakSignatureAlgorithm) {
    return `root key ${key.id}: certificate is signed with SHA-1 or MD5`;
  }
  // ValidateCertificate allows NotBefore up to one day in the future (clock skew at signing).
  if (leaf.notBefore.getTime() > now.getTime() + 24 * 3600_000) {
    return `root key ${key.id}: certificate is not valid before ${leaf.notBefore.toISOString()}`;
  }
  for (const intermediate of intermediates) {
    // Notary drops invalid intermediates and then recomputes the key id, which no
    // longer matches the signatures; refusing the key here has the same effect.
    if (!intermediate.isCA || intermediate.notAfter.getTime() < now.getTime()) {
      return `root key ${key.id}: an intermediate certificate is not a valid CA`;
    }
  }
  return undefined;
}

/** notary trustpinning/certs.go MatchCNToGun: exact, or a trailing `*` as prefix wildcard. */
function commonNameMatches(commonName: string | undefined, gun: string): boolean {
  if (commonName === undefined) {
    return false;
  }
  if (commonName.endsWith('*')) {
    return gun.startsWith(commonName.slice(0, -1));
  }
  return commonName === gun;
}

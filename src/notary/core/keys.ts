/**
 * Public keys as Notary lists them (notary `tuf/data/keys.go`), their key ids,
 * and root certificate checks (notary `trustpinning/certs.go` ValidateRoot,
 * `tuf/utils/x509.go` ValidateCertificate).
 *
 * Keys are parsed eagerly (cheap DER reads) but turned into node:crypto
 * KeyObjects only when a signature needs them, from JWK: measured here, SPKI
 * import costs ~230 µs per key against ~130 µs (EC), ~10 µs (RSA) and ~20 µs
 * (Ed25519) from JWK, and most keys a root lists never sign the file at hand.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

import { sha256Hex } from '../../lib/digest.js';
import { canonicalize } from './canonical-json.js';
import { readCertificateFacts, readSpki, type CertificateFacts, type SpkiKey } from './der.js';

export interface ParsedCertificate extends CertificateFacts {
  readonly der: Buffer;
}

/** Raw r||s length of an ECDSA signature per curve (2 × ⌈bits/8⌉). */
const ECDSA_SIGNATURE_LENGTH = { 'P-256': 64, 'P-384': 96, 'P-521': 132 } as const;

export class TufKey {
  /** The id computed from the key itself; a role's keyid must equal it. */
  readonly id: string;
  readonly keytype: string;
  /** Why the key cannot be used (unknown type, bad encoding), if it cannot. */
  readonly problem: string | undefined;
  /**
   * Identifies the public key itself, whatever its encoding: thresholds count
   * distinct public keys, not key ids (go-tuf GHSA-3633-5h82-39pq). Hashing the
   * DER as given would let one key, re-encoded, count twice.
   */
  readonly fingerprint: string | undefined;
  /** Parsed certificate bundle for `*-x509` keys, leaf first. */
  readonly certificates: readonly ParsedCertificate[];
  /** The exact ECDSA signature length this key's curve produces; -1 for other keys. */
  readonly ecdsaSignatureLength: number;
  readonly #spki: UsableSpki | undefined;
  #publicKey: KeyObject | null | undefined;

  constructor(id: string, keytype: string, parsed: { spki: UsableSpki; certificates: ParsedCertificate[] } | { problem: string }) {
    this.id = id;
    this.keytype = keytype;
    if ('problem' in parsed) {
      this.problem = parsed.problem;
      this.fingerprint = undefined;
      this.certificates = [];
      this.ecdsaSignatureLength = -1;
      this.#spki = undefined;
      return;
    }
    this.problem = undefined;
    this.fingerprint = fingerprintOf(parsed.spki);
    this.certificates = parsed.certificates;
    this.ecdsaSignatureLength = parsed.spki.kind === 'ec' ? ECDSA_SIGNATURE_LENGTH[parsed.spki.curve] : -1;
    this.#spki = parsed.spki;
  }

  /** The node:crypto key, imported on first use; undefined if it cannot be imported. */
  get publicKey(): KeyObject | undefined {
    if (this.#publicKey === undefined) {
      this.#publicKey = this.#spki === undefined ? null : importJwk(this.#spki);
    }
    return this.#publicKey ?? undefined;
  }
}

/**
 * sha256 over the key's mathematical content: the curve and uncompressed point,
 * the RSA modulus and exponent without sign bytes, or the raw Ed25519 key.
 */
function fingerprintOf(spki: UsableSpki): string {
  const hash = createHash('sha256').update(spki.kind);
  switch (spki.kind) {
    case 'ec':
      return hash.update(`:${spki.curve}:`).update(spki.point).digest('hex');
    case 'rsa':
      return hash.update(`:${spki.modulus.length}:`).update(spki.modulus).update(':').update(spki.exponent).digest('hex');
    case 'ed25519':
      return hash.update(':').update(spki.raw).digest('hex');
  }
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function importJwk(spki: UsableSpki): KeyObject | null {
  try {
    switch (spki.kind) {
      case 'ed25519':
        return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64url(spki.raw) }, format: 'jwk' });
      case 'rsa':
        return createPublicKey({ key: { kty: 'RSA', n: base64url(spki.modulus), e: base64url(spki.exponent) }, format: 'jwk' });
      case 'ec': {
        const size = (spki.point.length - 1) / 2;
        if (spki.point[0] !== 0x04 || !Number.isInteger(size)) {
          return null; // compressed points never occur in Go-encoded keys
        }
        return createPublicKey({
          key: { kty: 'EC', crv: spki.curve, x: base64url(spki.point.subarray(1, 1 + size)), y: base64url(spki.point.subarray(1 + size)) },
          format: 'jwk',
        });
      }
    }
  } catch {
    return null; // not a point on the curve, and the like: the key never verifies
  }
}

/**
 * TUF key id: hex sha256 of canonical `{"keytype":T,"keyval":{"private":null,"public":B64}}`.
 * `private` is an explicit null because Go's `KeyPair.Private` has no omitempty.
 */
export function computeKeyId(keytype: string, publicBase64: string): string {
  const preimage = canonicalize({ keytype, keyval: { private: null, public: publicBase64 } });
  return sha256Hex(preimage);
}

export function importKey(keytype: string, publicBase64: string): TufKey {
  // Notary decodes the key as Go decodes []byte from JSON (line breaks skipped,
  // unused trailing bits ignored) and computes its id over the bytes
  // re-encoded (tuf/data/keys.go): so do we, or a key spelled otherwise would
  // carry one id here and another in the client. Such a key is then refused
  // as unusable, only its canonical spelling signs.
  const raw = decodeBase64(publicBase64.replace(/[\r\n]/g, ''));
  if (raw === undefined) {
    return new TufKey(computeKeyId(keytype, publicBase64), keytype, { problem: 'public key is not base64' });
  }
  const canonical = raw.toString('base64');
  const id = computeKeyId(keytype, canonical);
  const unusable = (problem: string): TufKey => new TufKey(id, keytype, { problem });
  if (canonical !== publicBase64) {
    return unusable('public key is not in canonical base64');
  }
  try {
    switch (keytype) {
      case 'ed25519': {
        if (raw.length !== 32) {
          return unusable('ed25519 key is not 32 bytes');
        }
        return new TufKey(id, keytype, { spki: { kind: 'ed25519', raw }, certificates: [] });
      }
      case 'ecdsa':
      case 'rsa': {
        const spki = usableSpki(keytype, readSpki(raw));
        return typeof spki === 'string' ? unusable(spki) : new TufKey(id, keytype, { spki, certificates: [] });
      }
      case 'ecdsa-x509':
      case 'rsa-x509': {
        const bundle = parseCertificateBundle(raw.toString('latin1'));
        if (typeof bundle === 'string') {
          return unusable(bundle);
        }
        const leaf = bundle[0] as ParsedCertificate;
        const spki = usableSpki(keytype, readSpki(leaf.spki));
        return typeof spki === 'string' ? unusable(spki) : new TufKey(id, keytype, { spki, certificates: bundle });
      }
      default:
        return unusable(`unsupported key type ${JSON.stringify(keytype)}`);
    }
  } catch (error) {
    return unusable(`public key cannot be parsed (${(error as Error).message})`);
  }
}

type UsableSpki = Exclude<SpkiKey, { kind: 'other' }>;

/** The key if its algorithm fits the key type, else why not. */
function usableSpki(keytype: string, spki: SpkiKey): UsableSpki | string {
  const family = keytype.startsWith('ecdsa') ? 'ec' : 'rsa';
  if (spki.kind !== family) {
    return `${keytype} key holds a ${spki.kind} public key`;
  }
  // notary tuf/signed/verifiers.go: RSA keys under 2048 bits are refused (N.BitLen(), not the byte count).
  if (spki.kind === 'rsa' && bitLength(spki.modulus) < 2048) {
    return 'RSA key is shorter than 2048 bits';
  }
  return spki;
}

/** Bits of a DER INTEGER's magnitude: readSpki strips the sign byte, so the first byte is the top non-zero one. */
function bitLength(magnitude: Uint8Array): number {
  return magnitude.length * 8 - (Math.clz32(magnitude[0] as number) - 24);
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
    let facts: CertificateFacts;
    try {
      facts = readCertificateFacts(der);
    } catch (error) {
      return `certificate cannot be parsed (${(error as Error).message})`;
    }
    certificates.push({ ...facts, der });
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

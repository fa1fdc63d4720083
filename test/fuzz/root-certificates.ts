/**
 * Root certificates for the fuzzer's GUNs, made once per GUN at start-up by
 * the openssl command (the slow part of building a collection) and reused by
 * every case served under that GUN. They are made at the real current time,
 * because the notary client judges them by the real clock; an expired one is
 * made by running openssl under faketime, a relative number of days back.
 */
import { constants, createPrivateKey, createPublicKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { run } from '../support/processes.js';
import { keyIdOf, type SigningKey } from '../support/trust-factory.js';

/** What makes a certificate interesting to the verifiers. */
export type CertificateKind =
  | 'valid'
  /** A second certificate for the private key of `valid[0]`: one public key, two key ids. */
  | 'twin'
  | 'expired'
  /** Expires tomorrow: still valid, reported as a near root-certificate expiry. */
  | 'near-expiry'
  | 'wrong-cn'
  /** CN `<prefix>*`, which notary's MatchCNToGun accepts for every GUN under the prefix. */
  | 'wildcard-cn'
  | 'rsa'
  /** A CA certificate where notary wants a leaf. */
  | 'ca'
  | 'sha1';

export interface RootCertificate extends SigningKey {
  readonly kind: CertificateKind;
  /** The same public key as a plain `ecdsa`/`rsa` SPKI key (another key id, same signer). */
  readonly plainTwin: SigningKey;
}

export interface CertificatePool {
  readonly gun: string;
  /** Distinct, valid leaf certificates: the usual root keys. */
  readonly valid: readonly RootCertificate[];
  readonly special: ReadonlyMap<Exclude<CertificateKind, 'valid'>, RootCertificate>;
}

const VALID_CERTIFICATES = 4;

interface CertificateRequest {
  readonly name: string;
  readonly commonName: string;
  readonly days: number;
  readonly algorithm: 'ec' | 'rsa';
  readonly digest: 'sha256' | 'sha1';
  readonly isCA: boolean;
  readonly backdateDays: number;
  /** Reuse this private key (for a twin certificate). */
  readonly keyFile?: string;
}

async function makeCertificate(dir: string, request: CertificateRequest): Promise<{ keyFile: string; certFile: string }> {
  const keyFile = request.keyFile ?? join(dir, `${request.name}.key`);
  const certFile = join(dir, `${request.name}.crt`);
  const keyArgs =
    request.keyFile !== undefined
      ? ['-key', request.keyFile]
      : request.algorithm === 'ec'
        ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile]
        : ['-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile];
  // Leaves as notary makes them (tuf/utils/x509.go NewCertificate); the CA kind is the exception.
  const extensions = request.isCA
    ? ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']
    : ['-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'keyUsage=critical,digitalSignature', '-addext', 'extendedKeyUsage=codeSigning'];
  const subject = `/CN=${request.commonName.replace(/[/\\]/g, (char) => '\\' + char)}`;
  const openssl = ['openssl', 'req', '-x509', ...keyArgs, '-out', certFile, '-days', String(request.days), '-subj', subject, `-${request.digest}`, ...extensions];
  const [command, ...args] = request.backdateDays > 0 ? ['faketime', '-f', `-${request.backdateDays}d`, ...openssl] : openssl;
  await run(command as string, args);
  return { keyFile, certFile };
}

function signerFor(privateKey: KeyObject): SigningKey['sign'] {
  if (privateKey.asymmetricKeyType === 'rsa') {
    return async (message) => ({
      method: 'rsapss',
      sig: nodeSign('sha256', message, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }).toString('base64'),
    });
  }
  return async (message) => ({
    method: 'ecdsa',
    sig: nodeSign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64'),
  });
}

async function loadCertificate(kind: CertificateKind, files: { keyFile: string; certFile: string }): Promise<RootCertificate> {
  const privateKey = createPrivateKey(await readFile(files.keyFile));
  const isRsa = privateKey.asymmetricKeyType === 'rsa';
  const keytype = isRsa ? 'rsa-x509' : 'ecdsa-x509';
  const publicB64 = (await readFile(files.certFile)).toString('base64');
  const sign = signerFor(privateKey);
  const spkiB64 = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64');
  const plainType = isRsa ? 'rsa' : 'ecdsa';
  return {
    kind,
    keytype,
    publicB64,
    id: keyIdOf(keytype, publicB64),
    sign,
    plainTwin: { keytype: plainType, publicB64: spkiB64, id: keyIdOf(plainType, spkiB64), sign },
  };
}

/** The certificates one GUN's cases draw from. */
export async function makeCertificatePool(dir: string, gun: string, label: string): Promise<CertificatePool> {
  const base = { commonName: gun, days: 3650, algorithm: 'ec', digest: 'sha256', isCA: false, backdateDays: 0 } as const;
  const valid: RootCertificate[] = [];
  const validFiles: { keyFile: string; certFile: string }[] = [];
  for (let i = 0; i < VALID_CERTIFICATES; i++) {
    const files = await makeCertificate(dir, { ...base, name: `${label}-valid-${i}` });
    validFiles.push(files);
    valid.push(await loadCertificate('valid', files));
  }
  const prefix = gun.slice(0, gun.lastIndexOf('/') + 1);
  const requests: [Exclude<CertificateKind, 'valid'>, CertificateRequest][] = [
    ['twin', { ...base, name: `${label}-twin`, keyFile: (validFiles[0] as { keyFile: string }).keyFile }],
    ['expired', { ...base, name: `${label}-expired`, days: 30, backdateDays: 400 }],
    ['near-expiry', { ...base, name: `${label}-near-expiry`, days: 1 }],
    ['wrong-cn', { ...base, name: `${label}-wrong-cn`, commonName: `${gun}-other` }],
    ['wildcard-cn', { ...base, name: `${label}-wildcard`, commonName: `${prefix}*` }],
    ['rsa', { ...base, name: `${label}-rsa`, algorithm: 'rsa' }],
    ['ca', { ...base, name: `${label}-ca`, isCA: true }],
    ['sha1', { ...base, name: `${label}-sha1`, digest: 'sha1' }],
  ];
  const special = new Map<Exclude<CertificateKind, 'valid'>, RootCertificate>();
  await Promise.all(
    requests.map(async ([kind, request]) => {
      special.set(kind, await loadCertificate(kind, await makeCertificate(dir, request)));
    })
  );
  return { gun, valid, special };
}

/**
 * notation's trust store as values: named stores of type `ca`,
 * `signingAuthority` or `tsa`, each a list of root certificates
 * (docs/signature-systems.md §4; the files are read by
 * src/notation/trust-files.ts).
 *
 * notation-go `verifier/truststore` accepts in `ca` and `signingAuthority`
 * stores any CA certificate or a self-signed one, and in `tsa` stores root CA
 * certificates only. The specification says trust stores hold roots; this
 * module keeps to the specification and is stricter than notation-go: every
 * certificate must be self-signed (an intermediate CA is refused), and a `tsa`
 * certificate must also be a CA.
 */
import { err, ok, type Result } from '../../lib/result.js';
import { parseCertificate, type NotationCertificate } from './certificate.js';
import type { Failure, TrustStoreFailureCode } from './codes.js';
import type { TrustStoreReference, TrustStoreType } from './trust-policy.js';

export interface TrustStoreInput {
  readonly type: TrustStoreType;
  readonly name: string;
  /** One entry per certificate file: PEM (one or more CERTIFICATE blocks) or DER. */
  readonly certificates: readonly Uint8Array[];
}

export interface TrustStore {
  /** Certificates by `<type>:<name>`. */
  readonly stores: ReadonlyMap<string, readonly NotationCertificate[]>;
}

/** Bound on the certificates of one named store (docs/house-style.md rule 6). */
export const MAX_CERTIFICATES_PER_STORE = 256;

const STORE_NAME = /^[a-zA-Z0-9_.-]+$/;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END CERTIFICATE-----/g;

/** Builds the trust store; any certificate that is unreadable or not a root refuses the whole store. */
export function buildTrustStore(inputs: readonly TrustStoreInput[]): Result<TrustStore, Failure<TrustStoreFailureCode>> {
  const stores = new Map<string, NotationCertificate[]>();
  for (const input of inputs) {
    const key = `${input.type}:${input.name}`;
    if (!STORE_NAME.test(input.name)) return err({ code: 'INVALID_STORE_NAME', detail: `store name ${JSON.stringify(input.name)} is not [a-zA-Z0-9_.-]+` });
    const certificates = stores.get(key) ?? [];
    for (const file of input.certificates) {
      const ders = splitCertificates(file);
      if (ders === null) return err({ code: 'MALFORMED_CERTIFICATE', detail: `${key}: a file holds no PEM CERTIFICATE block and is not DER` });
      for (const der of ders) {
        const certificate = parseCertificate(der);
        if (certificate === null) return err({ code: 'MALFORMED_CERTIFICATE', detail: `${key}: a certificate does not parse` });
        if (!certificate.selfSigned) return err({ code: 'NOT_A_ROOT', detail: `${key}: ${certificate.subjectText} is not self-signed` });
        if (input.type === 'tsa' && certificate.basicConstraints?.ca !== true) return err({ code: 'NOT_A_ROOT', detail: `${key}: ${certificate.subjectText} is not a CA` });
        certificates.push(certificate);
      }
    }
    if (certificates.length === 0) return err({ code: 'EMPTY_STORE', detail: `${key} holds no certificate` });
    if (certificates.length > MAX_CERTIFICATES_PER_STORE)
      return err({ code: 'TOO_MANY_CERTIFICATES', detail: `${key} holds ${certificates.length} certificates (at most ${MAX_CERTIFICATES_PER_STORE})` });
    stores.set(key, certificates);
  }
  return ok({ stores });
}

/** The certificates of the referenced stores; a store the policy names but the store lacks gives none. */
export function certificatesOf(store: TrustStore, references: readonly TrustStoreReference[], types: readonly TrustStoreType[]): NotationCertificate[] {
  return references.filter((reference) => types.includes(reference.type)).flatMap((reference) => store.stores.get(`${reference.type}:${reference.name}`) ?? []);
}

function splitCertificates(file: Uint8Array): Uint8Array[] | null {
  const text = Buffer.from(file).toString('latin1');
  if (!text.trimStart().startsWith('-----BEGIN')) return file.length > 0 && file[0] === 0x30 ? [file] : null;
  const blocks = [...text.matchAll(PEM_CERTIFICATE)].map((match) => Uint8Array.from(Buffer.from((match[1] as string).replace(/\r?\n/g, ''), 'base64')));
  return blocks.length > 0 ? blocks : null;
}

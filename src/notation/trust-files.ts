/**
 * Reads notation's own files as notation lays them out
 * (docs/signature-systems.md §4): the trust policy `trustpolicy.json` and the
 * trust store directory `x509/{ca,signingAuthority,tsa}/<name>/*.{pem,crt,cer}`.
 * The I/O edge of src/notation/core: every problem is thrown as an Error whose
 * message names the file and what is wrong, which the caller reports as a
 * configuration error.
 *
 * Like notation-go (verifier/truststore, verifier/trustpolicy getDocument),
 * symbolic links are refused for the policy, the store directories and the
 * certificate files, and a store directory may hold only regular files.
 * Stricter: a file without one of the three extensions is refused rather
 * than read (notation-go reads every file).
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { parseTrustPolicy, type TrustPolicyDocument, type TrustStoreType } from './core/trust-policy.js';
import { buildTrustStore, type TrustStore, type TrustStoreInput } from './core/trust-store.js';

export interface NotationTrust {
  readonly policy: TrustPolicyDocument;
  readonly store: TrustStore;
}

/** Bound on one certificate file (docs/house-style.md rule 6); a bundle of dozens of roots stays far below. */
export const MAX_CERTIFICATE_FILE_BYTES = 1024 * 1024;
/** Bound on the files of one named store and on the named stores of one type. */
export const MAX_ENTRIES_PER_DIRECTORY = 256;
const POLICY_MAX_BYTES = 1024 * 1024;
const STORE_TYPES: readonly TrustStoreType[] = ['ca', 'signingAuthority', 'tsa'];
const CERTIFICATE_FILE = /\.(pem|crt|cer)$/;

export async function loadNotationTrust(trustPolicyPath: string, trustStoreDir: string): Promise<NotationTrust> {
  const policyBytes = await readRegularFile(trustPolicyPath, POLICY_MAX_BYTES, 'trust policy');
  const policy = parseTrustPolicy(policyBytes);
  if (!policy.ok) throw new Error(`${trustPolicyPath}: ${policy.error.code}: ${policy.error.detail}`);
  const inputs: TrustStoreInput[] = [];
  const x509 = join(trustStoreDir, 'x509');
  await expectDirectory(x509, 'trust store');
  for (const type of STORE_TYPES) {
    const typeDir = join(x509, type);
    if (!(await exists(typeDir))) continue;
    await expectDirectory(typeDir, `trust store type ${type}`);
    for (const name of await listBounded(typeDir)) {
      const storeDir = join(typeDir, name);
      await expectDirectory(storeDir, `trust store ${type}:${name}`);
      const certificates: Uint8Array[] = [];
      for (const file of await listBounded(storeDir)) {
        const path = join(storeDir, file);
        if (!CERTIFICATE_FILE.test(file)) throw new Error(`${path}: not a .pem, .crt or .cer file`);
        certificates.push(await readRegularFile(path, MAX_CERTIFICATE_FILE_BYTES, 'certificate'));
      }
      inputs.push({ type, name, certificates });
    }
  }
  const store = buildTrustStore(inputs);
  if (!store.ok) throw new Error(`${trustStoreDir}: ${store.error.code}: ${store.error.detail}`);
  // A store the policy names but the directory lacks is an error, as in notation-go (GetCertificates on a missing store).
  for (const statement of policy.value.statements) {
    for (const reference of statement.trustStores) {
      if (!store.value.stores.has(`${reference.type}:${reference.name}`)) {
        throw new Error(`${trustStoreDir}: statement ${JSON.stringify(statement.name)} names ${reference.type}:${reference.name}, which is not in the trust store`);
      }
    }
  }
  return { policy: policy.value, store: store.value };
}

async function readRegularFile(path: string, maxBytes: number, what: string): Promise<Uint8Array> {
  const info = await lstatOrThrow(path, what);
  if (!info.isFile()) throw new Error(`${path}: the ${what} is not a regular file (symbolic links are not followed)`);
  if (info.size > maxBytes) throw new Error(`${path}: the ${what} has ${info.size} bytes (at most ${maxBytes})`);
  return new Uint8Array(await readFile(path));
}

async function expectDirectory(path: string, what: string): Promise<void> {
  const info = await lstatOrThrow(path, what);
  if (!info.isDirectory()) throw new Error(`${path}: the ${what} is not a directory (symbolic links are not followed)`);
}

async function lstatOrThrow(path: string, what: string): Promise<Awaited<ReturnType<typeof lstat>>> {
  try {
    return await lstat(path);
  } catch (error) {
    throw new Error(`${path}: cannot read the ${what}: ${(error as Error).message}`, { cause: error });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function listBounded(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).sort();
  if (names.length > MAX_ENTRIES_PER_DIRECTORY) throw new Error(`${dir}: ${names.length} entries (at most ${MAX_ENTRIES_PER_DIRECTORY})`);
  return names;
}

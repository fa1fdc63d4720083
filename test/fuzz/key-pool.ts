/**
 * The keys every case draws from, made once per run: RSA key generation and
 * openssl certificates are the slow part of a case, and which pooled key
 * signs which role is what the case structure decides.
 */
import { rsaKey } from '../support/key-encodings.js';
import { ecdsaKey, ed25519Key, type SigningKey } from '../support/trust-factory.js';
import { POOL_SIZES, type KeyKind, type PoolKey } from './case-spec.js';
import { makeCertificatePool, type CertificatePool } from './root-certificates.js';

export interface KeyPool {
  key(ref: PoolKey): SigningKey;
  /** Certificates for one GUN. */
  certificates(gun: string): CertificatePool;
}

export async function makeKeyPool(dir: string, guns: readonly string[]): Promise<KeyPool> {
  const keys: Record<KeyKind, SigningKey[]> = { ecdsa: [], ed25519: [], rsa: [] };
  for (let i = 0; i < POOL_SIZES.ecdsa; i++) {
    keys.ecdsa.push(ecdsaKey());
  }
  for (let i = 0; i < POOL_SIZES.ed25519; i++) {
    keys.ed25519.push(await ed25519Key());
  }
  for (let i = 0; i < POOL_SIZES.rsa; i++) {
    keys.rsa.push(rsaKey());
  }
  const pools = new Map<string, CertificatePool>();
  await Promise.all(
    guns.map(async (gun, index) => {
      pools.set(gun, await makeCertificatePool(dir, gun, `gun-${index}`));
    })
  );
  return {
    key(ref) {
      const key = keys[ref.kind][ref.slot];
      if (key === undefined) {
        throw new Error(`no ${ref.kind} key in pool slot ${ref.slot}`);
      }
      return key;
    },
    certificates(gun) {
      const pool = pools.get(gun);
      if (pool === undefined) {
        throw new Error(`no certificates made for ${gun}`);
      }
      return pool;
    },
  };
}

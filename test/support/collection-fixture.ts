/**
 * The collection most verifier tests start from: tag `v1` signed as one
 * manifest in `targets` and as another in `targets/releases`, so that which
 * role a verdict came from shows in its digest. Registers its own `before`
 * and `after` in the suite that calls it.
 */
import { after, before } from 'node:test';

import { makeTempDir } from './temp.js';
import { asCollectionBytes, ed25519Key, generateCollection, type CollectionKeys, type CollectionSpec, type SigningKey, type TargetSpec } from './trust-factory.js';

export type CollectionBytes = ReturnType<typeof asCollectionBytes>;

export interface ReleasesCollection {
  /** A temporary directory for openssl-made certificates; removed after the suite. */
  readonly dir: string;
  readonly keys: CollectionKeys;
  readonly releasesKey: SigningKey;
  /** The collection, with `overrides` applied to its spec. */
  build(overrides?: Partial<CollectionSpec>): Promise<CollectionBytes>;
}

export function releasesCollection(options: {
  readonly gun: string;
  readonly now: Date;
  /** What `targets` signs as v1, and what `targets/releases` does. */
  readonly inTargets: TargetSpec;
  readonly inReleases: TargetSpec;
  readonly keys: (dir: string) => Promise<CollectionKeys>;
}): ReleasesCollection {
  let made: { dir: { path: string; remove(): Promise<void> }; keys: CollectionKeys; releasesKey: SigningKey } | undefined;
  before(async () => {
    const dir = await makeTempDir('collection');
    made = { dir, keys: await options.keys(dir.path), releasesKey: await ed25519Key() };
  });
  after(async () => made?.dir.remove());
  const ready = (): NonNullable<typeof made> =>
    made ??
    (() => {
      throw new Error('used outside the suite that created it');
    })();
  return {
    get dir() {
      return ready().dir.path;
    },
    get keys() {
      return ready().keys;
    },
    get releasesKey() {
      return ready().releasesKey;
    },
    build: async (overrides = {}) =>
      asCollectionBytes(
        await generateCollection({
          gun: options.gun,
          keys: ready().keys,
          now: options.now,
          targets: { v1: options.inTargets },
          delegations: [{ name: 'targets/releases', keys: [ready().releasesKey], targets: { v1: options.inReleases } }],
          ...overrides,
        })
      ),
  };
}

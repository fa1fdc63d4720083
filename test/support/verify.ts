/** Fetch with the real NotaryFetcher, verify with the real core: the library path `inspect` and `scan` use. */
import { Agent } from 'undici';

import { FetchError } from '../../src/lib/errors.js';
import { createHttpClient } from '../../src/lib/http/http-client.js';
import type { Credentials } from '../../src/lib/http/basic-auth.js';
import { checkedEvidence, type TrustEvidence } from '../../src/notary/core/assess.js';
import { NO_HISTORY, verifyCollection, type CollectionFailure, type TrustHistory, type VerifiedCollection } from '../../src/notary/core/verify-collection.js';
import type { Result } from '../../src/lib/result.js';
import type { MetadataLimits } from '../../src/notary/fetch-limits.js';
import { NotaryFetcher } from '../../src/notary/notary-fetcher.js';
import type { TrustCollectionBytes } from '../../src/notary/core/verify-collection.js';

/** What the fetcher brought, as the tests look at it. */
export type FetchedCollection = { readonly kind: 'absent' } | { readonly kind: 'fetched'; readonly bytes: TrustCollectionBytes };

export interface VerifyOptions {
  readonly history?: TrustHistory;
  readonly now?: Date;
  readonly credentials?: Credentials;
  readonly limits?: MetadataLimits;
  readonly timeoutMs?: number;
}

export interface Verified {
  readonly evidence: TrustEvidence;
  /** The core's verdict, when the collection was fetched. */
  readonly verification: Result<VerifiedCollection, CollectionFailure> | undefined;
  readonly fetched: FetchedCollection | undefined;
  readonly error: FetchError | undefined;
}

export async function fetchAndVerify(url: string, gun: string, options: VerifyOptions = {}): Promise<Verified> {
  const dispatcher = new Agent();
  try {
    const http = createHttpClient({ dispatcher, userAgent: 'trust-auditor-test', timeoutMs: options.timeoutMs ?? 10_000 });
    const fetcher = new NotaryFetcher({
      baseUrl: new URL(url),
      http,
      credentials: options.credentials,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
    });
    const history = options.history ?? NO_HISTORY;
    const now = options.now ?? new Date();
    try {
      // The library path inspect and scan take: parents first, verified as it grows.
      const collected = await fetcher.collectCollection(gun, async (bytes) => {
        const verification = verifyCollection(gun, bytes, history, now);
        return { verification, unserved: verification.ok ? verification.value.unserved : [] };
      });
      if (collected.kind === 'absent') {
        return { evidence: { kind: 'absent' }, verification: undefined, fetched: collected, error: undefined };
      }
      collected.release();
      const { verification } = collected.outcome;
      return { evidence: checkedEvidence(verification), verification, fetched: { kind: 'fetched', bytes: collected.bytes }, error: undefined };
    } catch (error) {
      if (error instanceof FetchError) {
        return { evidence: { kind: 'unavailable', detail: error.message }, verification: undefined, fetched: undefined, error };
      }
      throw error;
    }
  } finally {
    await dispatcher.close();
  }
}

/** The failure code of a checked collection, or 'ok'. */
export function codeOf(verified: Verified): string {
  const verification = verified.verification;
  if (verification === undefined) {
    return verified.evidence.kind;
  }
  return verification.ok ? 'ok' : `${verification.error.code}@${verification.error.role}`;
}

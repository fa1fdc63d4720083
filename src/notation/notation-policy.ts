/**
 * A Notation policy's verifier, built once from notation's own trust policy
 * and trust store (contract v1.2 `signatures.policies.<name>.notation`). The
 * statement is chosen per image by its scope, `<gunPrefix>/<image>`, the
 * registry reference Notation signs and scopes (exact scope first, then `*`).
 */
import { createHash } from 'node:crypto';

import { UsageError } from '../lib/errors.js';
import { statementForScope } from './core/trust-policy.js';
import { verifyNotationSignature, type NotationSubject, type SignatureCheck } from './core/verify-signature.js';
import { loadNotationTrust } from './trust-files.js';

export interface NotationVerifierFiles {
  readonly trustPolicy: string;
  readonly trustStore: string;
}

export interface NotationVerifiers {
  /** Hash of the policy and the store's certificates: stored checks are reused only under the same one. */
  readonly fingerprint: string;
  verify(input: { envelope: Uint8Array; envelopeMediaType: string; subject: NotationSubject; scope: string; at: Date }): SignatureCheck;
}

/** Reads notation's files; throws UsageError naming the key and what is wrong. */
export async function loadNotationVerifiers(files: NotationVerifierFiles, where: string): Promise<NotationVerifiers> {
  let trust: Awaited<ReturnType<typeof loadNotationTrust>>;
  try {
    trust = await loadNotationTrust(files.trustPolicy, files.trustStore);
  } catch (error) {
    throw new UsageError(`${where}: ${(error as Error).message}`);
  }
  const { policy, store } = trust;
  const thumbprints = [...store.stores.entries()].map(([name, certificates]) => [name, certificates.map((certificate) => certificate.thumbprint)]);
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([policy, thumbprints], (_key, value: unknown) => (value instanceof Map ? [...value.entries()] : value)))
    .digest('hex');
  return {
    fingerprint,
    verify({ envelope, envelopeMediaType, subject, scope, at }) {
      const statement = statementForScope(policy, scope);
      if (statement === null) {
        // notation verify fails when no trust policy statement applies to the artifact.
        return {
          status: 'untrusted',
          code: 'UNTRUSTED_ROOT',
          detail: `no trust policy statement of ${files.trustPolicy} covers the scope ${scope}`,
          signer: null,
          certificateNotAfter: null,
        };
      }
      return verifyNotationSignature({ envelope, envelopeMediaType, subject, statement, store, at });
    },
  };
}

/**
 * Keyless signer identities of a cosign policy: the OIDC issuer and the
 * certificate's subject (its SAN: an e-mail address or a URI), as
 * `cosign verify --certificate-identity[-regexp] --certificate-oidc-issuer`
 * takes them (docs/signature-systems.md §1, §2).
 *
 * Why the auditor matches them itself: `@sigstore/verify` tests the policy's
 * subject as an unanchored JavaScript regular expression against the SAN
 * (sigstore-js `packages/verify/src/policy.ts`), so an exact `a@b.c` would
 * accept `xa@b.cx`, and `.` any character. Here an exact subject is compared
 * as a string, an expression is anchored (`^(?:…)$`, the whole SAN must match,
 * as Go's regexp.MatchString with cosign's documented anchors would) and
 * compiled once, at configuration time, where an invalid one is refused. The
 * issuer is always exact. The library never sees a policy identity: it
 * returns the signer's identity, which is matched here.
 */
import { err, ok, type Result } from '../../lib/result.js';
import type { Failure } from './simple-signing.js';

export const IDENTITY_FAILURE_CODES = ['MALFORMED_IDENTITY', 'INVALID_REGEXP'] as const;
export type IdentityFailureCode = (typeof IDENTITY_FAILURE_CODES)[number];

/** An identity as the configuration states it. */
export type IdentitySpec = { readonly issuer: string; readonly subject: string } | { readonly issuer: string; readonly subjectRegExp: string };

/** A compiled identity. */
export interface IdentityMatcher {
  readonly issuer: string;
  /** The configured text: the exact subject, or the expression as written (before anchoring). */
  readonly subject: string;
  readonly kind: 'exact' | 'regexp';
  /** Anchored; undefined for an exact subject. */
  readonly pattern: RegExp | undefined;
}

/** Bound on the configured strings: a SAN is a URI or an address, never near this. */
export const MAX_IDENTITY_CHARS = 1024;

/** Compiles one identity; an empty, oversized or invalid one is refused. */
export function compileIdentity(spec: IdentitySpec): Result<IdentityMatcher, Failure<IdentityFailureCode>> {
  const subject = 'subject' in spec ? spec.subject : spec.subjectRegExp;
  for (const [field, value] of [
    ['issuer', spec.issuer],
    ['subject', subject],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_IDENTITY_CHARS) {
      return err({ code: 'MALFORMED_IDENTITY', detail: `${field} is not a string of 1 to ${MAX_IDENTITY_CHARS} characters` });
    }
  }
  if ('subject' in spec) return ok({ issuer: spec.issuer, subject, kind: 'exact', pattern: undefined });
  let pattern: RegExp;
  try {
    // Compiled alone first: an expression that closes the group itself (`x)|(.*`) would otherwise escape the anchors.
    new RegExp(subject, 'u');
    // The group keeps an alternation inside the anchors: `a|b` becomes ^(?:a|b)$, not ^a|b$. Flag `u`: strict syntax, code points.
    pattern = new RegExp(`^(?:${subject})$`, 'u');
  } catch (error) {
    return err({ code: 'INVALID_REGEXP', detail: `subjectRegExp ${JSON.stringify(subject)}: ${(error as Error).message}` });
  }
  return ok({ issuer: spec.issuer, subject, kind: 'regexp', pattern });
}

/** The first identity the signer's issuer and SAN satisfy, or undefined. */
export function matchIdentity(identities: readonly IdentityMatcher[], issuer: string | undefined, subject: string | undefined): IdentityMatcher | undefined {
  if (issuer === undefined || subject === undefined) return undefined;
  return identities.find((identity) => identity.issuer === issuer && (identity.pattern === undefined ? identity.subject === subject : identity.pattern.test(subject)));
}

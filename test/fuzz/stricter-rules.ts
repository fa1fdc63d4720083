/**
 * Where trust-auditor is deliberately stricter than the notary client: the
 * only cases in which the client may accept or honour what we refuse. Each
 * rule is written once, with the verdict it explains (matched against
 * `<status> <reasonCode>: <reason>` of inspect), the condition in the case
 * that triggers it (so that a rule cannot explain a refusal it has nothing to
 * do with), and why we refuse. A refusal no rule explains is "unexplained"
 * and fails the differential run: it is a verifier bug or a missing rule.
 */
import type { CaseSpec, Mutation } from './case-spec.js';
import type { ClientVerdict, OurVerdict } from './oracles.js';

/** What a rule may look at: the case, both verdicts, and our verdict as one line. */
export interface RuleContext {
  readonly spec: CaseSpec;
  readonly ours: OurVerdict;
  readonly client: ClientVerdict;
  /** `<status> <reasonCode>: <reason>`. */
  readonly line: string;
}

export interface StricterRule {
  readonly id: string;
  /** Matches our verdict line, `<status> <reasonCode>: <reason>`. */
  readonly verdict: RegExp;
  /** What in the case triggers the rule, in words (for the report and the docs). */
  readonly trigger: string;
  readonly when: (context: RuleContext) => boolean;
  readonly reason: string;
}

const mutated = (spec: CaseSpec, test: (mutation: Mutation) => boolean): boolean => spec.mutations.some(test);

/** The roles our verdict blames: `invalid CODE: <role>: …`, or each `<role> at <instant>` after `expired: `. */
export function blamedRoles(line: string): string[] {
  const invalid = /^invalid [A-Z_]+: ([^:\s]+):/.exec(line);
  if (invalid !== null) {
    return [invalid[1] as string];
  }
  const expired = /^expired EXPIRED: expired: (.*)$/.exec(line);
  return expired === null ? [] : (expired[1] as string).split(', ').map((part) => part.replace(/ at \S+$/, ''));
}

/** The client skipped `role` and said so (with -v: "Error getting <role>: …", notary:client/tufclient.go downloadTargets). */
function clientSkipped(client: ClientVerdict, role: string): boolean {
  return client.stderr.includes(`Error getting ${role}: `);
}

/** We blame only delegations, at least one of them `relevant`, and the client skipped every one of them. */
function skippedDelegations(context: RuleContext, relevant: (role: string) => boolean): boolean {
  const blamed = blamedRoles(context.line);
  return blamed.length > 0 && blamed.every((role) => role.startsWith('targets/') && clientSkipped(context.client, role)) && blamed.some(relevant);
}

const underReleases = (role: string): boolean => role === 'targets/releases' || role.startsWith('targets/releases/');

export const STRICTER_RULES: readonly StricterRule[] = [
  {
    id: 'distinct-public-keys',
    verdict: /^invalid (THRESHOLD_NOT_MET|ROOT_CERTIFICATE_INVALID):/,
    trigger: 'one public key listed under two key ids (a second certificate for the same root key, or an SPKI re-encoded with a trailing element) and signing twice',
    when: ({ spec }) => mutated(spec, (m) => m.kind === 'twin-root-certificate' || (m.kind === 'reencoded-duplicate-key' && m.encoding === 'trailing-element')),
    reason: 'A threshold counts distinct public keys, not key ids: notary counts key ids, so one private key listed twice meets threshold 2 alone (go-tuf GHSA-3633-5h82-39pq).',
  },
  {
    id: 'strict-der-keys',
    verdict: /^invalid (THRESHOLD_NOT_MET|KEY_ID_MISMATCH|MALFORMED_METADATA):/,
    trigger: 'a key listed only as an SPKI with a trailing element after the BIT STRING',
    when: ({ spec }) => mutated(spec, (m) => m.kind === 'reencoded-only-key' && m.encoding === 'trailing-element'),
    reason:
      "Public keys must be strict DER. Go's encoding/asn1 ignores trailing fields of a SEQUENCE it decodes into a struct, so notary accepts a SubjectPublicKeyInfo with an extra element; such a key is another encoding of a key, not a key of its own.",
  },
  {
    id: 'releases-fails-closed',
    verdict: /^(invalid [A-Z_]+: targets\/releases|expired EXPIRED: .*targets\/releases)/,
    trigger: 'targets/releases (or a delegation under it) fails verification or expires, and the client skips it ("Error getting targets/releases…": its signatures fail or it expired)',
    when: (context) => skippedDelegations(context, underReleases),
    reason:
      'An invalid or expired targets/releases fails closed. The notary client skips a delegation whose signatures or expiry fail (notary:client/tufclient.go downloadTargets) and docker then takes the same tag from targets: a silent downgrade (Connaisseur #2151).',
  },
  {
    id: 'delegation-fails-closed',
    verdict: /^(invalid [A-Z_]+: targets\/|expired EXPIRED: .*targets\/)/,
    trigger: 'another delegation fails verification or expires, and the client skips it ("Error getting targets/…": its signatures fail or it expired)',
    when: (context) => skippedDelegations(context, (role) => !underReleases(role)),
    reason:
      'inspect reports a collection with any invalid or expired delegation as invalid or expired, because an auditor must say so; the notary client skips such a delegation with a warning and lists the rest.',
  },
  {
    id: 'unlisted-delegation-is-missing',
    verdict: /^invalid MISSING_METADATA: targets\//,
    trigger: 'a delegation that its parent declares but the snapshot does not list (never published, or dropped from the snapshot)',
    when: ({ spec, line }) =>
      blamedRoles(line).every(
        (role) =>
          (spec.delegations.some((d) => d.name === role && !d.published) || mutated(spec, (m) => m.kind === 'meta-missing' && m.role === role)) &&
          !mutated(spec, (m) => m.kind === 'delegation-not-served' && m.role === role)
      ),
    reason:
      'A delegation that its parent declares but the snapshot does not list is MISSING_METADATA: the notary client skips it silently ("no checksum"), so whoever signs the snapshot could hide a delegation (for targets/releases: make docker fall back to targets).',
  },
  {
    id: 'delegation-depth-limit',
    verdict: /^invalid LIMIT_EXCEEDED: targets\//,
    trigger: 'a delegation nested more than 8 levels below targets',
    when: ({ line }) => blamedRoles(line).every((role) => role.split('/').length - 1 > 8),
    reason:
      'The delegation walk is bounded (8 levels, 256 delegations), and a role beyond the bound makes the collection invalid (LIMIT_EXCEEDED) instead of being left out silently; the notary client walks any depth.',
  },
  {
    id: 'json-nesting-limit',
    verdict: /^invalid MALFORMED_METADATA: .*nested deeper than/,
    trigger: 'a custom field nested so deep that the file is more than 10,000 levels deep (the field sits two levels down: envelope, signed)',
    when: ({ spec }) => mutated(spec, (m) => m.kind === 'deep-nesting' && m.depth + 2 > 10_000),
    reason:
      "JSON nested deeper than 10,000 levels is refused as malformed before anything walks it (Go's encoding/json limit). notary parses with docker/go canonical/json, an older fork without that limit, and accepts such files.",
  },
  {
    id: 'exact-length',
    verdict: /^invalid LENGTH_MISMATCH:/,
    trigger: 'a snapshot or timestamp meta length larger than the file, or any other length for root',
    when: ({ spec }) => mutated(spec, (m) => m.kind === 'meta-length' && (m.delta > 0 || m.role === 'root')),
    reason:
      'A file must be exactly as long as its parent says. notary reads up to the listed length and checks only the hashes (notary:storage/httpstore.go GetSized, notary:tuf/data/types.go CheckHashes), so a larger listed length passes there; root it fetches before it knows the length, and never compares it.',
  },
  {
    id: 'sha256-required',
    verdict: /^invalid MALFORMED_METADATA: .*sha256/,
    trigger: 'a snapshot entry for a delegation with a sha512 but no sha256',
    when: ({ spec }) => mutated(spec, (m) => m.kind === 'meta-hash' && m.change === 'drop-sha256'),
    reason:
      'Every file meta must carry a sha256 (the consistent name and the digest docker uses). notary requires it for root, targets and snapshot only, and accepts a delegation hashed by sha512 alone.',
  },
  {
    id: 'strict-snapshot-meta',
    verdict: /^invalid MALFORMED_METADATA: snapshot: signed\.meta\./,
    trigger: 'a snapshot entry with a hash of the wrong length, or only unknown hash algorithms, for a delegation the client never reaches',
    when: ({ spec }) => mutated(spec, (m) => m.kind === 'meta-hash' && (m.change === 'short-sha256' || m.change === 'unknown-algorithm-only')),
    reason:
      "The whole snapshot is parsed strictly: every entry needs a well-formed sha256. notary checks the entries of root and targets when it parses the snapshot, and a delegation's entry only when it downloads that delegation, so a malformed entry for an unreachable delegation (under an unpublished parent) passes there.",
  },
  {
    id: 'delegation-declared-twice',
    verdict: /^invalid MALFORMED_METADATA: [^:]+: signed\.delegations\.roles\[\d+\]\.name ".*" is declared twice$/,
    trigger: "a delegation listed twice in its parent's roles",
    when: ({ spec }) => mutated(spec, (m) => m.kind === 'duplicate-delegation-entry'),
    reason:
      'The client fails on it ("has already been loaded") when it walks into the role, and otherwise lists the rest; which declaration holds (keys, threshold, paths) is ambiguous, so we refuse the parent.',
  },
  {
    id: 'case-variant-fields',
    verdict: /^invalid MALFORMED_METADATA: [^:]+: .* has ".*", which notary reads as its ".*"$/,
    trigger: 'a key that differs from a field of its object only in case (`Targets`, `Signed`, `Delegations`, ...)',
    when: ({ spec }) => mutated(spec, (m) => m.kind === 'case-variant-field'),
    reason:
      "docker/go's JSON decoder matches keys to struct fields ignoring case, the last match winning, so notary reads the variant while the canonical form (what is signed) holds both. Which of the two a client reads depends on their order; we refuse the file instead of guessing.",
  },
  {
    id: 'integer-literals',
    verdict: /^invalid MALFORMED_METADATA: [^:]+: number \S+ is not an integer literal$/,
    trigger: 'a number spelled with a fraction or an exponent (`1.0`, `10e-1`), in a custom field or an integer field',
    when: ({ spec }) => mutated(spec, (m) => m.kind === 'number-spelling' || m.kind === 'extra-field' || m.kind === 'large-number'),
    reason:
      'Go cannot read such a number into the integer fields (length, version, threshold), and a canonical document has no other numbers; notary accepts it only in a custom field, which it decodes as a float. We refuse every such spelling.',
  },
  {
    id: 'safe-integers',
    verdict: /^invalid MALFORMED_METADATA: .*(safe integer|integer >=)/,
    trigger: 'a number beyond 2^53 (and below 2^63) in signed metadata: a custom field or a version',
    when: ({ spec }) =>
      mutated(
        spec,
        (m) =>
          (m.kind === 'large-number' && Math.abs(Number(m.literal)) > Number.MAX_SAFE_INTEGER && Math.abs(Number(m.literal)) < 2 ** 63) ||
          (m.kind === 'version' && m.version > Number.MAX_SAFE_INTEGER)
      ),
    reason:
      'Numbers must be exact: beyond 2^53 a double no longer holds the integer that was signed. notary decodes into float64 and re-encodes through int64, so it verifies whatever the rounded value re-encodes to.',
  },
  {
    id: 'strict-rfc3339',
    verdict: /^invalid MALFORMED_METADATA: .*is not an RFC 3339 time/,
    trigger: 'an expiry with a comma before the fraction, or more than nine fractional digits',
    when: ({ spec }) => mutated(spec, (m) => m.kind === 'expiry-format' && (m.format === 'comma-fraction' || m.format === 'twelve-digit-fraction')),
    reason:
      "`expires` must be an RFC 3339 date-time as Go writes it (a '.' and at most nine fractional digits). Go's time.Parse also accepts a comma and any number of digits, which no notary writes.",
  },
  {
    id: 'strict-utf8',
    verdict: /^invalid MALFORMED_METADATA: .*UTF-8/,
    trigger: 'an invalid UTF-8 byte in a string of signed metadata',
    when: ({ spec }) => mutated(spec, (m) => m.kind === 'invalid-utf8'),
    reason:
      "Metadata must be valid UTF-8, so that what is verified is what was signed. Go's decoder reads an invalid byte as U+FFFD, and notary verifies the signature over the replaced text.",
  },
  {
    id: 'canonical-base64',
    verdict: /^invalid (KEY_ID_MISMATCH|THRESHOLD_NOT_MET|MALFORMED_METADATA|ROOT_CERTIFICATE_INVALID):/,
    trigger: 'a public key, signature or hash in base64 that is not canonical (a line break, or unused trailing bits set), a key listed under the id of its canonical text',
    when: ({ spec }) => mutated(spec, (m) => m.kind === 'base64-spelling' && (m.spelling === 'newline' || (m.where === 'key' && m.listedUnder === 'canonical-id'))),
    reason:
      "Base64 is read strictly and a key id is the hash of the key as written. Go's decoder skips line breaks and ignores unused trailing bits, and notary computes a key id over the re-encoded text (notary:tuf/data/keys.go TUFKey.ID), so it accepts other spellings of a key under the canonical key id.",
  },
  {
    id: 'no-pycrypto-method',
    verdict: /^invalid (THRESHOLD_NOT_MET|MALFORMED_METADATA):/,
    trigger: 'an RSA key listed as PEM text and signing with method "pycrypto-pkcs#1 pss"',
    when: ({ spec }) => mutated(spec, (m) => m.kind === 'pycrypto-pem-key'),
    reason:
      'Only the signature methods notary itself produces are accepted (ecdsa, eddsa, rsapss, rsapkcs1v15). The legacy "pycrypto-pkcs#1 pss" verifier reads PEM public keys, which no notary client writes.',
  },
  {
    id: 'root-keys-under-own-id',
    verdict: /^invalid (THRESHOLD_NOT_MET|KEY_ID_MISMATCH|ROOT_CERTIFICATE_INVALID):/,
    trigger: 'a root certificate listed under a key id that is not its own (its signature naming either id)',
    when: ({ spec }) => mutated(spec, (m) => m.kind === 'key-under-foreign-id' && m.role === 'root'),
    reason:
      "A key must be listed under its own key id, and a signature naming a listed key whose id differs fails the role (notary's ErrInvalidKeyID for the other roles). For root, notary recomputes the certificates' key ids (notary:trustpinning/certs.go parseAllCerts) and never sees the listed id: it ignores a signature naming the listed id, and accepts one naming the recomputed id.",
  },
];

/** The rules that explain a refusal of this case, if any. */
export function explainingRules(context: RuleContext): StricterRule[] {
  return STRICTER_RULES.filter((rule) => rule.verdict.test(context.line) && rule.when(context));
}

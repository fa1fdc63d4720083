/**
 * cosign's and Notation's signatures of each manifest digest (contract v1.2),
 * checked once per digest however many tags share it, and re-verified only
 * when what leads to them changed (docs/signature-systems.md §5):
 * - legacy cosign: the `sha256-<hex>.sig` tag, whose digest the Nexus listing
 *   already gave (`ArtifactIndex`);
 * - cosign 3 bundles and Notation: the referrers of the digest, through the
 *   referrers API when the repository answers it (probed once per repository
 *   per scan), else the `sha256-<hex>` fallback index tag from the listing.
 * What was verified is stored per digest with the key of what led to it, so
 * an unchanged rescan costs the referrers probe (one request per repository)
 * in fallback mode, and one referrers GET per digest in API mode.
 */
import { createHash } from 'node:crypto';

import { coverageOf, type SignatureSystem, type SystemSignature, type SystemStatus } from '../domain/signatures.js';
import { describeError, FetchError } from '../lib/errors.js';
import { limitConcurrency } from '../lib/concurrency.js';
import type { Logger } from '../lib/logger.js';
import { parseSigManifest, sigTagFor, type SigLayer } from '../cosign/core/sig-manifest.js';
import { MAX_PAYLOAD_BYTES } from '../cosign/core/simple-signing.js';
import { MAX_SIGNATURE_BLOB_BYTES, parseReferrerManifest, parseReferrersIndex, referrerKindOf, type Descriptor } from './oci-artifacts.js';
import type { ArtifactSource } from './ports.js';
import type { ScanTally } from './tally.js';

export { coverageOf };

/** One signature's check, as both verifiers report it. */
export interface CheckedSignature {
  readonly status: 'verified' | 'invalid' | 'untrusted' | 'expired';
  readonly code: string | null;
  readonly detail: string;
  readonly signer: string | null;
  readonly certificateNotAfter: string | null;
}

/** A policy's verifiers, built once from its files (`loadSignaturePlan` in main.ts). */
export interface SignatureVerifiers {
  readonly policy: string;
  /** Changes whenever the policy's keys, identities or trust files do: stored checks are reused only under the same one. */
  readonly fingerprint: string;
  readonly cosign?: CosignVerifier | undefined;
  readonly notation?: NotationVerifier | undefined;
}

export interface CosignVerifier {
  verifySigLayer(layer: SigLayer, blob: Uint8Array, digest: string): CheckedSignature;
  verifyBundle(bundle: Uint8Array, digest: string): CheckedSignature;
}

export interface NotationVerifier {
  verify(input: { envelope: Uint8Array; envelopeMediaType: string; subject: { digest: string; size: number | null; mediaType: string | null }; scope: string; at: Date }): CheckedSignature;
}

/** How one repository is audited beyond DCT. */
export interface RepositorySignatureAudit {
  /** undefined: no policy, cosign and Notation are `not_configured`. */
  readonly verifiers: SignatureVerifiers | undefined;
  readonly require: readonly SignatureSystem[];
}

/** cosign's and Notation's entries of a digest as stored, with the key of what led to them. */
export interface StoredSignatureEvidence {
  readonly source: string;
  readonly entries: readonly SystemSignature[];
  /** After this instant the entries must be re-verified (a verified certificate's notAfter). */
  readonly validUntil: string | null;
}

export interface SignatureStatePort {
  signatureEvidence(repository: string, image: string, digest: string): StoredSignatureEvidence | undefined;
  saveSignatureEvidence(repository: string, image: string, digest: string, evidence: StoredSignatureEvidence, at: string): void;
}

/** The signature artifact tags a repository's listing showed, with their digests. */
export class ArtifactIndex {
  readonly #byImage = new Map<string, Map<string, string | undefined>>();

  record(image: string, tag: string, digest: string | undefined): void {
    let tags = this.#byImage.get(image);
    if (tags === undefined) {
      tags = new Map();
      this.#byImage.set(image, tags);
    }
    tags.set(tag, digest);
  }

  /** `{listed: false}` when the listing did not show the tag. */
  lookup(image: string, tag: string): { readonly listed: false } | { readonly listed: true; readonly digest: string | undefined } {
    const tags = this.#byImage.get(image);
    return tags?.has(tag) === true ? { listed: true, digest: tags.get(tag) } : { listed: false };
  }
}

export type ReferrersMode = 'api' | 'tag_fallback';

/**
 * Part of every stored evidence's key: raise it when what a verifier decides
 * changes (a new check, a fixed bug), so evidence stored by an earlier build
 * is verified again once instead of being trusted as it was.
 */
export const EVIDENCE_REVISION = 'r3';

const DEFAULT_CONCURRENCY = 8;

/** Where one checked signature was found: what `inspect --cosign|--notation` lists. */
export type SignatureLocation =
  /** The `.sig` manifest itself could not be read (digest: the manifest's). */
  | { readonly kind: 'sig_manifest'; readonly digest: string }
  /** Layer `index` (1-based) of the `.sig` manifest (digest: the layer's). */
  | { readonly kind: 'sig_layer'; readonly index: number; readonly digest: string }
  /** A referrer manifest (digest: the referrer's), counted as a cosign bundle or a Notation signature. */
  | { readonly kind: 'bundle_referrer' | 'notation_referrer'; readonly digest: string };

/** One signature's check with where it was found, before the checks of a system are aggregated. */
export interface SignatureFinding {
  readonly system: 'cosign' | 'notation';
  readonly location: SignatureLocation;
  readonly check: CheckedSignature;
}

interface DigestSubject {
  readonly repository: string;
  readonly image: string;
  readonly digest: string;
  readonly size: number | null;
  /** `<gunPrefix>/<image>`: the reference Notation's trust policy scopes match. */
  readonly scope: string;
}

/** The referrers of a digest as read, or why they could not be. */
type ReferrersRead = { readonly key: string; readonly descriptors: readonly Descriptor[] } | { readonly key: 'none' } | { readonly error: string };

/**
 * What leads to a digest's referrers this scan. A fallback index whose digest
 * the listing gave is keyed by that digest and read only when the stored
 * evidence cannot be reused, so an unchanged rescan does not fetch it.
 */
type ReferrersSource = ReferrersRead | { readonly key: string; readonly read: () => Promise<ReferrersRead> };

export interface SignatureCheckerOptions {
  readonly registryFor: (repository: string) => ArtifactSource;
  readonly state: SignatureStatePort;
  readonly tally: ScanTally;
  readonly log: Logger;
  readonly evaluatedAt: Date;
  /** A forecast stores nothing. */
  readonly forecast: boolean;
  readonly now: () => Date;
  readonly signal: AbortSignal | undefined;
  /** Digests checked at once (default 8). */
  readonly concurrency?: number | undefined;
  /**
   * Told of every signature checked, as it is checked (evidence reused from
   * the state is not re-checked, so not told): `inspect` lists them, the scan
   * passes none.
   */
  readonly onChecked?: ((finding: SignatureFinding) => void) | undefined;
}

const NOT_CONFIGURED = (system: SignatureSystem): SystemSignature => ({ system, status: 'not_configured', reason: null, signers: [] });

export class SignatureChecker {
  readonly #options: SignatureCheckerOptions;
  readonly #modes = new Map<string, Promise<ReferrersMode | undefined>>();
  readonly #memo = new Map<string, Promise<readonly SystemSignature[]>>();
  /** Digests checked at once: the scan judges up to 1,600 tags at a time, Nexus should not see that many requests. */
  readonly #limit: <T>(work: () => Promise<T>) => Promise<T>;
  /** Which mode each repository used, for the report and the log. */
  readonly modes = new Map<string, ReferrersMode>();

  constructor(options: SignatureCheckerOptions) {
    this.#options = options;
    this.#limit = limitConcurrency(options.concurrency ?? DEFAULT_CONCURRENCY);
  }

  /** cosign's and Notation's entries for a digest of `repository`; never throws for source failures. */
  entriesFor(subject: DigestSubject, audit: RepositorySignatureAudit, artifacts: ArtifactIndex): Promise<readonly SystemSignature[]> {
    const verifiers = audit.verifiers;
    if (verifiers === undefined) {
      return Promise.resolve([NOT_CONFIGURED('cosign'), NOT_CONFIGURED('notation')]);
    }
    const key = `${subject.repository}\u0000${subject.image}\u0000${subject.digest}`;
    let entries = this.#memo.get(key);
    if (entries === undefined) {
      entries = this.#limit(() => this.#check(subject, verifiers, artifacts));
      this.#memo.set(key, entries);
    }
    return entries;
  }

  async #check(subject: DigestSubject, verifiers: SignatureVerifiers, artifacts: ArtifactIndex): Promise<readonly SystemSignature[]> {
    const { state, evaluatedAt } = this.#options;
    const sig = artifacts.lookup(subject.image, sigTagFor(subject.digest));
    const referrers = await this.#referrers(subject, artifacts);
    const sigKey = sig.listed ? (sig.digest ?? 'listed') : 'none';
    const referrersKey = 'error' in referrers ? undefined : referrers.key;
    // The scope is part of the key: Notation's trust policy statement is chosen by it, so a changed gunPrefix is judged again.
    const source = `${EVIDENCE_REVISION}|${verifiers.fingerprint}|scope=${subject.scope}|sig=${sigKey}|referrers=${referrersKey ?? 'error'}`;
    // Reused only when every part of the key names content: a `.sig` tag the listing gave no digest for could have changed.
    const reusable = referrersKey !== undefined && sigKey !== 'listed';
    const stored = reusable ? state.signatureEvidence(subject.repository, subject.image, subject.digest) : undefined;
    if (stored !== undefined && stored.source === source && (stored.validUntil === null || evaluatedAt.getTime() < Date.parse(stored.validUntil))) {
      return stored.entries;
    }

    const read = 'read' in referrers ? await referrers.read() : referrers;
    const cosignChecks: CheckedSignature[] = [];
    const notationChecks: CheckedSignature[] = [];
    const cosignErrors: string[] = [];
    const notationErrors: string[] = [];
    if (verifiers.cosign !== undefined && sig.listed) {
      await this.#legacyChecks(subject, verifiers.cosign, sig.digest, cosignChecks, cosignErrors);
    }
    if ('error' in read) {
      cosignErrors.push(read.error);
      notationErrors.push(read.error);
    } else if ('descriptors' in read) {
      await this.#referrerChecks(subject, verifiers, read.descriptors, { cosignChecks, notationChecks, cosignErrors, notationErrors });
    }
    const entries = [
      verifiers.cosign === undefined ? NOT_CONFIGURED('cosign') : aggregate('cosign', cosignChecks, cosignErrors),
      verifiers.notation === undefined ? NOT_CONFIGURED('notation') : aggregate('notation', notationChecks, notationErrors),
    ];
    if (!this.#options.forecast && entries.every((entry) => entry.status !== 'error') && referrersKey !== undefined && !('error' in read)) {
      // Notation judges certificates at the evaluation instant: a verified one holds until its notAfter, an
      // expired one (or one not yet valid) is judged again at the next instant; cosign judges at the log's time.
      const validUntil = notationChecks.some((check) => check.status === 'expired')
        ? evaluatedAt.toISOString()
        : earliest(notationChecks.filter((check) => check.status === 'verified').map((check) => check.certificateNotAfter));
      state.saveSignatureEvidence(subject.repository, subject.image, subject.digest, { source, entries, validUntil }, this.#options.now().toISOString());
    }
    return entries;
  }

  /** The layers of the `.sig` manifest, each checked against its blob. */
  async #legacyChecks(subject: DigestSubject, cosign: CosignVerifier, listedDigest: string | undefined, checks: CheckedSignature[], errors: string[]): Promise<void> {
    const registry = this.#options.registryFor(subject.repository);
    const signal = this.#options.signal;
    const tag = sigTagFor(subject.digest);
    try {
      const sigDigest = listedDigest ?? (await registry.getManifestDescriptor(subject.image, tag, signal))?.digest;
      const manifest = sigDigest === undefined ? undefined : await registry.getManifestByDigest(subject.image, sigDigest, signal);
      if (sigDigest === undefined || manifest === undefined) {
        return; // listed, then deleted: no signature now
      }
      const parsed = parseSigManifest(manifest.bytes);
      if (!parsed.ok) {
        this.#found(checks, 'cosign', { kind: 'sig_manifest', digest: sigDigest }, invalid(`${tag}: ${parsed.error.code}: ${parsed.error.detail}`));
        return;
      }
      // Signers of one digest share the payload blob, and a manifest may name one blob in all its layers: each is fetched once.
      const blobs = new Map<string, Promise<Uint8Array | undefined>>();
      for (const [position, layer] of parsed.value.layers.entries()) {
        const location = { kind: 'sig_layer', index: position + 1, digest: layer.digest } as const;
        if (layer.size > MAX_PAYLOAD_BYTES) {
          // The size is the manifest's word: never asked of the registry beyond the bound a
          // simple-signing payload has (so a .sig's cached blobs stay within 64 layers × 64 KiB).
          this.#found(checks, 'cosign', location, invalid(`${tag}: the layer ${layer.digest} is ${layer.size} bytes (at most ${MAX_PAYLOAD_BYTES})`));
          continue;
        }
        let fetching = blobs.get(layer.digest);
        if (fetching === undefined) {
          fetching = registry.getBlob(subject.image, layer.digest, layer.size, signal);
          blobs.set(layer.digest, fetching);
        }
        const blob = await fetching;
        if (blob === undefined || blob.byteLength !== layer.size) {
          this.#found(checks, 'cosign', location, invalid(`${tag}: the layer ${layer.digest} is ${blob === undefined ? 'missing' : 'not of its recorded size'}`));
          continue;
        }
        this.#found(checks, 'cosign', location, cosign.verifySigLayer(layer, blob, subject.digest));
      }
    } catch (error) {
      errors.push(this.#fetchFailure(error, `${tag} of ${subject.image}`));
    }
  }

  async #referrerChecks(
    subject: DigestSubject,
    verifiers: SignatureVerifiers,
    descriptors: readonly Descriptor[],
    out: { cosignChecks: CheckedSignature[]; notationChecks: CheckedSignature[]; cosignErrors: string[]; notationErrors: string[] }
  ): Promise<void> {
    const registry = this.#options.registryFor(subject.repository);
    const signal = this.#options.signal;
    // An index may list one referrer many times (up to MAX_REFERRERS): each is fetched and checked once.
    const fetched = new Set<string>();
    for (const descriptor of descriptors) {
      const announced = referrerKindOf(descriptor.artifactType);
      // A descriptor that names a kind we do not audit is not fetched at all.
      if (descriptor.artifactType !== undefined && announced === undefined) {
        continue;
      }
      if ((announced === 'bundle' && verifiers.cosign === undefined) || (announced === 'notation' && verifiers.notation === undefined)) {
        continue;
      }
      if (fetched.has(descriptor.digest)) {
        continue;
      }
      fetched.add(descriptor.digest);
      try {
        const manifest = await registry.getManifestByDigest(subject.image, descriptor.digest, signal);
        if (manifest === undefined) {
          continue; // a referrer deleted since the index was written
        }
        const parsed = parseReferrerManifest(manifest.bytes, subject.digest);
        if (!parsed.ok) {
          const system = announced === 'notation' ? 'notation' : 'cosign';
          this.#found(system === 'notation' ? out.notationChecks : out.cosignChecks, system, referrerLocation(system, descriptor.digest), invalid(parsed.error));
          continue;
        }
        const referrer = parsed.value;
        if (referrer === undefined) {
          continue;
        }
        const blob = await registry.getBlob(subject.image, referrer.layer.digest, MAX_SIGNATURE_BLOB_BYTES, signal);
        const system = referrer.kind === 'notation' ? 'notation' : 'cosign';
        const checks = system === 'notation' ? out.notationChecks : out.cosignChecks;
        const location = referrerLocation(system, descriptor.digest);
        if (blob === undefined || blob.byteLength !== referrer.layer.size) {
          this.#found(checks, system, location, invalid(`the signature layer ${referrer.layer.digest} is ${blob === undefined ? 'missing' : 'not of its recorded size'}`));
          continue;
        }
        if (referrer.layerCount !== 1) {
          this.#found(checks, system, location, invalid(`the signature manifest has ${referrer.layerCount} layers (one is written)`));
        } else if (referrer.kind === 'bundle' && verifiers.cosign !== undefined) {
          this.#found(checks, system, location, verifiers.cosign.verifyBundle(blob, subject.digest));
        } else if (referrer.kind === 'notation' && verifiers.notation !== undefined) {
          this.#found(
            checks,
            system,
            location,
            verifiers.notation.verify({
              envelope: blob,
              envelopeMediaType: referrer.layer.mediaType,
              subject: { digest: subject.digest, size: subject.size, mediaType: null },
              scope: subject.scope,
              at: this.#options.evaluatedAt,
            })
          );
        }
      } catch (error) {
        const message = this.#fetchFailure(error, `referrer ${descriptor.digest} of ${subject.image}`);
        if (announced !== 'notation') {
          out.cosignErrors.push(message);
        }
        if (announced !== 'bundle') {
          out.notationErrors.push(message);
        }
      }
    }
  }

  #found(checks: CheckedSignature[], system: SignatureFinding['system'], location: SignatureLocation, check: CheckedSignature): void {
    checks.push(check);
    this.#options.onChecked?.({ system, location, check });
  }

  /** The referrers of the digest: by the API, or by the fallback tag the listing showed. */
  async #referrers(subject: DigestSubject, artifacts: ArtifactIndex): Promise<ReferrersSource> {
    const registry = this.#options.registryFor(subject.repository);
    const signal = this.#options.signal;
    try {
      const mode = await this.#modeOf(subject);
      if (mode === 'api') {
        const answer = await registry.getReferrers(subject.image, subject.digest, signal);
        if (!answer.supported) {
          return { error: `the referrers API answered ${answer.status} after answering 200 for this repository` };
        }
        return this.#descriptorsOf(answer.index, `api:${createHash('sha256').update(answer.index).digest('hex')}`);
      }
      const fallbackTag = subject.digest.replace(':', '-');
      const listed = artifacts.lookup(subject.image, fallbackTag);
      if (!listed.listed) {
        return { key: 'none' };
      }
      if (listed.digest !== undefined) {
        const indexDigest = listed.digest;
        // Some registries resolve `sha256-<hex>` to the image itself (oras-go#1396): no index then.
        return indexDigest === subject.digest ? { key: 'none' } : { key: `tag:${indexDigest}`, read: () => this.#fallbackIndex(subject, indexDigest) };
      }
      const indexDigest = (await registry.getManifestDescriptor(subject.image, fallbackTag, signal))?.digest;
      return indexDigest === undefined || indexDigest === subject.digest ? { key: 'none' } : await this.#fallbackIndex(subject, indexDigest);
    } catch (error) {
      return { error: this.#fetchFailure(error, `referrers of ${subject.image}@${subject.digest}`) };
    }
  }

  /** The descriptors of the fallback index `indexDigest`; none when it was deleted since it was listed. */
  async #fallbackIndex(subject: DigestSubject, indexDigest: string): Promise<ReferrersRead> {
    try {
      const index = await this.#options.registryFor(subject.repository).getManifestByDigest(subject.image, indexDigest, this.#options.signal);
      return index === undefined ? { key: 'none' } : this.#descriptorsOf(index.bytes, `tag:${indexDigest}`);
    } catch (error) {
      return { error: this.#fetchFailure(error, `referrers of ${subject.image}@${subject.digest}`) };
    }
  }

  #descriptorsOf(bytes: Uint8Array, key: string): ReferrersRead {
    const parsed = parseReferrersIndex(bytes);
    // A referrers index that cannot be read hides what it lists: unknown, not absent.
    return parsed.ok ? { key, descriptors: parsed.value } : { error: parsed.error };
  }

  /** Probed once per repository per scan with its first digest; a failed probe is retried with the next. */
  async #modeOf(subject: DigestSubject): Promise<ReferrersMode> {
    let mode = this.#modes.get(subject.repository);
    if (mode === undefined) {
      mode = this.#options
        .registryFor(subject.repository)
        .getReferrers(subject.image, subject.digest, this.#options.signal)
        .then((answer): ReferrersMode => (answer.supported ? 'api' : 'tag_fallback'));
      this.#modes.set(subject.repository, mode);
      mode.then(
        (found) => {
          if (found !== undefined) {
            this.modes.set(subject.repository, found);
            this.#options.log.info(
              { repository: subject.repository, referrers: found },
              found === 'api' ? 'Repository answers the OCI referrers API' : 'Repository has no OCI referrers API; reading the sha256-<hex> fallback tags'
            );
          }
        },
        () => this.#modes.delete(subject.repository)
      );
    }
    const found = await mode;
    return found ?? 'tag_fallback';
  }

  #fetchFailure(error: unknown, what: string): string {
    if (!(error instanceof FetchError)) {
      throw error;
    }
    this.#options.tally.sourceFailure('nexus', error);
    return `${what}: ${describeError(error)}`;
  }
}

function referrerLocation(system: SignatureFinding['system'], digest: string): SignatureLocation {
  return { kind: system === 'notation' ? 'notation_referrer' : 'bundle_referrer', digest };
}

function invalid(detail: string): CheckedSignature {
  return { status: 'invalid', code: 'MALFORMED_ARTIFACT', detail, signer: null, certificateNotAfter: null };
}

/** Failures ranked worst first: what a system without a verified signature reports. */
const FAILURE_ORDER: readonly SystemStatus[] = ['invalid', 'expired', 'untrusted'];

/** One system's entry from its signatures: verified if any verifies (cosign verify's rule), else the worst finding. */
export function aggregate(system: SignatureSystem, checks: readonly CheckedSignature[], errors: readonly string[]): SystemSignature {
  const verified = checks.filter((check) => check.status === 'verified');
  if (verified.length > 0) {
    return {
      system,
      status: 'verified',
      reason: null,
      signers: [...new Set(verified.map((check) => check.signer).filter((signer): signer is string => signer !== null))],
      certificateExpires: earliest(verified.map((check) => check.certificateNotAfter)),
    };
  }
  if (errors.length > 0) {
    // Unknown is never absent: a signature that could not be read may be the one that verifies.
    return { system, status: 'error', reason: errors[0] ?? null, signers: [] };
  }
  for (const status of FAILURE_ORDER) {
    const found = checks.filter((check) => check.status === status);
    const first = found[0];
    if (first !== undefined) {
      return {
        system,
        status,
        reason: `${first.code === null ? '' : `${first.code}: `}${first.detail}${found.length < checks.length || found.length > 1 ? ` (${checks.length} signature(s) checked)` : ''}`,
        signers: [...new Set(found.map((check) => check.signer).filter((signer): signer is string => signer !== null))],
      };
    }
  }
  return { system, status: 'absent', reason: null, signers: [] };
}

function earliest(instants: readonly (string | null)[]): string | null {
  const known = instants.filter((instant): instant is string => instant !== null).sort((a, b) => Date.parse(a) - Date.parse(b));
  return known[0] ?? null;
}

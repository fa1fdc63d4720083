/**
 * Audits a few tags between scans, as an event asks: the same parts as a
 * scan (the manifest resolver, the trust checker, the pure `toVerdict`, the
 * write buffer) on the same store, for the tags of one image only. The served
 * digest comes from the registry API (one HEAD), the trust data from Notary
 * through the incremental state, so an unchanged GUN costs one timestamp GET.
 */
import type { TrustRoleRecord } from '../domain/scan.js';
import { verdictChanged, type IndexedTag, type TagVerdictRecord } from '../domain/verdict.js';
import { ByteBudget } from '../lib/byte-budget.js';
import { FetchError } from '../lib/errors.js';
import type { Batch } from '../store/scan-store.js';
import { ManifestResolver } from './manifests.js';
import type { RepositoryTarget } from './repositories.js';
import type { ArtifactSource } from './ports.js';
import type { ScanDependencies, ScanStorePort, SignatureAuditPlan } from './scan-options.js';
import { signatureAuditOf } from './scanner.js';
import { ArtifactIndex, SignatureChecker } from './signature-checker.js';
import { ScanTally } from './tally.js';
import { dctLastKnown, toVerdict, unknownSignatures, withSignatures } from './to-verdict.js';
import { TrustChecker } from './trust-checker.js';
import { inlineVerifier } from './verifier.js';
import { WriteBuffer } from './write-buffer.js';

/** What an event audit needs of the store beyond what a scan does. */
export interface BetweenScansStore extends ScanStorePort {
  writeBetweenScans(at: string, batch: Batch): boolean;
  indexedTag(repository: string, image: string, tag: string): IndexedTag | undefined;
  forgetTags(at: string, repository: string, tags: readonly { readonly image: string; readonly tag: string }[]): number;
}

export interface TagAuditDependencies extends Omit<ScanDependencies, 'store'> {
  readonly store: BetweenScansStore;
  /** Contract v1.2: audit beyond DCT as the scans do, so that an event never drops what a scan recorded. */
  readonly signatures?: SignatureAuditPlan | undefined;
}

/** Thrown when no audit has begun yet: the verdicts could not be attributed to a scan. */
export class NoScanYetError extends Error {
  constructor() {
    super('no audit has begun yet');
    this.name = 'NoScanYetError';
  }
}

/** Bytes of trust data one event audit may hold (it checks one GUN). */
const EVENT_IN_FLIGHT_BYTES = 64 * 1024 * 1024;

/**
 * Judges `tags` of `image` now. `record` decides which verdicts are written
 * (a new tag still unsigned waits for its grace window); the trust data
 * checked is recorded either way. Returns every verdict, recorded or not.
 */
export async function auditTags(
  deps: TagAuditDependencies,
  target: RepositoryTarget,
  image: string,
  tags: readonly string[],
  record: (verdict: TagVerdictRecord, previous: IndexedTag | undefined) => boolean,
  signal?: AbortSignal
): Promise<{ readonly verdicts: readonly TagVerdictRecord[]; readonly recorded: readonly TagVerdictRecord[]; readonly roles: readonly TrustRoleRecord[] }> {
  const { store, clock, log } = deps;
  const at = clock.now();
  const tally = new ScanTally();
  let attributed = true;
  const writes = new WriteBuffer(
    {
      writeBatch: (batch) => {
        attributed = store.writeBetweenScans(clock.now().toISOString(), batch);
      },
    },
    1000
  );
  const roles: TrustRoleRecord[] = [];
  const trust = new TrustChecker({
    notary: deps.notary,
    state: store,
    verifier: deps.verifier ?? inlineVerifier,
    writes,
    tally,
    log,
    evaluatedAt: at,
    concurrency: 1,
    budget: new ByteBudget(EVENT_IN_FLIGHT_BYTES),
    signal,
    onRoles: (checked) => roles.push(...checked),
  });
  const manifests = new ManifestResolver({ registryFor: deps.registryFor, registrySample: 0, tally, log, signal });
  const gun = `${target.gunPrefix}/${image}`;
  const audit = signatureAuditOf(target, { signatures: deps.signatures });
  const signatures = new SignatureChecker({ registryFor: deps.registryFor, state: store, tally, log, evaluatedAt: at, forecast: false, now: () => clock.now(), signal });
  const verdicts: TagVerdictRecord[] = [];
  const recorded: TagVerdictRecord[] = [];
  for (const tag of tags) {
    const served = await manifests.served({ repository: target.name, image, tag, digest: undefined, size: undefined });
    const evidence = await trust.evidenceFor(gun);
    const dctVerdict = toVerdict({
      repository: target.name,
      image,
      tag,
      gun,
      served,
      evidence,
      evaluatedAt: at,
      lastKnown:
        evidence.kind === 'unavailable' && served !== undefined ? (audit === undefined ? store.tag(target.name, image, tag) : dctLastKnown(store.tag(target.name, image, tag))) : undefined,
    });
    let verdict = dctVerdict;
    if (audit !== undefined) {
      const others =
        served === undefined && audit.verifiers !== undefined
          ? unknownSignatures('the manifest digest is not known to the registry API')
          : await signatures.entriesFor(
              { repository: target.name, image, digest: served?.digest ?? '', size: served?.size ?? null, scope: gun },
              audit,
              served === undefined || audit.verifiers === undefined ? new ArtifactIndex() : await artifactsOf(deps.registryFor(target.name), image, served.digest, signal)
            );
      verdict = withSignatures(dctVerdict, others, audit.require);
    }
    verdicts.push(verdict);
    const previous = store.indexedTag(target.name, image, tag);
    if (record(verdict, previous)) {
      recorded.push(verdict);
      if (verdictChanged(verdict, previous)) {
        writes.addVerdict({ verdict, previous });
      }
    }
  }
  writes.flush();
  if (!attributed) {
    throw new NoScanYetError();
  }
  return { verdicts, recorded, roles };
}

/**
 * Between scans there is no listing to show the signature tags: their
 * descriptors are asked of the registry (a HEAD each), the `.sig` tag and the
 * referrers fallback tag of the digest. `inspect --cosign|--notation` finds
 * them the same way.
 */
export async function artifactsOf(registry: ArtifactSource, image: string, digest: string, signal: AbortSignal | undefined): Promise<ArtifactIndex> {
  const artifacts = new ArtifactIndex();
  const hex = digest.slice('sha256:'.length);
  for (const tag of [`sha256-${hex}.sig`, `sha256-${hex}`]) {
    try {
      const descriptor = await registry.getManifestDescriptor(image, tag, signal);
      if (descriptor !== undefined) {
        artifacts.record(image, tag, descriptor.digest);
      }
    } catch (error) {
      if (!(error instanceof FetchError)) {
        throw error;
      }
      // Listed without a digest: the checker asks for it again, and a failure there makes the
      // system `error`, never `absent`, while the tag's DCT verdict is still recorded.
      artifacts.record(image, tag, undefined);
    }
  }
  return artifacts;
}

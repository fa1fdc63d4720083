/**
 * `trust-auditor inspect IMAGE_REF --cosign|--notation`: one image's
 * signatures of one system, found and checked by the scan's own
 * SignatureChecker (so what is shown is what a scan would record), each
 * listed with where it was found, then the system's status as the report
 * gives it. Nothing is stored: the checker gets a state of its own that
 * starts empty and is dropped with the command.
 */
import type { SystemSignature, SystemStatus } from '../domain/signatures.js';
import { describeError, FetchError } from '../lib/errors.js';
import { formatInstant } from '../lib/instant.js';
import type { Logger } from '../lib/logger.js';
import type { ArtifactSource } from '../scan/ports.js';
import {
  SignatureChecker,
  type ReferrersMode,
  type SignatureFinding,
  type SignatureLocation,
  type SignatureStatePort,
  type SignatureVerifiers,
  type StoredSignatureEvidence,
} from '../scan/signature-checker.js';
import { artifactsOf } from '../scan/tag-audit.js';
import { ScanTally } from '../scan/tally.js';
import { renderTable, terminalSafe } from './format.js';
import type { ImageReference } from './image-reference.js';

export type InspectedSystem = 'cosign' | 'notation';

export interface SignatureInspectOptions {
  readonly reference: ImageReference;
  readonly repository: string;
  readonly image: string;
  readonly system: InspectedSystem;
  /** The repository's policy, with the verifiers of `system`. */
  readonly verifiers: SignatureVerifiers;
  readonly registry: ArtifactSource;
  /** `--at` or now: Notation's certificates are judged at this instant. */
  readonly at: Date;
  readonly now: () => Date;
  readonly log: Logger;
}

export interface SignatureInspection {
  readonly reference: string;
  readonly repository: string;
  readonly image: string;
  readonly tag: string | null;
  /** The manifest digest inspected; null when the tag or digest is not in the registry, or it could not be read. */
  readonly digest: string | null;
  readonly system: InspectedSystem;
  readonly policy: string;
  readonly at: Date;
  /** How the repository answered for referrers; null when it was not asked or did not answer. */
  readonly referrersMode: ReferrersMode | null;
  /** The system's entry as the scan's report gives it. */
  readonly entry: SystemSignature;
  /** Every signature checked, in the order found. */
  readonly findings: readonly SignatureFinding[];
}

/** As `inspect`'s: 0 verified, 1 a finding, 3 the registry could not be read. */
export const SIGNATURE_INSPECT_EXIT: Readonly<Record<SystemStatus, number>> = {
  verified: 0,
  absent: 1,
  invalid: 1,
  untrusted: 1,
  expired: 1,
  error: 3,
  // The command refuses a policy without the system before asking anything.
  not_configured: 2,
};

/** What the checker may read and write: a state of the command's own, never the database. */
class CommandMemoryState implements SignatureStatePort {
  readonly #rows = new Map<string, StoredSignatureEvidence>();

  signatureEvidence(repository: string, image: string, digest: string): StoredSignatureEvidence | undefined {
    return this.#rows.get(`${repository}\u0000${image}\u0000${digest}`);
  }

  saveSignatureEvidence(repository: string, image: string, digest: string, evidence: StoredSignatureEvidence): void {
    this.#rows.set(`${repository}\u0000${image}\u0000${digest}`, evidence);
  }
}

/** Resolves the reference's digest, then finds and checks the system's signatures of it. */
export async function inspectSignatures(options: SignatureInspectOptions): Promise<SignatureInspection> {
  const { reference, repository, image, system, registry } = options;
  const findings: SignatureFinding[] = [];
  const checker = new SignatureChecker({
    registryFor: () => registry,
    state: new CommandMemoryState(),
    tally: new ScanTally(),
    log: options.log,
    evaluatedAt: options.at,
    forecast: false,
    now: options.now,
    signal: undefined,
    onChecked: (finding) => findings.push(finding),
  });
  // Only the inspected system: the other one's referrers are then not fetched at all.
  const verifiers: SignatureVerifiers = {
    ...options.verifiers,
    cosign: system === 'cosign' ? options.verifiers.cosign : undefined,
    notation: system === 'notation' ? options.verifiers.notation : undefined,
  };
  const base = {
    reference: reference.text,
    repository,
    image,
    tag: reference.tag ?? null,
    system,
    policy: verifiers.policy,
    at: options.at,
  };
  let digest: string | undefined;
  try {
    const manifest = await servedManifest(registry, image, reference);
    if (manifest === undefined) {
      const what = reference.tag === undefined ? `${image}@${reference.digest ?? ''}` : `${image}:${reference.tag}`;
      return {
        ...base,
        digest: null,
        referrersMode: null,
        entry: { system, status: 'absent', reason: `MANIFEST_UNKNOWN: repository ${repository} has no manifest ${what}`, signers: [] },
        findings,
      };
    }
    digest = manifest.digest;
    const artifacts = await artifactsOf(registry, image, digest, undefined);
    const entries = await checker.entriesFor({ repository, image, digest, size: manifest.size, scope: reference.name }, { verifiers, require: [system] }, artifacts);
    const entry = entries.find((candidate) => candidate.system === system) ?? { system, status: 'not_configured', reason: null, signers: [] };
    return { ...base, digest, referrersMode: checker.modes.get(repository) ?? null, entry, findings };
  } catch (error) {
    if (!(error instanceof FetchError)) {
      throw error;
    }
    // Unknown is never absent: the signature not read may be the one that verifies.
    return { ...base, digest: digest ?? null, referrersMode: checker.modes.get(repository) ?? null, entry: { system, status: 'error', reason: describeError(error), signers: [] }, findings };
  }
}

/** The digest and size of the manifest the reference names: the tag resolved through the registry API, or the digest read and checked. */
async function servedManifest(registry: ArtifactSource, image: string, reference: ImageReference): Promise<{ digest: string; size: number } | undefined> {
  if (reference.digest !== undefined) {
    const manifest = await registry.getManifestByDigest(image, reference.digest);
    return manifest === undefined ? undefined : { digest: reference.digest, size: manifest.bytes.byteLength };
  }
  const descriptor = await registry.getManifestDescriptor(image, reference.tag ?? '');
  return descriptor === undefined ? undefined : { digest: descriptor.digest, size: descriptor.size };
}

/** Runs the inspection and prints it; returns the exit status. */
export async function runSignatureInspect(options: SignatureInspectOptions & { readonly json: boolean; readonly stdout: (text: string) => void }): Promise<number> {
  const inspection = await inspectSignatures(options);
  options.stdout(options.json ? renderSignatureJson(inspection) : renderSignatureHuman(inspection));
  return SIGNATURE_INSPECT_EXIT[inspection.entry.status];
}

/** The `--json` document (its shape is in the help and docs/signature-systems.md). */
export function renderSignatureJson(inspection: SignatureInspection): string {
  const { entry } = inspection;
  return (
    JSON.stringify(
      {
        reference: inspection.reference,
        repository: inspection.repository,
        image: inspection.image,
        tag: inspection.tag,
        digest: inspection.digest,
        system: inspection.system,
        policy: inspection.policy,
        at: formatInstant(inspection.at),
        referrersMode: inspection.referrersMode,
        status: entry.status,
        reason: entry.reason,
        signers: entry.signers,
        certificateExpires: entry.certificateExpires ?? null,
        signatures: inspection.findings.map(({ location, check }) => ({
          location: location.kind,
          layer: location.kind === 'sig_layer' ? location.index : null,
          digest: location.digest,
          status: check.status,
          code: check.code,
          detail: check.detail,
          signer: check.signer,
          certificateNotAfter: check.certificateNotAfter,
        })),
      },
      null,
      2
    ) + '\n'
  );
}

const REFERRERS_MODE_TEXT: Readonly<Record<ReferrersMode, string>> = {
  api: 'OCI referrers API',
  tag_fallback: 'sha256-<hex> fallback tag (no referrers API)',
};

export function renderSignatureHuman(inspection: SignatureInspection): string {
  const { entry } = inspection;
  const lines: [string, string][] = [
    ['Reference', inspection.reference],
    ['Repository', `${inspection.repository} (image ${inspection.image})`],
    ['Digest', inspection.digest ?? '-'],
    ['System', `${inspection.system} (policy ${inspection.policy})`],
    ['Referrers', inspection.referrersMode === null ? '-' : REFERRERS_MODE_TEXT[inspection.referrersMode]],
    ['Status', entry.status],
  ];
  if (entry.reason !== null) {
    lines.push(['Reason', entry.reason]);
  }
  if (entry.signers.length > 0) {
    lines.push(['Signers', entry.signers.join(', ')]);
  }
  if (entry.certificateExpires !== undefined && entry.certificateExpires !== null) {
    lines.push(['Cert expires', entry.certificateExpires]);
  }
  lines.push(['At', formatInstant(inspection.at) ?? '']);
  let text = lines.map(([label, value]) => `${`${label}:`.padEnd(14)}${terminalSafe(value)}\n`).join('');
  text += '\n';
  if (inspection.findings.length === 0) {
    text += `No ${inspection.system === 'cosign' ? 'cosign' : 'Notation'} signature was checked.\n`;
    return text;
  }
  text += renderTable(
    ['WHERE', 'DIGEST', 'STATUS', 'CODE', 'SIGNER', 'CERT NOT AFTER', 'DETAIL'],
    inspection.findings.map(({ location, check }) => [
      whereText(location),
      location.digest,
      check.status,
      check.code ?? '-',
      check.signer ?? '-',
      check.certificateNotAfter ?? '-',
      check.detail,
    ])
  );
  return text;
}

function whereText(location: SignatureLocation): string {
  switch (location.kind) {
    case 'sig_manifest':
      return '.sig manifest';
    case 'sig_layer':
      return `.sig layer ${location.index}`;
    case 'bundle_referrer':
      return 'bundle referrer';
    case 'notation_referrer':
      return 'Notation referrer';
  }
}

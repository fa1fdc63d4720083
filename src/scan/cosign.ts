/**
 * cosign stores signatures, attestations and SBOMs as extra tags named after
 * the image digest: `sha256-<hex>.sig|.att|.sbom` (sigstore/cosign tag scheme).
 * They are not images; the contract counts them as `skipped`.
 */
const COSIGN_TAG = /^sha256-[0-9a-f]{64}\.(?:sig|att|sbom)$/;
/**
 * Contract v1.2 adds the bare `sha256-<hex>` tag: the referrers index that
 * pushers keep where the registry has no referrers API (distribution-spec
 * "Referrers Tag Schema"). Only with `signatures` configured: without it the
 * audit is v1.1's.
 */
const SIGNATURE_ARTIFACT_TAG = /^sha256-[0-9a-f]{64}(?:\.(?:sig|att|sbom))?$/;

/** A tag that is an artifact, not an image: by v1.1's rule, or with `signatures` configured by v1.2's. */
export function isArtifactTag(tag: string, signatures: boolean): boolean {
  return (signatures ? SIGNATURE_ARTIFACT_TAG : COSIGN_TAG).test(tag);
}

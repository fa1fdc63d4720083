/**
 * cosign stores signatures, attestations and SBOMs as extra tags named after
 * the image digest: `sha256-<hex>.sig|.att|.sbom` (sigstore/cosign tag scheme).
 * They are not images; the contract counts them as `skipped`.
 */
const COSIGN_TAG = /^sha256-[0-9a-f]{64}\.(?:sig|att|sbom)$/;

export function isCosignArtifactTag(tag: string): boolean {
  return COSIGN_TAG.test(tag);
}

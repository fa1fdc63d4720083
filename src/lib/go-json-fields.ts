/**
 * Reading JSON the way cosign and notation (Go's encoding/json) read it, so
 * the auditor and the signer's tools can never see different fields of one
 * document. Pure; the verification cores may import it.
 */

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True when a key of `object` is not one of `names` but Go would match it to
 * one: encoding/json matches field names case-insensitively, folding the long
 * s (U+017F) to `s` and the Kelvin sign (U+212A) to `k` as well. Upper-casing
 * then lower-casing catches those (and folds a few pairs Go does not, which
 * only refuses more).
 */
export function hasCaseVariant(object: Record<string, unknown>, names: readonly string[]): boolean {
  const folded = names.map(fold);
  return Object.keys(object).some((key) => !names.includes(key) && folded.includes(fold(key)));
}

function fold(name: string): string {
  return name.toUpperCase().toLowerCase();
}

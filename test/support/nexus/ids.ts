/**
 * Identifiers and continuation tokens of the REST API (docs/nexus-and-registry.md §1.4): the
 * datastore's hashed internal ids, OrientDB's opaque record ids, and the exception Java throws on a
 * token it cannot read.
 */
import { createHash, randomUUID } from 'node:crypto';

/** §1.4 InternalIds: Knuth's multiplicative hash and its inverse modulo 2^32. */
const TO_EXTERNAL = 1327217885;
const TO_INTERNAL = 828308341;

/** What Java would throw; rendered by UnexpectedExceptionMapper as a 500. */
export class JavaException {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

export interface IdScheme {
  componentId(internalId: number): string;
  assetId(internalId: number): string;
  /** The internal id after which a page starts (`component_id > token`), or the exception Java throws. */
  parseToken(token: string): number | JavaException;
}

/**
 * Datastore (H2/PostgreSQL): InternalIds.toExternalId = Integer.toHexString((int) (id * 1327217885)).
 * toHexString does not pad, so about one id in sixteen has fewer than 8 digits (e.g. 13 -> "4689739").
 */
function datastoreExternalId(internalId: number): string {
  return (Math.imul(internalId, TO_EXTERNAL) >>> 0).toString(16);
}

/**
 * InternalIds.toInternalId: Integer.parseUnsignedInt(token, 16) * 828308341 truncated to int; on a
 * NumberFormatException it falls back to Integer.parseInt(token) (a decimal internal id); if that
 * fails too, the NumberFormatException escapes and the REST layer answers 500 (§1.8, last row).
 */
function datastoreParseToken(token: string): number | JavaException {
  const hex = /^\+?([0-9a-fA-F]+)$/.exec(token)?.[1];
  if (hex !== undefined && BigInt(`0x${hex}`) <= 0xffffffffn) {
    return Math.imul(Number(BigInt(`0x${hex}`)), TO_INTERNAL);
  }
  if (/^[+-]?\d+$/.test(token)) {
    const decimal = BigInt(token);
    if (decimal >= -(2n ** 31n) && decimal < 2n ** 31n) {
      return Number(decimal);
    }
  }
  return new JavaException(`java.lang.NumberFormatException: For input string: "${token}"`);
}

export class DatastoreIds implements IdScheme {
  componentId(internalId: number): string {
    return datastoreExternalId(internalId);
  }
  assetId(internalId: number): string {
    return datastoreExternalId(internalId);
  }
  parseToken(token: string): number | JavaException {
    return datastoreParseToken(token);
  }
}

/**
 * OrientDB builds exposed obfuscated record ids: 32 hex digits, opaque, stable per installation
 * (e.g. docker-hosted:6dfda0a843f4201d7c831731b2609aee). The token is the last component's id.
 */
export class OrientIds implements IdScheme {
  readonly #salt = randomUUID();
  readonly #componentsByToken = new Map<string, number>();

  componentId(internalId: number): string {
    const id = createHash('md5').update(`${this.#salt}:component:${internalId}`).digest('hex');
    this.#componentsByToken.set(id, internalId);
    return id;
  }
  assetId(internalId: number): string {
    return createHash('md5').update(`${this.#salt}:asset:${internalId}`).digest('hex');
  }
  parseToken(token: string): number | JavaException {
    // (unverified) the exception text of an undecodable OrientDB record id.
    return this.#componentsByToken.get(token) ?? new JavaException(`java.lang.IllegalArgumentException: Invalid continuation token: ${token}`);
  }
}

/** RepositoryItemIDXO.getValue: base64url without padding of "<repository>:<externalId>". */
export function repositoryItemId(repository: string, externalId: string): string {
  return Buffer.from(`${repository}:${externalId}`, 'utf8').toString('base64url');
}

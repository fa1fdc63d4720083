/**
 * The body of Notary server's changefeed (notary server/handlers/changefeed.go
 * `changefeedResponse`, server/storage `Change`, which has no json tags):
 *   {"count":1,"records":[{"ID":"1","CreatedAt":"2025-01-01T12:00:00.123456789Z",
 *     "GUN":"host:5000/app","Version":1,"SHA256":"<hex>","Category":"update"}]}
 * An empty page is `{"count":0,"records":null}` (changefeed_test.go).
 *
 * The envelope and every record's fields are notary's own, so a wrong type is a
 * server speaking another protocol and the whole page is refused. A GUN is
 * whatever name a client published under, and notary accepts more than our GUN
 * grammar: a record with such a name is skipped and counted rather than
 * refused, or one odd name would stall the feed at that ID for ever. Only names
 * that pass `isValidGun` come out, so a hostile server cannot inject a path, a
 * query or a control character into what the caller does with them.
 */
import { err, ok, type Result } from '../lib/result.js';
import { isValidGun } from '../lib/reference.js';
import { isObject, ownValue, parseJsonBytes, type JsonObject, type JsonValue } from './core/json.js';
import { parseRfc3339 } from './core/rfc3339.js';

export const CHANGE_CATEGORIES = ['update', 'deletion'] as const;
export type ChangeCategory = (typeof CHANGE_CATEGORIES)[number];

/** One record of the changefeed: a timestamp written (a publish, a server re-sign) or a GUN deleted. */
export interface ChangeRecord {
  /**
   * The record's ID. Notary sends it as a decimal string (the memory store's
   * position, the SQL autoincrement); it is parsed so that IDs compare as
   * numbers (`"10"` after `"9"`).
   */
  readonly id: number;
  readonly gun: string;
  /** The timestamp's version; 0 for a deletion. */
  readonly version: number;
  /** Hex sha256 of the timestamp's bytes; empty for a deletion. */
  readonly sha256: string;
  readonly category: ChangeCategory;
  /** RFC 3339 as the server wrote it (nanoseconds included). */
  readonly createdAt: string;
}

export interface ChangePage {
  /** Oldest first, IDs strictly increasing. */
  readonly records: readonly ChangeRecord[];
  /** The highest ID on the page, skipped records included; undefined for an empty page. */
  readonly lastId: number | undefined;
  /** Records left out because their GUN is not a valid GUN. */
  readonly skipped: number;
}

/** A change ID: a positive integer in canonical decimal, small enough to compare exactly. */
const CHANGE_ID = /^[1-9][0-9]{0,15}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The ID as notary writes it, or undefined when it is not a canonical positive decimal integer. */
export function parseChangeId(text: string): number | undefined {
  if (!CHANGE_ID.test(text)) {
    return undefined;
  }
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** One page of the feed; an error says what is wrong (the caller makes it a MALFORMED FetchError). */
export function parseChangePage(body: Uint8Array): Result<ChangePage, string> {
  const parsed = parseJsonBytes(body);
  if (!parsed.ok) {
    return err(`the body is ${parsed.error}`);
  }
  const envelope = parsed.value;
  if (!isObject(envelope)) {
    return err('the body is not a JSON object');
  }
  const count = ownValue(envelope, 'count');
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
    return err('"count" is not a non-negative integer');
  }
  const list = ownValue(envelope, 'records');
  if (list !== null && !Array.isArray(list)) {
    return err('"records" is neither an array nor null');
  }
  const items: readonly JsonValue[] = list ?? [];
  if (items.length !== count) {
    return err(`"count" is ${count} but "records" holds ${items.length}`);
  }
  const records: ChangeRecord[] = [];
  let lastId: number | undefined;
  for (const [index, item] of items.entries()) {
    const record = parseRecord(item);
    if (!record.ok) {
      return err(`record ${index}: ${record.error}`);
    }
    // Oldest to newest is the store's contract (server/storage/interface.go GetChanges);
    // a page out of order could make a cursor go backwards and loop.
    if (lastId !== undefined && record.value.id <= lastId) {
      return err(`record ${index}: ID ${record.value.id} does not follow ID ${lastId}`);
    }
    lastId = record.value.id;
    if (record.value.gun !== undefined) {
      records.push({ ...record.value, gun: record.value.gun });
    }
  }
  return ok({ records, lastId, skipped: items.length - records.length });
}

/** A record; `gun` undefined when the name is not a valid GUN (to be skipped, its ID still counts). */
function parseRecord(item: JsonValue): Result<Omit<ChangeRecord, 'gun'> & { readonly gun: string | undefined }, string> {
  if (!isObject(item)) {
    return err('not a JSON object');
  }
  const idText = stringField(item, 'ID');
  const id = idText === undefined ? undefined : parseChangeId(idText);
  if (id === undefined) {
    return err('"ID" is not a string holding a positive decimal integer');
  }
  const gun = stringField(item, 'GUN');
  if (gun === undefined) {
    return err(`ID ${id}: "GUN" is not a string`);
  }
  const category = stringField(item, 'Category');
  if (!CHANGE_CATEGORIES.includes(category as ChangeCategory)) {
    return err(`ID ${id}: "Category" is not one of ${CHANGE_CATEGORIES.join(', ')}`);
  }
  const version = ownValue(item, 'Version');
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    return err(`ID ${id}: "Version" is not a non-negative integer`);
  }
  const sha256 = stringField(item, 'SHA256');
  if (sha256 === undefined || (sha256 !== '' && !SHA256_HEX.test(sha256))) {
    return err(`ID ${id}: "SHA256" is neither empty nor 64 lower-case hex digits`);
  }
  const createdAt = stringField(item, 'CreatedAt');
  if (createdAt === undefined || parseRfc3339(createdAt) === undefined) {
    return err(`ID ${id}: "CreatedAt" is not an RFC 3339 date-time`);
  }
  return ok({ id, gun: isValidGun(gun) ? gun : undefined, version, sha256, category: category as ChangeCategory, createdAt });
}

function stringField(object: JsonObject, key: string): string | undefined {
  const value = ownValue(object, key);
  return typeof value === 'string' ? value : undefined;
}

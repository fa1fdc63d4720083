/**
 * What both benches measure the same way: the floor an unchanged rescan cannot
 * beat against these fixtures (listing every Nexus page once, plus one
 * timestamp GET per image), and the Nexus requests a day a registry of
 * 100,000 tags costs with and without audit on push.
 */
import type { FakeNexus } from '../test/support/nexus/types.js';

/** Trust data fetched at once by a scan (scanner.ts: `options.concurrency ?? 16`). */
export const SCAN_CONCURRENCY = 16;
/** The registry size the daily request figures are given for, scaled linearly from the run. */
export const REQUESTS_FOR_TAGS = 100_000;
/** The default schedule, `*\/15 * * * *`: 96 scans a day. */
export const SCHEDULED_SCANS_PER_DAY = 96;
/** With audit on push, the scheduled scan only reconciles: every 6 hours. */
export const RECONCILIATION_SCANS_PER_DAY = 4;
/** An assumption, not a measurement: a busy registry's pushes per day. */
export const ASSUMED_PUSHES_PER_DAY = 2000;
/**
 * Nexus requests per push with events on, as `npm run bench -- --events` counts them: one registry
 * HEAD for the served digest, and a second for the 10 % still unsigned at the end of the grace window.
 */
export const NEXUS_REQUESTS_PER_PUSH = 1.1;
/** Community Edition's daily allowance as docs/nexus-and-registry.md §1.9 states it (announced 200,000, later shown 100,000). */
export const COMMUNITY_EDITION_REQUESTS_PER_DAY = 100_000;

/** Lists every component page of a repository, as any crawler must: the token of each page leads to the next. */
export async function listAllPages(nexus: FakeNexus, repository: string): Promise<void> {
  let token: string | null = null;
  do {
    const query: string = token === null ? '' : `&continuationToken=${token}`;
    const page = (await (await fetch(`${nexus.url}/service/rest/v1/components?repository=${repository}${query}`)).json()) as { continuationToken: string | null };
    token = page.continuationToken;
  } while (token !== null);
}

/** One GET of every GUN's timestamp.json, `concurrency` at a time: what an unchanged rescan must ask Notary. */
export async function fetchTimestamps(notaryUrl: string, guns: readonly string[], concurrency: number): Promise<void> {
  let next = 0;
  const fetchSome = async (): Promise<void> => {
    while (next < guns.length) {
      const gun = guns[next++] as string;
      const res = await fetch(`${notaryUrl}/v2/${gun}/_trust/tuf/timestamp.json`);
      if (res.status !== 200) {
        throw new Error(`static Notary: ${res.status} for ${gun}'s timestamp`);
      }
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, fetchSome));
}

/** Nexus requests a day at REQUESTS_FOR_TAGS tags, from the requests one scan of `tags` tags made (pages of 100: linear). */
export function nexusRequestsPerDay(requestsPerScan: number, tags: number, requestsPerPush: number): { perScanAt100k: number; scheduled: number; withEvents: number } {
  const perScanAt100k = Math.round((requestsPerScan * REQUESTS_FOR_TAGS) / tags);
  return {
    perScanAt100k,
    scheduled: perScanAt100k * SCHEDULED_SCANS_PER_DAY,
    withEvents: Math.round(perScanAt100k * RECONCILIATION_SCANS_PER_DAY + ASSUMED_PUSHES_PER_DAY * requestsPerPush),
  };
}

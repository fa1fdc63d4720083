/**
 * npm run bench -- --events N [--rate R] [--grace S] [--images I] [--tags-per-image T] [--signed-percent P]
 *
 * Audit on push, end to end (defaults: 1,000 events at 20/s, grace 2 s, on a
 * registry of 1,000 images x 10 tags):
 *  1. builds the registry in the Nexus test server and its trust data in the
 *     static Notary, as `npm run bench` does, and starts `trust-auditor serve`
 *     in its own process with `events` configured; its start-up scan audits
 *     the registry, then the test Nexus gets a component webhook to it;
 *  2. pushes N new tags (`e0`, `e1`, ...; tag k goes to image k mod I) at a
 *     steady R per second. P % of them are signed the moment they are pushed
 *     (the image's collection in the static Notary is replaced by one with the
 *     new target and every version raised, as a `docker push` with content
 *     trust publishes right after the push); the others are never signed;
 *  3. measures per tag the time from the push until `/api/v1/tags` shows its
 *     final verdict (for an unsigned tag, from the end of the grace window, which
 *     the daemon must wait out), and until `/metrics` shows its series; reads the
 *     daemon's own event-to-verdict histogram, its event counters (drops), its
 *     peak RSS and the CPU the daemon and the bench process (the fixtures and
 *     the pollers) each took.
 * All collections are generated before the first push, so that signing costs
 * the bench nothing while it measures. Progress goes to stderr; the last line
 * on stdout is one JSON object.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { stopFixtures } from './teardown.js';
import { fetchTimestamps, listAllPages, nexusRequestsPerDay, SCAN_CONCURRENCY } from './floor.js';
import { makeManifest } from '../test/support/nexus/model.js';
import { startNexusServer } from '../test/support/nexus/server.js';
import { freePort, startProcess, waitUntil, type ManagedProcess } from '../test/support/processes.js';
import { startStaticNotary } from '../test/support/static-notary.js';
import { makeTempDir } from '../test/support/temp.js';
import { ecdsaKey, fastEd25519Key, generateCollection, rootCertificateKey, type CollectionKeys, type SigningKey, type TargetSpec } from '../test/support/trust-factory.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const PREFIX = 'bench.example:5000';
const REPOSITORY = 'docker-bench';
const SECRET = 'bench-webhook-secret';
const BUILT_AT = new Date();
/** Requests one round of the API poller sends at most. */
const MAX_POLLS_PER_ROUND = 16;

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '20' },
    grace: { type: 'string', default: '2' },
    images: { type: 'string', default: '1000' },
    'tags-per-image': { type: 'string', default: '10' },
    'signed-percent': { type: 'string', default: '90' },
    'poll-ms': { type: 'string', default: '50' },
    'metrics-poll-ms': { type: 'string', default: '1000' },
  },
});

function positive(name: string, value: string | undefined, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max) {
    throw new Error(`--${name} must be a number above 0 and at most ${max}, not ${JSON.stringify(value)}`);
  }
  return n;
}

const EVENTS = Math.round(positive('events', values.events, 1_000_000));
const RATE = positive('rate', values.rate, 10_000);
const GRACE_SECONDS = Math.round(positive('grace', values.grace, 3600));
const IMAGES = Math.round(positive('images', values.images, 100_000));
const TAGS = Math.round(positive('tags-per-image', values['tags-per-image'], 1000));
const SIGNED_PERCENT = positive('signed-percent', values['signed-percent'], 100);
const POLL_MS = positive('poll-ms', values['poll-ms'], 10_000);
const METRICS_POLL_MS = positive('metrics-poll-ms', values['metrics-poll-ms'], 60_000);

const log = (message: string): void => void process.stderr.write(`[bench events] ${message}\n`);
const seconds = (ms: number): number => Math.round(ms) / 1000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

function summarise(latenciesMs: readonly number[]): { p50: number; p95: number; max: number; count: number } {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return { p50: seconds(percentile(sorted, 50)), p95: seconds(percentile(sorted, 95)), max: seconds(sorted.at(-1) ?? Number.NaN), count: sorted.length };
}

/** One image's signing material, kept so that later collections chain to the same pinned root. */
interface ImageTrust {
  readonly name: string;
  readonly keys: CollectionKeys;
  readonly releases: SigningKey;
  readonly targets: Record<string, TargetSpec>;
  version: number;
}

interface PlannedEvent {
  readonly index: number;
  readonly image: string;
  readonly tag: string;
  readonly signed: boolean;
  readonly manifest: ReturnType<typeof makeManifest>;
  readonly digest: string;
  /** The image's collection once this tag is signed (undefined: never signed). */
  readonly collection: ReadonlyMap<string, Uint8Array> | undefined;
}

interface Outcome {
  pushedAt?: number;
  /** When /api/v1/tags first showed the final status. */
  apiAt?: number;
  /** When /metrics first showed the final status. */
  metricsAt?: number;
}

/** The daemon's CPU seconds so far, all its threads (utime + stime of /proc/<pid>/stat, in clock ticks of 1/100 s). */
async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: field 3 is index 0, so utime (14) and stime (15) are 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function memoryOf(pid: number): Promise<{ hwmMb: number; rssMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { hwmMb: Math.round(kib('VmHWM') / 1024), rssMb: Math.round(kib('VmRSS') / 1024) };
}

/** `trust-auditor serve` in its own process; resolves once /readyz says its start-up scan is done. */
async function startServe(config: string, url: string): Promise<ManagedProcess> {
  // BENCH_PROFILE_DIR=dir writes a CPU profile of the daemon there when it stops.
  const profile = process.env['BENCH_PROFILE_DIR'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROFILE_DIR']}`];
  const daemon = startProcess(process.execPath, [...profile, MAIN, 'serve', '--config', config]);
  try {
    await waitUntil(async () => (await fetch(`${url}/readyz`)).status === 200, 'serve /readyz', daemon, 15 * 60_000);
  } catch (error) {
    await daemon.stop();
    throw error;
  }
  return daemon;
}

/** The cursor /api/v1/tags pages with (http-server.ts encodeCursor): the tags after (repository, image, ""), i.e. the image's own first. */
const imageCursor = (image: string): string => Buffer.from(JSON.stringify([REPOSITORY, image, ''])).toString('base64url');

const metricValue = (text: string, series: string): number => {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
};

const temp = await makeTempDir('bench-events');
const stops: (() => Promise<void>)[] = [];
try {
  log(`registry: ${IMAGES} images x ${TAGS} tags; then ${EVENTS} pushes at ${RATE}/s, ${SIGNED_PERCENT} % signed at once, grace ${GRACE_SECONDS} s`);
  const nexus = await startNexusServer();
  stops.push(() => nexus.stop());
  nexus.addRepository({ name: REPOSITORY, type: 'hosted' });
  const staticNotary = await startStaticNotary();
  stops.push(() => staticNotary.stop());
  const root = sameSignatureTwice(await rootCertificateKey(temp.path, 'bench-root', `${PREFIX}/*`));
  const images: ImageTrust[] = [];
  const built = performance.now();
  for (let image = 0; image < IMAGES; image++) {
    const trust: ImageTrust = {
      name: `team${image % 50}/image${image}`,
      keys: { root: [root], targets: ecdsaKey(), snapshot: ecdsaKey(), timestamp: fastEd25519Key() },
      releases: fastEd25519Key(),
      targets: {},
      version: 1,
    };
    for (let tag = 0; tag < TAGS; tag++) {
      const { digest, size } = nexus.putTag(REPOSITORY, trust.name, `v${tag}`, makeManifest(`${trust.name}:${tag}`));
      trust.targets[`v${tag}`] = { sha256Hex: digest.slice('sha256:'.length), length: size };
    }
    staticNotary.setCollection(`${PREFIX}/${trust.name}`, await collectionOf(trust));
    images.push(trust);
    if ((image + 1) % 1000 === 0 || image + 1 === IMAGES) {
      log(`built ${image + 1}/${IMAGES} images (${Math.round((performance.now() - built) / 1000)} s)`);
    }
  }

  // Every event's manifest and, when it is signed, its image's next collection, made now.
  const planned: PlannedEvent[] = [];
  for (let index = 0; index < EVENTS; index++) {
    const trust = images[index % IMAGES] as ImageTrust;
    const tag = `e${index}`;
    // Spread the signed ones evenly: event k is signed when floor((k+1)p) passes a whole number.
    const signed = Math.floor(((index + 1) * SIGNED_PERCENT) / 100) > Math.floor((index * SIGNED_PERCENT) / 100);
    const manifest = makeManifest(`${trust.name}:${tag}`);
    const sha256Hex = createHash('sha256').update(manifest.bytes).digest('hex');
    let collection: ReadonlyMap<string, Uint8Array> | undefined;
    if (signed) {
      trust.targets[tag] = { sha256Hex, length: manifest.bytes.length };
      trust.version++;
      collection = await collectionOf(trust);
    }
    planned.push({ index, image: trust.name, tag, signed, manifest, digest: `sha256:${sha256Hex}`, collection });
  }
  log(`generated ${planned.filter((event) => event.signed).length} collections for the signed pushes`);

  const port = await freePort();
  const daemonUrl = `http://127.0.0.1:${port}`;
  const config = join(temp.path, 'events.yaml');
  await writeFile(
    config,
    [
      'nexus:',
      `  url: ${nexus.url}`,
      '  repositories:',
      `    - name: ${REPOSITORY}`,
      `      gunPrefix: ${PREFIX}`,
      `notary:\n  url: ${staticNotary.url}`,
      `database: ${join(temp.path, 'events.db')}`,
      // No scheduled scan during the measurement: only the start-up scan and the events.
      'schedule: "0 0 1 1 *"',
      `listen: 127.0.0.1:${port}`,
      `events:\n  nexusWebhookSecret: ${SECRET}\n  graceSeconds: ${GRACE_SECONDS}`,
      '',
    ].join('\n')
  );
  // The floor an unchanged rescan of this registry cannot beat, measured alone before the daemon starts.
  const floorStart = performance.now();
  await listAllPages(nexus, REPOSITORY);
  await fetchTimestamps(
    staticNotary.url,
    images.map((trust) => `${PREFIX}/${trust.name}`),
    SCAN_CONCURRENCY
  );
  const rescanFloorSeconds = Math.round((performance.now() - floorStart) / 10) / 100;
  log(`rescan floor (the listing and one timestamp GET per image, alone): ${rescanFloorSeconds} s`);

  log(`starting serve (graceSeconds ${GRACE_SECONDS}); its start-up scan audits ${IMAGES * TAGS} tags...`);
  const nexusBeforeStartup = nexus.requests.length;
  const scanStart = performance.now();
  const daemon = await startServe(config, daemonUrl);
  stops.push(() => daemon.stop());
  const pid = daemon.child.pid as number;
  log(`serve ready after ${Math.round((performance.now() - scanStart) / 100) / 10} s (pid ${pid})`);
  const startupScanNexusRequests = nexus.requests.length - nexusBeforeStartup;
  nexus.addWebhook({ url: `${daemonUrl}/api/v1/events/nexus`, secret: SECRET, repository: REPOSITORY });

  const outcomes = planned.map((): Outcome => ({}));
  /** Per image, the events pushed and not yet seen with their final status in the API. */
  const awaitingApi = new Map<string, Set<number>>();
  const awaitingMetrics = new Set<number>();
  let pushing = true;
  let apiPolls = 0;
  let apiRounds = 0;
  let apiPollMs = 0;
  let metricsPolls = 0;
  let metricsPollMs = 0;

  /** When a tag may first show its final status: an unsigned one not before its grace window ends. */
  const dueAt = (index: number): number => {
    const event = planned[index] as PlannedEvent;
    return (outcomes[index]?.pushedAt ?? 0) + (event.signed ? 0 : GRACE_SECONDS * 1000);
  };
  const finalStatus = (event: PlannedEvent): string => (event.signed ? 'signed' : 'unsigned');

  const pollApi = async (): Promise<void> => {
    while (pushing || awaitingApi.size > 0) {
      const started = performance.now();
      // The oldest images first, at most MAX_POLLS_PER_ROUND of them, and none whose only tags are
      // unsigned ones still inside their grace window: the poller must not become the daemon's load.
      const due = [...awaitingApi].filter(([, waiting]) => [...waiting].some((index) => dueAt(index) <= started)).slice(0, MAX_POLLS_PER_ROUND);
      await Promise.all(
        due.map(async ([image, waiting]) => {
          // The image's own tags come first after its cursor: its baseline tags plus every event pushed to it.
          const limit = Math.min(1000, TAGS + Math.ceil(EVENTS / IMAGES) + 1);
          const body = (await (await fetch(`${daemonUrl}/api/v1/tags?limit=${limit}&after=${imageCursor(image)}`)).json()) as {
            tags: { image: string; tag: string; status: string }[];
          };
          const seenAt = performance.now();
          apiPolls++;
          for (const tag of body.tags) {
            if (tag.image !== image || !tag.tag.startsWith('e')) {
              continue;
            }
            const index = Number(tag.tag.slice(1));
            const event = planned[index] as PlannedEvent;
            if (waiting.has(index) && tag.status === finalStatus(event)) {
              (outcomes[index] as Outcome).apiAt = seenAt;
              waiting.delete(index);
            }
          }
          if (waiting.size === 0) {
            awaitingApi.delete(image);
          }
        })
      );
      apiPollMs += performance.now() - started;
      apiRounds++;
      await sleep(POLL_MS - (performance.now() - started));
    }
  };

  const pollMetrics = async (): Promise<void> => {
    while (pushing || awaitingMetrics.size > 0) {
      const started = performance.now();
      const text = await (await fetch(`${daemonUrl}/metrics`)).text();
      const seenAt = performance.now();
      metricsPolls++;
      metricsPollMs += seenAt - started;
      for (const match of text.matchAll(/^trust_auditor_tag_status\{[^}]*tag="e(\d+)",status="([a-z_]+)"\} 1$/gm)) {
        const index = Number(match[1]);
        const event = planned[index];
        if (event !== undefined && awaitingMetrics.has(index) && match[2] === finalStatus(event)) {
          (outcomes[index] as Outcome).metricsAt = seenAt;
          awaitingMetrics.delete(index);
        }
      }
      await sleep(METRICS_POLL_MS - (performance.now() - started));
    }
  };

  const nexusBefore = nexus.requests.length;
  const notaryBefore = staticNotary.requests.length;
  const benchCpuBefore = process.cpuUsage();
  const daemonCpuBefore = await processCpuSeconds(pid);
  const loadBefore = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
  const measureStart = performance.now();

  const apiPoller = pollApi();
  const metricsPoller = pollMetrics();
  // Tag k is pushed at start + k / rate, whatever the previous push cost: a steady rate, not a closed loop.
  for (const event of planned) {
    await sleep(measureStart + (event.index * 1000) / RATE - performance.now());
    const outcome = outcomes[event.index] as Outcome;
    outcome.pushedAt = performance.now();
    const { digest } = nexus.putTag(REPOSITORY, event.image, event.tag, event.manifest);
    if (digest !== event.digest) {
      throw new Error(`the test Nexus stored ${digest} for ${event.image}:${event.tag}, not the ${event.digest} signed`);
    }
    if (event.collection !== undefined) {
      // Signed in the same turn of the event loop as the push: before the webhook request leaves.
      staticNotary.setCollection(`${PREFIX}/${event.image}`, event.collection);
    }
    let waiting = awaitingApi.get(event.image);
    if (waiting === undefined) {
      waiting = new Set();
      awaitingApi.set(event.image, waiting);
    }
    waiting.add(event.index);
    awaitingMetrics.add(event.index);
    if ((event.index + 1) % Math.max(1, Math.round(RATE * 10)) === 0) {
      log(`pushed ${event.index + 1}/${EVENTS}; waiting for ${[...awaitingApi.values()].reduce((sum, set) => sum + set.size, 0)} in the API`);
    }
  }
  const pushSeconds = (performance.now() - measureStart) / 1000;
  pushing = false;
  const giveUp = sleep(GRACE_SECONDS * 1000 + 60_000).then(() => 'timeout' as const);
  const finished = await Promise.race([Promise.all([apiPoller, metricsPoller]).then(() => 'done' as const), giveUp]);
  if (finished === 'timeout') {
    log(`gave up waiting: ${awaitingApi.size} images still awaited in the API, ${awaitingMetrics.size} tags in /metrics`);
    awaitingApi.clear();
    awaitingMetrics.clear();
  }
  await nexus.webhooksSettled();
  const wallSeconds = (performance.now() - measureStart) / 1000;
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const benchCpuSeconds = (benchCpu.user + benchCpu.system) / 1e6;
  const daemonCpuSeconds = (await processCpuSeconds(pid)) - daemonCpuBefore;
  const loadAfter = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
  const nexusRequests = nexus.requests.length - nexusBefore;
  const notaryRequests = staticNotary.requests.length - notaryBefore;
  const memory = await memoryOf(pid);

  const metrics = await (await fetch(`${daemonUrl}/metrics`)).text();
  const eventCount = (result: string): number => metricValue(metrics, `trust_auditor_events_total{source="nexus",result="${result}"}`);
  const histogram = [...metrics.matchAll(/^trust_auditor_event_to_verdict_seconds_bucket\{le="([^"]+)",source="nexus"\} (\d+)$/gm)].map((match) => ({
    le: match[1] as string,
    count: Number(match[2]),
  }));
  const histogramCount = metricValue(metrics, 'trust_auditor_event_to_verdict_seconds_count{source="nexus"}');
  const histogramSum = metricValue(metrics, 'trust_auditor_event_to_verdict_seconds_sum{source="nexus"}');
  const deliveries = nexus.webhookDeliveries;
  const delivered = deliveries.filter((delivery) => delivery.outcome === 202).length;

  // Signed tags from the push; unsigned ones from the end of their grace window, which the daemon must wait out.
  const latency = (event: PlannedEvent, at: number | undefined): number | undefined => {
    const pushedAt = outcomes[event.index]?.pushedAt;
    if (at === undefined || pushedAt === undefined) {
      return undefined;
    }
    return at - pushedAt - (event.signed ? 0 : GRACE_SECONDS * 1000);
  };
  const collect = (filter: (event: PlannedEvent) => boolean, at: (outcome: Outcome) => number | undefined): number[] =>
    planned.filter(filter).flatMap((event) => {
      const value = latency(event, at(outcomes[event.index] as Outcome));
      return value === undefined ? [] : [value];
    });
  const api = summarise(
    collect(
      () => true,
      (outcome) => outcome.apiAt
    )
  );
  const apiSigned = summarise(
    collect(
      (event) => event.signed,
      (outcome) => outcome.apiAt
    )
  );
  const apiUnsigned = summarise(
    collect(
      (event) => !event.signed,
      (outcome) => outcome.apiAt
    )
  );
  const viaMetrics = summarise(
    collect(
      () => true,
      (outcome) => outcome.metricsAt
    )
  );
  const missing = outcomes.filter((outcome) => outcome.apiAt === undefined).length;
  if (missing > 0) {
    // What the tags never seen with their expected status show instead, for the log.
    const shown = new Map<string, number>();
    for (const event of planned.filter((candidate) => outcomes[candidate.index]?.apiAt === undefined).slice(0, 50)) {
      const body = (await (await fetch(`${daemonUrl}/api/v1/tags?limit=1000&after=${imageCursor(event.image)}`)).json()) as {
        tags: { image: string; tag: string; status: string; reason?: string; detail?: string }[];
      };
      const found = body.tags.find((tag) => tag.image === event.image && tag.tag === event.tag);
      const key = `expected ${finalStatus(event)}, shown ${found === undefined ? 'nothing' : `${found.status} (${found.reason ?? ''})`}`;
      shown.set(key, (shown.get(key) ?? 0) + 1);
    }
    log(`never seen as expected (first 50): ${[...shown].map(([key, count]) => `${count} x ${key}`).join('; ')}`);
  }
  // A signed tag the daemon saw before its signature would wait out the grace window: count them.
  const signedLate = collect(
    (event) => event.signed,
    (outcome) => outcome.apiAt
  ).filter((ms) => ms >= GRACE_SECONDS * 1000).length;

  log(`pushed ${EVENTS} tags in ${pushSeconds.toFixed(1)} s (${(EVENTS / pushSeconds).toFixed(1)}/s); webhooks answered 202: ${delivered}/${deliveries.length}`);
  log(`push -> verdict in /api/v1/tags (unsigned: from the end of the ${GRACE_SECONDS} s grace window), polled every ${POLL_MS} ms:`);
  log(`  all      p50 ${api.p50} s, p95 ${api.p95} s, max ${api.max} s (${api.count} tags, ${missing} never seen)`);
  log(`  signed   p50 ${apiSigned.p50} s, p95 ${apiSigned.p95} s, max ${apiSigned.max} s (${apiSigned.count}; ${signedLate} waited out the grace window)`);
  log(`  unsigned p50 ${apiUnsigned.p50} s, p95 ${apiUnsigned.p95} s, max ${apiUnsigned.max} s (${apiUnsigned.count})`);
  log(`push -> series in /metrics, scraped every ${METRICS_POLL_MS} ms: p50 ${viaMetrics.p50} s, p95 ${viaMetrics.p95} s, max ${viaMetrics.max} s`);
  log(`daemon histogram (arrival -> recorded, unsigned including the grace window): ${histogramCount} observations, mean ${(histogramSum / Math.max(1, histogramCount)).toFixed(3)} s`);
  log(`  ${histogram.map((bucket) => `<=${bucket.le}: ${bucket.count}`).join(', ')}`);
  log(`events: accepted ${eventCount('accepted')}, dropped ${eventCount('dropped')}, failed ${eventCount('failed')}, ignored ${eventCount('ignored')}`);
  log(`Nexus requests during the events: ${nexusRequests} (${(nexusRequests / EVENTS).toFixed(2)} per event); Notary: ${notaryRequests} (${(notaryRequests / EVENTS).toFixed(2)} per event)`);
  log(
    `CPU over ${wallSeconds.toFixed(1)} s: daemon ${daemonCpuSeconds.toFixed(1)} s (${Math.round((daemonCpuSeconds / wallSeconds) * 100)} % of one core), ` +
      `bench process (test Nexus, static Notary, pollers) ${benchCpuSeconds.toFixed(1)} s (${Math.round((benchCpuSeconds / wallSeconds) * 100)} %); load ${loadBefore} -> ${loadAfter}`
  );
  log(
    `API polls: ${apiPolls} requests in ${apiRounds} rounds, ${Math.round(apiPollMs / Math.max(1, apiRounds))} ms per round; /metrics scrapes: ${metricsPolls}, ${Math.round(metricsPollMs / Math.max(1, metricsPolls))} ms each`
  );
  log(`daemon RSS: peak (VmHWM) ${memory.hwmMb} MB, now ${memory.rssMb} MB`);

  const perDay = nexusRequestsPerDay(startupScanNexusRequests, IMAGES * TAGS, nexusRequests / EVENTS);
  log(
    `Nexus requests a day at 100,000 tags: ${perDay.scheduled} scanning every 15 minutes; ${perDay.withEvents} with events ` +
      `(4 reconciliation scans, 2,000 pushes a day assumed, ${(nexusRequests / EVENTS).toFixed(2)} requests per push as measured)`
  );
  const figures = {
    events: EVENTS,
    eventRatePerSecond: RATE,
    graceSeconds: GRACE_SECONDS,
    signedPercent: SIGNED_PERCENT,
    registryTags: IMAGES * TAGS,
    images: IMAGES,
    tagsPerImage: TAGS,
    eventP50Seconds: api.p50,
    eventP95Seconds: api.p95,
    eventMaxSeconds: api.max,
    eventSignedP95Seconds: apiSigned.p95,
    eventUnsignedP95Seconds: apiUnsigned.p95,
    eventMetricsP50Seconds: viaMetrics.p50,
    eventMetricsP95Seconds: viaMetrics.p95,
    eventsNeverSeen: missing,
    eventsSignedLate: signedLate,
    eventsDropped: eventCount('dropped'),
    eventsAccepted: eventCount('accepted'),
    eventsFailed: eventCount('failed'),
    webhooksAnswered202: delivered,
    histogramCount,
    histogramMeanSeconds: Math.round((histogramSum / Math.max(1, histogramCount)) * 1000) / 1000,
    nexusRequestsPerEvent: Math.round((nexusRequests / EVENTS) * 100) / 100,
    rescanFloorSeconds,
    // At 100,000 tags, from this run's start-up scan and measured requests per push (floor.ts).
    nexusRequestsPerDay: perDay.scheduled,
    nexusRequestsPerDayWithEvents: perDay.withEvents,
    notaryRequestsPerEvent: Math.round((notaryRequests / EVENTS) * 100) / 100,
    eventRssMb: memory.hwmMb,
    daemonCpuPercent: Math.round((daemonCpuSeconds / wallSeconds) * 100),
    benchCpuPercent: Math.round((benchCpuSeconds / wallSeconds) * 100),
    apiPollMs: POLL_MS,
    metricsPollMs: METRICS_POLL_MS,
    load: `${loadBefore} -> ${loadAfter}`,
    node: process.versions.node,
    cpus: cpus().length,
  };
  process.stdout.write(JSON.stringify(figures) + '\n');
} finally {
  await stopFixtures(stops, temp, log, 15_000);
}

/**
 * The key, signing a message it signed before with the same signature: ECDSA signatures are
 * randomised, and a root re-signed with the same version but other bytes is a rollback to the
 * auditor (a publisher that signs a new tag leaves root.json untouched).
 */
function sameSignatureTwice(key: SigningKey): SigningKey {
  const signatures = new Map<string, Promise<{ method: string; sig: string }>>();
  return {
    keytype: key.keytype,
    publicB64: key.publicB64,
    id: key.id,
    sign(message) {
      const text = Buffer.from(message).toString('base64');
      let signature = signatures.get(text);
      if (signature === undefined) {
        signature = key.sign(message);
        signatures.set(text, signature);
      }
      return signature;
    },
  };
}

/** The image's collection now: its targets through `targets/releases`, every role at the image's current version. */
async function collectionOf(trust: ImageTrust): Promise<ReadonlyMap<string, Uint8Array>> {
  const { version } = trust;
  const collection = await generateCollection({
    gun: `${PREFIX}/${trust.name}`,
    keys: trust.keys,
    // The same instant for every collection, so that root's signed part (its expiry) stays byte for byte the same.
    now: BUILT_AT,
    targets: {},
    delegations: [{ name: 'targets/releases', keys: [trust.releases], targets: { ...trust.targets }, version }],
    versions: { targets: version, snapshot: version, timestamp: version },
  });
  return collection.files;
}

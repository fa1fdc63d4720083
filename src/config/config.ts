/**
 * The configuration file's meaning (contract: "Config file"): its schema, from
 * which both the types below and the checks of parseConfig come, and its
 * defaults. Frozen once loaded; secrets live only in these objects.
 */
import {
  booleanWithDefault,
  cronExpression,
  hostList,
  httpUrl,
  listenAddress,
  numberInRange,
  oneOf,
  optionalHttpUrl,
  optionalString,
  password,
  repositoryList,
  stringWithDefault,
  type ListenAddress,
} from './fields.js';
import { section, type Fields, type Parsed, type Reading } from './schema.js';
import { signaturesSection } from './signature-fields.js';

export type { ListenAddress, RepositoryConfig } from './fields.js';
export type { CosignPolicyConfig, IdentityConfig, NotationPolicyConfig, SignaturePolicyConfig, SignaturesConfig } from './signature-fields.js';

export const DEFAULT_DATABASE = './trust-auditor.db';
export const DEFAULT_SCHEDULE = '*/15 * * * *';
export const DEFAULT_LISTEN: ListenAddress = { host: '0.0.0.0', port: 9817 };
export const DEFAULT_EXPIRY_WARNING_DAYS = 7;
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;
export const DEFAULT_MIN_SCAN_INTERVAL_SECONDS = 15;
export const DEFAULT_EVENT_GRACE_SECONDS = 60;
export const DEFAULT_ALERTMANAGER_MAX_ALERTS = 1000;
export const DEFAULT_ALERTMANAGER_TIMEOUT_SECONDS = 10;

export const TAG_SERIES = ['all', 'findings'] as const;

const NEXUS_FIELDS = {
  url: httpUrl(),
  username: optionalString,
  password,
  caFile: optionalString,
  /** Undefined: every repository of format docker. */
  repositories: repositoryList,
  /** Tags per scan whose REST digest is double-checked against the registry API (default 0). */
  registrySample: numberInRange({ unit: 'tags', min: 0, max: 100_000, whole: true, fallback: 0 }),
} satisfies Fields;

const NOTARY_FIELDS = {
  url: httpUrl({ fallbackEnv: 'DOCKER_CONTENT_TRUST_SERVER' }),
  caFile: optionalString,
  username: optionalString,
  password,
  /** Hosts of a token server other than Notary itself that may receive the credentials. */
  tokenRealmHosts: hostList,
} satisfies Fields;

const METRICS_FIELDS = {
  /** 'findings': per-tag series only for tags that are not signed (for registries with very many tags). */
  tagSeries: oneOf(TAG_SERIES, 'all', 'must be "all" (a series per tag) or "findings" (series only for tags that are not signed)'),
} satisfies Fields;

/** Protection of the daemon's own HTTP endpoints (like the Prometheus exporter-toolkit web config). */
const WEB_FIELDS = {
  /** Basic auth for every endpoint but /healthz and /readyz, when set. */
  username: optionalString,
  password,
  /** Serve HTTPS with this certificate and key, when both are set. */
  tlsCertFile: optionalString,
  tlsKeyFile: optionalString,
  /**
   * Host names the endpoints answer to, besides IP addresses, `localhost` and
   * the machine's own name: a request for any other `Host` is refused, so a
   * web page cannot reach the daemon through a DNS name rebound to it.
   */
  hosts: hostList,
  /** `POST /api/v1/scans` within this many seconds of the last scan's end gets 429. */
  minScanIntervalSeconds: numberInRange({ unit: 'seconds', min: 0, max: 86_400, whole: true, fallback: DEFAULT_MIN_SCAN_INTERVAL_SECONDS }),
  /**
   * Where the site publishes its copy of docs/runbooks.md: the status page and
   * the alerts pushed to Alertmanager link `<runbookUrl>#<alert in lower case>`.
   * Absent: the environment's TRUST_AUDITOR_RUNBOOK_URL, else the page names the file.
   */
  runbookUrl: optionalHttpUrl,
  /**
   * The URL people reach the daemon at (through a proxy, an Ingress or a
   * Service name), for the status-page links of the alerts pushed to
   * Alertmanager. Absent: http(s)://<this machine's name>:<listen port>/.
   */
  externalUrl: optionalHttpUrl,
} satisfies Fields;

/** Audit on push, between scheduled scans (contract v1.1). */
const EVENTS_FIELDS = {
  /** The Secret Key of Nexus's "Webhook: Repository" capability; without it the webhook endpoint is off. */
  nexusWebhookSecret: optionalString,
  /** A new tag may stay unsigned this long (docker pushes, then signs) before it is recorded unsigned. */
  graceSeconds: numberInRange({ unit: 'seconds', min: 0, max: 86_400, whole: true, fallback: DEFAULT_EVENT_GRACE_SECONDS }),
  /** Also follow Notary's changefeed between scans. */
  notaryChangefeed: booleanWithDefault(false),
} satisfies Fields;

/**
 * Direct alerting for sites without Prometheus rules: after every scan and
 * audit on push, the findings are pushed to Alertmanager's v2 API.
 */
const ALERTMANAGER_FIELDS = {
  /** Alertmanager's base URL; the alerts go to `<url>/api/v2/alerts`. */
  url: httpUrl(),
  /** Basic auth, when Alertmanager sits behind it (its web.config.file or a proxy). */
  username: optionalString,
  password,
  caFile: optionalString,
  /** At most this many findings are pushed, the worst first; the rest are logged as left out. */
  maxAlerts: numberInRange({ unit: 'alerts', min: 1, max: 100_000, whole: true, fallback: DEFAULT_ALERTMANAGER_MAX_ALERTS }),
  /** Time allowed for one request to Alertmanager. */
  timeoutSeconds: numberInRange({ unit: 'seconds', min: 0.1, max: 600, whole: false, fallback: DEFAULT_ALERTMANAGER_TIMEOUT_SECONDS }),
} satisfies Fields;

function checkAlertmanagerPairs(alertmanager: Parsed<typeof ALERTMANAGER_FIELDS>, where: string, reading: Reading): void {
  if ((alertmanager.username === undefined) !== (alertmanager.password === undefined)) {
    reading.issue(`${where}.username`, 'alertmanager.username and alertmanager.password (or passwordFile) go together');
  }
}

function checkWebPairs(web: Parsed<typeof WEB_FIELDS>, where: string, reading: Reading): void {
  if ((web.username === undefined) !== (web.password === undefined)) {
    reading.issue(`${where}.username`, 'web.username and web.password (or passwordFile) go together');
  }
  if ((web.tlsCertFile === undefined) !== (web.tlsKeyFile === undefined)) {
    reading.issue(`${where}.tlsCertFile`, 'web.tlsCertFile and web.tlsKeyFile go together');
  }
}

/** The whole file, in the order its keys are listed and checked. */
export const CONFIG_FIELDS = {
  nexus: section(NEXUS_FIELDS, { whenAbsent: 'undefined' }),
  notary: section(NOTARY_FIELDS, { whenAbsent: 'undefined', presentWithEnv: 'DOCKER_CONTENT_TRUST_SERVER' }),
  database: stringWithDefault(DEFAULT_DATABASE),
  schedule: cronExpression(DEFAULT_SCHEDULE),
  listen: listenAddress(DEFAULT_LISTEN),
  expiryWarningDays: numberInRange({ unit: 'days', min: 0, max: 3650, whole: true, fallback: DEFAULT_EXPIRY_WARNING_DAYS }),
  metrics: section(METRICS_FIELDS, { whenAbsent: 'defaults' }),
  web: section(WEB_FIELDS, { whenAbsent: 'defaults', check: checkWebPairs }),
  events: section(EVENTS_FIELDS, { whenAbsent: 'undefined' }),
  alertmanager: section(ALERTMANAGER_FIELDS, { whenAbsent: 'undefined', check: checkAlertmanagerPairs }),
  /** Contract v1.2: cosign and Notation beside DCT; absent, the audit is DCT's alone (v1.1). */
  signatures: signaturesSection,
  /** Time allowed for one request to Nexus or Notary, connection to last byte. */
  requestTimeoutSeconds: numberInRange({ unit: 'seconds', min: 0.1, max: 600, whole: false, fallback: DEFAULT_REQUEST_TIMEOUT_SECONDS }),
} satisfies Fields;

export type Config = Parsed<typeof CONFIG_FIELDS>;
export type NexusConfig = Parsed<typeof NEXUS_FIELDS>;
export type NotaryConfig = Parsed<typeof NOTARY_FIELDS>;
export type MetricsConfig = Parsed<typeof METRICS_FIELDS>;
export type WebConfig = Parsed<typeof WEB_FIELDS>;
export type EventsConfig = Parsed<typeof EVENTS_FIELDS>;
export type AlertmanagerConfig = Parsed<typeof ALERTMANAGER_FIELDS>;

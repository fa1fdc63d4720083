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
  secret,
  stringWithDefault,
  type ListenAddress,
} from './fields.js';
import { described, section, type Fields, type JsonSchema, type Parsed, type Reading } from './schema.js';
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
  url: described('Base URL of Nexus Repository 3 (its REST API lists the repositories and tags).', httpUrl()),
  username: described('User for Nexus and its Docker connectors; anonymous when absent.', optionalString),
  password: described("The user's password; better from ${VAR} or passwordFile.", password),
  caFile: described('A PEM CA certificate trusted for Nexus, besides the system ones.', optionalString),
  repositories: described('The Docker repositories to audit; absent, every repository of format docker (groups skipped).', repositoryList),
  registrySample: described(
    'Tags per scan whose REST digest is checked again against the registry API (the registry wins on disagreement).',
    numberInRange({ unit: 'tags', min: 0, max: 100_000, whole: true, fallback: 0 })
  ),
} satisfies Fields;

const NOTARY_FIELDS = {
  url: described('The Notary server; absent, $DOCKER_CONTENT_TRUST_SERVER (as docker and notary read it).', httpUrl({ fallbackEnv: 'DOCKER_CONTENT_TRUST_SERVER' })),
  caFile: described('A PEM CA certificate trusted for Notary (the ca.crt docker keeps for the server), besides the system ones.', optionalString),
  username: described("User for Notary's token authentication, when it asks for one.", optionalString),
  password: described("The user's password; better from ${VAR} or passwordFile.", password),
  tokenRealmHosts: described('Hosts of a token server other than Notary itself that may receive the credentials.', hostList),
} satisfies Fields;

const METRICS_FIELDS = {
  tagSeries: described(
    '"all": a trust_auditor_tag_status series per tag; "findings": only for tags that are not signed (for registries with very many tags).',
    oneOf(TAG_SERIES, 'all', 'must be "all" (a series per tag) or "findings" (series only for tags that are not signed)')
  ),
} satisfies Fields;

/** Protection of the daemon's own HTTP endpoints (like the Prometheus exporter-toolkit web config). */
const WEB_FIELDS = {
  username: described('Basic auth for every endpoint but /healthz and /readyz, with password; off when absent.', optionalString),
  password: described('The Basic auth password; better from ${VAR} or passwordFile.', password),
  tlsCertFile: described('Serve HTTPS with this PEM certificate (chain), with tlsKeyFile.', optionalString),
  tlsKeyFile: described("The certificate's PEM private key, with tlsCertFile.", optionalString),
  hosts: described("Host names the endpoints answer to besides IP addresses, localhost and the machine's own name; any other Host is refused (DNS rebinding).", hostList),
  minScanIntervalSeconds: described(
    "POST /api/v1/scans within this many seconds of the last scan's end gets 429.",
    numberInRange({ unit: 'seconds', min: 0, max: 86_400, whole: true, fallback: DEFAULT_MIN_SCAN_INTERVAL_SECONDS })
  ),
  runbookUrl: described(
    'Where the site publishes its copy of docs/runbooks.md: the status page and the alerts pushed to Alertmanager link <runbookUrl>#<alert in lower case>. Absent: $TRUST_AUDITOR_RUNBOOK_URL, else the page names the file.',
    optionalHttpUrl
  ),
  externalUrl: described(
    'The URL people reach the daemon at (a proxy, an Ingress, a Service name), for the status-page links of the alerts pushed to Alertmanager. Absent: http(s)://<this machine>:<listen port>/.',
    optionalHttpUrl
  ),
} satisfies Fields;

/** Audit on push, between scheduled scans (contract v1.1). */
const EVENTS_FIELDS = {
  nexusWebhookSecret: described(
    'The Secret Key of Nexus\'s "Webhook: Repository" capability (HMAC of POST /api/v1/events/nexus); without it the webhook endpoint is off.',
    secret(optionalString)
  ),
  graceSeconds: described(
    'A new tag may stay unsigned this long (docker pushes, then signs) before it is recorded unsigned.',
    numberInRange({ unit: 'seconds', min: 0, max: 86_400, whole: true, fallback: DEFAULT_EVENT_GRACE_SECONDS })
  ),
  notaryChangefeed: described("Also follow Notary's changefeed between scans.", booleanWithDefault(false)),
} satisfies Fields;

/**
 * Direct alerting for sites without Prometheus rules: after every scan and
 * audit on push, the findings are pushed to Alertmanager's v2 API.
 */
const ALERTMANAGER_FIELDS = {
  url: described("Alertmanager's base URL; the alerts go to <url>/api/v2/alerts.", httpUrl()),
  username: described('Basic auth, when Alertmanager sits behind it (its web.config.file or a proxy), with password.', optionalString),
  password: described('The Basic auth password; better from ${VAR} or passwordFile.', password),
  caFile: described("An extra CA (PEM) trusted for Alertmanager's https certificate.", optionalString),
  maxAlerts: described(
    'At most this many findings are pushed, the worst first; the rest are logged as left out.',
    numberInRange({ unit: 'alerts', min: 1, max: 100_000, whole: true, fallback: DEFAULT_ALERTMANAGER_MAX_ALERTS })
  ),
  timeoutSeconds: described(
    'Time allowed for one request to Alertmanager.',
    numberInRange({ unit: 'seconds', min: 0.1, max: 600, whole: false, fallback: DEFAULT_ALERTMANAGER_TIMEOUT_SECONDS })
  ),
} satisfies Fields;

/** username goes with password or passwordFile (alertmanager). */
const PASSWORD_PAIR_SCHEMA: JsonSchema = {
  anyOf: [
    { required: ['username', 'password'] },
    { required: ['username', 'passwordFile'] },
    { not: { anyOf: [{ required: ['username'] }, { required: ['password'] }, { required: ['passwordFile'] }] } },
  ],
};

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

/** checkWebPairs as JSON Schema: each key of a pair needs the other. */
const WEB_PAIRS_SCHEMA: JsonSchema = {
  anyOf: [
    { required: ['username', 'password'] },
    { required: ['username', 'passwordFile'] },
    { not: { anyOf: [{ required: ['username'] }, { required: ['password'] }, { required: ['passwordFile'] }] } },
  ],
  dependencies: { tlsCertFile: ['tlsKeyFile'], tlsKeyFile: ['tlsCertFile'] },
};

/** The whole file, in the order its keys are listed and checked. */
export const CONFIG_FIELDS = {
  nexus: described('The Nexus Repository 3 whose Docker tags are audited; scan and serve need it.', section(NEXUS_FIELDS, { whenAbsent: 'undefined' })),
  notary: described(
    'The Notary server holding the trust data (Docker Content Trust); scan and serve need it, or $DOCKER_CONTENT_TRUST_SERVER.',
    section(NOTARY_FIELDS, { whenAbsent: 'undefined', presentWithEnv: 'DOCKER_CONTENT_TRUST_SERVER' })
  ),
  database: described('The SQLite database file: verdicts, history, pinned roots.', stringWithDefault(DEFAULT_DATABASE)),
  schedule: described('When serve scans: a cron expression (node-cron, five or six fields); quote it, a leading * is YAML syntax.', cronExpression(DEFAULT_SCHEDULE)),
  listen: described("serve's HTTP address: host:port, [v6]:port, :port or a port.", listenAddress(DEFAULT_LISTEN)),
  expiryWarningDays: described(
    'How many days ahead the report, the status page and the alerts warn that trust data expires.',
    numberInRange({ unit: 'days', min: 0, max: 3650, whole: true, fallback: DEFAULT_EXPIRY_WARNING_DAYS })
  ),
  metrics: described('What /metrics exports.', section(METRICS_FIELDS, { whenAbsent: 'defaults' })),
  web: described(
    "Protection of serve's own HTTP endpoints: Basic auth, TLS, allowed host names, the API's rate limit.",
    section(WEB_FIELDS, { whenAbsent: 'defaults', check: checkWebPairs, checkSchema: WEB_PAIRS_SCHEMA })
  ),
  events: described('Audit on push, between scheduled scans (contract v1.1); absent, only scheduled scans.', section(EVENTS_FIELDS, { whenAbsent: 'undefined' })),
  alertmanager: described(
    "Direct alerting for sites without Prometheus rules: after every scan, each finding is pushed to Alertmanager's v2 API and resolved when fixed; absent, nothing is pushed.",
    section(ALERTMANAGER_FIELDS, { whenAbsent: 'undefined', check: checkAlertmanagerPairs, checkSchema: PASSWORD_PAIR_SCHEMA })
  ),
  signatures: described("Contract v1.2: cosign and Notation beside DCT; absent, the audit is DCT's alone (v1.1).", signaturesSection),
  requestTimeoutSeconds: described(
    'Time allowed for one request to Nexus or Notary, connection to last byte.',
    numberInRange({ unit: 'seconds', min: 0.1, max: 600, whole: false, fallback: DEFAULT_REQUEST_TIMEOUT_SECONDS })
  ),
} satisfies Fields;

export type Config = Parsed<typeof CONFIG_FIELDS>;
export type NexusConfig = Parsed<typeof NEXUS_FIELDS>;
export type NotaryConfig = Parsed<typeof NOTARY_FIELDS>;
export type MetricsConfig = Parsed<typeof METRICS_FIELDS>;
export type WebConfig = Parsed<typeof WEB_FIELDS>;
export type EventsConfig = Parsed<typeof EVENTS_FIELDS>;
export type AlertmanagerConfig = Parsed<typeof ALERTMANAGER_FIELDS>;

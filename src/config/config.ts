/**
 * The configuration file's meaning (contract: "Config file"), after parsing and
 * validation. Frozen once loaded; secrets live only in these objects.
 */
export interface RepositoryConfig {
  readonly name: string;
  /** Notary name prefix for this repository's images: GUN = `${gunPrefix}/${image}`. */
  readonly gunPrefix: string;
}

export interface NexusConfig {
  readonly url: URL;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly caFile: string | undefined;
  /** Undefined: every repository of format docker. */
  readonly repositories: readonly RepositoryConfig[] | undefined;
  /** Tags per scan whose REST digest is double-checked against the registry API (default 0). */
  readonly registrySample: number;
}

export interface NotaryConfig {
  readonly url: URL;
  readonly caFile: string | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** Hosts of a token server other than Notary itself that may receive the credentials. */
  readonly tokenRealmHosts: readonly string[];
}

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface MetricsConfig {
  /** 'findings': per-tag series only for tags that are not signed (for registries with very many tags). */
  readonly tagSeries: 'all' | 'findings';
}

/** Protection of the daemon's own HTTP endpoints (like the Prometheus exporter-toolkit web config). */
export interface WebConfig {
  /** Basic auth for every endpoint but /healthz and /readyz, when set. */
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** Serve HTTPS with this certificate and key, when both are set. */
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  /**
   * Host names the endpoints answer to, besides IP addresses, `localhost` and
   * the machine's own name: a request for any other `Host` is refused, so a
   * web page cannot reach the daemon through a DNS name rebound to it.
   */
  readonly hosts: readonly string[];
  /** `POST /api/v1/scans` within this many seconds of the last scan's end gets 429. */
  readonly minScanIntervalSeconds: number;
}

export interface Config {
  readonly metrics: MetricsConfig;
  readonly web: WebConfig;
  /** Time allowed for one request to Nexus or Notary, connection to last byte. */
  readonly requestTimeoutSeconds: number;
  readonly nexus: NexusConfig | undefined;
  readonly notary: NotaryConfig | undefined;
  readonly database: string;
  readonly schedule: string;
  readonly listen: ListenAddress;
  readonly expiryWarningDays: number;
}

export const DEFAULT_DATABASE = './trust-auditor.db';
export const DEFAULT_SCHEDULE = '*/15 * * * *';
export const DEFAULT_LISTEN: ListenAddress = { host: '0.0.0.0', port: 9817 };
export const DEFAULT_EXPIRY_WARNING_DAYS = 7;
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;
export const DEFAULT_MIN_SCAN_INTERVAL_SECONDS = 15;

/**
 * What main.ts hands the commands: the environment, the output and the real
 * things it builds (clients, the store, the server, signal handling), so that
 * the commands hold the policy and main.ts only the wiring.
 */
import type { AlertmanagerConfig, Config, NexusConfig, NotaryConfig, SignaturePolicyConfig } from '../../config/config.js';
import type { Environment } from '../../config/environment.js';
import type { Clock } from '../../lib/clock.js';
import type { HealthProbeResult } from '../../lib/http/health-probe.js';
import type { HttpClient } from '../../lib/http/http-client.js';
import type { Logger } from '../../lib/logger.js';
import type { NotaryFetcher } from '../../notary/notary-fetcher.js';
import type { ArtifactSource } from '../../scan/ports.js';
import type { SignatureAuditPlan } from '../../scan/scan-options.js';
import type { SignatureVerifiers } from '../../scan/signature-checker.js';
import type { ScanDependencies } from '../../scan/scanner.js';
import type { ChangefeedPort } from '../../scheduler/changefeed-follower.js';
import type { ScanStore } from '../../store/scan-store.js';
import type { startCronScheduler } from '../../scheduler/scheduler.js';
import type { startHttpServer } from '../../server/http-server.js';

/** The clients and the store of one `scan` or `serve`. */
export interface ScanContext {
  readonly deps: ScanDependencies;
  readonly store: ScanStore;
  /** Notary's changefeed on the same connection and credentials as the fetcher. */
  readonly changefeed: ChangefeedPort;
  /** Contract v1.2: the policies' verifiers, when the configuration has `signatures`. */
  readonly signatures: SignatureAuditPlan | undefined;
  close(): Promise<void>;
}

/** A Notary client for `inspect`, with its own connections. */
export interface NotaryConnection {
  readonly fetcher: NotaryFetcher;
  close(): Promise<void>;
}

/** A registry API client of one Nexus repository for `inspect --cosign|--notation`, with its own connections. */
export interface RegistryConnection {
  readonly registry: ArtifactSource;
  close(): Promise<void>;
}

/** An HTTP client for Alertmanager (its caFile trusted, no redirects), with its own connections. */
export interface AlertmanagerConnection {
  readonly http: HttpClient;
  close(): Promise<void>;
}

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The process's signal events (process itself). */
export interface Signals {
  on(signal: StopSignal, listener: (signal: NodeJS.Signals) => void): unknown;
  once(signal: StopSignal, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: StopSignal, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface CommandDeps {
  /** The process environment, read through config/environment.ts. */
  readonly env: Environment;
  readonly clock: Clock;
  readonly stdout: (text: string) => void;
  /** Plain lines on stderr (the healthcheck's one-line reason; everything else logs JSON). */
  readonly stderr: (text: string) => void;
  readonly signals: Signals;
  readonly hostName: string;
  readonly nodeVersion: string;
  /** Reads and parses the configuration file; throws UsageError with every issue. */
  loadConfig(file: string): Config;
  /** The JSON logger on stderr at TRUST_AUDITOR_LOG_LEVEL. */
  createLogger(): Logger;
  openScanContext(config: Config, command: 'scan' | 'serve', log: Logger): Promise<ScanContext>;
  connectNotary(notary: NotaryConfig, timeoutMs: number): NotaryConnection;
  /** One system's verifiers of a policy, from the files it names; throws UsageError naming the key. */
  loadSignatureVerifiers(policy: SignaturePolicyConfig, system: 'cosign' | 'notation'): Promise<SignatureVerifiers>;
  connectRegistry(nexus: NexusConfig, repository: string, timeoutMs: number): RegistryConnection;
  /** Throws UsageError naming alertmanager.caFile when it cannot be read. */
  connectAlertmanager(alertmanager: AlertmanagerConfig): AlertmanagerConnection;
  /** The web section's certificate and key; throws when either cannot be read. */
  readTlsFiles(certFile: string, keyFile: string): { cert: string; key: string };
  /**
   * One GET of the daemon's /healthz (healthcheck); with `pinnedCertFile`, over
   * https with that file's first certificate pinned. Throws UsageError when the
   * file cannot be read; every failure of the probe itself is a result.
   */
  probeHealth(url: string, pinnedCertFile: string | undefined, timeoutMs: number): Promise<HealthProbeResult>;
  /** Reads a `caFile` as the clients would; throws UsageError naming `key` when it cannot be used. */
  checkCaFile(caFile: string, key: string): void;
  readonly startHttpServer: typeof startHttpServer;
  readonly startCronScheduler: typeof startCronScheduler;
}

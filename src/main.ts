#!/usr/bin/env node
/**
 * Composition root: the only module that reads the environment, the command
 * line and the file system for configuration, builds the real clients, and
 * turns outcomes into exit statuses. What the commands do is in src/cli/commands/.
 */
import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { rootCertificates } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

import { Agent, type Dispatcher } from 'undici';

import { parseCommandLine } from './cli/args.js';
import type { AlertmanagerConnection, CommandDeps, NotaryConnection, RegistryConnection, ScanContext } from './cli/commands/deps.js';
import { runCommand } from './cli/commands/run-command.js';
import { failureOf, UnavailableError } from './cli/exit-status.js';
import type { AlertmanagerConfig, Config, NexusConfig, NotaryConfig, SignaturePolicyConfig } from './config/config.js';
import { logLevelFrom } from './config/environment.js';
import { parseConfig } from './config/parse-config.js';
import { requireSections } from './config/require-sections.js';
import type { Credentials } from './lib/http/basic-auth.js';
import { systemClock } from './lib/clock.js';
import { describeError, UsageError } from './lib/errors.js';
import { probeHealth } from './lib/http/health-probe.js';
import { createHttpClient } from './lib/http/http-client.js';
import { createJsonLogger, type Logger } from './lib/logger.js';
import { NexusClient } from './nexus/nexus-client.js';
import { NotaryChangefeed } from './notary/changefeed.js';
import { NotaryFetcher } from './notary/notary-fetcher.js';
import { RegistryClient } from './registry/registry-client.js';
import { loadCosignVerifiers } from './cosign/cosign-policy.js';
import { loadNotationVerifiers } from './notation/notation-policy.js';
import type { SignatureAuditPlan } from './scan/scan-options.js';
import type { SignatureVerifiers } from './scan/signature-checker.js';
import type { RepositorySource } from './scan/ports.js';
import { createWorkerVerifier } from './scan/verifier.js';
import { startCronScheduler } from './scheduler/scheduler.js';
import { startHttpServer } from './server/http-server.js';
import { describeDatabaseError, openDatabase, type Db } from './store/database.js';
import { applyMigrations } from './store/migrate.js';
import { ScanStore } from './store/scan-store.js';
import { VERSION } from './version.js';

// A scan keeps little alive (~20-50 MB) but promotes much short-lived garbage;
// with V8's default growing factor (up to 4x the live heap after each full GC
// when the heap limit is large) the main heap reached ~200 MB for ~30 MB
// live. 1.5x keeps it near the live set at no measurable cost in seconds
// (docs/performance.md, "Where the memory went"). Read at every GC, so it
// applies although the heap is already set up.
setFlagsFromString('--heap-growing-percent=50');

const USER_AGENT = `trust-auditor/${VERSION} node/${process.versions.node}`;
const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

function createLogger(): Logger {
  return createJsonLogger({ level: logLevelFrom(process.env), write: (line) => process.stderr.write(line), clock: systemClock });
}

function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read config file ${file}: ${describeError(error)}`);
  }
  const log = createLogger();
  const parsed = parseConfig(text, {
    env: process.env,
    readSecretFile: (path) => {
      const secret = readFileSync(path, 'utf8');
      // As ssh does for a private key: a secret that any user can read is worth a word. Group
      // access is not: Kubernetes mounts Secret files 0440 for the pod's fsGroup, and systemd
      // credentials and Docker secrets are shared with a group in the same way.
      const mode = statSync(path).mode & 0o777;
      if ((mode & 0o007) !== 0) {
        log.warn({ file: path, mode: mode.toString(8) }, 'passwordFile is readable by other users: chmod o-rwx it (600, or 640 for a group)');
      }
      return secret;
    },
  });
  if (!parsed.ok) {
    const lines = parsed.error.map((issue) => `  ${issue.key}: ${issue.message}`);
    throw new UsageError(`invalid configuration in ${file}:\n${lines.join('\n')}`);
  }
  return parsed.value;
}

/** The PEM text of a `caFile`; throws UsageError naming the key when it cannot be read or holds no certificate. */
function readCaFile(caFile: string, key: string): string {
  let ca: string;
  try {
    ca = readFileSync(caFile, 'utf8');
  } catch (error) {
    throw new UsageError(`${key}: cannot read ${caFile}: ${describeError(error)}`);
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(`${key}: ${caFile} holds no PEM certificate`);
  }
  return ca;
}

/** An undici Agent trusting the system CAs plus an optional extra CA file. */
function createDispatcher(caFile: string | undefined, key: string): Dispatcher {
  if (caFile === undefined) {
    return new Agent({ connections: 16 });
  }
  return new Agent({ connections: 16, connect: { ca: [...rootCertificates, readCaFile(caFile, key)] } });
}

function credentialsOf(section: { username: string | undefined; password: string | undefined }): Credentials | undefined {
  return section.username === undefined ? undefined : { username: section.username, password: section.password ?? '' };
}

function openStore(path: string, log: Logger): { db: Db; store: ScanStore } {
  let db: Db;
  try {
    db = openDatabase(path);
    applyMigrations(db, MIGRATIONS_DIR);
  } catch (error) {
    throw new UnavailableError(describeDatabaseError(path, error));
  }
  const store = new ScanStore(db);
  const interrupted = store.markInterruptedScans(systemClock.now().toISOString());
  if (interrupted > 0) {
    log.warn({ interrupted }, 'Scans interrupted by an earlier stop were marked as such');
  }
  return { db, store };
}

/** Builds the real clients and the store for `scan` and `serve`. */
async function openScanContext(config: Config, command: 'scan' | 'serve', log: Logger): Promise<ScanContext> {
  const { nexus: nexusConfig, notary: notaryConfig } = requireSections(config, command);
  // Read before anything is opened: a policy file that cannot be used ends the command with nothing to close.
  const signatures = await loadSignaturePlan(config);
  const nexusDispatcher = createDispatcher(nexusConfig.caFile, 'nexus.caFile');
  const notaryDispatcher = createDispatcher(notaryConfig.caFile, 'notary.caFile');
  const { db, store } = openStore(config.database, log);
  const timeoutMs = config.requestTimeoutSeconds * 1000;
  const nexusHttp = createHttpClient({ dispatcher: nexusDispatcher, userAgent: USER_AGENT, timeoutMs });
  const notaryHttp = createHttpClient({ dispatcher: notaryDispatcher, userAgent: USER_AGENT, timeoutMs });
  const nexusCredentials = credentialsOf(nexusConfig);
  const nexus = new NexusClient({
    baseUrl: nexusConfig.url,
    http: nexusHttp,
    credentials: nexusCredentials,
    clock: systemClock,
    onRetry: (what, error, delayMs) => log.warn({ what, code: error.code, delayMs: Math.round(delayMs) }, 'Retrying Nexus request'),
  });
  const registries = new Map<string, RegistryClient>();
  const registryFor = (repository: string): RegistryClient => {
    let client = registries.get(repository);
    if (client === undefined) {
      client = new RegistryClient({ baseUrl: nexus.registryBase(repository), http: nexusHttp, credentials: nexusCredentials });
      registries.set(repository, client);
    }
    return client;
  };
  // Registry API requests go to Nexus too and count against its request budget.
  const nexusSource: RepositorySource = {
    get requests() {
      let total = nexus.requests;
      for (const client of registries.values()) {
        total += client.requests;
      }
      return total;
    },
    listDockerRepositories: (signal) => nexus.listDockerRepositories(signal),
    gunPrefixOf: (repository, signal) => nexus.gunPrefixOf(repository, signal),
    listTags: (repository, signal) => nexus.listTags(repository, signal),
  };
  const notaryAccess = { baseUrl: notaryConfig.url, http: notaryHttp, credentials: credentialsOf(notaryConfig), tokenRealmHosts: notaryConfig.tokenRealmHosts };
  const notary = new NotaryFetcher(notaryAccess);
  const verifier = createWorkerVerifier();
  return {
    deps: { nexus: nexusSource, notary, registryFor, store, clock: systemClock, log, verifier },
    store,
    signatures,
    changefeed: new NotaryChangefeed(notaryAccess),
    async close() {
      await Promise.all([nexusDispatcher.close(), notaryDispatcher.close(), verifier.close()]);
      db.close();
    },
  };
}

/** Contract v1.2: each policy's verifiers, from the files it names; a file that cannot be used is a UsageError. */
async function loadSignaturePlan(config: Config): Promise<SignatureAuditPlan | undefined> {
  if (config.signatures === undefined) {
    return undefined;
  }
  const policies = new Map<string, SignatureVerifiers>();
  for (const policy of config.signatures.policies) {
    policies.set(policy.name, await loadPolicyVerifiers(policy, ['cosign', 'notation']));
  }
  return { policies };
}

/** The verifiers of `systems` that the policy has, read from its files. */
async function loadPolicyVerifiers(policy: SignaturePolicyConfig, systems: readonly ('cosign' | 'notation')[]): Promise<SignatureVerifiers> {
  const readBytes = (path: string): Buffer => readFileSync(path);
  const where = `signatures.policies.${policy.name}`;
  const cosign = policy.cosign === undefined || !systems.includes('cosign') ? undefined : loadCosignVerifiers(policy.cosign, `${where}.cosign`, readBytes);
  const notation = policy.notation === undefined || !systems.includes('notation') ? undefined : await loadNotationVerifiers(policy.notation, `${where}.notation`);
  return { policy: policy.name, fingerprint: `${cosign?.fingerprint ?? '-'}/${notation?.fingerprint ?? '-'}`, cosign, notation };
}

/** A registry client of one repository for `inspect --cosign|--notation`, on connections of its own. */
function connectRegistry(nexusConfig: NexusConfig, repository: string, timeoutMs: number): RegistryConnection {
  const dispatcher = createDispatcher(nexusConfig.caFile, 'nexus.caFile');
  const http = createHttpClient({ dispatcher, userAgent: USER_AGENT, timeoutMs });
  const credentials = credentialsOf(nexusConfig);
  const nexus = new NexusClient({ baseUrl: nexusConfig.url, http, credentials, clock: systemClock });
  return {
    registry: new RegistryClient({ baseUrl: nexus.registryBase(repository), http, credentials }),
    close: () => dispatcher.close(),
  };
}

/** Alertmanager on connections of its own; a redirected POST fails rather than being replayed. */
function connectAlertmanager(alertmanager: AlertmanagerConfig): AlertmanagerConnection {
  const dispatcher = createDispatcher(alertmanager.caFile, 'alertmanager.caFile');
  const http = createHttpClient({ dispatcher, userAgent: USER_AGENT, timeoutMs: alertmanager.timeoutSeconds * 1000, maxRedirects: 0 });
  return { http, close: () => dispatcher.close() };
}

function connectNotary(notary: NotaryConfig, timeoutMs: number): NotaryConnection {
  const dispatcher = createDispatcher(notary.caFile, 'notary.caFile');
  const http = createHttpClient({ dispatcher, userAgent: USER_AGENT, timeoutMs });
  return {
    fetcher: new NotaryFetcher({ baseUrl: notary.url, http, credentials: credentialsOf(notary), tokenRealmHosts: notary.tokenRealmHosts }),
    close: () => dispatcher.close(),
  };
}

const deps: CommandDeps = {
  env: process.env,
  clock: systemClock,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  signals: process,
  hostName: hostname(),
  nodeVersion: process.versions.node,
  loadConfig,
  createLogger,
  openScanContext,
  connectNotary,
  loadSignatureVerifiers: (policy, system) => loadPolicyVerifiers(policy, [system]),
  connectRegistry,
  connectAlertmanager,
  readTlsFiles: (certFile, keyFile) => ({ cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') }),
  probeHealth: (url, pinnedCertFile, timeoutMs) => {
    let pinnedCertificate: string | undefined;
    if (pinnedCertFile !== undefined) {
      try {
        pinnedCertificate = readFileSync(pinnedCertFile, 'utf8');
      } catch (error) {
        throw new UsageError(`web.tlsCertFile: cannot read ${pinnedCertFile}: ${describeError(error)}`);
      }
    }
    return probeHealth({ url, pinnedCertificate, timeoutMs });
  },
  checkCaFile: (caFile, key) => void readCaFile(caFile, key),
  startHttpServer,
  startCronScheduler,
};

try {
  process.exitCode = await runCommand(parseCommandLine(process.argv.slice(2)), deps);
} catch (error) {
  const failure = failureOf(error);
  process.stderr.write(failure.stderr);
  process.exitCode = failure.status;
}

#!/usr/bin/env node
/**
 * Composition root: the only module that reads the environment, the command
 * line and the file system for configuration, builds the real clients, and
 * turns outcomes into exit statuses.
 */
import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { rootCertificates } from 'node:tls';

import { Agent, type Dispatcher } from 'undici';

import { fileURLToPath } from 'node:url';

import { parseCommandLine, USAGE, type Command } from './cli/args.js';
import { runInspect } from './cli/inspect.js';
import { terminalSafeLines } from './cli/format.js';
import { renderScanHuman, renderScanJson, scanExitStatus, ScanReport } from './cli/scan-report.js';
import type { Config, NexusConfig, NotaryConfig } from './config/config.js';
import { parseConfig } from './config/parse-config.js';
import type { Credentials } from './lib/http/basic-auth.js';
import { systemClock } from './lib/clock.js';
import { describeError, UsageError } from './lib/errors.js';
import { createHttpClient, type HttpClient } from './lib/http/http-client.js';
import { createJsonLogger, type Logger } from './lib/logger.js';
import { isValidGun } from './lib/reference.js';
import { NexusClient } from './nexus/nexus-client.js';
import { NotaryFetcher } from './notary/notary-fetcher.js';
import { RegistryClient } from './registry/registry-client.js';
import type { RepositorySource } from './scan/ports.js';
import { AuditService } from './scheduler/audit-service.js';
import { runScan, type ScanDependencies } from './scan/scanner.js';
import { createWorkerVerifier } from './scan/verifier.js';
import { createMetrics } from './metrics/metrics.js';
import { scheduleIntervalSeconds } from './scheduler/interval.js';
import { startCronScheduler, type Scheduler } from './scheduler/scheduler.js';
import { startHttpServer } from './server/http-server.js';
import { describeDatabaseError, openDatabase, type Db } from './store/database.js';
import { applyMigrations } from './store/migrate.js';
import { ScanStore } from './store/scan-store.js';
import { VERSION } from './version.js';

const EXIT_USAGE = 2;
const EXIT_UNAVAILABLE = 3;
const INSPECT_TIMEOUT_MS = 30_000;
const USER_AGENT = `trust-auditor/${VERSION} node/${process.versions.node}`;
const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** A failure that ends the command with exit status 3 (Nexus or the database unreachable). */
class UnavailableError extends Error {}

function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read config file ${file}: ${describeError(error)}`);
  }
  const parsed = parseConfig(text, {
    env: process.env,
    readSecretFile: (path) => {
      const text = readFileSync(path, 'utf8');
      // As ssh does for a private key: a secret that others can read is worth a word.
      const mode = statSync(path).mode & 0o777;
      if ((mode & 0o077) !== 0) {
        createLogger().warn({ file: path, mode: mode.toString(8) }, 'passwordFile is readable by group or others: chmod 600 it');
      }
      return text;
    },
  });
  if (!parsed.ok) {
    const lines = parsed.error.map((issue) => `  ${issue.key}: ${issue.message}`);
    throw new UsageError(`invalid configuration in ${file}:\n${lines.join('\n')}`);
  }
  return parsed.value;
}

/** An undici Agent trusting the system CAs plus an optional extra CA file. */
function createDispatcher(caFile: string | undefined, key: string): Dispatcher {
  if (caFile === undefined) {
    return new Agent({ connections: 16 });
  }
  let ca: string;
  try {
    ca = readFileSync(caFile, 'utf8');
  } catch (error) {
    throw new UsageError(`${key}: cannot read ${caFile}: ${describeError(error)}`);
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(`${key}: ${caFile} holds no PEM certificate`);
  }
  return new Agent({ connections: 16, connect: { ca: [...rootCertificates, ca] } });
}

function credentialsOf(section: { username: string | undefined; password: string | undefined }): Credentials | undefined {
  return section.username === undefined ? undefined : { username: section.username, password: section.password ?? '' };
}

function requireSections(config: Config, command: string): { nexus: NexusConfig; notary: NotaryConfig } {
  if (config.nexus === undefined) {
    throw new UsageError(`${command} needs nexus.url in the configuration`);
  }
  if (config.notary === undefined) {
    throw new UsageError(`${command} needs notary.url in the configuration (or DOCKER_CONTENT_TRUST_SERVER)`);
  }
  return { nexus: config.nexus, notary: config.notary };
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

interface ScanContext {
  readonly deps: ScanDependencies;
  readonly store: ScanStore;
  readonly db: Db;
  close(): Promise<void>;
}

/** Builds the real clients and the store for `scan` and `serve`. */
function createScanContext(config: Config, command: string, log: Logger): ScanContext {
  const { nexus: nexusConfig, notary: notaryConfig } = requireSections(config, command);
  const nexusDispatcher = createDispatcher(nexusConfig.caFile, 'nexus.caFile');
  const notaryDispatcher = createDispatcher(notaryConfig.caFile, 'notary.caFile');
  const { db, store } = openStore(config.database, log);
  const timeoutMs = config.requestTimeoutSeconds * 1000;
  const nexusHttp: HttpClient = createHttpClient({ dispatcher: nexusDispatcher, userAgent: USER_AGENT, timeoutMs });
  const notaryHttp: HttpClient = createHttpClient({ dispatcher: notaryDispatcher, userAgent: USER_AGENT, timeoutMs });
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
  const notary = new NotaryFetcher({ baseUrl: notaryConfig.url, http: notaryHttp, credentials: credentialsOf(notaryConfig), tokenRealmHosts: notaryConfig.tokenRealmHosts });
  const verifier = createWorkerVerifier();
  return {
    deps: { nexus: nexusSource, notary, registryFor, store, clock: systemClock, log, verifier },
    store,
    db,
    async close() {
      await Promise.all([nexusDispatcher.close(), notaryDispatcher.close(), verifier.close()]);
      db.close();
    },
  };
}

function createLogger(): Logger {
  return createJsonLogger({
    level: (process.env['TRUST_AUDITOR_LOG_LEVEL'] as 'debug' | 'info' | 'warn' | 'error' | undefined) ?? 'info',
    write: (line) => process.stderr.write(line),
    clock: systemClock,
  });
}

async function runCommand(command: Command): Promise<number> {
  switch (command.name) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'version':
      process.stdout.write(`trust-auditor ${VERSION}\n`);
      return 0;
    case 'inspect': {
      if (!isValidGun(command.gun)) {
        throw new UsageError(`${JSON.stringify(command.gun)} is not a GUN: expected registry-host[:port]/repository`);
      }
      const config = command.configFile === undefined ? undefined : loadConfig(command.configFile);
      const notary = config !== undefined ? config.notary : notaryFromUrl(command.notaryUrl ?? process.env['DOCKER_CONTENT_TRUST_SERVER']);
      if (notary === undefined) {
        throw new UsageError('no Notary server: pass --notary URL, --config FILE with notary.url, or set DOCKER_CONTENT_TRUST_SERVER');
      }
      const dispatcher = createDispatcher(notary.caFile, 'notary.caFile');
      try {
        const http = createHttpClient({ dispatcher, userAgent: USER_AGENT, timeoutMs: config === undefined ? INSPECT_TIMEOUT_MS : config.requestTimeoutSeconds * 1000 });
        const fetcher = new NotaryFetcher({ baseUrl: notary.url, http, credentials: credentialsOf(notary), tokenRealmHosts: notary.tokenRealmHosts });
        return await runInspect({
          gun: command.gun,
          json: command.json,
          now: command.at ?? systemClock.now(),
          forecast: command.at !== undefined && command.at.getTime() > systemClock.now().getTime(),
          fetcher,
          stdout: (text) => process.stdout.write(text),
        });
      } finally {
        await dispatcher.close();
      }
    }
    case 'scan': {
      const config = loadConfig(command.configFile);
      const log = createLogger();
      const context = createScanContext(config, 'scan', log);
      const abort = new AbortController();
      // The abort's reason is the signal's name: the scan's error says what stopped it.
      const onSignal = (signal: NodeJS.Signals): void => {
        log.warn({ signal }, 'Stopping the scan');
        abort.abort(signal);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const report = new ScanReport(command.json ? 'all' : 'findings');
        const result = await runScan(context.deps, {
          repositories: config.nexus?.repositories,
          registrySample: config.nexus?.registrySample ?? 0,
          evaluateAt: command.at,
          expiryWarningMs: config.expiryWarningDays * 86_400_000,
          signal: abort.signal,
          listener: report,
        });
        process.stdout.write(command.json ? renderScanJson(result, report) : renderScanHuman(result, report));
        return scanExitStatus(result);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await context.close();
      }
    }
    case 'serve':
      return serve(loadConfig(command.configFile));
  }
}

/**
 * Contract: on SIGTERM, let the running scan finish or abort it within 10 s
 * (README and docs/runbooks.md say the same). The scan gets 8 s to finish; the
 * last 2 s are kept for the abort, closing the database and exiting.
 */
const SHUTDOWN_GRACE_MS = 8_000;

async function serve(config: Config): Promise<number> {
  const log = createLogger();
  const runbookUrl = runbookUrlFromEnv();
  const context = createScanContext(config, 'serve', log);
  const { store } = context;
  const metrics = createMetrics({
    version: VERSION,
    nodeVersion: process.versions.node,
    defaultMetrics: true,
    expiryWarningSeconds: config.expiryWarningDays * 86_400,
    scanIntervalSeconds: scheduleIntervalSeconds(config.schedule, systemClock.now()),
  });
  const service = new AuditService({
    deps: context.deps,
    store,
    metrics,
    clock: systemClock,
    log,
    scanOptions: {
      repositories: config.nexus?.repositories,
      registrySample: config.nexus?.registrySample ?? 0,
      expiryWarningMs: config.expiryWarningDays * 86_400_000,
    },
    tagSeries: config.metrics.tagSeries,
  });
  service.loadPrevious();
  const { web } = config;
  let tls: { cert: string; key: string } | undefined;
  if (web.tlsCertFile !== undefined && web.tlsKeyFile !== undefined) {
    try {
      tls = { cert: readFileSync(web.tlsCertFile, 'utf8'), key: readFileSync(web.tlsKeyFile, 'utf8') };
    } catch (error) {
      await context.close();
      throw new UsageError(`web.tlsCertFile / web.tlsKeyFile: ${describeError(error)}`);
    }
  }
  const auth = web.username === undefined || web.password === undefined ? undefined : { username: web.username, password: web.password };
  let server;
  let scheduler: Scheduler | undefined;
  try {
    server = await startHttpServer(
      {
        registry: metrics.registry,
        service,
        store,
        version: VERSION,
        auth,
        tls,
        hostNames: [hostname(), ...web.hosts],
        minScanIntervalMs: web.minScanIntervalSeconds * 1000,
        clock: systemClock,
        expiryWarningDays: config.expiryWarningDays,
        nextScanAt: () => scheduler?.nextRunAt(),
        runbookUrl,
      },
      config.listen.host,
      config.listen.port
    );
  } catch (error) {
    await context.close();
    throw new UnavailableError(`cannot listen on ${config.listen.host}:${config.listen.port}: ${describeError(error)}`);
  }
  scheduler = startCronScheduler(config.schedule, () => void service.trigger('schedule'));
  log.info(
    { listen: `${config.listen.host}:${server.port}`, schedule: config.schedule, database: config.database, version: VERSION },
    'trust-auditor serving: /metrics, /healthz, /readyz, /api/v1/tags, /api/v1/scans, /'
  );
  service.trigger('startup');

  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      log.info({ signal }, 'Shutting down');
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await scheduler.stop();
  await service.stop(SHUTDOWN_GRACE_MS);
  await server.close();
  await context.close();
  log.info({}, 'Stopped cleanly');
  return 0;
}

/** `TRUST_AUDITOR_RUNBOOK_URL`: where docs/runbooks.md is published, for the status page's links. */
function runbookUrlFromEnv(): string | undefined {
  const value = process.env['TRUST_AUDITOR_RUNBOOK_URL'];
  if (value === undefined || value === '') {
    return undefined;
  }
  if (!/^https?:$/.test(URL.parse(value)?.protocol ?? '')) {
    throw new UsageError('TRUST_AUDITOR_RUNBOOK_URL must be an http or https URL');
  }
  return value;
}

function notaryFromUrl(value: string | undefined): Config['notary'] {
  if (value === undefined) {
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--notary ${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`--notary must be an http or https URL`);
  }
  return { url, caFile: undefined, username: undefined, password: undefined, tokenRealmHosts: [] };
}

async function main(): Promise<void> {
  let command: Command;
  try {
    command = parseCommandLine(process.argv.slice(2));
    process.exitCode = await runCommand(command);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`trust-auditor: ${terminalSafeLines(error.message)}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    if (error instanceof UnavailableError) {
      process.stderr.write(`trust-auditor: ${terminalSafeLines(error.message)}\n`);
      process.exitCode = EXIT_UNAVAILABLE;
      return;
    }
    process.stderr.write(`trust-auditor: ${terminalSafeLines(describeError(error))}\n`);
    process.exitCode = EXIT_UNAVAILABLE;
  }
}

await main();

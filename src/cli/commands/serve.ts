/** `trust-auditor serve`: the daemon, from start-up to a clean stop on SIGTERM. */
import { AlertPusher } from '../../alertmanager/alert-pusher.js';
import { FINDING_STATUSES } from '../../alertmanager/finding-alerts.js';
import type { Config } from '../../config/config.js';
import { runbookUrlFrom } from '../../config/environment.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { ScanStore } from '../../store/scan-store.js';
import { describeError, UsageError } from '../../lib/errors.js';
import { createMetrics } from '../../metrics/metrics.js';
import { AuditService } from '../../scheduler/audit-service.js';
import { scheduleIntervalSeconds } from '../../scheduler/interval.js';
import type { Scheduler } from '../../scheduler/scheduler.js';
import { VERSION } from '../../version.js';
import type { Command } from '../args.js';
import { UnavailableError } from '../exit-status.js';
import type { AlertmanagerConnection, CommandDeps } from './deps.js';
import { startEvents } from './events.js';

/**
 * Contract: on SIGTERM, let the running scan finish or abort it within 10 s
 * (README and docs/runbooks.md say the same). The scan gets 8 s to finish; the
 * last 2 s are kept for the abort, closing the database and exiting.
 */
export const SHUTDOWN_GRACE_MS = 8_000;

export async function serveCommand(command: Extract<Command, { name: 'serve' }>, deps: CommandDeps): Promise<number> {
  const config = deps.loadConfig(command.configFile);
  const { clock } = deps;
  const log = deps.createLogger();
  // The configuration's key wins over the older environment variable.
  const runbookUrl = config.web.runbookUrl?.href ?? runbookUrlFrom(deps.env);
  const context = await deps.openScanContext(config, 'serve', log);
  const { store } = context;
  const scanIntervalSeconds = scheduleIntervalSeconds(config.schedule, clock.now());
  const metrics = createMetrics({
    version: VERSION,
    nodeVersion: deps.nodeVersion,
    defaultMetrics: true,
    expiryWarningSeconds: config.expiryWarningDays * 86_400,
    scanIntervalSeconds,
    signatureSeries: config.signatures !== undefined,
  });
  let alerting: { pusher: AlertPusher; connection: AlertmanagerConnection } | undefined;
  try {
    alerting = startAlerting(config, deps, { store, clock, log, runbookUrl, scanIntervalSeconds });
  } catch (error) {
    await context.close();
    throw error;
  }
  const service = new AuditService({
    deps: context.deps,
    store,
    metrics,
    clock,
    log,
    scanOptions: {
      repositories: config.nexus?.repositories,
      registrySample: config.nexus?.registrySample ?? 0,
      expiryWarningMs: config.expiryWarningDays * 86_400_000,
      signatures: context.signatures,
    },
    tagSeries: config.metrics.tagSeries,
    onPublished: alerting === undefined ? undefined : () => alerting.pusher.notify(),
  });
  service.loadPrevious();
  const events =
    config.events === undefined
      ? undefined
      : startEvents({
          events: config.events,
          repositories: config.nexus?.repositories,
          deps: context.deps,
          signatures: context.signatures,
          store,
          changefeed: context.changefeed,
          service,
          metrics,
          clock,
          log,
        });
  const { web } = config;
  let tls: { cert: string; key: string } | undefined;
  if (web.tlsCertFile !== undefined && web.tlsKeyFile !== undefined) {
    try {
      tls = deps.readTlsFiles(web.tlsCertFile, web.tlsKeyFile);
    } catch (error) {
      await context.close();
      throw new UsageError(`web.tlsCertFile / web.tlsKeyFile: ${describeError(error)}`);
    }
  }
  const auth = web.username === undefined || web.password === undefined ? undefined : { username: web.username, password: web.password };
  let server;
  let scheduler: Scheduler | undefined = undefined;
  try {
    server = await deps.startHttpServer(
      {
        registry: metrics.registry,
        service,
        store,
        version: VERSION,
        auth,
        tls,
        hostNames: [deps.hostName, ...web.hosts],
        minScanIntervalMs: web.minScanIntervalSeconds * 1000,
        clock,
        expiryWarningDays: config.expiryWarningDays,
        nextScanAt: () => scheduler?.nextRunAt(),
        runbookUrl,
        nexusWebhook: events?.nexusWebhook,
      },
      config.listen.host,
      config.listen.port
    );
  } catch (error) {
    await alerting?.connection.close();
    await context.close();
    throw new UnavailableError(`cannot listen on ${config.listen.host}:${config.listen.port}: ${describeError(error)}`);
  }
  scheduler = deps.startCronScheduler(config.schedule, () => void service.trigger('schedule'));
  log.info(
    { listen: `${config.listen.host}:${server.port}`, schedule: config.schedule, database: config.database, version: VERSION },
    'trust-auditor serving: /metrics, /healthz, /readyz, /api/v1/tags, /api/v1/scans, /'
  );
  service.trigger('startup');

  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      log.info({ signal }, 'Shutting down');
      deps.signals.off('SIGTERM', onSignal);
      deps.signals.off('SIGINT', onSignal);
      resolve();
    };
    deps.signals.on('SIGTERM', onSignal);
    deps.signals.on('SIGINT', onSignal);
  });
  await scheduler.stop();
  await events?.stop();
  await service.stop(SHUTDOWN_GRACE_MS);
  // A push in flight is aborted: Alertmanager keeps the alerts until their endsAt.
  await alerting?.pusher.stop();
  await alerting?.connection.close();
  await server.close();
  await context.close();
  log.info({}, 'Stopped cleanly');
  return 0;
}

/** A pushed alert fires this many scan intervals unless sent again, so one late or failed scan does not resolve it. */
export const ALERT_HOLD_INTERVALS = 3;
/** ... and never less than this (a schedule of every minute). */
export const MIN_ALERT_HOLD_MS = 10 * 60_000;

/** With `alertmanager` configured: the pusher the audit service tells after each publication. */
function startAlerting(
  config: Config,
  deps: CommandDeps,
  parts: { store: ScanStore; clock: Clock; log: Logger; runbookUrl: string | undefined; scanIntervalSeconds: number }
): { pusher: AlertPusher; connection: AlertmanagerConnection } | undefined {
  const { alertmanager, web, listen } = config;
  if (alertmanager === undefined) {
    return undefined;
  }
  const { store } = parts;
  const connection = deps.connectAlertmanager(alertmanager);
  const scheme = web.tlsCertFile === undefined ? 'http' : 'https';
  const pusher = new AlertPusher({
    http: connection.http,
    url: alertmanager.url,
    credentials: alertmanager.username === undefined || alertmanager.password === undefined ? undefined : { username: alertmanager.username, password: alertmanager.password },
    clock: parts.clock,
    log: parts.log,
    holdMs: Math.max(MIN_ALERT_HOLD_MS, ALERT_HOLD_INTERVALS * parts.scanIntervalSeconds * 1000),
    maxAlerts: alertmanager.maxAlerts,
    runbookUrl: parts.runbookUrl,
    statusPageUrl: web.externalUrl ?? new URL(`${scheme}://${deps.hostName}:${listen.port}/`),
    findings: (limit) => {
      const counts = store.countTagsByStatus();
      return {
        tags: store.tagsInStatusOrder({ statuses: FINDING_STATUSES, limit, offset: 0 }),
        total: FINDING_STATUSES.reduce((sum, status) => sum + (counts[status] ?? 0), 0),
      };
    },
  });
  return { pusher, connection };
}

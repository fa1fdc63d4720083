/**
 * `trust-auditor healthcheck --config FILE`: asks the daemon the configuration
 * describes for /healthz, as Docker's HEALTHCHECK runs it inside the container.
 * It reads the configuration only: no database, no Nexus, no Notary.
 * Exit 0 healthy; 1 unhealthy, with why on stderr; 2 usage or configuration
 * error (Docker counts every status but 0 as a failed check).
 */
import { UsageError } from '../../lib/errors.js';
import type { Command } from '../args.js';
import { terminalSafe } from '../format.js';
import { HEALTHCHECK_TIMEOUT_MS, healthcheckTarget } from '../healthcheck.js';
import type { CommandDeps } from './deps.js';

export const HEALTHCHECK_EXIT = { healthy: 0, unhealthy: 1 } as const;

export async function healthcheckCommand(command: Extract<Command, { name: 'healthcheck' }>, deps: Pick<CommandDeps, 'loadConfig' | 'probeHealth' | 'stdout' | 'stderr'>): Promise<number> {
  const config = deps.loadConfig(command.configFile);
  if (config.listen.port === 0) {
    throw new UsageError('listen: port 0 lets the system choose a port, which the healthcheck cannot know; set a port');
  }
  const target = healthcheckTarget(config);
  const result = await deps.probeHealth(target.url, target.pinnedCertFile, HEALTHCHECK_TIMEOUT_MS);
  if (result.healthy) {
    deps.stdout(`healthy: ${target.url} answered HTTP ${result.status}\n`);
    return HEALTHCHECK_EXIT.healthy;
  }
  deps.stderr(`trust-auditor: unhealthy: ${terminalSafe(result.reason)}\n`);
  return HEALTHCHECK_EXIT.unhealthy;
}

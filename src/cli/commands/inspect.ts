/** `trust-auditor inspect GUN`: which Notary server, then fetch and verify one collection. */
import { notaryFromCommandLine } from '../../config/environment.js';
import { UsageError } from '../../lib/errors.js';
import { isValidGun } from '../../lib/reference.js';
import type { Command } from '../args.js';
import { runInspect } from '../inspect.js';
import type { CommandDeps } from './deps.js';

/** Per request, when no configuration file sets requestTimeoutSeconds. */
const INSPECT_TIMEOUT_MS = 30_000;

export async function inspectCommand(command: Extract<Command, { name: 'inspect' }>, deps: Pick<CommandDeps, 'env' | 'clock' | 'stdout' | 'loadConfig' | 'connectNotary'>): Promise<number> {
  if (!isValidGun(command.gun)) {
    throw new UsageError(`${JSON.stringify(command.gun)} is not a GUN: expected registry-host[:port]/repository`);
  }
  const config = command.configFile === undefined ? undefined : deps.loadConfig(command.configFile);
  const notary = config !== undefined ? config.notary : notaryFromCommandLine(command.notaryUrl, deps.env);
  if (notary === undefined) {
    throw new UsageError('no Notary server: pass --notary URL, --config FILE with notary.url, or set DOCKER_CONTENT_TRUST_SERVER');
  }
  const connection = deps.connectNotary(notary, config === undefined ? INSPECT_TIMEOUT_MS : config.requestTimeoutSeconds * 1000);
  try {
    const now = deps.clock.now();
    return await runInspect({
      gun: command.gun,
      json: command.json,
      now: command.at ?? now,
      forecast: command.at !== undefined && command.at.getTime() > now.getTime(),
      fetcher: connection.fetcher,
      stdout: deps.stdout,
    });
  } finally {
    await connection.close();
  }
}

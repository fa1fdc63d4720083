/**
 * Settings taken from environment variables rather than the configuration
 * file. Pure: the environment is an argument (only main.ts reads process.env).
 */
import { UsageError } from '../lib/errors.js';
import type { LogLevel } from '../lib/logger.js';
import { parseHttpUrl } from './http-url.js';
import type { NotaryConfig } from './config.js';

/** The process environment as main.ts passes it in. */
export type Environment = Readonly<Record<string, string | undefined>>;

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const satisfies readonly LogLevel[];

// Fails to compile when the logger gains a level this list does not name.
const everyLevelListed: Exclude<LogLevel, (typeof LOG_LEVELS)[number]> extends never ? true : never = true;
void everyLevelListed;

/** `TRUST_AUDITOR_LOG_LEVEL`: one of LOG_LEVELS; unset or empty means `info`. */
export function logLevelFrom(env: Environment): LogLevel {
  const value = env['TRUST_AUDITOR_LOG_LEVEL'];
  if (value === undefined || value === '') {
    return 'info';
  }
  const level = LOG_LEVELS.find((known) => known === value);
  if (level === undefined) {
    throw new UsageError(`TRUST_AUDITOR_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(value)}`);
  }
  return level;
}

/** `TRUST_AUDITOR_RUNBOOK_URL`: where docs/runbooks.md is published, for the status page's links. */
export function runbookUrlFrom(env: Environment): string | undefined {
  const value = env['TRUST_AUDITOR_RUNBOOK_URL'];
  if (value === undefined || value === '') {
    return undefined;
  }
  if (!parseHttpUrl(value).ok) {
    throw new UsageError('TRUST_AUDITOR_RUNBOOK_URL must be an http or https URL');
  }
  return value;
}

/**
 * The Notary server of `inspect` without a configuration file: `--notary`, else
 * `DOCKER_CONTENT_TRUST_SERVER` (as the docker and notary clients read it).
 * Undefined when neither is given.
 */
export function notaryFromCommandLine(notaryUrl: string | undefined, env: Environment): NotaryConfig | undefined {
  const value = notaryUrl ?? env['DOCKER_CONTENT_TRUST_SERVER'];
  if (value === undefined) {
    return undefined;
  }
  const url = parseHttpUrl(value);
  if (!url.ok) {
    throw new UsageError(url.error === 'not a URL' ? `--notary ${JSON.stringify(value)} is not a URL` : '--notary must be an http or https URL');
  }
  return { url: url.value, caFile: undefined, username: undefined, password: undefined, tokenRealmHosts: [] };
}

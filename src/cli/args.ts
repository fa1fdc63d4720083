/** The command line (contract: "Commands"), parsed into a value. Pure. */
import { parseArgs } from 'node:util';

import { UsageError } from '../lib/errors.js';
import { parseRfc3339 } from '../notary/core/rfc3339.js';

export type Command =
  | { readonly name: 'help'; readonly topic: string | undefined }
  | { readonly name: 'version' }
  | {
      readonly name: 'inspect';
      readonly gun: string;
      readonly notaryUrl: string | undefined;
      readonly configFile: string | undefined;
      readonly json: boolean;
      readonly at: Date | undefined;
    }
  | { readonly name: 'scan'; readonly configFile: string; readonly json: boolean; readonly at: Date | undefined }
  | { readonly name: 'serve'; readonly configFile: string };

export const USAGE = `Usage: trust-auditor <command> [options]

Audits Docker Content Trust (Notary) signatures of every tag in Sonatype Nexus.

Commands:
  scan --config FILE [--json] [--at ISO8601]
      One audit of everything configured, recorded in the database.
      Exit 0: every tag signed; 1: findings; 2: usage or configuration error;
      3: the scan could not complete.
  inspect GUN [--notary URL | --config FILE] [--json] [--at ISO8601]
      Fetch and fully verify one trust collection, like "notary list" but
      verified. Exit 0: valid; 1: unsigned, invalid or expired; 2: usage error;
      3: trust data could not be fetched.
  serve --config FILE
      The daemon: scans on the configured schedule and serves /metrics,
      /healthz, /readyz and the /api/v1 endpoints.

Options:
  --config FILE   YAML configuration (see README)
  --notary URL    Notary server (default: $DOCKER_CONTENT_TRUST_SERVER)
  --json          machine-readable output on stdout
  --at ISO8601    evaluate expiry at this instant instead of now
  -h, --help      show this help
  --version       show the version
`;

/** RFC 3339, or a plain date meaning midnight UTC. */
export function parseInstant(text: string): Date | undefined {
  const value = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
  return parseRfc3339(value);
}

export function parseCommandLine(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' },
        notary: { type: 'string' },
        json: { type: 'boolean', default: false },
        at: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [name, ...rest] = positionals;
  if (values.version) {
    return { name: 'version' };
  }
  if (values.help || name === undefined || name === 'help') {
    return { name: 'help', topic: name === 'help' ? rest[0] : name };
  }
  const at = values.at === undefined ? undefined : parseInstant(values.at);
  if (values.at !== undefined && at === undefined) {
    throw new UsageError(`--at ${JSON.stringify(values.at)} is not an ISO 8601 instant (e.g. 2027-01-31T00:00:00Z)`);
  }
  const rejectOptions = (command: string, names: readonly (keyof typeof values)[]): void => {
    for (const option of names) {
      const value = values[option];
      if (value !== undefined && value !== false) {
        throw new UsageError(`${command} does not take --${option}`);
      }
    }
  };
  switch (name) {
    case 'inspect': {
      if (rest.length !== 1) {
        throw new UsageError('inspect takes exactly one GUN, e.g. trust-auditor inspect nexus.example.com:18079/app');
      }
      if (values.notary !== undefined && values.config !== undefined) {
        throw new UsageError('inspect takes --notary or --config, not both');
      }
      return { name, gun: rest[0] as string, notaryUrl: values.notary, configFile: values.config, json: values.json, at };
    }
    case 'scan': {
      rejectOptions(name, ['notary']);
      return { name, configFile: requireConfig(name, values.config, rest), json: values.json, at };
    }
    case 'serve': {
      rejectOptions(name, ['notary', 'json', 'at']);
      return { name, configFile: requireConfig(name, values.config, rest) };
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(name)}; run trust-auditor --help`);
  }
}

function requireConfig(command: string, config: string | undefined, rest: readonly string[]): string {
  if (rest.length > 0) {
    throw new UsageError(`${command} takes no arguments besides options (got ${JSON.stringify(rest[0])})`);
  }
  if (config === undefined) {
    throw new UsageError(`${command} needs --config FILE`);
  }
  return config;
}

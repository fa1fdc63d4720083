#!/usr/bin/env node
/**
 * Composition root: the only module that reads the environment, the command
 * line and the file system for configuration, builds the real clients, and
 * turns outcomes into exit statuses.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

import { Agent, type Dispatcher } from 'undici';

import { parseCommandLine, USAGE, type Command } from './cli/args.js';
import { runInspect } from './cli/inspect.js';
import type { Config } from './config/config.js';
import { parseConfig } from './config/parse-config.js';
import { systemClock } from './lib/clock.js';
import { describeError, UsageError } from './lib/errors.js';
import { createHttpClient } from './lib/http-client.js';
import { isValidGun, NotaryFetcher } from './notary/notary-fetcher.js';
import { VERSION } from './version.js';

const EXIT_USAGE = 2;
const EXIT_UNAVAILABLE = 3;
const REQUEST_TIMEOUT_MS = 30_000;
const USER_AGENT = `trust-auditor/${VERSION} node/${process.versions.node}`;

function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read config file ${file}: ${describeError(error)}`);
  }
  const parsed = parseConfig(text, {
    env: process.env,
    readSecretFile: (path) => readFileSync(path, 'utf8'),
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
      const notary =
        command.configFile !== undefined
          ? loadConfig(command.configFile).notary
          : notaryFromUrl(command.notaryUrl ?? process.env['DOCKER_CONTENT_TRUST_SERVER']);
      if (notary === undefined) {
        throw new UsageError('no Notary server: pass --notary URL, --config FILE with notary.url, or set DOCKER_CONTENT_TRUST_SERVER');
      }
      const dispatcher = createDispatcher(notary.caFile, 'notary.caFile');
      try {
        const http = createHttpClient({ dispatcher, userAgent: USER_AGENT, timeoutMs: REQUEST_TIMEOUT_MS });
        const credentials =
          notary.username === undefined ? undefined : { username: notary.username, password: notary.password ?? '' };
        const fetcher = new NotaryFetcher({ baseUrl: notary.url, http, credentials });
        return await runInspect({
          gun: command.gun,
          json: command.json,
          now: command.at ?? systemClock.now(),
          fetcher,
          stdout: (text) => process.stdout.write(text),
        });
      } finally {
        await dispatcher.close();
      }
    }
    case 'scan':
    case 'serve':
      throw new UsageError(`${command.name} is not available in this build yet`);
  }
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
  return { url, caFile: undefined, username: undefined, password: undefined };
}

async function main(): Promise<void> {
  let command: Command;
  try {
    command = parseCommandLine(process.argv.slice(2));
    process.exitCode = await runCommand(command);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`trust-auditor: ${error.message}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    process.stderr.write(`trust-auditor: ${describeError(error)}\n`);
    process.exitCode = EXIT_UNAVAILABLE;
  }
}

await main();

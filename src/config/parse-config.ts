/**
 * Parses and validates the YAML configuration file in one pass, reporting every
 * problem at once with the key it concerns. Pure: the environment and the
 * secret-file reader are passed in (only main.ts touches process.env and fs).
 */
import { validate as validateCron } from 'node-cron';
import { isAlias, parseDocument, visit, type Document, type YAMLError } from 'yaml';

import { isValidGunPrefix } from '../lib/reference.js';
import { err, ok, type Result } from '../lib/result.js';
import {
  DEFAULT_DATABASE,
  DEFAULT_EXPIRY_WARNING_DAYS,
  DEFAULT_LISTEN,
  DEFAULT_MIN_SCAN_INTERVAL_SECONDS,
  DEFAULT_REQUEST_TIMEOUT_SECONDS,
  DEFAULT_SCHEDULE,
  type Config,
  type ListenAddress,
  type NexusConfig,
  type NotaryConfig,
  type RepositoryConfig,
} from './config.js';

export interface ConfigIssue {
  /** Dotted path of the key, e.g. `nexus.repositories[1].gunPrefix`. */
  readonly key: string;
  readonly message: string;
}

export interface ConfigInputs {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a `passwordFile`; throws with a message on failure. */
  readonly readSecretFile: (path: string) => string;
}

type Tree = { [key: string]: unknown };

const isTree = (value: unknown): value is Tree =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A host name or address with an optional port (as URL.host writes it). */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;


export function parseConfig(text: string, inputs: ConfigInputs): Result<Config, ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  // The first problem found for a key is the one worth reading (an unset
  // variable, not the empty value it leaves behind).
  const issue = (key: string, message: string): undefined => {
    if (!issues.some((existing) => existing.key === key)) {
      issues.push({ key, message });
    }
    return undefined;
  };

  const document = parseDocument(text, { uniqueKeys: true });
  const first = document.errors[0];
  if (first !== undefined) {
    return err([{ key: '(file)', message: yamlErrorMessage(text, first) }]);
  }
  let raw: unknown;
  try {
    raw = document.toJS() ?? {};
  } catch (error) {
    // An alias whose anchor is not set (`schedule: *foo`) parses but cannot be resolved.
    return err([{ key: '(file)', message: yamlErrorMessage(text, error as Error, unresolvedAliasOffset(document)) }]);
  }
  if (!isTree(raw)) {
    return err([{ key: '(file)', message: 'must be a YAML mapping of keys' }]);
  }

  // ${VAR} expansion on string values, after YAML parsing, so that a variable's
  // value can never change the document's structure. `$$` writes a literal `$`.
  // What a value said before expansion is kept for messages: a variable may
  // hold a secret, and an error must never print it.
  const written = new Map<string, string>();
  const expand = (value: unknown, key: string): unknown => {
    if (typeof value === 'string') {
      if (value.includes('$')) {
        written.set(key, value);
      }
      return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string | undefined) => {
        if (name === undefined) {
          return '$';
        }
        const replacement = inputs.env[name];
        if (replacement === undefined) {
          issue(key, `refers to environment variable ${name}, which is not set`);
          return '';
        }
        return replacement;
      });
    }
    if (Array.isArray(value)) {
      return value.map((item, index) => expand(item, `${key}[${index}]`));
    }
    if (isTree(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v, key === '' ? k : `${key}.${k}`)]));
    }
    return value;
  };
  const tree = expand(raw, '') as Tree;

  const hostList = (value: unknown, key: string): string[] => {
    if (value === undefined || value === null) {
      return [];
    }
    if (!Array.isArray(value) || !value.every((host) => typeof host === 'string' && HOST.test(host))) {
      issue(key, 'must be a list of host or host:port names, e.g. [auth.example.com]');
      return [];
    }
    return value as string[];
  };

  /** A value quoted in a message, as the file wrote it (before `${VAR}` expansion). */
  const quoted = (key: string, value: string): string => JSON.stringify(written.get(key) ?? value);

  const checkKeys = (object: Tree, allowed: readonly string[], where: string): void => {
    for (const key of Object.keys(object)) {
      if (!allowed.includes(key)) {
        issue(where === '' ? key : `${where}.${key}`, `is not a known key (known here: ${allowed.join(', ')})`);
      }
    }
  };
  const optionalString = (object: Tree, key: string, where: string): string | undefined => {
    const value = object[key];
    if (value === undefined || value === null) {
      return undefined;
    }
    if (typeof value !== 'string' || value.length === 0) {
      return issue(`${where}.${key}`, 'must be a non-empty string');
    }
    return value;
  };
  const url = (object: Tree, key: string, where: string, fallback: string | undefined): URL | undefined => {
    const value = optionalString(object, key, where) ?? fallback;
    if (value === undefined) {
      return issue(`${where}.${key}`, 'is required');
    }
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      return issue(`${where}.${key}`, `${quoted(`${where}.${key}`, value)} is not a URL`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      return issue(`${where}.${key}`, 'must be an http or https URL');
    }
    if (parsed.username !== '' || parsed.password !== '') {
      return issue(`${where}.${key}`, 'must not carry credentials; use username and password');
    }
    return parsed;
  };
  const password = (object: Tree, where: string): string | undefined => {
    const inline = optionalString(object, 'password', where);
    const file = optionalString(object, 'passwordFile', where);
    if (inline !== undefined && file !== undefined) {
      return issue(`${where}.passwordFile`, 'cannot be combined with password');
    }
    if (file === undefined) {
      return inline;
    }
    try {
      return inputs.readSecretFile(file).replace(/\r?\n$/, '');
    } catch (error) {
      return issue(`${where}.passwordFile`, `cannot be read: ${(error as Error).message}`);
    }
  };
  const section = (key: string): Tree | undefined => {
    const value = tree[key];
    if (value === undefined || value === null) {
      return undefined;
    }
    if (!isTree(value)) {
      return issue(key, 'must be a mapping');
    }
    return value;
  };

  checkKeys(tree, ['nexus', 'notary', 'database', 'schedule', 'listen', 'expiryWarningDays', 'metrics', 'web', 'requestTimeoutSeconds'], '');

  const webTree = section('web') ?? {};
  checkKeys(webTree, ['username', 'password', 'passwordFile', 'tlsCertFile', 'tlsKeyFile', 'hosts', 'minScanIntervalSeconds'], 'web');
  let minScanIntervalSeconds = DEFAULT_MIN_SCAN_INTERVAL_SECONDS;
  const interval = webTree['minScanIntervalSeconds'];
  if (interval !== undefined && interval !== null) {
    if (typeof interval !== 'number' || !Number.isInteger(interval) || interval < 0 || interval > 86_400) {
      issue('web.minScanIntervalSeconds', 'must be a whole number of seconds from 0 to 86400');
    } else {
      minScanIntervalSeconds = interval;
    }
  }
  const web = {
    username: optionalString(webTree, 'username', 'web'),
    password: password(webTree, 'web'),
    tlsCertFile: optionalString(webTree, 'tlsCertFile', 'web'),
    tlsKeyFile: optionalString(webTree, 'tlsKeyFile', 'web'),
    hosts: hostList(webTree['hosts'], 'web.hosts'),
    minScanIntervalSeconds,
  };
  if ((web.username === undefined) !== (web.password === undefined)) {
    issue('web.username', 'web.username and web.password (or passwordFile) go together');
  }
  if ((web.tlsCertFile === undefined) !== (web.tlsKeyFile === undefined)) {
    issue('web.tlsCertFile', 'web.tlsCertFile and web.tlsKeyFile go together');
  }

  let requestTimeoutSeconds = DEFAULT_REQUEST_TIMEOUT_SECONDS;
  const timeout = tree['requestTimeoutSeconds'];
  if (timeout !== undefined && timeout !== null) {
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0.1 || timeout > 600) {
      issue('requestTimeoutSeconds', 'must be a number of seconds from 0.1 to 600');
    } else {
      requestTimeoutSeconds = timeout;
    }
  }

  let tagSeries: 'all' | 'findings' = 'all';
  const metricsTree = section('metrics');
  if (metricsTree !== undefined) {
    checkKeys(metricsTree, ['tagSeries'], 'metrics');
    const value = metricsTree['tagSeries'];
    if (value === 'all' || value === 'findings') {
      tagSeries = value;
    } else if (value !== undefined && value !== null) {
      issue('metrics.tagSeries', 'must be "all" (a series per tag) or "findings" (series only for tags that are not signed)');
    }
  }

  let nexus: NexusConfig | undefined;
  const nexusTree = section('nexus');
  if (nexusTree !== undefined) {
    checkKeys(nexusTree, ['url', 'username', 'password', 'passwordFile', 'caFile', 'repositories', 'registrySample'], 'nexus');
    let registrySample = 0;
    const sample = nexusTree['registrySample'];
    if (sample !== undefined && sample !== null) {
      if (typeof sample !== 'number' || !Number.isInteger(sample) || sample < 0 || sample > 100_000) {
        issue('nexus.registrySample', 'must be a whole number of tags from 0 to 100000');
      } else {
        registrySample = sample;
      }
    }
    nexus = {
      url: url(nexusTree, 'url', 'nexus', undefined) ?? new URL('http://invalid.invalid'),
      username: optionalString(nexusTree, 'username', 'nexus'),
      password: password(nexusTree, 'nexus'),
      caFile: optionalString(nexusTree, 'caFile', 'nexus'),
      repositories: parseRepositories(nexusTree['repositories'], issue),
      registrySample,
    };
  }

  let notary: NotaryConfig | undefined;
  const notaryTree = section('notary') ?? (inputs.env['DOCKER_CONTENT_TRUST_SERVER'] === undefined ? undefined : {});
  if (notaryTree !== undefined) {
    checkKeys(notaryTree, ['url', 'caFile', 'username', 'password', 'passwordFile', 'tokenRealmHosts'], 'notary');
    notary = {
      url: url(notaryTree, 'url', 'notary', inputs.env['DOCKER_CONTENT_TRUST_SERVER']) ?? new URL('http://invalid.invalid'),
      caFile: optionalString(notaryTree, 'caFile', 'notary'),
      username: optionalString(notaryTree, 'username', 'notary'),
      password: password(notaryTree, 'notary'),
      tokenRealmHosts: hostList(notaryTree['tokenRealmHosts'], 'notary.tokenRealmHosts'),
    };
  }

  const database = optionalString(tree, 'database', '') ?? DEFAULT_DATABASE;

  const schedule = optionalString(tree, 'schedule', '') ?? DEFAULT_SCHEDULE;
  if (!validateCron(schedule)) {
    issue('schedule', `${quoted('schedule', schedule)} is not a valid cron expression`);
  }

  const listen = parseListen(tree['listen'], issue) ?? DEFAULT_LISTEN;

  let expiryWarningDays = DEFAULT_EXPIRY_WARNING_DAYS;
  const days = tree['expiryWarningDays'];
  if (days !== undefined && days !== null) {
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 0 || days > 3650) {
      issue('expiryWarningDays', 'must be a whole number of days from 0 to 3650');
    } else {
      expiryWarningDays = days;
    }
  }

  if (issues.length > 0) {
    return err(issues);
  }
  return ok(Object.freeze({ metrics: { tagSeries }, web, requestTimeoutSeconds, nexus, notary, database, schedule, listen, expiryWarningDays }));
}

function parseRepositories(
  value: unknown,
  issue: (key: string, message: string) => undefined
): readonly RepositoryConfig[] | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!Array.isArray(value)) {
    return issue('nexus.repositories', 'must be a list of {name, gunPrefix}');
  }
  const seen = new Set<string>();
  const repositories: RepositoryConfig[] = [];
  for (const [index, item] of value.entries()) {
    const where = `nexus.repositories[${index}]`;
    if (!isTree(item)) {
      issue(where, 'must be a mapping with name and gunPrefix');
      continue;
    }
    for (const key of Object.keys(item)) {
      if (key !== 'name' && key !== 'gunPrefix') {
        issue(`${where}.${key}`, 'is not a known key (known here: name, gunPrefix)');
      }
    }
    const name = item['name'];
    const gunPrefix = item['gunPrefix'];
    if (typeof name !== 'string' || name.length === 0) {
      issue(`${where}.name`, 'is required and must be a string');
      continue;
    }
    if (seen.has(name)) {
      issue(`${where}.name`, `repository ${JSON.stringify(name)} is listed twice`);
    }
    seen.add(name);
    if (typeof gunPrefix !== 'string' || !isValidGunPrefix(gunPrefix.replace(/\/+$/, ''))) {
      issue(`${where}.gunPrefix`, 'is required: the registry host[:port][/path] that images were pushed to, e.g. nexus.example.com:18079');
      continue;
    }
    repositories.push({ name, gunPrefix: gunPrefix.replace(/\/+$/, '') });
  }
  return repositories;
}

function parseListen(value: unknown, issue: (key: string, message: string) => undefined): ListenAddress | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  const text = typeof value === 'number' ? `:${value}` : value;
  const match = typeof text === 'string' ? /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]*)):(\d{1,5})$/.exec(text) : null;
  const port = match === null ? Number.NaN : Number(match[3]);
  if (match === null || port > 65535) {
    return issue('listen', 'must be host:port, e.g. 0.0.0.0:9817 or [::]:9817');
  }
  return { host: match[1] ?? (match[2] === '' ? '0.0.0.0' : (match[2] as string)), port };
}

/**
 * "not valid YAML at line L, column C: <what>", then the line with a caret under
 * the column, then a hint when the mistake is a known one. The yaml library's
 * own message ends in a frame of its own (lines before, a caret); it is rebuilt
 * here compactly, with an inline password's value hidden.
 */
function yamlErrorMessage(text: string, error: YAMLError | Error, offset?: number): string {
  const what = (error.message.split('\n')[0] ?? 'parse error').replace(/ at line \d+, column \d+:?$/, '');
  const position = 'linePos' in error && error.linePos !== undefined ? error.linePos[0] : offset === undefined ? undefined : linePosOf(text, offset);
  const lines = [position === undefined ? `not valid YAML: ${what}` : `not valid YAML at line ${position.line}, column ${position.col}: ${what}`];
  if (position !== undefined) {
    lines.push(...codeFrame(text, position.line, position.col));
  }
  const cron = unquotedCron(text);
  if (cron !== undefined) {
    lines.push(`    quote the cron expression: schedule: ${JSON.stringify(cron)}`);
  }
  return lines.join('\n');
}

/** 1-based line and column of a character offset, as the yaml library counts them. */
function linePosOf(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: (before[before.length - 1]?.length ?? 0) + 1 };
}

/** The offset of the first alias that names no anchor, if any. */
function unresolvedAliasOffset(document: Document): number | undefined {
  let offset: number | undefined;
  visit(document, {
    Alias(_key, node) {
      if (offset === undefined && isAlias(node) && node.resolve(document) === undefined) {
        offset = node.range?.[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return offset;
}

const FRAME_WIDTH = 100;

/**
 * The source line (numbered) and a caret under the column; with the line before
 * when the caret is at column 1, where the mistake (an unclosed quote or
 * bracket, an indent) is usually on the previous line.
 */
function codeFrame(text: string, line: number, col: number): string[] {
  const sourceLines = text.split('\n');
  const gutterWidth = String(line).length;
  const show = (number: number): string => {
    // A tab is shown as one visible character, so the caret stays under its column.
    let source = (sourceLines[number - 1] ?? '').replace(/\r$/, '').replace(/\t/g, '→');
    // A password written inline in the file must not reach the terminal or a log.
    const secret = /^(\s*(?:-\s+)?["']?password["']?\s*:)\s*\S/.exec(source);
    if (secret !== null) {
      source = `${secret[1]} (value hidden)`;
    }
    return source;
  };
  let source = show(line);
  let column = Math.min(col, source.length + 1);
  if (source.length > FRAME_WIDTH) {
    const start = Math.max(0, Math.min(column - 1 - FRAME_WIDTH / 2, source.length - FRAME_WIDTH));
    source = `${start > 0 ? '…' : ''}${source.slice(start, start + FRAME_WIDTH)}${start + FRAME_WIDTH < source.length ? '…' : ''}`;
    column = column - start + (start > 0 ? 1 : 0);
  }
  const frame: string[] = [];
  if (col === 1 && line > 1) {
    const previous = show(line - 1);
    frame.push(`    ${String(line - 1).padStart(gutterWidth)} | ${previous.length > FRAME_WIDTH ? `${previous.slice(0, FRAME_WIDTH)}…` : previous}`);
  }
  frame.push(`    ${String(line)} | ${source}`, `    ${' '.repeat(gutterWidth)} | ${' '.repeat(Math.max(0, column - 1))}^`);
  return frame;
}

/**
 * The cron expression of a top-level `schedule:` written unquoted starting with
 * `*`, which YAML reads as an alias (every-15-minutes, for one); undefined otherwise.
 */
function unquotedCron(text: string): string | undefined {
  const match = /^schedule[ \t]*:[ \t]+(\*[^\r\n]*?)(?:[ \t]+#[^\r\n]*)?[ \t]*\r?$/m.exec(text);
  return match?.[1];
}

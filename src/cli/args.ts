/** The command line (contract: "Commands"), parsed into a value. Pure. */
import { parseArgs } from 'node:util';

import { UsageError } from '../lib/errors.js';
import { parseRfc3339 } from '../notary/core/rfc3339.js';
import { parseImageReference, type ImageReference } from './image-reference.js';

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
  | {
      /** `inspect IMAGE_REF --cosign|--notation`: one image's signatures of one system, as the scan checks them. */
      readonly name: 'inspect-signatures';
      readonly system: 'cosign' | 'notation';
      readonly reference: ImageReference;
      readonly configFile: string;
      readonly json: boolean;
      readonly at: Date | undefined;
    }
  | { readonly name: 'scan'; readonly configFile: string; readonly json: boolean; readonly at: Date | undefined }
  | { readonly name: 'serve'; readonly configFile: string }
  /** Asks the configured daemon's /healthz from the same machine (Docker's HEALTHCHECK). */
  | { readonly name: 'healthcheck'; readonly configFile: string }
  /** `config check FILE`: the file read as scan and serve read it, printed resolved with secrets masked. */
  | { readonly name: 'config-check'; readonly configFile: string };

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
  inspect IMAGE_REF --cosign|--notation --config FILE [--json] [--at ISO8601]
      Every cosign (or Notation) signature of one image, checked as the scan
      checks it. IMAGE_REF is <gunPrefix>/<image>:<tag> or
      <gunPrefix>/<image>@sha256:<hex>; the repository is the configured one
      with that gunPrefix, the policy its signaturePolicy. Exit 0: verified;
      1: absent, invalid, untrusted or expired; 2: usage error; 3: the
      registry could not be read.
      --json prints {"reference", "repository", "image", "tag", "digest",
      "system", "policy", "at", "referrersMode": "api"|"tag_fallback"|null,
      "status", "reason", "signers", "certificateExpires", "signatures":
      [{"location": "sig_manifest"|"sig_layer"|"bundle_referrer"|
      "notation_referrer", "layer", "digest", "status", "code", "detail",
      "signer", "certificateNotAfter"}]}.
  serve --config FILE
      The daemon: scans on the configured schedule and serves /metrics,
      /healthz, /readyz and the /api/v1 endpoints.
  healthcheck --config FILE
      Ask the daemon that FILE configures for /healthz on this machine (its
      listen port; https with web.tlsCertFile pinned). Reads nothing else:
      no database, no Nexus, no Notary. Exit 0: healthy; 1: unhealthy (why
      on stderr); 2: usage or configuration error.
  config check FILE
      Read FILE as scan and serve do (passwordFiles, CA, TLS and signature
      policy files included; nothing is contacted, no database opened) and
      print the configuration as resolved, defaults filled in and secrets
      masked. Exit 0: valid; 2: every problem on stderr, with its key.

Options:
  --config FILE   YAML configuration (see README)
  --notary URL    Notary server (default: $DOCKER_CONTENT_TRUST_SERVER)
  --cosign        inspect: the image's cosign signatures (.sig and bundles)
  --notation      inspect: the image's Notation signatures
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

const OPTIONS = {
  config: { type: 'string' },
  notary: { type: 'string' },
  json: { type: 'boolean', default: false },
  at: { type: 'string' },
  cosign: { type: 'boolean', default: false },
  notation: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', default: false },
} as const;

const COMMANDS = ['scan', 'inspect', 'serve', 'healthcheck', 'config', 'help'] as const;

/** What a string option's value stands for, as USAGE writes it. */
const VALUE_NAMES: Readonly<Record<string, string>> = { config: 'FILE', notary: 'URL', at: 'ISO8601' };

const SEE_HELP = 'see trust-auditor --help';

/**
 * The command line's mistakes in the tool's words (parseArgs' own messages
 * talk about its API: "To specify a positional argument starting with a '-'…").
 */
function checkTokens(argv: readonly string[]): void {
  const { tokens } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: false, tokens: true });
  const first = tokens.find((token) => token.kind === 'positional');
  const command = first !== undefined && (COMMANDS as readonly string[]).includes(first.value) ? first.value : undefined;
  const forCommand = command === undefined || command === 'help' ? '' : ` for ${command}`;
  for (const token of tokens) {
    if (token.kind !== 'option') {
      continue;
    }
    const option = (OPTIONS as Readonly<Record<string, { type: string }>>)[token.name];
    if (option === undefined) {
      const guess = closestOption(token.name);
      throw new UsageError(`unknown option ${token.rawName}${forCommand}${guess === undefined ? '' : ` (did you mean --${guess}?)`}; ${SEE_HELP}`);
    }
    const form = `${token.rawName} ${VALUE_NAMES[token.name] ?? ''}`.trimEnd();
    if (option.type === 'string' && (token.value === undefined || (token.inlineValue === false && token.value.startsWith('-')))) {
      const followed = token.value === undefined ? '' : ` (${token.value} is an option; write ${token.rawName}=${token.value} if it is the value)`;
      throw new UsageError(`${token.rawName} needs a value${forCommand}: ${form}${followed}; ${SEE_HELP}`);
    }
    if (option.type === 'boolean' && token.value !== undefined) {
      throw new UsageError(`${token.rawName} takes no value${forCommand} (got ${token.rawName}=${token.value}); ${SEE_HELP}`);
    }
  }
}

/** A known option a mistyped one was probably meant to be (edit distance at most 2). */
function closestOption(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of Object.keys(OPTIONS)) {
    const distance = editDistance(name.toLowerCase(), candidate);
    if (distance <= Math.min(2, candidate.length - 2) && (best === undefined || distance < best.distance)) {
      best = { name: candidate, distance };
    }
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

export function parseCommandLine(argv: readonly string[]): Command {
  checkTokens(argv);
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: OPTIONS });
  } catch (error) {
    // checkTokens reports every mistake parseArgs knows of; this is a safety net.
    throw new UsageError(`${(error as Error).message.split('\n')[0] ?? 'invalid command line'}; ${SEE_HELP}`);
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
        throw new UsageError(`${command} does not take --${option}; ${SEE_HELP}`);
      }
    }
  };
  switch (name) {
    case 'inspect': {
      if (values.cosign || values.notation) {
        return inspectSignatures(values, rest, at);
      }
      if (rest.length !== 1) {
        const got = rest.length === 0 ? 'none' : rest.map((value) => JSON.stringify(value)).join(', ');
        throw new UsageError(`inspect takes exactly one GUN (got ${got}), e.g. trust-auditor inspect nexus.example.com:18079/app; ${SEE_HELP}`);
      }
      if (values.notary !== undefined && values.config !== undefined) {
        throw new UsageError(`inspect takes --notary or --config, not both; ${SEE_HELP}`);
      }
      return { name, gun: rest[0] as string, notaryUrl: values.notary, configFile: values.config, json: values.json, at };
    }
    case 'scan': {
      rejectOptions(name, ['notary', 'cosign', 'notation']);
      return { name, configFile: requireConfig(name, values.config, rest), json: values.json, at };
    }
    case 'serve': {
      rejectOptions(name, ['notary', 'json', 'at', 'cosign', 'notation']);
      return { name, configFile: requireConfig(name, values.config, rest) };
    }
    case 'healthcheck': {
      rejectOptions(name, ['notary', 'json', 'at', 'cosign', 'notation']);
      return { name, configFile: requireConfig(name, values.config, rest) };
    }
    case 'config': {
      rejectOptions('config check', ['config', 'notary', 'json', 'at', 'cosign', 'notation']);
      return configCheck(rest);
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(name)} (commands: scan, inspect, serve, healthcheck, config check); ${SEE_HELP}`);
  }
}

/** `inspect IMAGE_REF --cosign|--notation --config FILE`: the signatures are read from Nexus, the policy from the configuration. */
function inspectSignatures(
  values: { readonly cosign: boolean; readonly notation: boolean; readonly notary?: string | undefined; readonly config?: string | undefined; readonly json: boolean },
  rest: readonly string[],
  at: Date | undefined
): Command {
  if (values.cosign && values.notation) {
    throw new UsageError(`inspect takes --cosign or --notation, not both; ${SEE_HELP}`);
  }
  const system = values.cosign ? 'cosign' : 'notation';
  if (values.notary !== undefined) {
    throw new UsageError(`inspect --${system} does not take --notary (the signatures are read from Nexus); ${SEE_HELP}`);
  }
  if (rest.length !== 1) {
    const got = rest.length === 0 ? 'none' : rest.map((value) => JSON.stringify(value)).join(', ');
    throw new UsageError(
      `inspect --${system} takes exactly one image reference (got ${got}), e.g. trust-auditor inspect nexus.example.com:18079/app:1.0 --${system} --config FILE; ${SEE_HELP}`
    );
  }
  const text = rest[0] as string;
  const reference = parseImageReference(text);
  if (reference === undefined) {
    throw new UsageError(`${JSON.stringify(text)} is not an image reference: expected <gunPrefix>/<image>:<tag> or <gunPrefix>/<image>@sha256:<64 hex>; ${SEE_HELP}`);
  }
  if (values.config === undefined) {
    throw new UsageError(`inspect --${system} needs --config FILE (the repository, its signature policy and Nexus come from it); ${SEE_HELP}`);
  }
  return { name: 'inspect-signatures', system, reference, configFile: values.config, json: values.json, at };
}

function requireConfig(command: string, config: string | undefined, rest: readonly string[]): string {
  if (rest.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])} for ${command} (it takes only options); ${SEE_HELP}`);
  }
  if (config === undefined) {
    throw new UsageError(`${command} needs --config FILE; ${SEE_HELP}`);
  }
  return config;
}

/** `config check FILE`: the file is the argument (the one thing the command reads). */
function configCheck(rest: readonly string[]): Command {
  const [action, file, ...extra] = rest;
  if (action !== 'check') {
    throw new UsageError(`config takes the action check (got ${action === undefined ? 'none' : JSON.stringify(action)}): trust-auditor config check FILE; ${SEE_HELP}`);
  }
  if (file === undefined || extra.length > 0) {
    throw new UsageError(`config check takes exactly one FILE, e.g. trust-auditor config check /etc/trust-auditor/config.yaml; ${SEE_HELP}`);
  }
  return { name: 'config-check', configFile: file };
}

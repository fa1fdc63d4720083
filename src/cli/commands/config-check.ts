/**
 * `trust-auditor config check FILE`: reads the file as scan and serve do (its
 * passwordFiles, CA files, TLS files and signature policy files included) and
 * prints the configuration as resolved, defaults filled in and secrets masked.
 * It contacts neither Nexus nor Notary and opens no database. Every problem
 * found is reported at once, with its key: exit 2; a valid file exits 0.
 */
import { resolvedConfigDocument } from '../../config/resolved-config.js';
import type { Config } from '../../config/config.js';
import { describeError, UsageError } from '../../lib/errors.js';
import { stringify } from 'yaml';

import type { Command } from '../args.js';
import type { CommandDeps } from './deps.js';

export type ConfigCheckDeps = Pick<CommandDeps, 'stdout' | 'loadConfig' | 'loadSignatureVerifiers' | 'readTlsFiles' | 'checkCaFile'>;

export async function configCheckCommand(command: Extract<Command, { name: 'config-check' }>, deps: ConfigCheckDeps): Promise<number> {
  // Throws UsageError listing every problem of the file itself (keys, types, ranges, passwordFiles).
  const config = deps.loadConfig(command.configFile);
  const problems = await fileProblems(config, deps);
  if (problems.length > 0) {
    throw new UsageError(`invalid configuration in ${command.configFile}:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
  }
  deps.stdout(`# ${command.configFile} is valid. As resolved: defaults filled in, secrets masked.\n${stringify(resolvedConfigDocument(config))}`);
  return 0;
}

/** What scan and serve would refuse once the file parsed: a missing section, a file named by a key that cannot be used. */
async function fileProblems(config: Config, deps: ConfigCheckDeps): Promise<string[]> {
  const problems: string[] = [];
  const check = async (action: () => unknown, describe: (error: unknown) => string): Promise<void> => {
    try {
      await action();
    } catch (error) {
      problems.push(describe(error));
    }
  };
  // The key is at the start of a UsageError's message (loadSignatureVerifiers, checkCaFile).
  const asIs = (error: unknown): string => (error instanceof UsageError ? error.message : describeError(error));
  if (config.nexus === undefined) {
    problems.push('nexus.url: is required by scan and serve');
  } else if (config.nexus.caFile !== undefined) {
    const { caFile } = config.nexus;
    await check(() => deps.checkCaFile(caFile, 'nexus.caFile'), asIs);
  }
  if (config.notary === undefined) {
    problems.push('notary.url: is required by scan and serve (or DOCKER_CONTENT_TRUST_SERVER)');
  } else if (config.notary.caFile !== undefined) {
    const { caFile } = config.notary;
    await check(() => deps.checkCaFile(caFile, 'notary.caFile'), asIs);
  }
  const alertmanagerCa = config.alertmanager?.caFile;
  if (alertmanagerCa !== undefined) {
    await check(() => deps.checkCaFile(alertmanagerCa, 'alertmanager.caFile'), asIs);
  }
  const { tlsCertFile, tlsKeyFile } = config.web;
  if (tlsCertFile !== undefined && tlsKeyFile !== undefined) {
    await check(
      () => deps.readTlsFiles(tlsCertFile, tlsKeyFile),
      (error) => `web.tlsCertFile / web.tlsKeyFile: ${describeError(error)}`
    );
  }
  for (const policy of config.signatures?.policies ?? []) {
    for (const system of ['cosign', 'notation'] as const) {
      if (policy[system] !== undefined) {
        await check(() => deps.loadSignatureVerifiers(policy, system), asIs);
      }
    }
  }
  return problems;
}

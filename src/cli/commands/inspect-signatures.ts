/**
 * `trust-auditor inspect IMAGE_REF --cosign|--notation --config FILE`: which
 * configured repository and policy the reference falls under, then the
 * inspection itself (cli/inspect-signatures.ts) on a registry client of that
 * repository. Every mistake of the command line or the configuration is a
 * UsageError before anything is fetched.
 */
import { UsageError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/logger.js';
import type { Command } from '../args.js';
import { repositoryOfReference } from '../image-reference.js';
import { runSignatureInspect } from '../inspect-signatures.js';
import type { CommandDeps } from './deps.js';

export async function inspectSignaturesCommand(
  command: Extract<Command, { name: 'inspect-signatures' }>,
  deps: Pick<CommandDeps, 'clock' | 'stdout' | 'loadConfig' | 'loadSignatureVerifiers' | 'connectRegistry'>
): Promise<number> {
  const { system, reference } = command;
  const config = deps.loadConfig(command.configFile);
  if (config.nexus === undefined) {
    throw new UsageError(`inspect --${system} needs nexus.url in the configuration`);
  }
  const repositories = config.nexus.repositories ?? [];
  const match = repositoryOfReference(reference, repositories);
  if (match === undefined) {
    const known = repositories.map((repository) => repository.gunPrefix);
    throw new UsageError(
      `${JSON.stringify(reference.text)} is under no configured repository: its name must start with the gunPrefix of one of nexus.repositories (known prefixes: ${
        known.length === 0 ? 'none, the configuration lists no repository' : known.join(', ')
      })`
    );
  }
  const { repository, image } = match;
  const policyName = repository.signaturePolicy;
  if (policyName === undefined) {
    throw new UsageError(`repository ${repository.name} has no signaturePolicy: no ${system} policy to check ${JSON.stringify(reference.text)} against`);
  }
  const policy = config.signatures?.policies.find((candidate) => candidate.name === policyName);
  if (policy?.[system] === undefined) {
    throw new UsageError(`policy ${policyName} of repository ${repository.name} has no ${system} part (signatures.policies.${policyName}.${system})`);
  }
  // Read before anything is opened: a policy file that cannot be used ends the command with nothing to close.
  const verifiers = await deps.loadSignatureVerifiers(policy, system);
  const connection = deps.connectRegistry(config.nexus, repository.name, config.requestTimeoutSeconds * 1000);
  try {
    const now = deps.clock.now();
    return await runSignatureInspect({
      reference,
      repository: repository.name,
      image,
      system,
      verifiers,
      registry: connection.registry,
      at: command.at ?? now,
      now: () => deps.clock.now(),
      // All the checker would log is the referrers mode, which the output shows: stderr stays for errors, as inspect's.
      log: silentLogger,
      json: command.json,
      stdout: deps.stdout,
    });
  } finally {
    await connection.close();
  }
}

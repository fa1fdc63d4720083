/** What `scan` and `serve` need from a configuration that is valid but may leave sections out. */
import { UsageError } from '../lib/errors.js';
import type { Config, NexusConfig, NotaryConfig } from './config.js';

export function requireSections(config: Config, command: string): { nexus: NexusConfig; notary: NotaryConfig } {
  if (config.nexus === undefined) {
    throw new UsageError(`${command} needs nexus.url in the configuration`);
  }
  if (config.notary === undefined) {
    throw new UsageError(`${command} needs notary.url in the configuration (or DOCKER_CONTENT_TRUST_SERVER)`);
  }
  return { nexus: config.nexus, notary: config.notary };
}

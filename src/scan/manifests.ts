/**
 * Which manifest a tag serves. Nexus REST gives the digest and size of most
 * tags; the registry API answers for those it does not, and for a sample of
 * the others, so that a Nexus whose REST view drifted from what `docker pull`
 * gets is noticed (docs/nexus-and-registry.md). When the two disagree the
 * registry wins: it is what a pull is served.
 */
import { FetchError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { ServedManifest } from '../notary/core/assess.js';
import type { ManifestSource } from './ports.js';
import type { ScanTally } from './tally.js';

export interface ListedTag {
  readonly repository: string;
  readonly image: string;
  readonly tag: string;
  /** From Nexus REST, when it gave one. */
  readonly digest: string | undefined;
  readonly size: number | undefined;
}

export class ManifestResolver {
  readonly #registryFor: (repository: string) => ManifestSource;
  readonly #tally: ScanTally;
  readonly #log: Logger;
  readonly #signal: AbortSignal | undefined;
  #sampleLeft: number;

  constructor(options: { registryFor: (repository: string) => ManifestSource; registrySample: number; tally: ScanTally; log: Logger; signal: AbortSignal | undefined }) {
    this.#registryFor = options.registryFor;
    this.#sampleLeft = options.registrySample;
    this.#tally = options.tally;
    this.#log = options.log;
    this.#signal = options.signal;
  }

  /** The served manifest, or undefined when neither REST nor the registry API tells it. */
  async served(listed: ListedTag): Promise<ServedManifest | undefined> {
    let served = listed.digest === undefined ? undefined : { digest: listed.digest, size: listed.size };
    const sampled = served !== undefined && this.#sampleLeft > 0;
    if (sampled) {
      this.#sampleLeft--;
    }
    if (served !== undefined && !sampled) {
      return served;
    }
    try {
      const descriptor = await this.#registryFor(listed.repository).getManifestDescriptor(listed.image, listed.tag, this.#signal);
      if (descriptor !== undefined) {
        if (served !== undefined && descriptor.digest !== served.digest) {
          this.#log.warn(
            { repository: listed.repository, image: listed.image, tag: listed.tag, rest: served.digest, registry: descriptor.digest },
            'Nexus REST and registry API disagree on the digest; using the registry'
          );
        }
        served = { digest: descriptor.digest, size: descriptor.size };
      }
    } catch (error) {
      if (!(error instanceof FetchError)) {
        throw error;
      }
      this.#tally.sourceFailure('nexus', error);
    }
    return served;
  }
}

/** The scan's dependencies built from the real clients against a test world, for library-level scan tests. */
import type { Dispatcher } from 'undici';

import { systemClock } from '../../src/lib/clock.js';
import { createHttpClient } from '../../src/lib/http/http-client.js';
import { silentLogger, type Logger } from '../../src/lib/logger.js';
import { NexusClient } from '../../src/nexus/nexus-client.js';
import { NotaryFetcher } from '../../src/notary/notary-fetcher.js';
import { RegistryClient } from '../../src/registry/registry-client.js';
import type { ScanDependencies } from '../../src/scan/scanner.js';
import type { Db } from '../../src/store/database.js';
import { ScanStore } from '../../src/store/scan-store.js';
import type { ScanWorld } from './scan-world.js';

export function scanDependencies(world: ScanWorld, db: Db, dispatcher: Dispatcher, log: Logger = silentLogger): ScanDependencies {
  const http = createHttpClient({ dispatcher, userAgent: 'trust-auditor-test', timeoutMs: 10_000 });
  const nexus = new NexusClient({ baseUrl: new URL(world.nexus.url), http });
  return {
    nexus,
    notary: new NotaryFetcher({ baseUrl: new URL(world.notaryProxy.url), http }),
    registryFor: (repository) => new RegistryClient({ baseUrl: nexus.registryBase(repository), http }),
    store: new ScanStore(db),
    clock: systemClock,
    log,
  };
}

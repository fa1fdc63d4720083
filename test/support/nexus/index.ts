/** The fake Nexus's public API: what tests, the bench and the demo import. */
export { makeManifest } from './model.js';
export { startNexusServer } from './server.js';
export type { FakeManifest, FakeNexus, FakeNexusOptions, FakeNexusUser, FakeRepositoryDefinition, FakeRequestRecord } from './types.js';

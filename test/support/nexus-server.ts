/** Moved to test/support/nexus/; this file goes once its importers point there. */
export * from './nexus/index.js';

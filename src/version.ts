/** The release version: package.json, package-lock.json and the newest release of CHANGELOG.md say the same (test/unit/version.test.ts). */
export const VERSION = '1.0.0';

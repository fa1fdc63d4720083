/** What parseConfig is handed in tests: an environment and passwordFiles from memory (a missing one fails as ENOENT would). */
import type { ConfigInputs } from '../../src/config/parse-config.js';

export function configInputs(env: Record<string, string> = {}, files: Record<string, string> = {}): ConfigInputs {
  return {
    env,
    readSecretFile: (path: string): string => {
      const content = files[path];
      if (content === undefined) {
        throw new Error(`ENOENT: no such file ${path}`);
      }
      return content;
    },
  };
}

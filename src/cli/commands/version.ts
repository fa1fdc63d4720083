/** `trust-auditor --version`. */
import { VERSION } from '../../version.js';
import type { CommandDeps } from './deps.js';

export function runVersion(deps: Pick<CommandDeps, 'stdout'>): number {
  deps.stdout(`trust-auditor ${VERSION}\n`);
  return 0;
}

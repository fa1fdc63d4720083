/** `trust-auditor help` / `--help`. */
import { USAGE } from '../args.js';
import type { CommandDeps } from './deps.js';

export function runHelp(deps: Pick<CommandDeps, 'stdout'>): number {
  deps.stdout(USAGE);
  return 0;
}

/** Runs the command the command line names; returns its exit status. */
import type { Command } from '../args.js';
import { configCheckCommand } from './config-check.js';
import type { CommandDeps } from './deps.js';
import { healthcheckCommand } from './healthcheck.js';
import { runHelp } from './help.js';
import { inspectCommand } from './inspect.js';
import { inspectSignaturesCommand } from './inspect-signatures.js';
import { scanCommand } from './scan.js';
import { serveCommand } from './serve.js';
import { runVersion } from './version.js';

export async function runCommand(command: Command, deps: CommandDeps): Promise<number> {
  switch (command.name) {
    case 'help':
      return runHelp(deps);
    case 'version':
      return runVersion(deps);
    case 'inspect':
      return inspectCommand(command, deps);
    case 'inspect-signatures':
      return inspectSignaturesCommand(command, deps);
    case 'scan':
      return scanCommand(command, deps);
    case 'serve':
      return serveCommand(command, deps);
    case 'healthcheck':
      return healthcheckCommand(command, deps);
    case 'config-check':
      return configCheckCommand(command, deps);
  }
}

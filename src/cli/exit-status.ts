/** How a command's failure becomes a message on stderr and an exit status. */
import { BaseError, describeError, UsageError } from '../lib/errors.js';
import { terminalSafeLines } from './format.js';

export const EXIT_USAGE = 2;
export const EXIT_UNAVAILABLE = 3;

/** A failure that ends the command with exit status 3 (Nexus or the database unreachable). */
export class UnavailableError extends BaseError<'UNAVAILABLE'> {
  constructor(message: string) {
    super('UNAVAILABLE', message);
  }
}

/** Usage mistakes exit 2; anything else that stopped the command, 3. */
export function failureOf(error: unknown): { readonly status: number; readonly stderr: string } {
  const message = error instanceof UsageError || error instanceof UnavailableError ? error.message : describeError(error);
  return { status: error instanceof UsageError ? EXIT_USAGE : EXIT_UNAVAILABLE, stderr: `trust-auditor: ${terminalSafeLines(message)}\n` };
}

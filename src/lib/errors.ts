/**
 * The one thrown error shape (sigstore's `BaseError`): a message for people and a
 * code from a closed union for programs. Thrown only at I/O edges and converted to
 * values or exit codes by the caller.
 */
export class BaseError<C extends string> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = this.constructor.name;
  }
}

/** Why a request to Nexus, a registry or Notary failed. Used as a metric label. */
export const FETCH_ERROR_CODES = ['CONNECTION', 'TIMEOUT', 'TLS', 'HTTP_4XX', 'HTTP_5XX', 'AUTH', 'TOO_LARGE', 'REDIRECT', 'MALFORMED'] as const;
export type FetchErrorCode = (typeof FETCH_ERROR_CODES)[number];

export class FetchError extends BaseError<FetchErrorCode> {
  /** HTTP status when the server answered, for messages and 404 handling. */
  readonly status: number | undefined;

  constructor(code: FetchErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(code, message, options);
    this.status = options?.status;
  }
}

/** A user mistake in the command line or the configuration file (exit status 2). */
export class UsageError extends BaseError<'USAGE'> {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** A one-line description of any thrown value, for logs and stderr. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}

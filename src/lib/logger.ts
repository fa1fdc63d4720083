/** Structured logging: a static message plus fields, one JSON line per event. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
}

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values are never written, whatever a caller passes. */
const SECRET_FIELD = /pass(word)?|secret|token|authorization|cookie/i;

export interface JsonLoggerOptions {
  readonly level: LogLevel;
  readonly write: (line: string) => void;
  readonly clock: { now(): Date };
}

export function createJsonLogger(options: JsonLoggerOptions): Logger {
  const threshold = LEVEL_ORDER[options.level];
  const emit = (level: LogLevel, fields: LogFields, message: string): void => {
    if (LEVEL_ORDER[level] < threshold) {
      return;
    }
    const entry: Record<string, unknown> = {
      time: options.clock.now().toISOString(),
      level,
      msg: message,
    };
    for (const [key, value] of Object.entries(fields)) {
      entry[key] = SECRET_FIELD.test(key) ? '[redacted]' : value;
    }
    options.write(JSON.stringify(entry) + '\n');
  };
  return {
    debug: (fields, message) => emit('debug', fields, message),
    info: (fields, message) => emit('info', fields, message),
    warn: (fields, message) => emit('warn', fields, message),
    error: (fields, message) => emit('error', fields, message),
  };
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

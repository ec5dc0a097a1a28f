import { type DestinationStream, type Level, type Logger as PinoLogger, pino } from 'pino';

export type LogFields = Record<string, unknown>;

/** What the server's code logs through: a message and fields. `pino` is underneath, for the request log. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  readonly pino: PinoLogger;
}

export type LogLevel = Level | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const isLogLevel = (value: string): value is LogLevel => (LOG_LEVELS as string[]).includes(value);

// Defence in depth: the server never hands a secret or a credential to the logger, and any
// string shaped like one (an issued secret, a generated dev token) or equal to a configured
// credential is still masked before a line is written, wherever it appears (a pasted URL too).
// pino's `redact` only removes values at fixed paths, so every line goes through this instead.
const SECRET_SHAPE = /(?<![a-z0-9])[a-z][a-z0-9]{0,15}_[0-9A-Za-z]{49}/g;
const DEV_TOKEN_SHAPE = /dev_[A-Za-z0-9_-]{32}/g;
// The same shapes for a test: a global expression's test() would move its lastIndex.
const SECRET_SHAPE_ANYWHERE = new RegExp(SECRET_SHAPE.source);
const DEV_TOKEN_ANYWHERE = new RegExp(DEV_TOKEN_SHAPE.source);
const SENSITIVE_KEY = /authorization|secret|token|password|pepper|cookie/i;
const REDACTED = '[REDACTED]';

const errorFields = ({ name, message, stack, ...more }: Error) => ({ name, message, stack, ...more });

function redactor(sensitiveValues: readonly string[]) {
  const values = sensitiveValues.filter(Boolean);
  // Whether masking could change the line at all. Without a backslash, a JSON line shows every
  // string as it is, so a string that would be masked shows in the line; a sensitive key shows
  // its word. Most lines (every request line) have none of these, and skip the parse and rebuild.
  const mayNeedMasking = (line: string) =>
    line.includes('\\') ||
    SENSITIVE_KEY.test(line) ||
    SECRET_SHAPE_ANYWHERE.test(line) ||
    DEV_TOKEN_ANYWHERE.test(line) ||
    values.some((value) => line.includes(value));
  const maskString = (text: string) => {
    let masked = text.replace(SECRET_SHAPE, REDACTED).replace(DEV_TOKEN_SHAPE, REDACTED);
    for (const value of values) {
      masked = masked.replaceAll(value, REDACTED);
    }
    return masked;
  };
  const redact = (value: unknown, key = ''): unknown => {
    if (SENSITIVE_KEY.test(key) && value !== undefined && value !== null) {
      return REDACTED;
    }
    if (typeof value === 'string') {
      return maskString(value);
    }
    if (Array.isArray(value)) {
      return value.map((item) => redact(item));
    }
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
    }
    return value;
  };
  return (line: string) => (mayNeedMasking(line) ? `${JSON.stringify(redact(JSON.parse(line)))}\n` : line);
}

/**
 * JSON lines through pino: { level, time, pid, hostname, ...fields, msg }, levels by name.
 * Every line is masked as a whole just before it is written, so nothing escapes the masking:
 * not the message, nor a child logger's bindings, nor what a serializer made.
 * `sensitiveValues` (the configured tokens, the pepper) are masked wherever they appear.
 */
export function createJsonLogger(
  stream: DestinationStream = process.stdout,
  now: () => Date = () => new Date(),
  sensitiveValues: readonly string[] = [],
  level: LogLevel = 'info',
): Logger {
  const masked = redactor(sensitiveValues);
  const base = pino(
    {
      level,
      timestamp: () => `,"time":"${now().toISOString()}"`,
      formatters: {
        level: (label) => ({ level: label }),
        // An Error's message and stack are not enumerable: JSON would drop them (pino's `err`
        // serializer keeps them under `err` only).
        log: (fields) =>
          Object.values(fields).some((value) => value instanceof Error)
            ? Object.fromEntries(
                Object.entries(fields).map(([key, value]) => [
                  key,
                  value instanceof Error && key !== 'err' ? errorFields(value) : value,
                ]),
              )
            : fields,
      },
      hooks: { streamWrite: masked },
    },
    // Standard output through pino's own asynchronous writer: the lines logged while one write is
    // under way go out together in the next, instead of one blocking write per line. pino writes
    // what is left when the process exits.
    stream === process.stdout ? pino.destination({ dest: 1, sync: false }) : stream,
  );
  return {
    info: (message, fields = {}) => base.info(fields, message),
    error: (message, fields = {}) => base.error(fields, message),
    pino: base,
  };
}

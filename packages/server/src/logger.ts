import type { Writable } from 'node:stream';

export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

// Defence in depth: the server never hands a secret or a credential to the logger, and any
// string shaped like one (an issued secret, a generated dev token) or equal to a configured
// credential is still masked before a line is written, wherever it appears (a pasted URL too).
const SECRET_SHAPE = /(?<![a-z0-9])[a-z][a-z0-9]{0,15}_[0-9A-Za-z]{49}/g;
const DEV_TOKEN_SHAPE = /dev_[A-Za-z0-9_-]{32}/g;
const SENSITIVE_KEY = /authorization|secret|token|password|pepper|cookie/i;

function redactor(sensitiveValues: readonly string[]) {
  const values = sensitiveValues.filter(Boolean);
  const maskString = (text: string) => {
    let masked = text.replace(SECRET_SHAPE, '[REDACTED]').replace(DEV_TOKEN_SHAPE, '[REDACTED]');
    for (const value of values) {
      masked = masked.replaceAll(value, '[REDACTED]');
    }
    return masked;
  };
  const redact = (value: unknown, key = ''): unknown => {
    if (SENSITIVE_KEY.test(key) && value !== undefined && value !== null) {
      return '[REDACTED]';
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
  return redact;
}

/**
 * JSON lines, one object per event: { time, level, msg, ...fields }. `sensitiveValues` (the
 * configured tokens, the pepper) are masked wherever they appear.
 */
export function createJsonLogger(
  stream: Writable = process.stdout,
  now: () => Date = () => new Date(),
  sensitiveValues: readonly string[] = [],
): Logger {
  const redact = redactor(sensitiveValues);
  const write = (level: string, message: string, fields: LogFields = {}) => {
    const line = { time: now().toISOString(), level, msg: redact(message), ...(redact(fields) as LogFields) };
    stream.write(`${JSON.stringify(line)}\n`);
  };
  return {
    info: (message, fields) => write('info', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

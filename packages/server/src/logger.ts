import type { Writable } from 'node:stream';

export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

// Defence in depth: the server never hands a secret or a credential to the logger, and any
// string shaped like one is still masked before a line is written.
const SECRET_SHAPE = /\b[a-z][a-z0-9]{0,15}_[0-9A-Za-z]{49}\b/g;
const SENSITIVE_KEY = /authorization|secret|token|password|pepper|cookie/i;

function redact(value: unknown, key = ''): unknown {
  if (SENSITIVE_KEY.test(key) && value !== undefined && value !== null) return '[REDACTED]';
  if (typeof value === 'string') return value.replace(SECRET_SHAPE, '[REDACTED]');
  if (Array.isArray(value)) return value.map((item) => redact(item));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  }
  return value;
}

/** JSON lines, one object per event: { time, level, msg, ...fields }. */
export function createJsonLogger(stream: Writable = process.stdout, now: () => Date = () => new Date()): Logger {
  const write = (level: string, message: string, fields: LogFields = {}) => {
    const line = { time: now().toISOString(), level, msg: redact(message), ...(redact(fields) as LogFields) };
    stream.write(`${JSON.stringify(line)}\n`);
  };
  return {
    info: (message, fields) => write('info', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

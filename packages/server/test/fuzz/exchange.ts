import fc from 'fast-check';
import { TOKEN } from '../support/testServer.js';
import {
  type ContractOperation,
  describeVerdict,
  problemTypes,
  responseSchema,
  schemaErrors,
  type Verdict,
  type WireRequest,
} from './contractOracle.js';

// Sending a generated request over real HTTP, and saying what was sent and answered in a way a
// person can read (and replay) when a property fails.

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, when it is JSON. */
  json: unknown;
}

export async function send(baseUrl: string, request: WireRequest): Promise<Answer> {
  const response = await fetch(`${baseUrl}${request.target}`, {
    method: request.method,
    headers: { authorization: `Bearer ${TOKEN}`, ...request.headers },
    ...(request.body === undefined ? {} : { body: new Uint8Array(request.body) }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

// Characters a terminal would hide or mangle, shown as escapes.
const HIDDEN =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u00ad\u2028\u2029\u200b-\u200f\ufeff\ufff0-\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const HAS_HIDDEN = new RegExp(HIDDEN.source);
const escapeHidden = (text: string) =>
  text.replace(HIDDEN, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Long runs of one character (padding) shown as `«c×n»`, so a 16 KiB body stays readable. */
const squeezeRuns = (text: string) =>
  text.replace(/(.)\1{39,}/gsu, (run, char: string) => `«${escapeHidden(char)}×${[...run].length}»`);

export function describeBody(body: Buffer | undefined): string {
  if (body === undefined) {
    return '(no body)';
  }
  let text: string | undefined;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    text = undefined;
  }
  const plain = text !== undefined && !HAS_HIDDEN.test(text) && !/(.)\1{39,}/su.test(text);
  if (plain) {
    return `(${body.length} bytes) ${text}`;
  }
  const shown =
    text === undefined
      ? `not UTF-8; as latin1: ${squeezeRuns(escapeHidden(body.toString('latin1')))}`
      : squeezeRuns(escapeHidden(text));
  const exact = body.length <= 4096 ? `\n  exact bytes: Buffer.from('${body.toString('base64')}', 'base64')` : '';
  return `(${body.length} bytes) ${shown}${exact}`;
}

export function describeRequest(request: WireRequest): string {
  const headers = Object.entries(request.headers).map(([name, value]) => `\n  ${name}: ${escapeHidden(value)}`);
  return `${request.method} ${request.target}${headers.join('')}\n  body ${describeBody(request.body)}`;
}

export function describeAnswer(answer: Answer): string {
  const type = answer.headers.get('content-type');
  return `${answer.status}${type ? ` (${type})` : ''} ${squeezeRuns(escapeHidden(answer.text)).slice(0, 4000)}`;
}

/** Gives a generated request a readable form in fast-check's counterexample. */
export function printable<T extends object>(value: T, describe: () => string): T {
  Object.defineProperty(value, fc.toStringMethod, { value: () => `\n${describe()}\n`, enumerable: false });
  return value;
}

/** Collects what is wrong with an exchange; throws once with the request, the verdict and the answer. */
export class Findings {
  readonly failures: string[] = [];

  check(condition: boolean, failure: string | (() => string)): boolean {
    if (!condition) {
      this.failures.push(typeof failure === 'string' ? failure : failure());
    }
    return condition;
  }

  throwIfAny(request: WireRequest, verdict: Verdict, answer: Answer, context = ''): void {
    if (this.failures.length === 0) {
      return;
    }
    throw new Error(
      [
        `${this.failures.join('\n')}`,
        `request: ${describeRequest(request)}`,
        ...(context ? [`context: ${context}`] : []),
        `contract: ${describeVerdict(verdict)}`,
        `answer: ${describeAnswer(answer)}`,
      ].join('\n'),
    );
  }
}

/** The checks every answer passes: no 5xx; the body fits what the contract declares for its status. */
export function checkAnyAnswer(findings: Findings, operation: ContractOperation, answer: Answer): void {
  findings.check(answer.status < 500, `answered ${answer.status}: the server failed`);
  const schema = responseSchema(operation, answer.status);
  if (schema && answer.json !== undefined) {
    const errors = schemaErrors(schema, answer.json);
    findings.check(
      errors.length === 0,
      () =>
        `the answer breaks the contract's schema for ${answer.status}: ${errors.map((error) => `${error.instanceLocation} ${error.error}`).join('; ')}`,
    );
  }
}

/**
 * A refusal as the contract declares it: 4xx `application/problem+json` whose type is one the
 * verdict allows (a type of the contract, with its status and title).
 */
export function checkRefusal(findings: Findings, verdict: Verdict, answer: Answer): void {
  const allowed = new Set([...verdict.problems, ...verdict.ambiguities].map((refusal) => refusal.type));
  if (!findings.check(answer.status >= 400 && answer.status < 500, `expected a 4xx refusal, got ${answer.status}`)) {
    return;
  }
  findings.check(
    /^application\/problem\+json(;|$)/.test(answer.headers.get('content-type') ?? ''),
    'the refusal is not application/problem+json',
  );
  const problem = answer.json as { type?: unknown; status?: unknown; title?: unknown } | undefined;
  const type = typeof problem?.type === 'string' ? problem.type : undefined;
  const kind = type === undefined ? undefined : problemTypes[type];
  if (
    !findings.check(
      kind !== undefined,
      `the problem type ${JSON.stringify(problem?.type)} is not one of the contract's x-problem-types`,
    )
  ) {
    return;
  }
  findings.check(
    kind!.status === answer.status && problem?.status === answer.status,
    `the contract gives ${type} the status ${kind!.status}; answered ${answer.status} with status ${JSON.stringify(problem?.status)}`,
  );
  findings.check(
    problem?.title === kind!.title,
    `the contract titles ${type} '${kind!.title}', not ${JSON.stringify(problem?.title)}`,
  );
  findings.check(allowed.has(type!), `refused as ${type}, expected one of ${[...allowed].join(', ')}`);
}

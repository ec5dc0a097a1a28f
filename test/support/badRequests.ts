import { type ContractOperation, jsonBody, parametersIn, type Schema } from './contract.js';
import { buildRequest, type ContractRequest } from './requests.js';

// Bad requests made from the contract: each operation's valid request (its examples) broken in
// one place the contract itself constrains. The mock must refuse each the way the server does.

export interface BadRequest {
  label: string;
  operationId: string;
  method: string;
  path: string;
  query?: Record<string, string>;
  /** The raw body text (not always JSON). */
  body?: string;
  headers?: Record<string, string>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A string the schema refuses, from a few candidates, or undefined when none breaks it. */
export function brokenString(schema: Schema | undefined): string | undefined {
  if (!schema) {
    return undefined;
  }
  const candidates = ['Not_Valid', 'not-a-uuid', '-', 'x'];
  return candidates.find(
    (candidate) =>
      (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(candidate)) ||
      (schema.format === 'uuid' && !UUID.test(candidate)) ||
      (schema.minLength !== undefined && candidate.length < schema.minLength) ||
      (schema.enum !== undefined && !schema.enum.includes(candidate)),
  );
}

const typeOf = (schema: Schema) => (Array.isArray(schema.type) ? schema.type : [schema.type]);

function bodyCases(operation: ContractOperation, example: unknown, maxBodyBytes: number | undefined) {
  const schema = jsonBody(operation.requestBody?.bodies)?.schema;
  const cases: { label: string; body: string }[] = [];
  const value = (typeof example === 'object' && example !== null ? example : {}) as Record<string, unknown>;
  const withField = (name: string, field: unknown) => JSON.stringify({ ...value, [name]: field });
  if (schema?.additionalProperties === false) {
    cases.push({ label: 'an unknown field', body: withField('organization_id', 'org_1') });
  }
  cases.push({ label: 'malformed JSON', body: JSON.stringify(value).slice(0, -1) || '{' });
  if (maxBodyBytes) {
    cases.push({
      label: `a body over ${maxBodyBytes} bytes`,
      body: withField('padding', 'x'.repeat(maxBodyBytes + 1)),
    });
  }
  const properties = Object.entries(schema?.properties ?? {});
  const missing = schema?.required?.find((name) => name in value);
  if (missing) {
    const { [missing]: _left, ...rest } = value;
    cases.push({ label: `no ${missing}`, body: JSON.stringify(rest) });
  }
  if ((schema?.minProperties ?? 0) > 0) {
    cases.push({ label: 'an empty body', body: '{}' });
  }
  const text = properties.find(([, field]) => typeOf(field).includes('string'));
  if (text) {
    const [name, field] = text;
    cases.push({ label: `a wrong type for ${name}`, body: withField(name, { a: 1 }) });
    if ((field.minLength ?? 0) > 0) {
      cases.push({ label: `a blank ${name}`, body: withField(name, '') });
    }
    const item = properties.find(([, each]) => each.items?.pattern && brokenString(each.items));
    if ((field.minLength ?? 0) > 0 && item) {
      cases.push({
        label: `a blank ${name} and a bad ${item[0]} item`,
        body: JSON.stringify({ ...value, [name]: '', [item[0]]: [brokenString(item[1].items)] }),
      });
    }
    if (field.pattern && !new RegExp(field.pattern, 'u').test('a\u0007b')) {
      cases.push({ label: `a control character in ${name}`, body: withField(name, 'a\u0007b') });
    }
  }
  for (const [name, field] of properties) {
    if (field.maximum !== undefined && typeOf(field).includes('integer')) {
      cases.push({ label: `${name} over its maximum`, body: withField(name, field.maximum + 1) });
    }
    const items = field.items;
    if (items?.pattern && brokenString(items)) {
      cases.push({ label: `a ${name} item that breaks its pattern`, body: withField(name, [brokenString(items)]) });
    }
  }
  return cases;
}

/** The bad requests made from one operation's first valid request. */
export async function badRequestsFor(operation: ContractOperation, maxBodyBytes?: number): Promise<BadRequest[]> {
  const valid: ContractRequest = await buildRequest(operation, { query: 'none' });
  const base = {
    operationId: operation.operationId,
    method: valid.method,
    path: valid.path,
    headers: valid.headers,
    ...(valid.body !== undefined ? { body: JSON.stringify(valid.body) } : {}),
  };
  const cases: BadRequest[] = [];
  const add = (label: string, change: Partial<BadRequest>) =>
    cases.push({ ...base, ...change, label: `${operation.operationId}: ${label}` });

  if (operation.scopes !== undefined) {
    add('no token', { headers: { ...base.headers, authorization: '' } });
  }
  for (const parameter of parametersIn(operation, 'path')) {
    const broken = brokenString(parameter.schema);
    if (broken) {
      const value = encodeURIComponent(valid.pathValues[parameter.name]!);
      add(`a {${parameter.name}} that breaks its schema`, {
        path: valid.path.replace(`/${value}`, `/${encodeURIComponent(broken)}`),
      });
    }
  }
  for (const parameter of parametersIn(operation, 'query')) {
    const schema = parameter.schema ?? {};
    if (schema.minimum !== undefined) {
      add(`a ${parameter.name} below its minimum`, { query: { [parameter.name]: String(schema.minimum - 1) } });
    } else if (schema.enum) {
      add(`a ${parameter.name} outside its enum`, { query: { [parameter.name]: 'not-one-of-them' } });
    }
  }
  for (const parameter of parametersIn(operation, 'header')) {
    const minLength = parameter.schema?.minLength ?? 0;
    if (minLength > 1) {
      add(`a short ${parameter.name}`, {
        headers: { ...base.headers, [parameter.name.toLowerCase()]: 'x'.repeat(minLength - 1) },
      });
    }
  }
  if (operation.requestBody) {
    for (const { label, body } of bodyCases(operation, valid.body, maxBodyBytes)) {
      add(label, { body });
    }
  }
  return cases;
}

// @ts-check
// The mock: Prism answers from the contract's examples; this front, in front of it, makes it
// refuse what the real server refuses, the way the server does. Prism alone answers an invalid
// request with whatever 4xx example comes first (a 422 idempotency problem, or a 400 naming the
// wrong field), never answers malformed JSON and accepts any body size. Plain JavaScript, so that
// `npm run mock` starts without building anything.

import { isUtf8 } from 'node:buffer';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as createNetServer } from 'node:net';
import { dirname, join } from 'node:path';
import { dateTimeProperties, plausibleDates } from './plausibleDates.mjs';

const require = createRequire(import.meta.url);
const prismBin = join(dirname(require.resolve('@stoplight/prism-cli/package.json')), 'dist/index.js');
const contract = JSON.parse(readFileSync(require.resolve('@apikeys/types/openapi.json'), 'utf8'));

const bodyLimit = contract['x-max-body-bytes'];
const dateTimeFields = dateTimeProperties(contract.components.schemas);
const problemKinds = contract.components.schemas.Problem.properties.type['x-problem-types'];
// Prism reports path parameters in lower case; the contract's pointers use the declared names.
const pathNames = new Map(
  Object.values(contract.paths)
    .flatMap((item) => item.parameters ?? [])
    .filter((parameter) => parameter.in === 'path')
    .map((parameter) => [parameter.name.toLowerCase(), parameter.name]),
);
// The operations whose contract declares the Idempotency-Key header, as method and path pattern.
const idempotentRoutes = Object.entries(contract.paths).flatMap(([path, item]) =>
  ['post', 'put', 'patch', 'delete']
    .filter((method) =>
      (item[method]?.parameters ?? []).some(
        /** @param {{ in: string, name: string }} parameter */
        (parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'idempotency-key',
      ),
    )
    .map((method) => ({
      method: method.toUpperCase(),
      pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}(?:\\?|$)`),
    })),
);
/** @param {string | undefined} method @param {string | undefined} url */
const idempotentOperation = (method, url) =>
  idempotentRoutes.some((route) => route.method === method && route.pattern.test(url ?? ''));

// Worded as the server words them (contract/requestCheck.ts): a pattern by what it means, an empty
// body by the fields it may give.
/** @type {Record<string, string>} */
const patternMessages = contract['x-pattern-messages'];

/** @param {string} text @param {string[]} fields */
function worded(text, fields) {
  const pattern = /^must match pattern "(.*)"$/.exec(text)?.[1];
  if (pattern !== undefined && patternMessages[pattern]) {
    return patternMessages[pattern];
  }
  const fewest = /^must NOT have fewer than (\d+) properties$/.exec(text)?.[1];
  if (fewest !== undefined && fields.length > 0) {
    return fewest === '1'
      ? `must give at least one of ${fields.join(', ')}`
      : `must give at least ${fewest} of ${fields.join(', ')}`;
  }
  return text;
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': '*',
  'Access-Control-Expose-Headers': '*',
};

/** @param {string} slug @param {string} detail @param {{pointer: string, message: string}[]} [errors] */
function problem(slug, detail, errors) {
  const type = `urn:apikeys:problem:${slug}`;
  const { status, title } = problemKinds[type];
  return { status, body: { type, title, status, detail, ...(errors ? { errors } : {}) } };
}

/** A name as one segment of a JSON Pointer (RFC 6901), as the server's contract/requestPointer.ts writes it. @param {string} name */
const pointerSegment = (name) => name.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * One of Prism's request violations as the server words it: a JSON Pointer into the request
 * taken as one document (`/body/name`, `/path/keyId`, `/query/limit`, `/header/…`).
 * @param {{ location: string[], code: string | number, message: string }} violation
 * @param {string[]} bodyFields
 */
function validationError({ location, code, message }, bodyFields) {
  const [, where = '', ...rest] = location;
  const text = worded(
    message.replace(
      /^Request (body property \S+|body|path parameter \S+|query parameter \S+|header parameter \S+) /,
      '',
    ),
    bodyFields,
  );
  if (where === 'body') {
    // The server points at the field itself for an unknown or a missing field, not at its parent.
    const unknown = code === 'additionalProperties' ? /found '([^']+)'/.exec(message)?.[1] : undefined;
    const missing = code === 'required' ? /required property '([^']+)'/.exec(message)?.[1] : undefined;
    const field = unknown ?? missing;
    const path = field === undefined ? rest : [...rest, field];
    return {
      pointer: ['/body', ...path.map(pointerSegment)].join('/'),
      message: unknown === undefined ? text : 'is not a field of this request',
    };
  }
  const name = where === 'path' ? (pathNames.get(rest[0] ?? '') ?? rest[0]) : rest[0];
  return { pointer: `/${where}/${name}`, message: text };
}

/**
 * A problem, with the request's id (X-Request-Id, set first for every request) as the server's carry it.
 * @param {import('node:http').ServerResponse} res @param {{ status: number, body: object }} answer @param {Record<string, string>} [headers]
 */
function send(res, { status, body }, headers = {}) {
  res.writeHead(status, { ...CORS, ...headers, 'Content-Type': 'application/problem+json' });
  res.end(JSON.stringify({ ...body, request_id: res.getHeader('x-request-id') }));
}

// As the server's requestId stage: a caller's X-Request-Id of this shape is kept, any other replaced.
const REQUEST_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,64})$/i;

// The contract's paths, each with its methods and the query parameters each method declares: the
// server answers a path it lacks 404, a method the path lacks 405 with Allow, and an undeclared
// query parameter 400, where Prism would answer from an example or with its own problem types.
// In the server's order (contract/routes.ts), which is the order of its Allow header.
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
// Fewer parameters first, as the server (and OpenAPI) match concrete paths before templated ones.
const contractPaths = Object.entries(contract.paths)
  .sort(([a], [b]) => a.split('{').length - b.split('{').length)
  .map(([path, item]) => ({
    pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
    // As the server's Allow: HEAD wherever GET is, and OPTIONS.
    allow: [
      ...METHODS.filter((method) => item[method]).flatMap((method) =>
        method === 'get' ? ['GET', 'HEAD'] : [method.toUpperCase()],
      ),
      'OPTIONS',
    ],
    /** @type {Map<string, Set<string>>} */
    query: new Map(
      METHODS.filter((method) => item[method]).map((method) => [
        method.toUpperCase(),
        new Set(
          [...(item.parameters ?? []), ...(item[method].parameters ?? [])]
            .filter((parameter) => parameter.in === 'query')
            .map((parameter) => parameter.name),
        ),
      ]),
    ),
    /** @type {Map<string, string[]>} The fields of each method's JSON body. */
    fields: new Map(
      METHODS.filter((method) => item[method]?.requestBody).map((method) => [
        method.toUpperCase(),
        Object.keys(item[method].requestBody.content['application/json']?.schema?.properties ?? {}),
      ]),
    ),
  }));

/** @param {string | undefined} method @param {string | undefined} url @returns {string[]} */
const bodyFieldsOf = (method, url) => {
  const pathname = (url ?? '').split('?')[0] ?? '';
  const path = contractPaths.find((each) => each.pattern.test(pathname) && each.fields.has(method ?? ''));
  return path?.fields.get(method ?? '') ?? [];
};

/**
 * The server's answer to a request no operation of the contract takes, or undefined.
 * @param {import('node:http').IncomingMessage} req
 */
function refusedRoute(req) {
  const [pathname = '', search = ''] = (req.url ?? '').split('?');
  // The server authenticates under /api-auth before it routes: without a token, Prism's 401 stands.
  if (req.method === 'OPTIONS' || (pathname.startsWith('/api-auth') && !req.headers.authorization)) {
    return undefined;
  }
  // Several paths may match (`…/keys/verify` is also a `…/keys/{keyId}`): the concrete one is the path.
  const path = contractPaths.find((each) => each.pattern.test(pathname));
  if (!path) {
    return { answer: problem('not-found', 'No such resource.') };
  }
  if (!path.allow.includes(req.method ?? '')) {
    return {
      answer: problem('method-not-allowed', 'The method is not allowed on this resource.'),
      headers: { Allow: path.allow.join(', ') },
    };
  }
  const declared = path.query.get(req.method ?? '') ?? new Set();
  const unknown = [...new URLSearchParams(search).keys()].find((name) => !declared.has(name));
  return unknown === undefined
    ? undefined
    : {
        answer: problem('invalid-request', 'The request does not match the contract.', [
          {
            pointer: `/query/${pointerSegment(unknown)}`,
            message: `Unknown query parameter '${unknown}'`,
          },
        ]),
      };
}

/**
 * The server's detail for an unknown app or key (operations/keyNotFound.ts), for the request's
 * own app and key: an example names those of its own request.
 * @param {unknown} type @param {string | undefined} url @returns {string | undefined}
 */
function notFoundDetail(type, url) {
  const [, appName, keyId] = /^\/api-auth\/apps\/([^/?]+)(?:\/keys\/([^/?]+))?/.exec(url ?? '') ?? [];
  const decoded = (/** @type {string | undefined} */ text) => {
    try {
      return text === undefined ? undefined : decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  if (type === 'urn:apikeys:problem:app-not-found' && appName) {
    return `No API auth app is named '${decoded(appName)}'.`;
  }
  if (type === 'urn:apikeys:problem:key-not-found' && appName && keyId) {
    return `App '${decoded(appName)}' has no key '${decoded(keyId)}'.`;
  }
  return undefined;
}

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Starts Prism on a private port and the front on `port`.
 * @param {{ port?: number, host?: string, specFile: string, log?: (line: string) => void }} options
 */
export async function startMock({ port = 4010, host = '127.0.0.1', specFile, log = () => {} }) {
  const prismPort = await freePort();
  const prism = spawn(
    process.execPath,
    [prismBin, 'mock', '--host', '127.0.0.1', '--port', String(prismPort), specFile],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Prism did not start:\n${output}`)), 60_000);
    /** @param {Buffer} chunk */
    const onData = (chunk) => {
      output += chunk;
      log(String(chunk).trimEnd());
      if (output.includes('Prism is listening')) {
        clearTimeout(timer);
        resolve(undefined);
      }
    };
    prism.stdout.on('data', onData);
    prism.stderr.on('data', onData);
    prism.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Prism exited (${code}):\n${output}`));
    });
  });

  // Idempotency-Keys seen, with the request each came with, so that a retry is answered as the
  // server answers it: the same answer marked `Idempotent-Replayed`, or 422 for another request.
  /** @type {Map<string, string>} */
  const idempotencyKeys = new Map();

  const front = createServer(async (req, res) => {
    const given = req.headers['x-request-id'];
    res.setHeader('X-Request-Id', typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID());
    // Before the body is read, as the server decides it.
    const refused = refusedRoute(req);
    if (refused) {
      send(res, refused.answer, refused.headers);
      req.resume();
      return;
    }
    const chunks = [];
    let size = 0;
    for await (const chunk of req) {
      size += chunk.length;
      if (size > bodyLimit) {
        send(res, problem('payload-too-large', `The request body is larger than ${bodyLimit} bytes.`), {
          Connection: 'close',
        });
        req.socket.end();
        return;
      }
      chunks.push(chunk);
    }
    const body = Buffer.concat(chunks);
    if (body.length > 0 && /json/i.test(req.headers['content-type'] ?? '')) {
      if (!isUtf8(body)) {
        return send(
          res,
          problem('invalid-request', 'The request body is not valid UTF-8.', [
            { pointer: '/body', message: 'is not valid UTF-8' },
          ]),
        );
      }
      try {
        JSON.parse(body.toString('utf8'));
      } catch {
        return send(
          res,
          problem('invalid-request', 'The request body is not valid JSON.', [
            { pointer: '/body', message: 'malformed JSON' },
          ]),
        );
      }
    }
    const headers = /** @type {Record<string, string>} */ (
      Object.fromEntries(
        Object.entries(req.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name)),
      )
    );
    /** @param {Record<string, string>} sent */
    const ask = (sent) =>
      fetch(`http://127.0.0.1:${prismPort}${req.url}`, {
        method: req.method,
        headers: sent,
        body: body.length > 0 ? body : undefined,
      });
    let answer;
    let answerBody;
    try {
      answer = await ask(headers);
      answerBody = Buffer.from(await answer.arrayBuffer());
      // Prism reports no violations when it cannot find the example a `Prefer` header asked for
      // (it looks for it in its 422); ask again without it to learn whether the request is valid.
      if (headers.prefer && answerBody.toString('utf8').includes('stoplight.io/prism/errors')) {
        const { prefer: _prefer, ...withoutPrefer } = headers;
        const retry = await ask(withoutPrefer);
        await retry.arrayBuffer();
        if (retry.headers.get('sl-violations')) {
          answer = retry;
        }
      }
    } catch (error) {
      return send(res, problem('internal-error', `The mock failed: ${String(error)}`));
    }
    const violations =
      /** @type {{ location: string[], severity: string, code: string | number, message: string }[]} */ (
        JSON.parse(answer.headers.get('sl-violations') ?? '[]')
      ).filter(
        (violation) =>
          violation.severity === 'Error' && violation.location[0] === 'request' && violation.location.length > 1,
      );
    // The server refuses an invalid request with 400 whatever else was asked for (a `Prefer` code or example included).
    if (violations.length > 0) {
      return send(
        res,
        problem(
          'invalid-request',
          'The request does not match the contract.',
          violations.map((violation) => validationError(violation, bodyFieldsOf(req.method, req.url))),
        ),
        { 'sl-violations': answer.headers.get('sl-violations') ?? '[]' },
      );
    }
    const passed = Object.fromEntries(
      [...answer.headers].filter(
        ([name]) =>
          !['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'idempotent-replayed'].includes(name),
      ),
    );
    // As the server: only the operations that declare the header, and one set of keys per token.
    const idempotent = idempotentOperation(req.method, req.url);
    if (idempotent && answer.ok) {
      passed['idempotent-replayed'] = 'false';
    }
    const idempotencyKey = idempotent ? headers['idempotency-key'] : undefined;
    if (idempotencyKey && answer.ok) {
      const scoped = `${headers.authorization ?? ''}\n${idempotencyKey}`;
      const request = `${req.method} ${req.url} ${body.toString('utf8')}`;
      const first = idempotencyKeys.get(scoped);
      if (first !== undefined && first !== request) {
        return send(res, problem('idempotency-key-reused', 'This Idempotency-Key was used for a different request.'));
      }
      if (first === undefined) {
        idempotencyKeys.set(scoped, request);
      } else {
        passed['idempotent-replayed'] = 'true';
      }
    }
    // Prism's problems (a `Prefer: code=…` example) carry the request's id, as the server's do,
    // and name the app and key of the request rather than the example's.
    if (/^application\/problem\+json/i.test(answer.headers.get('content-type') ?? '')) {
      const problemBody = JSON.parse(answerBody.toString('utf8'));
      const detail = notFoundDetail(problemBody.type, req.url) ?? problemBody.detail;
      answerBody = Buffer.from(JSON.stringify({ ...problemBody, detail, request_id: res.getHeader('x-request-id') }));
    }
    if (/\bdynamic=true\b/i.test(headers.prefer ?? '') && /json/i.test(answer.headers.get('content-type') ?? '')) {
      const dynamic = JSON.parse(answerBody.toString('utf8'));
      const dated = plausibleDates(dynamic, { fields: dateTimeFields, now: Date.now(), random: Math.random });
      answerBody = Buffer.from(JSON.stringify(dated));
    }
    res.writeHead(answer.status, passed);
    res.end(answerBody);
  });
  front.listen(port, host);
  await new Promise((resolve) => front.once('listening', resolve));
  const address = front.address();
  const url = `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
  return {
    url,
    close: async () => {
      await new Promise((resolve) => {
        front.close(resolve);
        front.closeAllConnections();
      });
      if (prism.exitCode === null) {
        const exited = new Promise((resolve) => prism.once('exit', resolve));
        prism.kill('SIGTERM');
        await exited;
      }
    },
  };
}

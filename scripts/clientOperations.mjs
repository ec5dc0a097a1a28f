// The client's methods, generated from the contract (`pnpm generate` writes them into
// packages/client/src/generated/). One method of `client.apiKeys` per operation, named by its
// operationId; everything a method does differently is read from the operation:
// - arguments: the path parameters in path order (strings), then the JSON request body if there
//   is one (the request schema's own type; optional when the contract does not require it, or when
//   `{}` is a valid body, which is then sent), then the query object if there are query parameters
//   (optional unless one is required), then the options (IdempotentRequestOptions when the
//   operation declares an `Idempotency-Key` header parameter, RequestOptions otherwise);
// - `Idempotency-Key`: sent on every call of an operation that declares it, made for each call
//   when none is given and the same on each retry;
// - retries: an operation's own `x-retryable` (true or false) decides; without it, a safe method
//   (GET, HEAD), an idempotent method (PUT, DELETE: RFC 9110, section 9.2.2) and an operation
//   that declares `Idempotency-Key` are retried, nothing else (POST and PATCH are not);
// - `listAll<Rest>`: for every operation whose query has `cursor` and whose answer has `data` and
//   `next_cursor`, an async iterator over every item, page after page;
// - JSDoc: the summary and the first sentence of the description.

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const SAFE_METHODS = new Set(['get', 'head']);
// Idempotent by HTTP's definition (RFC 9110, section 9.2.2) without being safe.
const IDEMPOTENT_METHODS = new Set(['put', 'delete']);
const IDEMPOTENCY_HEADER = 'idempotency-key';
const HEADER = '// Generated from spec/openapi.yaml by `pnpm generate` (scripts/clientOperations.mjs). Do not edit.';

/** @param {string} name */
const isIdentifier = (name) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name);
/** @param {string} name */
const pascal = (name) => name.charAt(0).toUpperCase() + name.slice(1);
/** @param {string} name */
const camel = (name) =>
  name.replace(/[^A-Za-z0-9_$]+([A-Za-z0-9_$])/g, (_, c) => c.toUpperCase()).replace(/^\d/, '_$&');
/** @param {string} name */
const property = (name) => (isIdentifier(name) ? name : JSON.stringify(name));

/**
 * The first sentence of a (Markdown) description, on one line.
 * @param {string | undefined} text
 */
export function firstSentence(text) {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  const match = /^(.+?[.!?])(?=\s|$)/.exec(flat);
  return match?.[1] ?? flat;
}

/**
 * A JSDoc block, indented.
 * @param {string[]} lines
 * @param {string} indent
 */
const jsdoc = (lines, indent) => {
  const safe = lines.map((line) => line.replaceAll('*/', '*\\/'));
  return `${indent}/**\n${safe.map((line) => (line ? `${indent} * ${line}` : `${indent} *`)).join('\n')}\n${indent} */\n`;
};

/**
 * @typedef {{ [key: string]: any }} Node
 * @typedef {{
 *   operationId: string, method: string, path: string, summary: string, sentence: string,
 *   pathParams: { name: string, identifier: string, description: string }[],
 *   body?: { type: string, optional: boolean, defaultEmpty: boolean },
 *   query?: { alias: string, required: boolean, names: string[] },
 *   idempotent: boolean, retryable: boolean, retryReason: string, success: string,
 *   listAll?: { name: string, item: string },
 * }} Operation
 */

/**
 * Reads every operation of an OpenAPI 3.1 document the way the client calls it.
 * @param {Node} document the contract, parsed (YAML or the bundled JSON)
 * @returns {Operation[]}
 */
export function readOperations(document) {
  /** @param {Node | undefined} node @returns {Node | undefined} */
  const resolve = (node) => {
    let current = node;
    for (let hops = 0; current && typeof current.$ref === 'string'; hops++) {
      const ref = /** @type {string} */ (current.$ref);
      if (!ref.startsWith('#/') || hops > 20) {
        throw new Error(`Cannot resolve $ref ${ref}: only local references are supported`);
      }
      current = ref
        .slice(2)
        .split('/')
        .reduce((at, part) => at?.[part.replaceAll('~1', '/').replaceAll('~0', '~')], /** @type {Node} */ (document));
      if (current === undefined) {
        throw new Error(`Cannot resolve $ref ${ref}`);
      }
    }
    return current;
  };
  /** The TypeScript type of a schema: its component's name when it is a $ref to one. @param {Node | undefined} schema @param {string} fallback */
  const typeOf = (schema, fallback) => {
    const name = /^#\/components\/schemas\/([^/]+)$/.exec(schema?.$ref ?? '')?.[1];
    return name && isIdentifier(name) ? name : fallback;
  };
  /** @param {Node | undefined} content @param {string} where */
  const jsonOf = (content, where) => {
    const type = Object.keys(content ?? {}).find((media) => /^application\/([\w.-]+\+)?json$/.test(media));
    if (!type) {
      throw new Error(`${where} has no JSON content: the client generator knows only JSON bodies`);
    }
    return { media: type, schema: /** @type {Node} */ (content)[type].schema };
  };

  /** @type {Operation[]} */
  const operations = [];
  for (const [path, rawItem] of Object.entries(document.paths ?? {})) {
    const item = resolve(rawItem) ?? {};
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) {
        continue;
      }
      const { operationId } = operation;
      if (typeof operationId !== 'string' || !isIdentifier(operationId)) {
        throw new Error(`${method.toUpperCase()} ${path} needs an operationId that is an identifier`);
      }
      const where = `${operationId} (${method.toUpperCase()} ${path})`;
      // Operation parameters override the path item's with the same name and location.
      /** @type {Map<string, Node>} */
      const parameters = new Map();
      for (const raw of [...(item.parameters ?? []), ...(operation.parameters ?? [])]) {
        const parameter = /** @type {Node} */ (resolve(raw));
        parameters.set(`${parameter.in}:${parameter.name.toLowerCase()}`, parameter);
      }
      const declared = [...parameters.values()];

      const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map(([, found]) => {
        const name = /** @type {string} */ (found);
        const parameter = declared.find((p) => p.in === 'path' && p.name === name);
        if (!parameter) {
          throw new Error(`${where} does not declare its path parameter ${name}`);
        }
        return { name, identifier: camel(name), description: firstSentence(parameter.description) };
      });

      const idempotent = declared.some((p) => p.in === 'header' && p.name.toLowerCase() === IDEMPOTENCY_HEADER);
      for (const p of declared) {
        if ((p.in === 'header' || p.in === 'cookie') && p.required && p.name.toLowerCase() !== IDEMPOTENCY_HEADER) {
          throw new Error(`${where} requires the ${p.in} parameter ${p.name}, which the client generator cannot pass`);
        }
      }

      const queryParams = declared.filter((p) => p.in === 'query');
      const query = queryParams.length
        ? {
            alias: `${pascal(operationId)}Query`,
            required: queryParams.some((p) => p.required === true),
            names: queryParams.map((p) => p.name),
          }
        : undefined;

      let body;
      if (operation.requestBody) {
        const requestBody = /** @type {Node} */ (resolve(operation.requestBody));
        const { media, schema } = jsonOf(requestBody.content, `The request body of ${where}`);
        const resolved = resolve(schema) ?? {};
        // `{}` satisfies a closed object schema that requires nothing: the body can be left out and `{}` sent.
        const emptyIsValid =
          resolved.type === 'object' &&
          !(resolved.required?.length > 0) &&
          !(resolved.minProperties > 0) &&
          !resolved.oneOf &&
          !resolved.anyOf &&
          !resolved.allOf;
        const required = requestBody.required === true;
        body = {
          type: typeOf(
            schema,
            `${required ? '' : 'NonNullable<'}operations['${operationId}']['requestBody']${required ? '' : '>'}['content']['${media}']`,
          ),
          optional: !required || emptyIsValid,
          // `{}` is sent for a body left out even where the contract lets it be absent: every
          // server of the contract, older ones included, takes that.
          defaultEmpty: emptyIsValid,
        };
      }

      const status = Object.keys(operation.responses ?? {})
        .filter((code) => /^2\d\d$/.test(code))
        .sort()[0];
      if (!status) {
        throw new Error(`${where} declares no 2xx response`);
      }
      const response = /** @type {Node} */ (resolve(operation.responses[status]));
      const { media: successMedia, schema: successSchema } = jsonOf(
        response.content,
        `The ${status} answer of ${where}`,
      );
      const success = typeOf(
        successSchema,
        `operations['${operationId}']['responses'][${status}]['content']['${successMedia}']`,
      );

      let listAll;
      const answer = resolve(successSchema);
      if (query?.names.includes('cursor') && answer?.properties?.data && answer.properties.next_cursor) {
        const rest = operationId.startsWith('list') ? operationId.slice('list'.length) : pascal(operationId);
        const items = resolve(answer.properties.data)?.items;
        listAll = { name: `listAll${rest}`, item: typeOf(items, `${success}['data'][number]`) };
      }

      const declaredRetry = operation['x-retryable'];
      if (declaredRetry !== undefined && typeof declaredRetry !== 'boolean') {
        throw new Error(`${where}: x-retryable must be true or false`);
      }
      const retryable = declaredRetry ?? (SAFE_METHODS.has(method) || IDEMPOTENT_METHODS.has(method) || idempotent);
      const retryReason =
        declaredRetry !== undefined
          ? `x-retryable: ${declaredRetry}`
          : SAFE_METHODS.has(method)
            ? 'a safe method'
            : IDEMPOTENT_METHODS.has(method)
              ? 'an idempotent method'
              : idempotent
                ? 'it declares Idempotency-Key'
                : 'neither safe, idempotent by key nor x-retryable';

      operations.push({
        operationId,
        method,
        path,
        summary: (operation.summary ?? operationId).trim(),
        sentence: firstSentence(operation.description),
        pathParams,
        body,
        query,
        idempotent,
        retryable,
        retryReason,
        success,
        listAll,
      });
    }
  }
  return operations;
}

/** The argument list of a method: path parameters, body, query, options. @param {Operation} op @param {{ omitCursor?: boolean }} [as] */
const signature = (op, as = {}) => {
  const args = op.pathParams.map((p) => `${p.identifier}: string`);
  if (op.body) {
    args.push(`request${op.body.optional ? '?' : ''}: ${op.body.type}`);
  }
  if (op.query) {
    const type = as.omitCursor ? `Omit<${op.query.alias}, 'cursor'>` : op.query.alias;
    args.push(`query${op.query.required ? '' : '?'}: ${type}`);
  }
  args.push(`options?: ${op.idempotent ? 'IdempotentRequestOptions' : 'RequestOptions'}`);
  return args.join(', ');
};

/** @param {Operation} op @param {{ listAll?: boolean }} [as] */
const docOf = (op, as = {}) => {
  const request = `\`${op.method.toUpperCase()} ${op.path}\``;
  const lines = as.listAll
    ? [
        `Every item of \`${op.operationId}\` (${op.summary}), fetching page after page until \`next_cursor\` is null.`,
        '',
        `Sends ${request} for each page; the next page is fetched only when you read on.`,
      ]
    : [
        `${op.summary.replace(/[.!?]?$/, '.')}${op.sentence ? ` ${op.sentence}` : ''}`,
        '',
        `Sends ${request}.${
          op.idempotent
            ? ' Sends an Idempotency-Key (yours, or one made for this call) with the call and each of its retries.'
            : ''
        }${op.retryable ? " Retried under the client's retry policy." : ' Never retried.'}`,
      ];
  for (const p of op.pathParams) {
    lines.push(`@param ${p.identifier} ${p.description || `The path parameter \`${p.name}\`.`}`);
  }
  if (op.body) {
    lines.push(`@param request The request body${op.body.defaultEmpty ? '; `{}` when left out' : ''}.`);
  }
  if (op.query) {
    lines.push(
      `@param query ${as.listAll ? 'The query without `cursor`' : 'The query'}: ${op.query.names
        .filter((name) => !(as.listAll && name === 'cursor'))
        .map((name) => `\`${name}\``)
        .join(', ')}.`,
    );
  }
  lines.push(
    `@param options ${as.listAll ? 'For every page: ' : ''}signal, headers, timeoutMs, retry${op.idempotent ? ', idempotencyKey' : ''}.`,
  );
  return lines;
};

/**
 * The generated client modules for a contract: `operations.ts` (the ApiKeysClient interface and
 * the query types) and `bindOperations.ts` (each method as a call of the one transport).
 * @param {Node} document the contract, parsed
 * @returns {{ 'operations.ts': string, 'bindOperations.ts': string }}
 */
export function clientOperations(document) {
  const operations = readOperations(document);
  const named = new Set(
    operations
      .flatMap((op) => [op.body?.type, op.success, op.listAll?.item])
      .filter(/** @returns {type is string} */ (type) => type !== undefined && isIdentifier(type)),
  );
  const usesOperations = operations.some(
    (op) => op.query || [op.body?.type, op.success, op.listAll?.item].some((type) => type?.includes('operations[')),
  );
  const imports = [...named, ...(usesOperations ? ['operations'] : [])].sort((a, b) =>
    a.localeCompare(b, 'en', { sensitivity: 'base' }),
  );
  const options = ['IdempotentRequestOptions', 'RequestOptions'].filter((name) =>
    operations.some((op) => (name === 'RequestOptions') !== op.idempotent),
  );

  const queries = operations
    .filter((op) => op.query)
    .map(
      (op) =>
        `/** The query of \`${op.operationId}\`: ${op.query?.names.map((name) => `\`${name}\``).join(', ')}. */\nexport type ${op.query?.alias} = NonNullable<operations['${op.operationId}']['parameters']['query']>;\n`,
    );

  const members = operations.flatMap((op) => {
    const one = `${jsdoc(docOf(op), '    ')}    ${op.operationId}(${signature(op)}): Promise<${op.success}>;\n`;
    const all = op.listAll
      ? `${jsdoc(docOf(op, { listAll: true }), '    ')}    ${op.listAll.name}(${signature(op, { omitCursor: true })}): AsyncIterable<${op.listAll.item}>;\n`
      : '';
    return [one + all];
  });

  const operationsTs = `${HEADER}
${options.length ? `import type { ${options.join(', ')} } from '../transport.js';\n` : ''}import type { ${imports.join(', ')} } from './openapi.js';

${queries.join('\n')}
export interface ApiKeysClient {
  /**
   * One method per operation of the contract, named by its operationId. Each resolves to the parsed
   * answer, rejects with ApiKeysError for any non-2xx answer, and with ApiKeysNetworkError (or
   * ApiKeysTimeoutError) when no answer came.
   */
  apiKeys: {
${members.join('')}  };
}
`;

  const bodies = operations.flatMap((op) => {
    const args = [...op.pathParams.map((p) => p.identifier)];
    if (op.body) {
      args.push(op.body.defaultEmpty ? 'request = {}' : 'request');
    }
    if (op.query) {
      args.push('query');
    }
    args.push(op.idempotent ? 'options = {}' : 'options');
    const params = [
      op.pathParams.length
        ? `path: { ${op.pathParams.map((p) => (p.identifier === p.name ? p.name : `${property(p.name)}: ${p.identifier}`)).join(', ')} }`
        : '',
      op.query ? 'query' : '',
      op.idempotent ? 'header' : '',
    ].filter(Boolean);
    const call = `(api, init) => api.${op.method.toUpperCase()}(${JSON.stringify(op.path)}, { ${
      params.length ? `params: { ${params.join(', ')} }, ` : ''
    }${op.body ? 'body: request, ' : ''}...init })`;
    const send = `send(options, ${call}${op.retryable ? ', true' : ''})`;
    const lines = [
      `  // ${op.method.toUpperCase()} ${op.path}: ${op.retryable ? 'retried' : 'never retried'} (${op.retryReason}).`,
      op.idempotent
        ? `  const ${op.operationId}: Methods['${op.operationId}'] = (${args.join(', ')}) => {\n    const header = { 'Idempotency-Key': idempotencyKey(options) };\n    return ${send};\n  };`
        : `  const ${op.operationId}: Methods['${op.operationId}'] = (${args.join(', ')}) =>\n    ${send};`,
    ];
    if (op.listAll) {
      const pass = [
        ...op.pathParams.map((p) => p.identifier),
        ...(op.body ? ['request'] : []),
        '{ ...query, cursor }',
        'options',
      ];
      const listArgs = [...op.pathParams.map((p) => p.identifier), ...(op.body ? ['request'] : []), 'query', 'options'];
      lines.push(
        `  const ${op.listAll.name}: Methods['${op.listAll.name}'] = (${listArgs.join(', ')}) =>\n    everyPage(${JSON.stringify(op.operationId)}, (cursor) => ${op.operationId}(${pass.join(', ')}));`,
      );
    }
    return lines;
  });
  const names = operations.flatMap((op) => [op.operationId, ...(op.listAll ? [op.listAll.name] : [])]);
  const usesEveryPage = operations.some((op) => op.listAll);
  const usesIdempotency = operations.some((op) => op.idempotent);
  const runtime = ['send', ...(usesEveryPage ? ['everyPage'] : []), ...(usesIdempotency ? ['idempotencyKey'] : [])];

  const bindTs = `${HEADER}
import type { OperationRuntime } from '../transport.js';
import type { ApiKeysClient } from './operations.js';

type Methods = ApiKeysClient['apiKeys'];

/** Every operation of the contract as a method: a call of the one transport, with its retry and idempotency. */
export function bindOperations({ ${runtime.join(', ')} }: OperationRuntime): Methods {
${bodies.join('\n')}

  return { ${names.join(', ')} };
}
`;
  return { 'operations.ts': operationsTs, 'bindOperations.ts': bindTs };
}

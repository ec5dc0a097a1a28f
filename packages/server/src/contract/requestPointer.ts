/**
 * Where in a request a problem lies (`errors[].pointer`), in the one style the contract states
 * (ValidationError): a JSON Pointer (RFC 6901) into the request taken as one document,
 * `{ "path": …, "query": …, "header": …, "body": … }`. So `/body/permissions/0`, `/body` for the
 * body as a whole, `/path/keyId`, `/query/limit`, `/header/idempotency-key`; `""` is the request.
 */
const segment = (key: string | number) => String(key).replaceAll('~', '~0').replaceAll('/', '~1');

export const requestPointer = {
  body: (...path: readonly (string | number)[]) => ['/body', ...path.map(segment)].join('/'),
  path: (name: string) => `/path/${segment(name)}`,
  query: (name: string) => `/query/${segment(name)}`,
  /** Header names are case-insensitive: named in lower case. */
  header: (name: string) => `/header/${segment(name.toLowerCase())}`,
  /** The request as a whole (one Node's HTTP parser refused). */
  request: '',
  /** A pointer below another: `child(requestPointer.body(), 'metadata')`. */
  child: (pointer: string, key: string | number) => `${pointer}/${segment(key)}`,
} as const;

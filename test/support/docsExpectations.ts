import {
  type ContractOperation,
  errorResponses,
  jsonBody,
  type Need,
  needs,
  problemExample,
  type Schema,
  successes,
} from './contract.js';

// What the published reference must show for an operation, derived from the contract: how
// Redoc renders its title, method, path, description, scopes, parameters and fields (with their
// limits), examples, named-example switch and every error response.

export interface DocsExpectation {
  operationId: string;
  /** Its section's id, as in its `#/<tag>/<operationid>` link. */
  sectionId: string;
  title: string;
  method: string;
  path: string;
  scopes: string[];
  /** Whether it takes a request body, which Redoc shows as the "Payload" sample. */
  hasBody: boolean;
  /** A sentence of its description, as the page renders it. */
  says: string[];
  /** Parameters and fields, each with what shows its type and limits (and title and pattern). */
  fields: [string, RegExp][];
  /** Response fields a reader opens (a click on the name) to see the fields inside them. */
  opens: string[];
  /** What the page shows first: examples, defaults, enums. */
  examples: string[];
  /** A named example to switch to, from the one shown first, and what it then shows. */
  switchExample?: { from: string; to: string; shows: string };
  statuses: string[];
  /** Each error status, and what its tab shows: its description and the problem document's type. */
  problems: { status: string; says: string; type: string }[];
}

export const TYPESCRIPT_SAMPLE = 'TypeScript (@apikeys/client)';

/** What the docs suite needs of every operation. */
export const docsNeeds: Need[] = [
  needs.summary,
  needs.description,
  needs.tag,
  needs.scopes,
  needs.requestExample,
  needs.successExample,
  needs.problemBodies,
  needs.codeSample('curl'),
  needs.codeSample(TYPESCRIPT_SAMPLE),
  {
    lacking: 'a summary for every named example (the docs name them in their example switch)',
    met: (op) =>
      [...(op.requestBody?.bodies ?? []), ...successes(op).flatMap((r) => r.bodies)].every((body) =>
        Object.values(body.examples).every((example) => Boolean(example.summary)),
      ),
  },
];

/** Redoc's anchor for a tag: lower case, dashes for spaces. */
const slug = (tag: string) => tag.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/** Markdown as the page shows it, on one line. */
const rendered = (markdown: string) =>
  markdown
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .replace(/\s+/g, ' ')
    .trim();

/**
 * The sentences of a description the page shows as plain text (not tables or lists): a paragraph
 * that leads into a list (`Rules …:` then `- …` lines) counts up to the list.
 */
const sentencesOf = (markdown: string | undefined) =>
  (markdown ?? '')
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.split(/\n(?=\s*(?:[-*]|\d+\.) )/)[0]!)
    .filter((paragraph) => !/^\s*([-*|#>]|\d+\.)/.test(paragraph))
    .map(rendered)
    .flatMap((paragraph) => paragraph.split(/(?<=\.) /))
    .filter((sentence) => !/[[\]|<>]/.test(sentence));

const typeLabel = (schema: Schema) => {
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type ?? 'any']).filter(Boolean) as string[];
  const named = types.map((type) =>
    type === 'array' ? `Array of ${schema.items?.type ?? 'any'}s` : type === 'null' ? 'null' : type,
  );
  return named.join(' or ');
};

function range(min: number | undefined, max: number | undefined, unit: string) {
  const suffix = unit ? ` ${unit}` : '';
  if (min !== undefined && max !== undefined) {
    return min === max ? `= ${min}${suffix}` : `[ ${min} .. ${max} ]${suffix}`;
  }
  if (max !== undefined) {
    return `<= ${max}${suffix}`;
  }
  if (min !== undefined) {
    // Redoc shows a lower bound of one character, or of one item, as "non-empty".
    return min === 1 && (unit === 'characters' || unit === 'items') ? 'non-empty' : `>= ${min}${suffix}`;
  }
  return undefined;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * What Redoc shows for a field: its name, the line with its type and limits, then its title or
 * the name of the component it comes from (`(AppSlug)`; required when it has a title), then its pattern.
 */
export function fieldShown(name: string, schema: Schema): RegExp {
  const format = schema.format ? `(${schema.format})` : undefined;
  // Redoc shows the format before the limits: `integer, (int64), [ 0 .. 10 ]`, `string, (uri), <= 2048 characters`.
  const constraints = [
    format,
    range(schema.minLength, schema.maxLength, 'characters'),
    range(schema.minimum, schema.maximum, ''),
    range(schema.minItems, schema.maxItems, 'items'),
    schema.uniqueItems ? 'unique' : undefined,
    range(schema.minProperties, schema.maxProperties, 'properties'),
  ].filter(Boolean);
  const typeLine = [typeLabel(schema), ...constraints].join(', ');
  const named = schema.title ? `\\n\\(${escapeRegExp(schema.title)}\\)` : '(?:\\n\\(\\w+\\))?';
  // Redoc cuts a pattern longer than 45 characters (behind "Show pattern").
  const shownPattern =
    schema.pattern && schema.pattern.length > 45 ? `${schema.pattern.slice(0, 45)}...` : schema.pattern;
  const pattern = shownPattern ? `\\n${escapeRegExp(shownPattern)}` : '';
  return new RegExp(`(?:^|\\n)${escapeRegExp(name)}\\n${escapeRegExp(typeLine)}${named}${pattern}(?:\\n|$)`);
}

/** The top-level scalar properties of an example, as the page's JSON sample shows them. */
const shownProperties = (value: unknown) =>
  Object.entries(typeof value === 'object' && value !== null ? value : {})
    .filter(([, each]) => each === null || typeof each !== 'object')
    .map(([name, each]) => `"${name}": ${JSON.stringify(each)}`);

const objectHolder = (schema: Schema | undefined) => (schema?.type === 'array' ? schema.items : schema);

export function docsExpectation(operation: ContractOperation): DocsExpectation {
  const request = jsonBody(operation.requestBody?.bodies);
  const success = jsonBody(successes(operation)[0]?.bodies);
  const fields: [string, RegExp][] = operation.parameters
    .filter((parameter) => parameter.schema)
    .map((parameter) => [parameter.name, fieldShown(parameter.name, parameter.schema!)]);
  const opens: string[] = [];
  for (const body of [request, success]) {
    for (const [name, schema] of Object.entries(body?.schema?.properties ?? {})) {
      fields.push([name, fieldShown(name, schema)]);
      // Fields inside an object (or a list of objects) of the answer show once it is opened.
      const inner = objectHolder(schema);
      if (body === success && inner?.properties) {
        opens.push(name);
        // Redoc names them after the outer field: `data[].id`, `key.id` (with a zero-width space).
        const prefix = `${name}${schema.type === 'array' ? '[]' : ''}.\u200b`;
        for (const [innerName, innerSchema] of Object.entries(inner.properties)) {
          fields.push([`${prefix}${innerName}`, fieldShown(`${prefix}${innerName}`, innerSchema)]);
        }
      }
    }
  }
  const examples = [
    ...operation.parameters.flatMap((parameter) => [
      ...(parameter.schema?.default !== undefined ? [`Default:\n${JSON.stringify(parameter.schema.default)}`] : []),
      ...(parameter.schema?.enum
        ? [`Enum:\n${parameter.schema.enum.map((each) => JSON.stringify(each)).join('\n')}`]
        : []),
    ]),
    ...Object.values(request?.schema?.properties ?? {}).flatMap((field) =>
      field.default !== undefined ? [`Default:\n${JSON.stringify(field.default)}`] : [],
    ),
    // A body that must hold at least one field is shown as "required, non-empty".
    ...(request?.schema?.minProperties === 1 && operation.requestBody?.required ? ['required\nnon-empty'] : []),
    ...[request, success].flatMap((body) => shownProperties(Object.values(body?.examples ?? {})[0]?.value).slice(0, 2)),
  ];
  const switchable = [request, success].find((body) => Object.keys(body?.examples ?? {}).length >= 2);
  let switchExample: DocsExpectation['switchExample'];
  if (switchable) {
    const [first, second] = Object.values(switchable.examples);
    const before = new Set(shownProperties(first!.value));
    const shown = shownProperties(second!.value).find((line) => !before.has(line));
    const empty = JSON.stringify(second!.value) === '{}';
    if (shown || empty) {
      switchExample = { from: first!.summary!, to: second!.summary!, shows: shown ?? `${second!.summary}\n{}` };
    }
  }
  const firstSentence = sentencesOf(operation.description);
  return {
    operationId: operation.operationId,
    sectionId: `/${slug(operation.tags[0] ?? '')}/${operation.operationId.toLowerCase()}`,
    title: operation.summary ?? '',
    method: operation.method,
    path: operation.path,
    scopes: operation.scopes ?? [],
    hasBody: operation.requestBody !== undefined,
    says: [
      ...firstSentence,
      ...Object.values(request?.schema?.properties ?? {}).flatMap((field) =>
        sentencesOf((field as { description?: string }).description).slice(0, 1),
      ),
    ],
    fields,
    opens,
    examples,
    ...(switchExample ? { switchExample } : {}),
    statuses: operation.responses.map((response) => response.status),
    problems: errorResponses(operation).map((response) => ({
      status: response.status,
      says: rendered(response.description)
        .split(/[.:;(]/)[0]!
        .trim(),
      type: problemExample(response)?.type ?? '',
    })),
  };
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { specFile } from './support/repo.js';

// The problem types are declared once, in `x-problem-types` on Problem.type; the table in the
// same property's description is what the docs show, so it must say the same.
const type = parse(readFileSync(specFile, 'utf8')).components.schemas.Problem.properties.type;
const declared = type['x-problem-types'] as Record<string, { status: number; title: string }>;

describe('the problem types in the contract', () => {
  it('are documented in the table the docs show, with the same status and title', () => {
    const rows = [
      ...(type.description as string).matchAll(
        /^\| `(urn:apikeys:problem:[a-z-]+)` \| (\d{3}) \| ([^|(]+?)(?: \(.*\))? \|$/gm,
      ),
    ];
    expect(Object.fromEntries(rows.map(([, urn, status, title]) => [urn, { status: Number(status), title }]))).toEqual(
      declared,
    );
  });

  it('are the ones every shared error response gives as examples', () => {
    const responses = parse(readFileSync(specFile, 'utf8')).components.responses as Record<
      string,
      {
        content: Record<
          string,
          { examples: Record<string, { value: { type: string; status: number; title: string } }> }
        >;
      }
    >;
    const examples = Object.values(responses).flatMap((response) =>
      Object.values(response.content['application/problem+json']!.examples).map(({ value }) => value),
    );
    expect(examples.length).toBeGreaterThan(10);
    for (const { type: urn, status, title } of examples) {
      expect(declared[urn]).toEqual({ status, title });
    }
  });
});

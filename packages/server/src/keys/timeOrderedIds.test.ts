import { describe, expect, it } from 'vitest';
import { TimeOrderedIds } from './timeOrderedIds.js';

describe('TimeOrderedIds', () => {
  it('makes UUIDv7 ids that increase, even many in one millisecond, and never repeat', () => {
    const ids = new TimeOrderedIds();
    const made = Array.from({ length: 20_000 }, () => ids.next());
    for (const id of made) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
    // The random part differs from one id to the next (not one pooled value reused).
    expect(new Set(made.map((id) => id.slice(19))).size).toBe(made.length);
  });

  it('embeds the time it is given, so that ids made by a clock under test still sort by that clock', () => {
    const ids = new TimeOrderedIds();
    const at = Date.parse('2026-06-01T12:00:00.000Z');
    const [first, second] = [ids.next(at), ids.next(at + 1)];
    const timeOf = (id: string) => Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
    expect(timeOf(first)).toBe(at);
    expect(timeOf(second)).toBe(at + 1);
  });
});

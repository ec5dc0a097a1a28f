import { describe, expect, it } from 'vitest';
import { AuditEventIds } from './auditEvents.js';

describe('AuditEventIds', () => {
  it('makes UUIDv7 ids that increase, even many in one millisecond, and never repeat', () => {
    const ids = new AuditEventIds();
    const made = Array.from({ length: 20_000 }, () => ids.next());
    for (const id of made) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
    // The random part differs from one id to the next (not one pooled value reused).
    expect(new Set(made.map((id) => id.slice(19))).size).toBe(made.length);
  });
});

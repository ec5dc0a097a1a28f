import { describe, expect, it } from 'vitest';
import { statusOf } from './keyStatus.js';

const now = new Date('2026-06-01T12:00:00.000Z');

describe('key status', () => {
  it('is active with no revocation and no expiry, or both still ahead', () => {
    expect(statusOf({ revoked_at: null, expires_at: null }, now)).toBe('active');
    expect(statusOf({ revoked_at: '2026-06-01T12:00:00.001Z', expires_at: '2026-06-01T12:00:00.001Z' }, now)).toBe(
      'active',
    );
  });

  it('is expired from the expiry instant on, and revoked from the revocation instant on, revoked first', () => {
    expect(statusOf({ revoked_at: null, expires_at: now.toISOString() }, now)).toBe('expired');
    expect(statusOf({ revoked_at: now.toISOString(), expires_at: null }, now)).toBe('revoked');
    expect(statusOf({ revoked_at: '2026-01-01T00:00:00.000Z', expires_at: '2025-01-01T00:00:00.000Z' }, now)).toBe(
      'revoked',
    );
  });
});

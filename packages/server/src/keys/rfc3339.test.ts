import { describe, expect, it } from 'vitest';
import { instantOf, isRfc3339DateTime } from './rfc3339.js';

describe('RFC 3339 date-time', () => {
  it('accepts real dates and times with a zone', () => {
    for (const value of [
      '2026-12-31T23:59:59Z',
      '2026-12-31T23:59:59.123456+02:00',
      '2028-02-29T00:00:00-23:59',
      '2026-06-30T23:59:60Z',
      '2026-01-01t00:00:00z',
      '0001-01-01T00:00:00Z',
    ]) {
      expect(isRfc3339DateTime(value), value).toBe(true);
    }
  });

  it('refuses impossible dates, hours and offsets, and other spellings', () => {
    for (const value of [
      '2030-02-30T00:00:00Z',
      '2100-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-00-10T00:00:00Z',
      '2026-06-01T24:00:00Z',
      '2026-06-01T12:60:00Z',
      '2026-06-01T12:00:61Z',
      '2026-06-01T12:00:00+0100',
      '2026-06-01T12:00:00+24:00',
      '2026-06-01T12:00:00',
      '2026-06-01 12:00:00Z',
      '+010000-01-01T00:00:00Z',
      '2026-06-01T12:00:00.Z',
    ]) {
      expect(isRfc3339DateTime(value), value).toBe(false);
    }
  });

  it('names the instant, rounding finer than a millisecond up, and no instant for a leap second', () => {
    expect(instantOf('2030-01-01T00:00:00.0010000000Z')).toBe(Date.UTC(2030, 0, 1, 0, 0, 0, 1));
    expect(instantOf('2026-06-01T12:00:00.0001Z')).toBe(Date.UTC(2026, 5, 1, 12, 0, 0, 1));
    expect(instantOf('2026-06-01T12:00:00.5+02:00')).toBe(Date.UTC(2026, 5, 1, 10, 0, 0, 500));
    expect(instantOf('2026-06-01T00:30:00-01:30')).toBe(Date.UTC(2026, 5, 1, 2, 0, 0));
    expect(instantOf('0099-01-01T00:00:00Z')).toBe(Date.parse('0099-01-01T00:00:00Z'));
    expect(new Date(instantOf('9999-12-31T23:59:59.9991Z')!).toISOString()).toBe('+010000-01-01T00:00:00.000Z');
    expect(instantOf('2026-06-30T23:59:60Z')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { creditsAt, newBalance, refillPeriodStart } from './credits.js';

const at = (text: string) => new Date(text);
const monthly = (refill_day: number) => ({ interval: 'monthly' as const, amount: 100, refill_day });

describe('refillPeriodStart', () => {
  it('starts a daily interval at 00:00 UTC', () => {
    const daily = { interval: 'daily' as const, amount: 5, refill_day: null };
    expect(refillPeriodStart(daily, at('2026-03-10T23:59:59.999Z')).toISOString()).toBe('2026-03-10T00:00:00.000Z');
    expect(refillPeriodStart(daily, at('2026-03-11T00:00:00.000Z')).toISOString()).toBe('2026-03-11T00:00:00.000Z');
  });

  it('starts a monthly interval on the refill day, or the month before when that day has not come', () => {
    expect(refillPeriodStart(monthly(15), at('2026-03-15T00:00:00.000Z')).toISOString()).toBe(
      '2026-03-15T00:00:00.000Z',
    );
    expect(refillPeriodStart(monthly(15), at('2026-03-14T23:59:59.999Z')).toISOString()).toBe(
      '2026-02-15T00:00:00.000Z',
    );
    expect(refillPeriodStart(monthly(1), at('2026-01-01T00:00:00.000Z')).toISOString()).toBe(
      '2026-01-01T00:00:00.000Z',
    );
    expect(refillPeriodStart(monthly(1), at('2025-12-31T23:59:59.999Z')).toISOString()).toBe(
      '2025-12-01T00:00:00.000Z',
    );
  });

  it('moves a day a month lacks to its last day: February in common and leap years, 30-day months', () => {
    expect(refillPeriodStart(monthly(31), at('2026-02-28T00:00:00.000Z')).toISOString()).toBe(
      '2026-02-28T00:00:00.000Z',
    );
    expect(refillPeriodStart(monthly(31), at('2026-02-27T12:00:00.000Z')).toISOString()).toBe(
      '2026-01-31T00:00:00.000Z',
    );
    expect(refillPeriodStart(monthly(30), at('2028-02-29T00:00:00.000Z')).toISOString()).toBe(
      '2028-02-29T00:00:00.000Z',
    );
    expect(refillPeriodStart(monthly(29), at('2027-03-01T00:00:00.000Z')).toISOString()).toBe(
      '2027-02-28T00:00:00.000Z',
    );
    expect(refillPeriodStart(monthly(31), at('2026-04-30T00:00:00.000Z')).toISOString()).toBe(
      '2026-04-30T00:00:00.000Z',
    );
    expect(refillPeriodStart(monthly(31), at('2026-05-30T23:00:00.000Z')).toISOString()).toBe(
      '2026-04-30T00:00:00.000Z',
    );
    expect(refillPeriodStart(monthly(31), at('2026-05-31T00:00:00.000Z')).toISOString()).toBe(
      '2026-05-31T00:00:00.000Z',
    );
  });
});

describe('creditsAt', () => {
  it('refills to the amount once a new interval has begun, and not before', () => {
    const balance = {
      ...newBalance({ remaining: 3, refill: { interval: 'monthly', amount: 100 } }, at('2026-01-20T10:00:00Z')),
      remaining: 0,
    };
    expect(balance.refilledAt).toBe('2026-01-01T00:00:00.000Z');
    expect(creditsAt(balance, at('2026-01-31T23:59:59.999Z')).remaining).toBe(0);
    expect(creditsAt(balance, at('2026-02-01T00:00:00.000Z'))).toEqual({
      remaining: 100,
      refill: { interval: 'monthly', amount: 100, refill_day: 1 },
    });
  });

  it('never refills credits without a refill', () => {
    const balance = newBalance({ remaining: 7 }, at('2026-01-20T10:00:00Z'));
    expect(balance).toEqual({ remaining: 7, refill: null, refilledAt: null });
    expect(creditsAt(balance, at('2030-01-01T00:00:00Z'))).toEqual({ remaining: 7, refill: null });
  });

  it('gives a daily refill no day of the month', () => {
    expect(
      newBalance({ remaining: 1, refill: { interval: 'daily', amount: 10 } }, at('2026-01-20T10:00:00Z')).refill,
    ).toEqual({
      interval: 'daily',
      amount: 10,
      refill_day: null,
    });
  });
});

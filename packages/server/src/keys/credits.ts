import type { components } from '@apikeys/types';

/** A key's credits as its record shows them (never null here: a key without credits has none of this). */
export type Credits = NonNullable<components['schemas']['Credits']>;
export type CreditRefill = NonNullable<components['schemas']['CreditRefill']>;
/** What createApiKey and updateApiKey take: a refill's day may be left out. */
export type CreditsInput = NonNullable<components['schemas']['CreditsInput']>;

/** A balance as stored: what is left, how it refills, and the start of the interval whose refill it holds. */
export interface CreditBalance {
  remaining: number;
  refill: CreditRefill | null;
  /** ISO time; null for credits that do not refill. */
  refilledAt: string | null;
}

const lastDayOf = (year: number, month: number) => new Date(Date.UTC(year, month + 1, 0)).getUTCDate();

/**
 * The start (UTC) of the refill interval that `at` falls in: 00:00 of its day, or 00:00 of the
 * month's refill day, which a month without that day moves to its last day (31 → 30 April, 28 or
 * 29 February).
 */
export function refillPeriodStart(refill: CreditRefill, at: Date): Date {
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  if (refill.interval === 'daily') {
    return new Date(Date.UTC(year, month, at.getUTCDate()));
  }
  const day = refill.refill_day ?? 1;
  const thisMonth = new Date(Date.UTC(year, month, Math.min(day, lastDayOf(year, month))));
  if (thisMonth.getTime() <= at.getTime()) {
    return thisMonth;
  }
  return new Date(Date.UTC(year, month - 1, Math.min(day, lastDayOf(year, month - 1))));
}

/** The balance as of `at`: refilled to its amount when an interval has begun since its last refill. */
export function creditsAt(balance: CreditBalance, at: Date): Credits {
  const { refill, refilledAt } = balance;
  const start = refill && refillPeriodStart(refill, at);
  const refilled = start !== null && refilledAt !== null && start.getTime() > Date.parse(refilledAt);
  return { remaining: refilled ? refill!.amount : balance.remaining, refill };
}

/** The balance a request's credits make at `now`: a monthly refill's day defaults to the 1st, a daily one has none. */
export function newBalance(input: CreditsInput, now: Date): CreditBalance {
  const refill: CreditRefill | null = input.refill
    ? {
        interval: input.refill.interval,
        amount: input.refill.amount,
        refill_day: input.refill.interval === 'monthly' ? (input.refill.refill_day ?? 1) : null,
      }
    : null;
  return {
    remaining: input.remaining,
    refill,
    refilledAt: refill ? refillPeriodStart(refill, now).toISOString() : null,
  };
}

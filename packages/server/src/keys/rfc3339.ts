// RFC 3339 `date-time` as the contract means it: a real calendar date, hours 00-23, minutes
// 00-59, seconds 00-60 (a leap second is the handlers' to refuse, with its own message), and an
// offset `Z` or `±hh:mm`. The validator's stock check lets 30 February, 24:00 and `+0100` pass.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

function fieldsOf(value: string) {
  const match = DATE_TIME.exec(value);
  if (!match) {
    return undefined;
  }
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = match[7] ?? '';
  const sign = match[8] === '-' ? -1 : 1;
  const [offsetHour, offsetMinute] = [Number(match[9] ?? 0), Number(match[10] ?? 0)];
  return {
    year,
    month,
    day,
    hour,
    minute,
    second,
    fraction,
    offsetMinutes: sign * (offsetHour * 60 + offsetMinute),
    offsetHour,
    offsetMinute,
  };
}

export function isRfc3339DateTime(value: string): boolean {
  const fields = fieldsOf(value);
  if (!fields) {
    return false;
  }
  const { year, month, day, hour, minute, second, offsetHour, offsetMinute } = fields;
  const validDate = month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);
  return validDate && hour <= 23 && minute <= 59 && second <= 60 && offsetHour <= 23 && offsetMinute <= 59;
}

/**
 * The instant an RFC 3339 date-time names, in epoch milliseconds, rounded up to the next
 * millisecond when it has finer digits (so that a key never expires before the instant it was
 * given); undefined for a leap second, which a JavaScript Date cannot hold. Parsed here rather
 * than by Date.parse, which misreads fractions of ten digits or more.
 */
export function instantOf(value: string): number | undefined {
  const fields = fieldsOf(value);
  if (!fields || fields.second === 60) {
    return undefined;
  }
  const { year, month, day, hour, minute, second, fraction, offsetMinutes } = fields;
  const milliseconds = Number(fraction.slice(0, 3).padEnd(3, '0')) + (/[1-9]/.test(fraction.slice(3)) ? 1 : 0);
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, milliseconds);
  return utc.getTime() - offsetMinutes * 60_000;
}

// RFC 3339 `date-time` as the contract means it: a real calendar date, hours 00-23, minutes
// 00-59, seconds 00-60 (a leap second is the handlers' to refuse, with its own message), and an
// offset `Z` or `±hh:mm`. The validator's stock check lets 30 February, 24:00 and `+0100` pass.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

export function isRfc3339DateTime(value: string): boolean {
  const match = DATE_TIME.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const [offsetHour, offsetMinute] = [Number(match[7] ?? 0), Number(match[8] ?? 0)];
  const validDate = month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);
  return validDate && hour <= 23 && minute <= 59 && second <= 60 && offsetHour <= 23 && offsetMinute <= 59;
}

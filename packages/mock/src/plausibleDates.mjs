// @ts-check
// Prism's dynamic answers (`Prefer: dynamic=true`) take each date-time from json-schema-faker, which
// picks any instant since 1889, each on its own: a key created in 1943, expiring before it was
// created, `active` with a `revoked_at` long past. This puts the dates of a dynamic answer near now,
// in the order a key lives, and agreeing with its `status` as the contract defines it (revoked when
// `revoked_at` has passed, else expired when `expires_at` has passed, else active).

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The names of the contract's date-time properties, wherever its schemas declare them.
 * @param {unknown} schema the contract, or any part of it
 * @param {Set<string>} [names]
 * @returns {Set<string>}
 */
export function dateTimeProperties(schema, names = new Set()) {
  if (Array.isArray(schema)) {
    for (const each of schema) {
      dateTimeProperties(each, names);
    }
  } else if (schema !== null && typeof schema === 'object') {
    for (const [name, property] of Object.entries(/** @type {Record<string, unknown>} */ (schema))) {
      if (name === 'properties' && property !== null && typeof property === 'object') {
        for (const [field, fieldSchema] of Object.entries(property)) {
          if (fieldSchema?.format === 'date-time') {
            names.add(field);
          }
        }
      }
      dateTimeProperties(property, names);
    }
  }
  return names;
}

/**
 * `value` with its date-time fields (named in `fields`) rewritten, at any depth.
 * @param {unknown} value a dynamic answer's JSON body
 * @param {{ fields: Set<string>, now: number, random: () => number }} options
 * @returns {unknown}
 */
export function plausibleDates(value, options) {
  if (Array.isArray(value)) {
    return value.map((each) => plausibleDates(each, options));
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const record = /** @type {Record<string, unknown>} */ (
    Object.fromEntries(Object.entries(value).map(([name, each]) => [name, plausibleDates(each, options)]))
  );
  return Object.keys(record).some((name) => options.fields.has(name)) ? withDates(record, options) : record;
}

/**
 * One record's dates: created in the last 180 days, the others after it and as its status requires.
 * @param {Record<string, unknown>} record
 * @param {{ fields: Set<string>, now: number, random: () => number }} options
 */
function withDates(record, { fields, now, random }) {
  /** @param {number} from @param {number} to */
  const between = (from, to) => Math.floor(from + random() * (to - from));
  const created = between(now - 180 * DAY, now - HOUR);
  const dated = { ...record };
  for (const name of fields) {
    // Other date-time fields (an event's time, say) are in the past, after the record was created.
    if (typeof dated[name] === 'string') {
      dated[name] = between(created, now);
    }
  }
  if ('created_at' in dated) {
    dated.created_at = created;
  }
  let endOfUse = now;
  if ('revoked_at' in dated) {
    if (dated.status === 'revoked') {
      dated.revoked_at = between(created, now);
      endOfUse = /** @type {number} */ (dated.revoked_at);
    } else if (dated.revoked_at !== null) {
      // A rotated key in its grace period: revoked when the grace period ends.
      dated.revoked_at = between(now + HOUR, now + DAY);
    }
  }
  if ('expires_at' in dated) {
    if (dated.status === 'expired') {
      dated.expires_at = between(created, now);
      endOfUse = /** @type {number} */ (dated.expires_at);
    } else if (dated.expires_at !== null) {
      // Any expiry after creation for a revoked key; one still ahead for an active one.
      const from = dated.status === 'revoked' ? created + HOUR : now + DAY;
      dated.expires_at = between(from, from + 365 * DAY);
    }
  }
  if (typeof dated.last_used_at === 'string' || typeof dated.last_used_at === 'number') {
    dated.last_used_at = between(created, endOfUse);
  }
  for (const name of fields) {
    if (typeof dated[name] === 'number') {
      dated[name] = new Date(/** @type {number} */ (dated[name])).toISOString();
    }
  }
  return dated;
}

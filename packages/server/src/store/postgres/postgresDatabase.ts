import pg from 'pg';
import type { Announcement, SchemaTypes, SqlDialect, SqlExecutor, SqlParams, Statement, Work } from '../shared/sql.js';

const TYPES: SchemaTypes = {
  text: 'text',
  integer: 'integer',
  bigint: 'bigint',
  timestamp: 'timestamptz',
  json: 'json',
  uuid: 'uuid',
  bytes: 'bytea',
  strict: '',
};

// Instances listen on these channels for the ids of changed keys (their verification caches) and
// the names of service tokens added or revoked (their token lookups).
export const KEY_CHANGES_CHANNEL = 'api_key_changes';
export const SERVICE_TOKEN_CHANGES_CHANNEL = 'service_token_changes';

// Any constant: serialises migrations when several instances start against one database.
const MIGRATION_LOCK = 7_041_992;

const JSON_OID = 114;
const TIMESTAMPTZ_OID = 1184;
const parseTimestamp = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (text: string) => Date;

/**
 * Rows as SQLite gives them, so that one row mapper serves both: a json column as its text, a
 * timestamptz as toISOString() text (milliseconds, as SQLite keeps them, no more).
 */
export const SHARED_ROW_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === JSON_OID) {
      return (text: string) => text;
    }
    if (oid === TIMESTAMPTZ_OID) {
      return (text: string) => parseTimestamp(text).toISOString();
    }
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/** A statement with `@name` parameters as PostgreSQL takes it: `$n` placeholders, and the names in their order. */
interface Positional {
  text: string;
  names: string[];
}

const positionalTexts = new Map<string, Positional>();

export function positional(sql: string): Positional {
  let compiled = positionalTexts.get(sql);
  if (!compiled) {
    const names: string[] = [];
    // A quoted string or a comment is kept as written: an `@` there is no parameter.
    const text = sql.replace(/'(?:[^']|'')*'|--[^\n]*|@(\w+)/g, (match, name: string | undefined) => {
      if (name === undefined) {
        return match;
      }
      const index = names.indexOf(name);
      return `$${index === -1 ? names.push(name) : index + 1}`;
    });
    compiled = { text, names };
    positionalTexts.set(sql, compiled);
  }
  return compiled;
}

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

async function query<Row extends pg.QueryResultRow>(on: Queryable, sql: string, params?: SqlParams) {
  const { text, names } = positional(sql);
  const values = names.map((name) => {
    const value = params?.[name];
    if (value === undefined) {
      throw new Error(`Missing named parameter '${name}'`);
    }
    return value;
  });
  return on.query<Row>(text, values);
}

/** Statements on a pool, or on one client (a transaction's). */
class Queries implements SqlExecutor {
  constructor(private readonly on: Queryable) {}

  async all<Row>(sql: string, params?: SqlParams): Promise<Row[]> {
    return (await query<Row & pg.QueryResultRow>(this.on, sql, params)).rows;
  }

  async get<Row>(sql: string, params?: SqlParams): Promise<Row | undefined> {
    return (await query<Row & pg.QueryResultRow>(this.on, sql, params)).rows[0];
  }

  async run(sql: string, params?: SqlParams): Promise<number> {
    return (await query(this.on, sql, params)).rowCount ?? 0;
  }

  async exec(sql: string): Promise<void> {
    // No parameters: the simple protocol, which takes several statements.
    await this.on.query(sql);
  }

  /** Runs `work`'s statements one after the other, each resuming it with its result. */
  async perform<T>(work: Work<T>): Promise<T> {
    let next = work.next();
    while (!next.done) {
      next = work.next(await this.execute(next.value));
    }
    return next.value;
  }

  private execute(statement: Statement): Promise<unknown> {
    return statement.op === 'exec' ? this.exec(statement.sql) : this[statement.op](statement.sql, statement.params);
  }
}

/** The PostgreSQL dialect: a pool, a transaction on one of its clients. */
export class PostgresDatabase extends Queries implements SqlDialect {
  readonly kind = 'postgres';
  readonly types = TYPES;
  readonly lockRows = ' FOR UPDATE';
  readonly skipLockedRows = ' FOR UPDATE SKIP LOCKED';
  readonly migrationLock: Statement = {
    op: 'get',
    sql: 'SELECT pg_advisory_xact_lock(@lock)',
    params: { lock: MIGRATION_LOCK },
  };

  constructor(readonly pool: pg.Pool) {
    super(pool);
  }

  /** A connection that cannot even roll back after an error is not handed back to the pool. */
  async transaction<T>(work: Work<{ value: T; commit: boolean }>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const { value, commit } = await new Queries(client).perform(work);
      await client.query(commit ? 'COMMIT' : 'ROLLBACK');
      return value;
    } catch (error) {
      // The first error is the one to report.
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  together<T>(work: Work<T>): Promise<T> {
    return this.perform(work);
  }

  /** pg_notify: PostgreSQL delivers the notification when, and only if, the transaction commits. */
  announcement(change: Announcement): Statement {
    return {
      op: 'get',
      sql: 'SELECT pg_notify(@channel, @payload)',
      params:
        change.kind === 'key'
          ? { channel: KEY_CHANGES_CHANNEL, payload: change.id }
          : { channel: SERVICE_TOKEN_CHANGES_CHANNEL, payload: change.name },
    };
  }

  isPrimaryKeyViolation(error: unknown, table: string): boolean {
    const { code, constraint } = error as { code?: string; constraint?: string };
    return code === '23505' && constraint === `${table}_pkey`;
  }

  async close(): Promise<void> {
    if (!this.pool.ended) {
      await this.pool.end();
    }
  }
}

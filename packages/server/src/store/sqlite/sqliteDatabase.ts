import type Database from 'better-sqlite3';
import type { SchemaTypes, SqlDialect, SqlParams, Statement, Work } from '../shared/sql.js';

export const SQLITE_TYPES: SchemaTypes = {
  text: 'TEXT',
  integer: 'INTEGER',
  bigint: 'INTEGER',
  timestamp: 'TEXT',
  json: 'TEXT',
  uuid: 'TEXT',
  bytes: 'BLOB',
  strict: ' STRICT',
};

/** The shared statement text as SQLite takes it: without PostgreSQL's casts (`@now::timestamptz` is `@now`). */
export const sqliteText = (sql: string) =>
  // A quoted string or a comment is kept as written.
  sql.replace(/'(?:[^']|'')*'|--[^\n]*|::[a-z]+(\[\])?/g, (match) => (match.startsWith('::') ? '' : match));

/**
 * The SQLite dialect on the store's main connection. Statements are prepared once, on first use
 * (they need the schema migrate() makes), and run synchronously, as better-sqlite3 does. A
 * transaction is BEGIN IMMEDIATE … COMMIT with its work run to the end in between, in one go:
 * no other statement can run on the connection while it is open, and two connections of one
 * process never wait on each other's lock (a wait blocks the thread, which would block the
 * other's commit too).
 */
export class SqliteDatabase implements SqlDialect {
  readonly kind = 'sqlite';
  readonly types = SQLITE_TYPES;
  readonly lockRows = '';
  // One writer at a time already: the rows a transaction reads are its own until it commits.
  readonly skipLockedRows = '';
  // BEGIN IMMEDIATE takes the database's write lock: migrations are serialised already.
  readonly migrationLock = undefined;
  private readonly prepared = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  private statement(sql: string): Database.Statement {
    let statement = this.prepared.get(sql);
    if (!statement) {
      statement = this.db.prepare(sqliteText(sql));
      this.prepared.set(sql, statement);
    }
    return statement;
  }

  /** Runs one statement now, with its result. */
  private execute(statement: Statement): unknown {
    if (statement.op === 'exec') {
      this.db.exec(sqliteText(statement.sql));
      return undefined;
    }
    const { op, sql, params } = statement;
    const prepared = this.statement(sql);
    const args = params === undefined ? [] : [params];
    return op === 'run' ? prepared.run(...args).changes : op === 'get' ? prepared.get(...args) : prepared.all(...args);
  }

  async all<Row>(sql: string, params?: SqlParams): Promise<Row[]> {
    return this.execute({ op: 'all', sql, params }) as Row[];
  }

  async get<Row>(sql: string, params?: SqlParams): Promise<Row | undefined> {
    return this.execute({ op: 'get', sql, params }) as Row | undefined;
  }

  async run(sql: string, params?: SqlParams): Promise<number> {
    return this.execute({ op: 'run', sql, params }) as number;
  }

  async exec(sql: string): Promise<void> {
    this.execute({ op: 'exec', sql });
  }

  async transaction<T>(work: Work<{ value: T; commit: boolean }>): Promise<T> {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      let next = work.next();
      while (!next.done) {
        next = work.next(this.execute(next.value));
      }
      this.db.exec(next.value.commit ? 'COMMIT' : 'ROLLBACK');
      return next.value.value;
    } catch (error) {
      // Some errors (a full disk) make SQLite roll back by itself.
      if (this.db.inTransaction) {
        this.db.exec('ROLLBACK');
      }
      throw error;
    }
  }

  together<T>(work: Work<T>): Promise<T> {
    return this.transaction(
      (function* () {
        return { value: yield* work, commit: true };
      })(),
    );
  }

  // Other processes hear of commits through data_version (sqliteWriter.ts), not of what changed.
  announcement(): undefined {
    return undefined;
  }

  isPrimaryKeyViolation(error: unknown, table: string): boolean {
    const { code, message } = error as { code?: string; message?: string };
    // SQLite names the clash `UNIQUE constraint failed: <table>.<column>`.
    return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' && (message ?? '').includes(`failed: ${table}.`);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

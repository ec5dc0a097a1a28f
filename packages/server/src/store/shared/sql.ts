/**
 * What the shared store (sqlKeyStore.ts) needs of a database. Statements are one text for both
 * dialects: named parameters written `@name`, PostgreSQL casts written `@name::type` (the SQLite
 * dialect drops them). Values are bound as strings, numbers, Buffers or null: timestamps as
 * toISOString() text, JSON as its text, booleans as 1 or 0. Rows come back the same way from
 * both: a timestamp as toISOString() text, a json column as its text.
 */
export type SqlValue = string | number | Buffer | null;
export type SqlParams = Readonly<Record<string, SqlValue>>;

export interface SqlExecutor {
  all<Row>(sql: string, params?: SqlParams): Promise<Row[]>;
  get<Row>(sql: string, params?: SqlParams): Promise<Row | undefined>;
  /** Resolves to the number of rows the statement changed. */
  run(sql: string, params?: SqlParams): Promise<number>;
  /** Statements without parameters, separated by semicolons (migrations). */
  exec(sql: string): Promise<void>;
}

/** One statement of a transaction's work, as the dialect runs it. */
export type Statement =
  | { op: 'all' | 'get' | 'run'; sql: string; params?: SqlParams | undefined }
  | { op: 'exec'; sql: string };

/**
 * A transaction's work: a generator that yields its statements and is resumed with each one's
 * result (`yield* step.get(...)`). SQLite runs it synchronously to the end, so nothing else runs
 * on the connection while its transaction is open (and two connections of one process cannot
 * wait on each other); PostgreSQL awaits each statement on the transaction's client.
 */
export type Work<T> = Generator<Statement, T, unknown>;

/** The statements of a transaction's work, each resuming it with its result. */
export const step = {
  *all<Row>(sql: string, params?: SqlParams): Work<Row[]> {
    return (yield { op: 'all', sql, params }) as Row[];
  },
  *get<Row>(sql: string, params?: SqlParams): Work<Row | undefined> {
    return (yield { op: 'get', sql, params }) as Row | undefined;
  },
  /** Resumes with the number of rows the statement changed. */
  *run(sql: string, params?: SqlParams): Work<number> {
    return (yield { op: 'run', sql, params }) as number;
  },
  *exec(sql: string): Work<void> {
    yield { op: 'exec', sql };
  },
};

/** A change that other instances are told of when (and only if) its transaction commits. */
export type Announcement = { kind: 'key'; id: string } | { kind: 'serviceToken'; name: string };

/** The names a dialect gives the column types of the shared schema (migrations.ts). */
export interface SchemaTypes {
  text: string;
  integer: string;
  bigint: string;
  timestamp: string;
  json: string;
  uuid: string;
  bytes: string;
  /** After a CREATE TABLE's closing parenthesis: SQLite's ` STRICT`, or nothing. */
  strict: string;
}

export interface SqlDialect extends SqlExecutor {
  readonly kind: 'sqlite' | 'postgres';
  readonly types: SchemaTypes;
  /** Appended to a SELECT in a transaction that will change the rows it reads (PostgreSQL's FOR UPDATE). */
  readonly lockRows: string;
  /** As lockRows, passing over rows another transaction holds (a queue's: each row to one instance). */
  readonly skipLockedRows: string;
  /** Run first in migrate()'s transaction, if any: so that one instance migrates at a time. */
  readonly migrationLock: Statement | undefined;
  /**
   * Runs `work` in one transaction, committed or rolled back as it says (rolled back when it
   * throws). Nothing else runs on the transaction's connection meanwhile.
   */
  transaction<T>(work: Work<{ value: T; commit: boolean }>): Promise<T>;
  /**
   * Runs statements each of which is correct on its own: SQLite in one transaction (one commit,
   * one fsync), PostgreSQL each committing as it runs.
   */
  together<T>(work: Work<T>): Promise<T>;
  /** The statement, if any, that tells the other instances of `change` when its transaction commits. */
  announcement(change: Announcement): Statement | undefined;
  /** Whether `error` is the refusal of a second row with the same primary key in `table`. */
  isPrimaryKeyViolation(error: unknown, table: string): boolean;
  close(): Promise<void>;
}

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { type ProblemCatalogue, ProblemError } from '../contract/problems.js';
import { hashSecret } from '../keys/secret.js';
import type { Logger } from '../logger.js';
import type { IdempotencyStore } from '../store/idempotencyStore.js';

/** An answer as it is sent, and as it is kept for a replay. */
export interface RecordedAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface IdempotentRequest {
  /** The Idempotency-Key header, when the caller sent one. */
  key: string | undefined;
  /** The bearer token that was accepted: keys are scoped to it. */
  token: string;
  operationId: string;
  params: unknown;
  body: unknown;
}

export interface IdempotencyOptions {
  store: IdempotencyStore;
  now: () => Date;
  pepper?: string | undefined;
  logger: Logger;
  /** The contract's problem types: a refusal is kept as it was answered. */
  problems: ProblemCatalogue;
}

const KEEP_MS = 24 * 3600_000;
// A record still running after this was most likely left by a process that died, and a retry
// may run again. Nothing bounds a handler's time absolutely (a stalled database), so a request
// that outlives its lease can no longer record or release its answer: the claim is checked.
const LEASE_MS = 120_000;
const SWEEP_EVERY_MS = 10 * 60_000;
const IV_BYTES = 12;
const TAG_BYTES = 16;

const sha256 = (text: string) => hashSecret(text);

/**
 * The answer is encrypted under a key derived from the bearer token and the Idempotency-Key (and
 * the pepper, when set): only the caller who sent them can have it replayed, and the database
 * alone cannot reveal the secret it holds. The record's id is bound in as associated data.
 */
function cipherKey(token: string, idempotencyKey: string, pepper: string | undefined, id: string): Buffer {
  // The token too, so that a guessable Idempotency-Key does not open the record to whoever holds the database.
  return Buffer.from(
    hkdfSync('sha256', `${token}\n${idempotencyKey}`, pepper ?? '', `apikeys idempotency record ${id}`, 32),
  );
}

function seal(answer: RecordedAnswer, key: Buffer, id: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(id));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(answer)), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]);
}

function open(sealed: Buffer, key: Buffer, id: string): RecordedAnswer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES)).setAAD(Buffer.from(id));
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return JSON.parse(
    Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8'),
  ) as RecordedAnswer;
}

/** A refusal the operation itself made is an outcome worth keeping, as it was sent. */
const answerOfProblem = (problems: ProblemCatalogue, problem: ProblemError): RecordedAnswer => ({
  status: problems.statusOf(problem),
  headers: { ...problem.options.headers, 'Content-Type': 'application/problem+json; charset=utf-8' },
  body: problems.documentOf(problem),
});

/** The operation's own answer, not a replay: said so, as the contract's header allows since 5.0.0. */
const firstAnswer = (answer: RecordedAnswer): RecordedAnswer => ({
  ...answer,
  headers: { ...answer.headers, 'Idempotent-Replayed': 'false' },
});

/** Runs an operation at most once per Idempotency-Key, token and request, and replays its answer to retries. */
export class IdempotencyGuard {
  private lastSweep = 0;

  constructor(private readonly options: IdempotencyOptions) {}

  async answer(request: IdempotentRequest, run: () => Promise<RecordedAnswer>): Promise<RecordedAnswer> {
    if (request.key === undefined) {
      return firstAnswer(await run());
    }
    const { store, now, pepper } = this.options;
    const at = now();
    this.sweep(at);
    const id = hashSecret(`${sha256(request.token)}\n${request.key}`, pepper);
    const fingerprint = sha256(JSON.stringify([request.operationId, request.params, request.body]));
    const held = await store.claimIdempotencyKey({
      id,
      fingerprint,
      now: at,
      expiresAt: new Date(at.getTime() + KEEP_MS),
      staleBefore: new Date(at.getTime() - LEASE_MS),
    });
    const key = cipherKey(request.token, request.key, pepper, id);
    if (held) {
      if (held.fingerprint !== fingerprint) {
        throw new ProblemError('idempotency-key-reused', 'This Idempotency-Key was used for a different request.');
      }
      if (held.state === 'running') {
        throw new ProblemError(
          'idempotency-key-in-use',
          'A request with this Idempotency-Key is still running; retry after 1 second.',
          { headers: { 'Retry-After': '1' } },
        );
      }
      const replay = open(held.response, key, id);
      return { ...replay, headers: { ...replay.headers, 'Idempotent-Replayed': 'true' } };
    }

    let answer: RecordedAnswer;
    try {
      answer = await run();
    } catch (error) {
      if (error instanceof ProblemError && this.options.problems.statusOf(error) < 500) {
        await this.keep(id, at, answerOfProblem(this.options.problems, error), key);
      } else {
        // Nothing worth replaying: a retry may run again.
        await store.releaseIdempotencyKey(id, at).catch(() => {});
      }
      throw error;
    }
    await this.keep(id, at, answer, key);
    return firstAnswer(answer);
  }

  private async keep(id: string, claimedAt: Date, answer: RecordedAnswer, key: Buffer): Promise<void> {
    try {
      await this.options.store.completeIdempotencyKey(id, claimedAt, seal(answer, key, id));
    } catch (error) {
      // The operation's own writes are done: answer it. A retry gets 409 until the lease ends.
      this.options.logger.error('recording an idempotent answer failed', { error: String(error) });
    }
  }

  /** Expired records are refused on read; this deletes them, now and then, off the request path. */
  private sweep(at: Date): void {
    if (at.getTime() - this.lastSweep < SWEEP_EVERY_MS) {
      return;
    }
    this.lastSweep = at.getTime();
    this.options.store
      .deleteExpiredIdempotencyKeys(at)
      .catch((error: unknown) =>
        this.options.logger.error('deleting expired idempotency records failed', { error: String(error) }),
      );
  }
}

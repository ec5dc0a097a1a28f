/** A claim on an Idempotency-Key: its lookup id (a hash, never the key itself) and the request's fingerprint. */
export interface IdempotencyClaim {
  id: string;
  fingerprint: string;
  now: Date;
  /** When the record may be deleted: 24 hours after the first request. */
  expiresAt: Date;
  /** A record still running that was started before this is taken to be abandoned (its process died) and can be claimed again. */
  staleBefore: Date;
}

/** What another request with the same key left: still running, or done with its encrypted answer. */
export type IdempotencyRecord =
  | { fingerprint: string; state: 'running' }
  | { fingerprint: string; state: 'done'; response: Buffer };

/** Records of Idempotency-Key requests, kept beside the keys, in the same database. */
export interface IdempotencyStore {
  /**
   * Atomically claims `id` for this request, unless another request holds it: resolves to
   * undefined when claimed (an expired or abandoned record is replaced), else to what is there.
   */
  claimIdempotencyKey(claim: IdempotencyClaim): Promise<IdempotencyRecord | undefined>;
  /**
   * Records the answer of the request that claimed `id` at `claimedAt` (its claim's `now`): a
   * request whose claim was taken over after its lease ended changes nothing.
   */
  completeIdempotencyKey(id: string, claimedAt: Date, response: Buffer): Promise<void>;
  /** Gives up a claim whose request failed without an answer worth keeping, so a retry runs again; only the claim made at `claimedAt`. */
  releaseIdempotencyKey(id: string, claimedAt: Date): Promise<void>;
  /** Deletes the records that expired before `now`; resolves to how many. */
  deleteExpiredIdempotencyKeys(now: Date): Promise<number>;
}

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { type AllowedNetworks, checkDestination, type Resolve } from '../keys/webhookDestination.js';
import { openWebhookSecret } from '../keys/webhookSecret.js';
import type { Logger } from '../logger.js';
import type { ClaimedDelivery, WebhookAttempt, WebhookStore } from '../store/keyStore.js';

/** How deliveries are retried: exponential backoff from `firstDelayMs`, at most `maxDelayMs` apart, for `periodMs`. */
export interface RetrySchedule {
  firstDelayMs: number;
  maxDelayMs: number;
  periodMs: number;
}

/** 5 s, then three times longer each time up to 2 hours apart, for a day: about 17 attempts. */
export const DEFAULT_RETRY: RetrySchedule = {
  firstDelayMs: 5_000,
  maxDelayMs: 2 * 3_600_000,
  periodMs: 24 * 3_600_000,
};

export interface DeliveryWorkerOptions {
  store: WebhookStore;
  /** Unseals the endpoints' secrets (keys/webhookSecret.ts). */
  secretKey: Buffer;
  allowed: AllowedNetworks;
  resolve?: Resolve | undefined;
  now: () => Date;
  logger: Logger;
  retry?: RetrySchedule;
  /** How often the outbox and the due deliveries are looked at. */
  pollMs?: number;
  /** How long an attempt may take before it counts as failed. */
  timeoutMs?: number;
}

export interface DeliveryWorker {
  /** Finishes the attempts in flight and stops. */
  stop(): Promise<void>;
}

const BATCH = 50;
// Long enough for an attempt's timeout and its record; a worker that dies holds its deliveries no longer.
const LEASE_MS = 60_000;
// What is kept of an answer's body: enough to say why, never the whole of what a receiver sent.
const KEPT_ANSWER_BYTES = 256;

/** `promise`, or a rejection once `ms` have passed (a DNS lookup has no timeout of its own). */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The delay before attempt `attempts + 1`, with ±20% jitter so that receivers are not hit in step. */
export function retryDelay(schedule: RetrySchedule, attempts: number, random = Math.random): number {
  const delay = Math.min(schedule.maxDelayMs, schedule.firstDelayMs * 3 ** Math.max(0, attempts - 1));
  return Math.round(delay * (0.8 + 0.4 * random()));
}

/** The Standard Webhooks headers of a delivery: one signature per secret that signs (two during a rotation's overlap). */
function signedHeaders(delivery: ClaimedDelivery, secrets: string[], at: Date): Record<string, string> {
  const id = delivery.delivery.event_id;
  const signatures = secrets.map((secret) => new Webhook(secret).sign(id, at, delivery.body));
  return {
    'content-type': 'application/json',
    'user-agent': 'apikeys-webhooks/1',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}

interface Answer {
  status: number | null;
  error: string | null;
}

/**
 * One POST to the address the URL's check resolved (so that a name cannot resolve elsewhere
 * between the check and the connection), on a connection of its own (no pooled socket skips the
 * pinned address), following no redirect, answered within `timeoutMs` in all: connecting,
 * sending, and the status with the first bytes of the body, after which it is cut off. Written on
 * node:http rather than fetch, which can neither pin the address nor bound what it reads.
 */
function post(url: URL, address: string, headers: Record<string, string>, body: string, timeoutMs: number) {
  return new Promise<Answer>((resolve) => {
    const family = address.includes(':') ? 6 : 4;
    const lookup: LookupFunction = (_host, options, callback) => {
      if ((options as { all?: boolean }).all) {
        (callback as unknown as (error: null, addresses: { address: string; family: number }[]) => void)(null, [
          { address, family },
        ]);
      } else {
        callback(null, address, family);
      }
    };
    let settled = false;
    const finish = (answer: Answer) => {
      if (!settled) {
        settled = true;
        clearTimeout(deadline);
        request.destroy();
        resolve(answer);
      }
    };
    let status: number | null = null;
    const kept: Buffer[] = [];
    const done = () => {
      const text = Buffer.concat(kept).toString('utf8').trim();
      finish({ status, error: text === '' ? null : text });
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, { method: 'POST', headers, lookup, agent: false }, (response) => {
      status = response.statusCode ?? null;
      // A 2xx is all there is to know; a refusal's first bytes may say why.
      if (status !== null && status >= 200 && status < 300) {
        done();
        return;
      }
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        kept.push(chunk.subarray(0, KEPT_ANSWER_BYTES - size));
        size += chunk.length;
        if (size >= KEPT_ANSWER_BYTES) {
          done();
        }
      });
      response.on('end', done);
      response.on('error', done);
    });
    const deadline = setTimeout(
      () => (status === null ? finish({ status, error: `no answer within ${timeoutMs} ms` }) : done()),
      timeoutMs,
    );
    request.on('error', (error) => finish({ status: null, error: error.message.slice(0, KEPT_ANSWER_BYTES) }));
    request.end(body);
  });
}

/** A status as the contract shows it (100-599), or none. */
const statusOf = (status: number | null) => (status !== null && status >= 100 && status <= 599 ? status : null);

/**
 * Sends the webhooks: now and then, fans the outbox's events out to deliveries, leases the due
 * ones (one instance each: the store's SKIP LOCKED) and attempts them. A 2xx delivers; anything
 * else is tried again after a backoff with the same webhook-id, until the retry period is over:
 * then the delivery fails and its endpoint is disabled with the reason.
 */
export function startDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const { store, secretKey, now, logger } = options;
  const retry = options.retry ?? DEFAULT_RETRY;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  /** Checks the URL again (a name may resolve elsewhere now) and sends; anything that goes wrong is the attempt's answer. */
  async function send(claimed: ClaimedDelivery, at: Date): Promise<Answer> {
    try {
      const checked = await withDeadline(
        checkDestination(claimed.url, { allowed: options.allowed, resolve: options.resolve }),
        timeoutMs,
      );
      if (!checked.ok) {
        return { status: null, error: `not sent: the URL ${checked.reason}` };
      }
      const secrets = claimed.secrets.map((sealed) =>
        openWebhookSecret(sealed, secretKey, claimed.delivery.endpoint_id),
      );
      const headers = signedHeaders(claimed, secrets, at);
      return await post(new URL(claimed.url), checked.addresses[0]!, headers, claimed.body, timeoutMs);
    } catch (error) {
      return { status: null, error: `not sent: ${String(error)}`.slice(0, KEPT_ANSWER_BYTES) };
    }
  }

  /** What an attempt came to; `send` never throws, so neither does this. */
  async function attempt(claimed: ClaimedDelivery): Promise<WebhookAttempt> {
    const at = now();
    const answer = await send(claimed, at);
    const delivered = answer.status !== null && answer.status >= 200 && answer.status < 300;
    const attempts = claimed.delivery.attempts + 1;
    const next = new Date(at.getTime() + retryDelay(retry, attempts));
    const expired = next.getTime() > Date.parse(claimed.delivery.created_at) + retry.periodMs;
    return {
      deliveryId: claimed.delivery.id,
      leaseId: claimed.leaseId,
      at,
      status: delivered ? 'delivered' : expired ? 'failed' : 'pending',
      lastStatus: statusOf(answer.status),
      lastError: delivered ? null : answer.error,
      nextAttemptAt: delivered || expired ? null : next,
      // At most 256 characters, as the contract's disabled_reason.
      disableEndpoint:
        !delivered && expired
          ? `deliveries failed for ${Math.round(retry.periodMs / 3_600_000)} hours (last: ${answer.error ?? answer.status})`.slice(
              0,
              256,
            )
          : undefined,
    };
  }

  /**
   * Until the backlog is gone: fans the outbox out, leases a batch, attempts it (each within its
   * deadline) and records the batch in one transaction, so that a busy instance commits per batch
   * rather than per delivery. A batch whose record fails is leased again when its lease ends.
   */
  async function round(): Promise<void> {
    while (!stopped) {
      while ((await store.fanOutWebhookEvents(now(), 100)) === 100 && !stopped) {
        // A backlog of events: fan it all out before sending.
      }
      const due = await store.claimWebhookDeliveries(now(), LEASE_MS, BATCH);
      if (due.length > 0) {
        await store.recordWebhookAttempts(await Promise.all(due.map((claimed) => attempt(claimed))));
      }
      if (due.length < BATCH) {
        return;
      }
    }
  }

  let busy = false;
  const timer = setInterval(() => {
    // One round at a time: a slow receiver delays the next round, not the ones in flight.
    if (busy) {
      return;
    }
    busy = true;
    running = round()
      .catch((error: unknown) => {
        logger.error('delivering webhooks failed', { error: String(error) });
      })
      .finally(() => {
        busy = false;
      });
  }, options.pollMs ?? 250);
  timer.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

import { createHash, timingSafeEqual } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { Request, RequestHandler } from 'express';
import type { Principal } from '../../keys/types.js';
import '../context.js';
import { ProblemError } from '../../contract/problems.js';
import { FixedWindowCounter, type WindowLimit } from '../../keys/fixedWindow.js';
import { missingScopes } from '../../keys/scopes.js';
import { hashSecret } from '../../keys/secret.js';
import { envTokenName } from '../../keys/serviceToken.js';
import { rateLimited } from './rateLimit.js';

const REALM = 'Bearer realm="apikeys"';
const challenge = { 'WWW-Authenticate': REALM };

export const DEFAULT_AUTH_FAILURE_LIMIT: WindowLimit = { limit: 20, windowMs: 60_000 };

/** The service tokens kept in the database, by the hash of the token (as the store keeps it). */
export interface ServiceTokenLookup {
  find(tokenHash: string): Principal | undefined;
}

export interface BearerAuthOptions {
  /** APIKEYS_TOKENS: each holds every scope, and is named `env-token-<n>` after its place in the list. */
  tokens: readonly string[];
  /** Every scope the contract declares: what the APIKEYS_TOKENS hold. */
  allScopes: readonly string[];
  /** The database's service tokens; none when not given. */
  serviceTokens?: ServiceTokenLookup;
  /** Key of the HMAC with which service tokens are hashed, as secrets are; plain SHA-256 without one. */
  pepper?: string | undefined;
  /** Failed authentications allowed per client address in one window; then 429 until it ends. */
  failureLimit?: WindowLimit;
  now: () => Date;
}

// Node keeps only the first of several Authorization headers; count them in the raw headers.
const authorizationHeaders = (req: Request) =>
  req.rawHeaders.filter((value, index) => index % 2 === 0 && value.toLowerCase() === 'authorization').length;

// Tokens are compared as fixed-length digests (as keys/secret.ts's constantTimeEqual does), so the
// time taken depends neither on where they differ nor on their lengths; the configured tokens'
// digests are made once, the presented token's once per request.
const digest = (token: string) => createHash('sha256').update(token).digest();

/**
 * Whose failures an address counts as: itself for IPv4, its /64 for IPv6, which a single client
 * is usually given whole (so that cycling through its addresses does not escape the limit).
 */
export function failureKey(address: string): string {
  const bare = address.split('%')[0]!;
  if (!isIPv6(bare)) {
    return bare;
  }
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) {
    return mapped[1]!;
  }
  const [head = '', tail] = bare.split('::');
  const before = head ? head.split(':') : [];
  const after = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? before : [...before, ...Array(8 - before.length - after.length).fill('0'), ...after];
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}

const plural = (scopes: readonly string[]) => (scopes.length === 1 ? 'the scope' : 'the scopes');

/**
 * Accepts exactly one `Authorization: Bearer <token>` for one of the configured tokens (compared
 * in constant time) or a live service token of the database (found by its hash), then checks
 * that it holds the scopes the request's operation (match.ts) requires: 403 naming the missing ones otherwise, before
 * the body is read. Failures are counted per client address (`req.ip`: the client behind the
 * proxies APIKEYS_TRUST_PROXY trusts; an IPv6 address by its /64), so that guessing tokens is slow: past the limit, that
 * address's bad tokens get 429 instead of 401. A valid token is never refused for them: many
 * clients share an address behind a NAT or a proxy, and one of them must not lock out the rest.
 */
export function bearerAuth({
  tokens,
  allScopes,
  serviceTokens,
  pepper,
  failureLimit = DEFAULT_AUTH_FAILURE_LIMIT,
  now,
}: BearerAuthOptions): RequestHandler {
  const failures = new FixedWindowCounter(failureLimit);
  const configured = tokens.map((token, index) => ({
    digest: digest(token),
    principal: { name: envTokenName(index), scopes: allScopes },
  }));
  return (req, res, next) => {
    const count = authorizationHeaders(req);
    const presented = count === 1 ? /^Bearer ([\x21-\x7e]+)$/.exec(req.get('authorization') ?? '')?.[1] : undefined;
    // Compare against every configured token, so the time taken does not tell which one (if any) matched.
    let principal: Principal | undefined;
    if (presented) {
      const presentedDigest = digest(presented);
      for (const each of configured) {
        if (timingSafeEqual(presentedDigest, each.digest)) {
          principal = each.principal;
        }
      }
      principal ??= serviceTokens?.find(hashSecret(presented, pepper));
    }
    if (!presented || !principal) {
      const address = failureKey(req.ip ?? req.socket.remoteAddress ?? 'unknown');
      const time = now().getTime();
      const blocked = failures.check(address, time);
      if (blocked.over) {
        next(rateLimited(blocked.retryAfter, 'Too many failed authentications from this address'));
        return;
      }
      failures.hit(address, time);
      const detail = count > 1 ? 'Send one Authorization header, not several.' : 'A valid bearer token is required.';
      next(new ProblemError('unauthorized', detail, { headers: challenge }));
      return;
    }
    const required = res.locals.operation?.route.scopes ?? [];
    const missing = missingScopes(required, principal.scopes);
    if (missing.length > 0) {
      const detail = `The token '${principal.name}' lacks ${plural(missing)} this operation requires: ${missing.join(', ')}.`;
      next(
        new ProblemError('insufficient-scope', detail, {
          headers: {
            'WWW-Authenticate': `${REALM}, error="insufficient_scope", scope="${required[0]!.join(' ')}"`,
          },
        }),
      );
      return;
    }
    res.locals.token = presented;
    res.locals.principal = principal;
    next();
  };
}

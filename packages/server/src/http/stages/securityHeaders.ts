import { createHash } from 'node:crypto';
import compression from 'compression';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * helmet's headers on every answer (nosniff, Referrer-Policy: no-referrer, HSTS, frame and opener
 * policies), with a Content-Security-Policy for what the API sends: JSON, which may run nothing,
 * load nothing and be framed nowhere.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
    },
  });
}

/**
 * The policy of one built HTML page (the docs): its inline scripts allowed by their SHA-256 hashes
 * (Redoc's bundle is inlined), and nothing from another origin. Styles stay 'unsafe-inline':
 * Redoc's styled-components write them at run time, where no hash can be known in advance.
 */
export function pagePolicy(html: string): RequestHandler {
  const hashes = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map(
    ([, body]) =>
      `'sha256-${createHash('sha256')
        .update(body ?? '')
        .digest('base64')}'`,
  );
  return helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      scriptSrc: hashes,
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      workerSrc: ["'self'", 'blob:'],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
    },
  });
}

/**
 * gzip or br for text answers over 1 KiB (the docs page, the contract, long listings), but never
 * for an answer marked `Cache-Control: no-store`: those carry a secret (a new key, a rotated one,
 * a service token) or a verification, and compressing them beside attacker-chosen input is what
 * BREACH reads secrets from.
 */
export function compressText(): RequestHandler {
  return compression({
    threshold: 1024,
    filter: (req, res) =>
      !/no-store/i.test(String(res.getHeader('Cache-Control') ?? '')) && compression.filter(req, res),
  });
}

import { createHash, createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

// The secret format is part of the contract (spec/openapi.yaml, "Secret format"):
// <prefix>_<43 base62 random><6 base62 CRC-32 of everything before it>.
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
// 62^43 > 2^256, so 43 uniformly drawn characters carry at least 256 bits.
const RANDOM_LENGTH = 43;
const CHECKSUM_LENGTH = 6;
const SUFFIX_LENGTH = 4;
const SECRET_PATTERN = /^([a-z][a-z0-9]{0,15})_([0-9A-Za-z]{43})([0-9A-Za-z]{6})$/;

function toBase62(value: number, width: number): string {
  let out = '';
  let rest = value;
  while (rest > 0) {
    out = BASE62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out.padStart(width, '0');
}

export function checksumOf(body: string): string {
  return toBase62(crc32(body), CHECKSUM_LENGTH);
}

export function generateSecret(prefix: string): string {
  let random = '';
  // randomInt draws from the CSPRNG without modulo bias.
  for (let i = 0; i < RANDOM_LENGTH; i++) {
    random += BASE62[randomInt(62)];
  }
  const body = `${prefix}_${random}`;
  return body + checksumOf(body);
}

/** True when the secret has the documented shape and its checksum matches: what a secret scanner checks offline. */
export function hasValidChecksum(secret: string): boolean {
  const match = SECRET_PATTERN.exec(secret);
  if (!match) {
    return false;
  }
  const [, prefix, random, checksum] = match;
  return checksumOf(`${prefix}_${random}`) === checksum;
}

export function suffixOf(secret: string): string {
  return secret.slice(-SUFFIX_LENGTH);
}

/**
 * What the store keeps instead of the secret: HMAC-SHA-256 under a server-held pepper when one
 * is configured (a stolen database then allows no offline checks), plain SHA-256 otherwise.
 * A 256-bit random secret needs no slow KDF.
 */
export function hashSecret(secret: string, pepper?: string): string {
  const hash = pepper ? createHmac('sha256', pepper) : createHash('sha256');
  return hash.update(secret).digest('hex');
}

export function constantTimeEqual(a: string, b: string): boolean {
  // Comparing fixed-length digests keeps the time independent of where the inputs differ and of their lengths.
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

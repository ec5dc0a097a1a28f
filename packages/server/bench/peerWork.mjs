// The per-request work of createApiKey and verifyApiKey, less everything the service adds
// (framework, validation, auth, storage): what the bench's two peer servers do for each request.
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { crc32 } from 'node:zlib';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET = /^([a-z][a-z0-9]{0,15})_([0-9A-Za-z]{43})([0-9A-Za-z]{6})$/;

function checksum(body) {
  let rest = crc32(body);
  let out = '';
  while (rest > 0) {
    out = BASE62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out.padStart(6, '0');
}

const record = (request, secret) => ({
  id: randomUUID(),
  app_slug: 'internal-api',
  name: request.name ?? 'a key',
  key_prefix: 'sk',
  key_suffix: secret.slice(-4),
  permissions: request.permissions ?? [],
  metadata: request.metadata ?? {},
  status: 'active',
  created_at: new Date().toISOString(),
});

/** 43 CSPRNG base62 characters, CRC-32, SHA-256: the answer createApiKey gives. */
export function createWork(request) {
  let random = '';
  for (let i = 0; i < 43; i++) {
    random += BASE62[randomInt(62)];
  }
  const body = `sk_${random}`;
  const secret = body + checksum(body);
  createHash('sha256').update(secret).digest('hex');
  return { key: record(request, secret), secret };
}

/** The checksum, then SHA-256: the answer verifyApiKey gives for a valid key. */
export function verifyWork(request) {
  const match = SECRET.exec(request.secret ?? '');
  if (!match || checksum(`${match[1]}_${match[2]}`) !== match[3]) {
    return { valid: false, code: 'MALFORMED' };
  }
  createHash('sha256').update(request.secret).digest('hex');
  return { valid: true, code: 'VALID', key: record({ name: 'verified' }, request.secret) };
}

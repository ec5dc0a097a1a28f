import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checksumOf, generateSecret, hashSecret, hasValidChecksum, suffixOf } from './secret.js';

const spec = parse(readFileSync(new URL('../../../../spec/openapi.yaml', import.meta.url), 'utf8'));
const secretPattern = new RegExp(spec.components.schemas.ApiKeyWithSecret.properties.secret.pattern);

describe('the secret format', () => {
  it('is <prefix>_<43 random base62><6 base62 CRC-32>, matching the pattern in the contract', () => {
    for (const prefix of ['sk', 'bill', 'a', 'abcdefghijklmnop']) {
      const secret = generateSecret(prefix);
      expect(secret).toMatch(secretPattern);
      expect(secret.startsWith(`${prefix}_`)).toBe(true);
      expect(secret).toHaveLength(prefix.length + 1 + 43 + 6);
      expect(secret.slice(-6)).toBe(checksumOf(secret.slice(0, -6)));
      expect(hasValidChecksum(secret)).toBe(true);
    }
  });

  it('lets a scanner reject a mistyped or truncated key offline', () => {
    const secret = generateSecret('sk');
    const i = 10;
    const typo = secret.slice(0, i) + (secret[i] === 'a' ? 'b' : 'a') + secret.slice(i + 1);
    expect(hasValidChecksum(typo)).toBe(false);
    expect(hasValidChecksum(secret.slice(0, -1))).toBe(false);
    expect(hasValidChecksum(`xx${secret}`)).toBe(false);
  });

  it('draws every base62 character for the random part', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      for (const char of generateSecret('sk').slice(3, 46)) {
        seen.add(char);
      }
    }
    expect(seen.size).toBe(62);
  });

  it("shows valid secrets in the contract's examples, with matching suffixes", () => {
    const examples = [
      spec.paths['/api-auth/apps/{appName}/keys'].post,
      spec.paths['/api-auth/apps/{appName}/keys/{keyId}/rotate'].post,
    ].flatMap((operation) => Object.values(operation.responses['201'].content['application/json'].examples));
    expect(examples).toHaveLength(3);
    for (const { value } of examples as {
      value: { key: { key_suffix: string; key_prefix: string }; secret: string };
    }[]) {
      expect(hasValidChecksum(value.secret)).toBe(true);
      expect(value.key.key_suffix).toBe(suffixOf(value.secret));
      expect(value.secret.startsWith(`${value.key.key_prefix}_`)).toBe(true);
    }
    const inDescription = /`(sk_[0-9A-Za-z]{49})`/.exec(spec.info.description)?.[1];
    expect(inDescription && hasValidChecksum(inDescription)).toBe(true);
  });

  it('hashes with HMAC-SHA-256 under a pepper and SHA-256 without one', () => {
    const secret = generateSecret('sk');
    expect(hashSecret(secret)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSecret(secret, 'pepper-1')).not.toBe(hashSecret(secret));
    expect(hashSecret(secret, 'pepper-1')).not.toBe(hashSecret(secret, 'pepper-2'));
    expect(hashSecret(secret, 'pepper-1')).toBe(hashSecret(secret, 'pepper-1'));
  });
});

import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseDerSignature, verifyGitHubSignature } from './githubSignature.js';

const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const github = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const body = Buffer.from(
  '[{"token":"sk_x","type":"apikeys_secret","url":"https://github.com/o/r","source":"content"}]',
);
const signed = (data: Buffer, privateKey = github.privateKey) => sign('sha256', data, privateKey).toString('base64');

/** DER of SEQUENCE { INTEGER r, INTEGER s }, minimal as DER requires. */
function der(r: bigint, s: bigint): Buffer {
  const integer = (value: bigint) => {
    let hex = value.toString(16);
    hex = hex.length % 2 ? `0${hex}` : hex;
    const bytes = Buffer.from(Number.parseInt(hex.slice(0, 2), 16) & 0x80 ? `00${hex}` : hex, 'hex');
    return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
  };
  const content = Buffer.concat([integer(r), integer(s)]);
  return Buffer.concat([Buffer.from([0x30, content.length]), content]);
}

describe('verifyGitHubSignature', () => {
  it('accepts a signature over the exact bytes by the named key, and answers a digest of it', () => {
    const digest = verifyGitHubSignature(body, signed(body), github.publicKey);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a body changed by one byte, another key, or a signature of other bytes', () => {
    const changed = Buffer.from(body.toString().replace('content', 'contenT'));
    expect(verifyGitHubSignature(changed, signed(body), github.publicKey)).toBeUndefined();
    expect(verifyGitHubSignature(body, signed(body, stranger.privateKey), github.publicKey)).toBeUndefined();
    expect(verifyGitHubSignature(body, signed(Buffer.from('[]')), github.publicKey)).toBeUndefined();
  });

  it('refuses what is not the canonical base64 of a strict DER signature', () => {
    const signature = signed(body);
    expect(verifyGitHubSignature(body, '', github.publicKey)).toBeUndefined();
    expect(verifyGitHubSignature(body, `${signature}!`, github.publicKey)).toBeUndefined();
    expect(
      verifyGitHubSignature(body, `${signature.slice(0, 8)} ${signature.slice(8)}`, github.publicKey),
    ).toBeUndefined();
    expect(verifyGitHubSignature(body, Buffer.from('not a signature').toString('base64'), github.publicKey)).toBe(
      undefined,
    );
    // The same r and s with a needless leading zero byte: BER, not DER.
    const { r, s } = parseDerSignature(Buffer.from(signature, 'base64'))!;
    const strict = der(r, s);
    const padded = Buffer.concat([
      Buffer.from([0x30, strict.length - 2 + 1, 0x02, strict[3]! + 1, 0x00]),
      strict.subarray(4),
    ]);
    expect(verifyGitHubSignature(body, padded.toString('base64'), github.publicKey)).toBeUndefined();
  });

  it('gives the same digest for a signature and its twin (r, n-s), so flipping s does not make a payload new', () => {
    const signature = signed(body);
    const { r, s } = parseDerSignature(Buffer.from(signature, 'base64'))!;
    const twin = der(r, P256_ORDER - s).toString('base64');
    const digest = verifyGitHubSignature(body, signature, github.publicKey);
    expect(verifyGitHubSignature(body, twin, github.publicKey)).toBe(digest);
    // ECDSA signs with a fresh nonce: GitHub signing the same body again is a different signature.
    expect(verifyGitHubSignature(body, signed(body), github.publicKey)).not.toBe(digest);
  });
});

describe('parseDerSignature', () => {
  it('reads r and s, and refuses zero, values past the order, and trailing bytes', () => {
    expect(parseDerSignature(der(1n, 2n))).toEqual({ r: 1n, s: 2n });
    expect(parseDerSignature(der(0n, 2n))).toBeUndefined();
    expect(parseDerSignature(der(1n, P256_ORDER))).toBeUndefined();
    expect(parseDerSignature(Buffer.concat([der(1n, 2n), Buffer.from([0])]))).toBeUndefined();
  });
});

import { createHash, type KeyObject, verify } from 'node:crypto';

// The order of P-256's base point: r and s lie in [1, n-1], and (r, s) and (r, n-s) are both
// valid signatures of the same message.
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const SCALAR_BYTES = 32;
const DER_SEQUENCE = 0x30;
const DER_INTEGER = 0x02;

export interface EcdsaSignature {
  r: bigint;
  s: bigint;
}

/** A positive DER INTEGER at `offset`, in its one minimal encoding: the value and where the next element starts. */
function derInteger(der: Buffer, offset: number): { value: bigint; end: number } | undefined {
  const length = der[offset + 1];
  if (der[offset] !== DER_INTEGER || length === undefined || length < 1 || length > SCALAR_BYTES + 1) {
    return undefined;
  }
  const bytes = der.subarray(offset + 2, offset + 2 + length);
  const [first = 0, second = 0] = bytes;
  // Negative, or a leading zero byte that was not needed to keep it positive.
  if (bytes.length !== length || first & 0x80 || (first === 0 && length > 1 && !(second & 0x80))) {
    return undefined;
  }
  return { value: BigInt(`0x${bytes.toString('hex')}`), end: offset + 2 + length };
}

/** r and s of an ECDSA signature in strict DER (`SEQUENCE { INTEGER r, INTEGER s }`), each in [1, n-1]; undefined for anything else. */
export function parseDerSignature(der: Buffer): EcdsaSignature | undefined {
  // Two 33-byte integers at most: the length fits one byte, so a long-form length is not DER.
  if (der[0] !== DER_SEQUENCE || der[1] !== der.length - 2) {
    return undefined;
  }
  const r = derInteger(der, 2);
  const s = r && derInteger(der, r.end);
  if (!r || !s || s.end !== der.length) {
    return undefined;
  }
  const inRange = (value: bigint) => value > 0n && value < P256_ORDER;
  return inRange(r.value) && inRange(s.value) ? { r: r.value, s: s.value } : undefined;
}

const scalarBytes = (value: bigint) => Buffer.from(value.toString(16).padStart(SCALAR_BYTES * 2, '0'), 'hex');

/**
 * Checks `Github-Public-Key-Signature` (base64 of a DER ECDSA P-256 SHA-256 signature) over the
 * exact bytes received. Resolves to the signature's digest when it verifies, undefined otherwise.
 * The digest is the same for (r, s) and its twin (r, n-s), so that flipping s, which anyone can
 * do without the private key, does not make a captured payload look new.
 */
export function verifyGitHubSignature(body: Buffer, signatureBase64: string, key: KeyObject): string | undefined {
  const der = Buffer.from(signatureBase64, 'base64');
  // Buffer.from skips what is not base64: only the canonical encoding is the signature that was sent.
  if (der.toString('base64') !== signatureBase64) {
    return undefined;
  }
  const signature = parseDerSignature(der);
  if (!signature) {
    return undefined;
  }
  const { r, s } = signature;
  const ieee = Buffer.concat([scalarBytes(r), scalarBytes(s)]);
  if (!verify('sha256', body, { key, dsaEncoding: 'ieee-p1363' }, ieee)) {
    return undefined;
  }
  const lowS = s > P256_ORDER / 2n ? P256_ORDER - s : s;
  return createHash('sha256').update(scalarBytes(r)).update(scalarBytes(lowS)).digest('hex');
}

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A new endpoint secret as Standard Webhooks writes one: `whsec_` and 32 random bytes in base64. */
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * The key endpoint secrets are sealed under, derived from the server's pepper (or, without one, a
 * secret kept in the database). A secret must be read back to sign with it, so it is encrypted
 * rather than hashed; never stored in plain text.
 */
export const webhookSecretKey = (material: string | Buffer): Buffer =>
  Buffer.from(hkdfSync('sha256', material, '', 'apikeys webhook endpoint secrets', 32));

/** AES-256-GCM, bound to the endpoint (its id as associated data), so that a sealed secret cannot be moved to another. */
export function sealWebhookSecret(secret: string, key: Buffer, endpointId: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(endpointId));
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]);
}

export function openWebhookSecret(sealed: Buffer, key: Buffer, endpointId: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES)).setAAD(Buffer.from(endpointId));
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}

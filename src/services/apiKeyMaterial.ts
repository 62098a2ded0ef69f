import { createHash, randomBytes } from 'node:crypto';

// Keys carry 192 random bits, so a fast hash is enough: nobody can brute-force the preimage.
export function hashApiKey(plaintext: string): string {
  return createHash('sha256').update(plaintext).digest('hex');
}

export function generateApiKey(): { id: string; plaintext: string; hash: string; prefix: string } {
  const plaintext = `tg_server_${randomBytes(24).toString('base64url')}`;
  return { id: `key_${randomBytes(8).toString('hex')}`, plaintext, hash: hashApiKey(plaintext), prefix: plaintext.slice(0, 14) };
}

export function generateEnvironmentId(): string {
  return `env_${randomBytes(8).toString('hex')}`;
}

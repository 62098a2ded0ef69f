import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

// Temporal's conventional names (samples-typescript/encryption), so other codec tools recognise the payloads.
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
export const PAYLOAD_KEY_BYTES = 32;

// The key that encrypts, and older ones that may still be needed to read running workflows' histories.
export type PayloadKeys = { current: Buffer; previous: readonly Buffer[] };

export class PayloadDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

// A public name for a key: says which key encrypted a payload without revealing anything usable about it.
export function payloadKeyId(key: Buffer): string {
  return createHash('sha256').update('tollgate payload key id\0').update(key).digest('hex').slice(0, 16);
}

const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

export function isEncryptedPayload(payload: Payload): boolean {
  return text(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;
}

// AES-256-GCM over the whole serialized payload (metadata included): data is iv ‖ ciphertext ‖ tag.
export function createEncryptionCodec(keys: PayloadKeys): PayloadCodec {
  for (const key of [keys.current, ...keys.previous]) {
    if (key.length !== PAYLOAD_KEY_BYTES) throw new Error(`a payload key must be ${PAYLOAD_KEY_BYTES} bytes, got ${key.length}`);
  }
  const currentId = payloadKeyId(keys.current);
  const keysById = new Map([keys.current, ...keys.previous].map((key) => [payloadKeyId(key), key]));
  const known = [...keysById.keys()].join(', ');

  const encryptOne = (payload: Payload): Payload => {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', keys.current, iv);
    // The key id is bound to the ciphertext, so relabelling a payload with another key id fails authentication.
    cipher.setAAD(Buffer.from(currentId));
    const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(currentId) },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  };

  const decryptOne = (payload: Payload): Payload => {
    // Histories written before encryption (and the replay fixtures) stay readable.
    if (!isEncryptedPayload(payload)) return payload;
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
    const key = keyId === undefined ? undefined : keysById.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        `payload was encrypted with key ${keyId ?? '(no key id)'}, which is not configured (known: ${known}); ` +
          'set TOLLGATE_PAYLOAD_KEY to the key the other processes use, or list the old key in TOLLGATE_PAYLOAD_PREVIOUS_KEYS',
      );
    }
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`encrypted payload (key ${keyId}) is too short to be genuine`);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(keyId!));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(`encrypted payload (key ${keyId}) failed authentication: it was altered or damaged`);
    }
    const decoded = temporal.api.common.v1.Payload.decode(plaintext);
    return { metadata: decoded.metadata, data: decoded.data };
  };

  return {
    encode: async (payloads) => payloads.map(encryptOne),
    decode: async (payloads) => payloads.map(decryptOne),
  };
}

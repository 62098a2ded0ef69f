import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createEncryptionCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, payloadKeyId } from '../../src/temporal/payloadEncryption';

const billingInfo = { customerName: 'Analytical Engines Ltd', taxIds: [{ type: 'gb_vat', value: 'GB123456789' }] };
const toPayload = (value: unknown) => defaultPayloadConverter.toPayload(value);
const fromPayload = (payload: Payload) => defaultPayloadConverter.fromPayload(payload);
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

describe('the payload encryption codec', () => {
  const key = randomBytes(32);
  const codec = createEncryptionCodec({ current: key, previous: [] });

  it('round-trips values, and what it produces contains none of the plaintext', async () => {
    const values = [billingInfo, 'Ada Lovelace', null, 42, [1, 'two'], { nested: { deep: 'é ✓' } }];
    const encoded = await codec.encode(values.map(toPayload));
    for (const payload of encoded) {
      expect(text(payload.metadata?.[METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
      expect(text(payload.metadata?.[KEY_ID_METADATA])).toBe(payloadKeyId(key));
      expect(text(payload.data)).not.toContain('Analytical');
      expect(text(payload.data)).not.toContain('json/plain');
    }
    expect((await codec.decode(encoded)).map(fromPayload)).toEqual(values);
  });

  it('encrypts the same value differently each time (a fresh nonce per payload)', async () => {
    const [first, second] = await codec.encode([toPayload(billingInfo), toPayload(billingInfo)]);
    expect(Buffer.from(first!.data!).equals(Buffer.from(second!.data!))).toBe(false);
  });

  it('refuses a payload whose ciphertext was altered', async () => {
    const [payload] = await codec.encode([toPayload(billingInfo)]);
    const data = Buffer.from(payload!.data!);
    data[20] = data[20]! ^ 0x01;
    await expect(codec.decode([{ ...payload, data }])).rejects.toThrow(/failed authentication: it was altered or damaged/);
  });

  it('refuses a payload relabelled with another key id (the id is authenticated)', async () => {
    const other = randomBytes(32);
    const both = createEncryptionCodec({ current: key, previous: [other] });
    const [payload] = await both.encode([toPayload(billingInfo)]);
    const relabelled = { ...payload, metadata: { ...payload!.metadata, [KEY_ID_METADATA]: Buffer.from(payloadKeyId(other)) } };
    await expect(both.decode([relabelled])).rejects.toThrow(/failed authentication/);
  });

  it('names the unknown key and the variables to set when the key is wrong', async () => {
    const [payload] = await codec.encode([toPayload(billingInfo)]);
    const wrongKey = createEncryptionCodec({ current: randomBytes(32), previous: [] });
    await expect(wrongKey.decode([payload!])).rejects.toThrow(
      new RegExp(`encrypted with key ${payloadKeyId(key)}, which is not configured.*TOLLGATE_PAYLOAD_KEY.*TOLLGATE_PAYLOAD_PREVIOUS_KEYS`),
    );
  });

  it('decodes with a previous key after rotation, and encrypts with the new one', async () => {
    const [old] = await codec.encode([toPayload(billingInfo)]);
    const rotated = createEncryptionCodec({ current: randomBytes(32), previous: [key] });
    expect(fromPayload((await rotated.decode([old!]))[0]!)).toEqual(billingInfo);
    const [fresh] = await rotated.encode([toPayload('new')]);
    expect(text(fresh!.metadata?.[KEY_ID_METADATA])).not.toBe(payloadKeyId(key));
    await expect(codec.decode([fresh!])).rejects.toThrow(/not configured/);
  });

  it('passes payloads without the encryption encoding through untouched (histories from before encryption)', async () => {
    const plain = toPayload(billingInfo);
    const [decoded] = await codec.decode([plain]);
    expect(decoded).toBe(plain);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => createEncryptionCodec({ current: randomBytes(16), previous: [] })).toThrow(/must be 32 bytes/);
  });
});

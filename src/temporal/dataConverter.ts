import type { DataConverter } from '@temporalio/common';
import { createEncryptionCodec, type PayloadKeys } from './payloadEncryption';

// One data converter for every client and worker: whatever reaches the Temporal server is encrypted.
export function createTollgateDataConverter(keys: PayloadKeys): DataConverter {
  return { payloadCodecs: [createEncryptionCodec(keys)] };
}

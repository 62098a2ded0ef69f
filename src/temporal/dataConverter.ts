import { join } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { createEncryptionCodec, type PayloadKeys } from './payloadEncryption';

// The module workflow bundles must include for failures to be encoded inside workflows too (bundleWorkflowCode).
// No extension: require() finds the .js of a build and, under tsx, the .ts source.
export const failureConverterPath = join(__dirname, 'failureConverter');

// One data converter for every client and worker: whatever reaches the Temporal server is encrypted.
export function createTollgateDataConverter(keys: PayloadKeys): DataConverter {
  return { payloadCodecs: [createEncryptionCodec(keys)], failureConverterPath };
}

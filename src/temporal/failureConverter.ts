import { DefaultFailureConverter } from '@temporalio/common';

// Failure messages and stack traces go into the encrypted payload too: a provider's refusal may quote the input
// (an email address, a tax id). The failure type stays readable, so failures are still classified without the key.
// Loaded by path (the workflow sandbox imports it into its bundle), hence a module of its own.
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });

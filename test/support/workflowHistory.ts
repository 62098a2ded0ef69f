import type { Client } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';

// The arguments a workflow was started with, as its history keeps them, decoded the way the client decodes them.
export async function workflowStartArguments(client: Client, workflowId: string): Promise<unknown[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  return decodeArrayFromPayloads(client.options.loadedDataConverter, started?.input?.payloads);
}

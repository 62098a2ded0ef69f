import { Client, Connection } from '@temporalio/client';
import { ensureSearchAttributes } from '../temporal/ensureSearchAttributes';

export type TemporalClient = { client: Client; connection: Connection; searchAttributes: boolean; healthy: () => Promise<boolean> };

export async function connectTemporalClient(address: string, namespace: string): Promise<TemporalClient> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  const searchAttributes = await ensureSearchAttributes(connection, namespace);
  const healthy = async () => {
    // A health probe must answer quickly: no client-side retries beyond two seconds.
    await connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({}));
    return true;
  };
  return { client, connection, searchAttributes, healthy };
}

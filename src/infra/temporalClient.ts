import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { ensureSearchAttributes } from '../temporal/ensureSearchAttributes';

export type TemporalClient = { client: Client; connection: Connection; searchAttributes: boolean; healthy: () => Promise<boolean> };

// The data converter carries the payload codec: every workflow input, result and message leaves this process encrypted.
export async function connectTemporalClient(address: string, namespace: string, dataConverter: DataConverter): Promise<TemporalClient> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace, dataConverter });
  const searchAttributes = await ensureSearchAttributes(connection, namespace);
  const healthy = async () => {
    // A health probe must answer quickly: no client-side retries beyond two seconds.
    await connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({}));
    return true;
  };
  return { client, connection, searchAttributes, healthy };
}

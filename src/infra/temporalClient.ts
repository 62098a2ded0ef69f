import { Client, Connection } from '@temporalio/client';

export async function connectTemporalClient(address: string, namespace: string): Promise<{ client: Client; connection: Connection; healthy: () => Promise<boolean> }> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  const healthy = async () => {
    await connection.workflowService.getSystemInfo({}, );
    return true;
  };
  return { client, connection, healthy };
}

import type { RequestRun } from './requestRun';
import type { WorkflowInput } from './workflowReferences';
import type { WorkflowStarter } from './workflowStarter';
import { workflowIds } from '../workflows/workflowIds';

export type CustomersClient = ReturnType<typeof createCustomersClient>;

// How the API provisions and updates customers through their workflows.
export function createCustomersClient(starter: WorkflowStarter) {
  return {
    // One workflow id per customer, so concurrent provisions of one id create one customer, and only the request
    // that started the run which created it answers "created".
    provision(input: WorkflowInput<'provisionCustomerWorkflow'>, requestRun?: RequestRun) {
      const workflowId = workflowIds.provisionCustomer(input.environmentId, input.customerId);
      // Another request's run: the customer it provisions answers this request too ("not created"). If it
      // provisions none (it failed, e.g. on that request's declined card), this request starts its own run.
      return starter.startAlone('provisionCustomerWorkflow', workflowId, input, requestRun, async (running) => {
        const joined = await starter.awaitResult(running).catch(() => undefined);
        return joined && { ...joined, created: false };
      });
    },

    // One update of a customer at a time: the billing provider and Postgres see updates in the same order,
    // so they cannot end up disagreeing. A request that finds an update running waits for it, then starts.
    update(input: WorkflowInput<'updateCustomerWorkflow'>, requestRun?: RequestRun) {
      const workflowId = workflowIds.updateCustomer(input.environmentId, input.customerId);
      return starter.startAlone('updateCustomerWorkflow', workflowId, input, requestRun, async (running) => {
        await starter.awaitResult(running).catch(() => undefined);
        return undefined;
      });
    },

    // One archival of a customer at a time: a request that finds one running answers with its outcome.
    archive(input: WorkflowInput<'archiveCustomerWorkflow'>, requestRun?: RequestRun) {
      const workflowId = workflowIds.archiveCustomer(input.environmentId, input.customerId);
      return starter.startAlone('archiveCustomerWorkflow', workflowId, input, requestRun, (running) => starter.awaitResult(running));
    },
  };
}

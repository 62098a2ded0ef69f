import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { BulkMigrationProgress } from '../domain/subscriptions/bulkMigration';
import { bulkMigrationProgressQuery } from '../workflows/definitions';
import { workflowIds } from '../workflows/workflowIds';
import { searchAttributeKeys } from './searchAttributes';
import type { WorkflowInput, Workflows } from './workflowReferences';
import type { WorkflowStarter } from './workflowStarter';

type BulkMigrationStart = Omit<WorkflowInput<'bulkMigrationWorkflow'>, 'progress' | 'after'>;

// Bulk migrations of a plan's (or add-on's) subscriptions: one at a time per package, found in the Temporal UI by
// TollgateEnvironment and TollgatePlanId (the add-on's id for an add-on), their progress read by a query.
export function createBulkMigrationsClient(starter: WorkflowStarter, options: { taskQueue: string; searchAttributes: boolean }) {
  const { client } = starter;
  const workflowIdOf = (input: { environmentId: string; packageType: 'PLAN' | 'ADDON'; packageId: string }) => workflowIds.bulkMigration(input.environmentId, input.packageType, input.packageId);

  return {
    // started: false when one of this package is still running (this request joins it).
    async start(input: BulkMigrationStart): Promise<{ migrationId: string; started: boolean }> {
      const workflowId = workflowIdOf(input);
      try {
        await client.connection.withDeadline(Date.now() + 10_000, () =>
          client.workflow.start<Workflows['bulkMigrationWorkflow']>('bulkMigrationWorkflow', {
            args: [input],
            taskQueue: options.taskQueue,
            workflowId,
            workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
            workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
            typedSearchAttributes: options.searchAttributes
              ? new TypedSearchAttributes([
                  { key: searchAttributeKeys.environment, value: input.environmentId },
                  { key: searchAttributeKeys.planId, value: input.packageId },
                ])
              : undefined,
          }),
        );
        return { migrationId: workflowId, started: true };
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) return { migrationId: workflowId, started: false };
        throw error;
      }
    },

    // The latest migration of the package (running or finished); undefined when there never was one.
    async progress(input: { environmentId: string; packageType: 'PLAN' | 'ADDON'; packageId: string }): Promise<BulkMigrationProgress | undefined> {
      try {
        return await client.workflow.getHandle(workflowIdOf(input)).query(bulkMigrationProgressQuery);
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      }
    },
  };
}

import { ApplicationFailure } from '@temporalio/common';
import { DatabaseError } from 'pg';
import { FailureType } from '../workflows/failureTypes';

// Postgres data and constraint errors (SQLSTATE classes 22 and 23) fail the same way on every retry:
// they end the workflow at once instead of retrying until the attempts run out.
export function classifyDatabaseFailures<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped = Object.entries(activities).map(([name, activity]) => [
    name,
    async (...args: never[]) => {
      try {
        return await activity(...args);
      } catch (error) {
        if (error instanceof DatabaseError && /^2[23]/.test(error.code ?? '')) {
          throw ApplicationFailure.create({ message: `database refused the data: ${error.message}`, type: FailureType.InvalidData, nonRetryable: true, cause: error });
        }
        throw error;
      }
    },
  ]);
  return Object.fromEntries(wrapped) as T;
}

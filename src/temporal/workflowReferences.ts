import type { WorkflowResultType } from '@temporalio/common';
import type * as workflows from '../workflows';

// Every workflow the worker runs, by the name it registers it under (its export in src/workflows/index.ts).
// A type-only import: the API names workflows and gets their argument and result types, never their code.
export type Workflows = typeof workflows;
export type WorkflowName = keyof Workflows;
export type WorkflowInput<N extends WorkflowName> = Parameters<Workflows[N]>[0];
export type WorkflowResult<N extends WorkflowName> = WorkflowResultType<Workflows[N]>;

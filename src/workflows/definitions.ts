import { defineQuery, defineSignal } from '@temporalio/workflow';

// Messages are declared once and imported by both the workflows and the API.
export const catalogChangedSignal = defineSignal('catalogChanged');
export const statusQuery = defineQuery<WorkflowStatus>('status');

export type WorkflowStatus = { step: string; detail?: string };

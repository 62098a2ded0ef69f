// The workflow is still running (the billing provider may be down); the caller can retry the same request.
export class WorkflowStillRunning extends Error {
  constructor(readonly workflowId: string) {
    super(`workflow ${workflowId} is still running`);
    this.name = 'WorkflowStillRunning';
  }
}

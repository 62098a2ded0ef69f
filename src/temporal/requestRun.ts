export type WorkflowRun = { workflowId: string; runId: string };

// A write sent with an Idempotency-Key, tied to the workflow run it starts: the gateway records the run right
// after the start, and a retry of the request (after a crash) awaits that run instead of starting another.
export type RequestRun = {
  // Names the request inside workflows that record what they applied, so a second run never applies it again.
  readonly requestKey: string;
  // The run an earlier attempt of this request started, if it got that far.
  readonly startedRun: WorkflowRun | undefined;
  recordStartedRun(run: WorkflowRun): Promise<void>;
};

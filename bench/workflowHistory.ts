import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

// When the request that started the workflow left the bench and when its answer was back, in epoch milliseconds
// (the service runs on this machine, so its event times share the bench's clock).
export type RequestSpan = { sentAt: number; answeredAt: number };

export const epochNow = () => performance.timeOrigin + performance.now();

const at = (event: HistoryEvent) => Number(event.eventTime?.seconds ?? 0) * 1000 + (event.eventTime?.nanos ?? 0) / 1e6;
const nameOf = (event: HistoryEvent) => EventType[event.eventType ?? 0]?.replace('EVENT_TYPE_', '') ?? String(event.eventType);
const ms = (value: number) => `${value.toFixed(1)} ms`;

// The workflow a search finds, once visibility has it (it lags the start by a few milliseconds).
export async function findWorkflowId(client: Client, query: string): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    for await (const execution of client.workflow.list({ query })) return execution.workflowId;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`no workflow matches ${query}`);
}

// One workflow's history, event by event, then where its time went up to `answeredBy` (the event that lets the
// request answer: the Update's completion for a subscription, the run's completion for a customer provision).
export async function printWhereTimeGoes(client: Client, title: string, workflowId: string, answeredBy: temporal.api.enums.v1.EventType, span: RequestSpan) {
  const recorded = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  // An activity's start is written when it ends, with the time it started: listed by time, the steps read in order.
  const events = [...recorded].sort((a, b) => at(a) - at(b));
  const activityNames = new Map<string, string>();
  const start = at(events[0]!);
  let previous = start;
  console.log(`\n${title} (history of ${workflowId}):`);
  console.log(`  ${ms(start - span.sentAt).padStart(9)} from the request leaving the bench to the workflow's start (API checks in Postgres, start RPC)`);
  for (const event of events) {
    let detail = '';
    if (event.activityTaskScheduledEventAttributes) {
      const activity = event.activityTaskScheduledEventAttributes.activityType?.name ?? '?';
      activityNames.set(String(event.eventId), activity);
      detail = activity;
    }
    const scheduledId = event.activityTaskStartedEventAttributes?.scheduledEventId ?? event.activityTaskCompletedEventAttributes?.scheduledEventId ?? event.activityTaskFailedEventAttributes?.scheduledEventId;
    if (scheduledId !== undefined && scheduledId !== null) detail = activityNames.get(String(scheduledId)) ?? '';
    detail ||= event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ?? '';
    console.log(`  +${(at(event) - start).toFixed(1).padStart(6)} ms  (${(at(event) - previous).toFixed(1).padStart(5)} ms after the previous)  ${nameOf(event)}${detail ? `  ${detail}` : ''}`);
    previous = at(event);
  }
  const answered = events.find((event) => event.eventType === answeredBy);
  if (!answered) return console.log(`  (no ${EventType[answeredBy]} in the history)`);
  console.log(`  ${ms(span.answeredAt - at(answered)).padStart(9)} from ${nameOf(answered)} to the answer at the bench (result to the API, its read of Postgres, the reply)`);
  summarise(events.filter((event) => at(event) <= at(answered)), span, at(answered) - start);
}

// Totals up to the answer: how many workflow tasks and activities, and which part of the time each kind of wait took.
function summarise(events: HistoryEvent[], span: RequestSpan, inWorkflow: number) {
  const byId = new Map(events.map((event) => [String(event.eventId), event]));
  const sinceScheduled = (event: HistoryEvent, scheduledId: unknown) => at(event) - at(byId.get(String(scheduledId))!);
  const sinceStarted = (event: HistoryEvent, startedId: unknown) => at(event) - at(byId.get(String(startedId))!);
  let workflowTasks = 0, activities = 0, taskQueueWait = 0, workflowTaskRun = 0, activityRun = 0;
  for (const event of events) {
    const workflowTaskStarted = event.workflowTaskStartedEventAttributes;
    const workflowTaskCompleted = event.workflowTaskCompletedEventAttributes;
    const activityStarted = event.activityTaskStartedEventAttributes;
    const activityCompleted = event.activityTaskCompletedEventAttributes;
    if (workflowTaskStarted) taskQueueWait += sinceScheduled(event, workflowTaskStarted.scheduledEventId);
    if (workflowTaskCompleted) (workflowTasks++, (workflowTaskRun += sinceStarted(event, workflowTaskCompleted.startedEventId)));
    if (event.activityTaskScheduledEventAttributes) activities++;
    if (activityStarted) taskQueueWait += sinceScheduled(event, activityStarted.scheduledEventId);
    if (activityCompleted) activityRun += sinceStarted(event, activityCompleted.startedEventId);
  }
  const total = span.answeredAt - span.sentAt;
  console.log(`  => ${ms(total)} in all, ${ms(inWorkflow)} of it from the workflow's start to the answer: ${workflowTasks} workflow tasks and ${activities} activities before it.`);
  console.log(`     Summed: ${ms(activityRun)} running activities, ${ms(workflowTaskRun)} in workflow tasks on the worker, ${ms(taskQueueWait)} before a worker picked a task up`);
  if (activityRun + workflowTaskRun + taskQueueWait > inWorkflow) console.log('     (more than the span: a workflow task that only accepted the Update ran beside an activity)');
}

// Across every subscription provision of the run: how many needed a workflow task beyond one per activity plus the
// first, i.e. one only to accept the Update (it came in after the first task had been handed to the worker).
export async function countUpdateOnlyWorkflowTasks(client: Client): Promise<void> {
  let provisions = 0, withExtraTask = 0;
  for await (const execution of client.workflow.list({ query: 'WorkflowType = "subscriptionWorkflow"' })) {
    const events = (await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory()).events ?? [];
    const answered = events.findIndex((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED);
    if (answered < 0) continue;
    const before = events.slice(0, answered);
    const workflowTasks = before.filter((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length;
    const activities = before.filter((event) => event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).length;
    provisions++;
    if (workflowTasks > activities + 1) withExtraTask++;
  }
  console.log(`\n${withExtraTask} of ${provisions} subscription provisions took a workflow task only to accept the provisionOutcome Update (it reached the server after the first task had gone to the worker)`);
}

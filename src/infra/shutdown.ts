// Waits for SIGINT/SIGTERM (or for `running` to end), then runs the steps in order under a forced-exit timer.
export async function runUntilSignal(running: Promise<unknown>, steps: (() => Promise<unknown>)[], forceAfterMs = 30_000): Promise<void> {
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => {
      console.error(`shutdown took longer than ${forceAfterMs} ms; exiting`);
      process.exit(1);
    }, forceAfterMs);
    timer.unref();
    for (const step of steps) await step().catch((error: unknown) => console.error('shutdown step failed:', error));
  };
  const signalled = new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  await Promise.race([signalled, running.catch((error: unknown) => console.error(error))]);
  await stop();
  await running.catch(() => undefined);
}

import { DefaultLogger, Runtime } from '@temporalio/worker';

// Our shutdown sequence owns SIGINT/SIGTERM (API first, then worker, then databases), so the SDK must not react on its own.
export function installTemporalRuntime(logLevel: string): void {
  const level = logLevel === 'debug' || logLevel === 'trace' ? 'DEBUG' : 'WARN';
  Runtime.install({ logger: new DefaultLogger(level), shutdownSignals: [] });
}

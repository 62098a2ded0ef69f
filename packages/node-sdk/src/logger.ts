import type { Logger, LogLevel } from './types.js';

const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];
const silent = () => undefined;

// The configured logger (console by default), muted below the configured level (errors only by default).
export function levelledLogger(logger: Logger = console, level: LogLevel = 'error'): Logger {
  const least = LEVELS.indexOf(level);
  const at = (name: LogLevel) => (LEVELS.indexOf(name) >= least ? (...args: unknown[]) => logger[name]('[tollgate]', ...args) : silent);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

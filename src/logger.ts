import pino, { type Logger } from 'pino';

export type { Logger };

// API keys never reach the logs, whichever way they travel.
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: { paths: ['req.headers["x-api-key"]', 'req.headers.authorization', 'apiKey', '*.apiKey'], censor: '[redacted]' },
  });
}

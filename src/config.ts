import { resolve } from 'node:path';
import { z } from 'zod';

// Every setting comes from the environment and is checked once at boot, naming the bad variable.
const port = z.coerce.number({ error: 'must be a port number (1-65535)' }).int('must be a port number (1-65535)').min(1, 'must be a port number (1-65535)').max(65535, 'must be a port number (1-65535)');

const configSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  TOLLGATE_DATA_DIR: z.string().min(1).default('.data'),
  TOLLGATE_PG_PORT: port.default(54329),
  TEMPORAL_ADDRESS: z.string().regex(/^[^:\s]+:\d+$/, 'must look like host:port').optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('tollgate'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TOLLGATE_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  // Empty turns the catalog file at start off.
  TOLLGATE_CATALOG_FILE: z.string().default('catalog/example.yaml'),
  BILLING_PROVIDER: z.enum(['none', 'stripe']).optional(),
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_/, 'must be a Stripe secret key (sk_test_… or sk_live_…)').optional(),
  STRIPE_API_BASE: z.url().optional(),
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = {
  port: number;
  host: string;
  databaseUrl?: string;
  dataDir: string;
  embeddedPostgresPort: number;
  temporal: {
    address?: string;
    namespace: string;
    taskQueue: string;
    devServerPort: number;
    devServerUiPort: number;
    cliPath?: string;
  };
  devApiKey?: string;
  catalogFile?: string;
  billing: { provider: 'none' } | { provider: 'stripe'; secretKey: string; apiBase?: string; webhookSecret?: string };
  logLevel: z.infer<typeof configSchema>['LOG_LEVEL'];
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const provider = e.BILLING_PROVIDER ?? (e.STRIPE_SECRET_KEY ? 'stripe' : 'none');
  if (provider === 'stripe' && !e.STRIPE_SECRET_KEY) {
    throw new ConfigError('Invalid configuration:\n  STRIPE_SECRET_KEY: required when BILLING_PROVIDER=stripe');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(e.TOLLGATE_DATA_DIR),
    embeddedPostgresPort: e.TOLLGATE_PG_PORT,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      devServerPort: e.TEMPORAL_PORT,
      devServerUiPort: e.TEMPORAL_UI_PORT,
      cliPath: e.TEMPORAL_CLI_PATH,
    },
    devApiKey: e.TOLLGATE_API_KEY,
    catalogFile: e.TOLLGATE_CATALOG_FILE.trim() === '' ? undefined : resolve(e.TOLLGATE_CATALOG_FILE),
    billing:
      provider === 'stripe'
        ? { provider, secretKey: e.STRIPE_SECRET_KEY!, apiBase: e.STRIPE_API_BASE, webhookSecret: e.STRIPE_WEBHOOK_SECRET }
        : { provider: 'none' },
    logLevel: e.LOG_LEVEL,
  };
}

import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_DATABASE_TIMEOUTS } from './db/createDb';

// Every setting comes from the environment and is checked once at boot, naming the bad variable.
const port = z.coerce.number({ error: 'must be a port number (1-65535)' }).int('must be a port number (1-65535)').min(1, 'must be a port number (1-65535)').max(65535, 'must be a port number (1-65535)');

const milliseconds = z.coerce.number({ error: 'must be a whole number of milliseconds (100-600000)' }).int('must be a whole number of milliseconds (100-600000)').min(100, 'must be a whole number of milliseconds (100-600000)').max(600_000, 'must be a whole number of milliseconds (100-600000)');

// 32 random bytes in base64 (44 characters ending in one "="): the AES-256 key of the Temporal payload codec.
const PAYLOAD_KEY_HINT = 'must be 32 random bytes in base64 (make one with `openssl rand -base64 32`)';
const payloadKey = z.string().trim().regex(/^[A-Za-z0-9+/]{43}=$/, PAYLOAD_KEY_HINT).transform((value) => Buffer.from(value, 'base64'));
const payloadKeyList = z
  .string()
  .transform((value) => value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== ''))
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9+/]{43}=$/, `each comma-separated entry ${PAYLOAD_KEY_HINT}`)))
  .transform((values) => values.map((value) => Buffer.from(value, 'base64')));
const originList = z
  .string()
  .transform((value) => value.split(',').map((entry) => entry.trim().replace(/\/+$/, '')).filter((entry) => entry !== ''))
  .pipe(z.array(z.string().refine(isWebOrigin, 'must be comma-separated origins (scheme://host[:port], no path) like https://temporal.example.com')));

function isWebOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

const configSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_CONNECT_TIMEOUT_MS: milliseconds.default(DEFAULT_DATABASE_TIMEOUTS.connectMs),
  DATABASE_STATEMENT_TIMEOUT_MS: milliseconds.default(DEFAULT_DATABASE_TIMEOUTS.statementMs),
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
  BILLING_PROVIDER: z.enum(['none', 'stripe', 'sandbox'], { error: 'must be none, stripe or sandbox' }).optional(),
  // Off the ports stripe-mock (12111, 12112) takes by default, so both run side by side.
  TOLLGATE_SANDBOX_PORT: port.default(12121),
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_/, 'must be a Stripe secret key (sk_test_… or sk_live_…)').optional(),
  STRIPE_API_BASE: z.url().optional(),
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  // Stripe keeps a checkout session open between 30 minutes and 24 hours.
  TOLLGATE_PAYMENT_GRACE_DAYS: z.coerce.number({ error: 'must be a whole number of days (0-60)' }).int('must be a whole number of days (0-60)').min(0, 'must be a whole number of days (0-60)').max(60, 'must be a whole number of days (0-60)').default(7),
  TOLLGATE_CHECKOUT_EXPIRY_MINUTES: z.coerce.number({ error: 'must be a whole number of minutes (30-1440)' }).int('must be a whole number of minutes (30-1440)').min(30, 'must be a whole number of minutes (30-1440)').max(1440, 'must be a whole number of minutes (30-1440)').default(1440),
  // A bulk migration's default pace towards the provider (Stripe allows 25 requests a second in test mode, 100 live).
  TOLLGATE_MIGRATION_RATE_PER_SECOND: z.coerce.number({ error: 'must be a number of subscriptions per second (0.1-100)' }).min(0.1, 'must be a number of subscriptions per second (0.1-100)').max(100, 'must be a number of subscriptions per second (0.1-100)').default(10),
  TOLLGATE_PAYLOAD_KEY: payloadKey.optional(),
  TOLLGATE_PAYLOAD_PREVIOUS_KEYS: payloadKeyList.default([]),
  TOLLGATE_CODEC_ENDPOINT: z.enum(['off', 'loopback', 'network'], { error: 'must be off, loopback or network' }).optional(),
  TOLLGATE_CODEC_UI_ORIGINS: originList.default([]),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = {
  port: number;
  host: string;
  databaseUrl?: string;
  // Bounds on every database call, so a lost or frozen Postgres answers 503 instead of hanging requests.
  databaseTimeouts: { connectMs: number; statementMs: number };
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
  // Absent when neither BILLING_PROVIDER nor STRIPE_SECRET_KEY is set: each entry decides (see chosenBilling).
  billing?: BillingConfig;
  // Where `npm start` runs its in-process Stripe sandbox.
  sandboxPort: number;
  // The signing secret POST /webhooks/stripe verifies (Stripe's or the sandbox's); npm start makes one for its sandbox.
  stripeWebhookSecret?: string;
  // Absent `current`: development generates one into the data folder; production entries refuse to start.
  payloadKeys: { current?: Buffer; previous: Buffer[] };
  // Absent `mode`: each entry's default (npm start: loopback; the production API: off).
  codecEndpoint: { mode?: CodecEndpointMode; uiOrigins: string[] };
  // How long a hosted checkout waits for payment before the subscription expires.
  checkoutExpiryMinutes: number;
  // How long a subscription whose payment failed keeps its entitlements before it ends.
  paymentGracePeriodDays: number;
  // Subscriptions a bulk migration moves per second unless its request says otherwise.
  migrationRatePerSecond: number;
  logLevel: z.infer<typeof configSchema>['LOG_LEVEL'];
};

export type CodecEndpointMode = 'off' | 'loopback' | 'network';

// `sandbox` without apiBase: the entry runs the sandbox itself (only `npm start` can).
export type BillingConfig =
  | { provider: 'none' }
  | { provider: 'sandbox'; apiBase?: string }
  | { provider: 'stripe'; secretKey: string; apiBase?: string };

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const provider = e.BILLING_PROVIDER ?? (e.STRIPE_SECRET_KEY ? 'stripe' : undefined);
  if (provider === 'stripe' && !e.STRIPE_SECRET_KEY) {
    throw new ConfigError('Invalid configuration:\n  STRIPE_SECRET_KEY: required when BILLING_PROVIDER=stripe');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databaseTimeouts: { connectMs: e.DATABASE_CONNECT_TIMEOUT_MS, statementMs: e.DATABASE_STATEMENT_TIMEOUT_MS },
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
        ? { provider, secretKey: e.STRIPE_SECRET_KEY!, apiBase: e.STRIPE_API_BASE }
        : provider === 'sandbox'
          ? { provider, apiBase: e.STRIPE_API_BASE }
          : provider && { provider },
    sandboxPort: e.TOLLGATE_SANDBOX_PORT,
    stripeWebhookSecret: e.STRIPE_WEBHOOK_SECRET,
    payloadKeys: { current: e.TOLLGATE_PAYLOAD_KEY, previous: e.TOLLGATE_PAYLOAD_PREVIOUS_KEYS },
    codecEndpoint: { mode: e.TOLLGATE_CODEC_ENDPOINT, uiOrigins: e.TOLLGATE_CODEC_UI_ORIGINS },
    checkoutExpiryMinutes: e.TOLLGATE_CHECKOUT_EXPIRY_MINUTES,
    paymentGracePeriodDays: e.TOLLGATE_PAYMENT_GRACE_DAYS,
    migrationRatePerSecond: e.TOLLGATE_MIGRATION_RATE_PER_SECOND,
    logLevel: e.LOG_LEVEL,
  };
}

// Told nothing, `npm start` bills through its sandbox (offline, no real charges) and the production entries bill nothing.
export function chosenBilling(config: Config, whenUnset: 'sandbox' | 'none'): BillingConfig {
  return config.billing ?? { provider: whenUnset };
}

// The sandbox runs inside `npm start`: a production entry has none of its own, so it must be told where one listens.
export function productionBilling(config: Config, who: string): BillingConfig {
  const billing = chosenBilling(config, 'none');
  if (billing.provider === 'sandbox' && !billing.apiBase) {
    throw new ConfigError(
      `Invalid configuration:\n  STRIPE_API_BASE: required by ${who} when BILLING_PROVIDER=sandbox (the sandbox runs inside \`npm start\`; point STRIPE_API_BASE at one, or use BILLING_PROVIDER=none or STRIPE_SECRET_KEY)`,
    );
  }
  return billing;
}

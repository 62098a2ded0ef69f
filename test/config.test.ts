import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';

describe('configuration from the environment', () => {
  it('defaults to the zero-setup development shape', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, databaseUrl: undefined, billing: { provider: 'none' }, temporal: { address: undefined, devServerUiPort: 8233 } });
  });

  it('turns Stripe on when a secret key is given', () => {
    expect(loadConfig({ STRIPE_SECRET_KEY: 'sk_test_abc' }).billing).toEqual({ provider: 'stripe', secretKey: 'sk_test_abc', apiBase: undefined, webhookSecret: undefined });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT: must be a port number (1-65535)'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ TEMPORAL_ADDRESS: 'no-port' }, 'TEMPORAL_ADDRESS: must look like host:port'],
    [{ STRIPE_SECRET_KEY: 'pk_test_abc' }, 'STRIPE_SECRET_KEY: must be a Stripe secret key'],
    [{ BILLING_PROVIDER: 'stripe' }, 'STRIPE_SECRET_KEY: required when BILLING_PROVIDER=stripe'],
    [{ TOLLGATE_API_KEY: 'short' }, 'TOLLGATE_API_KEY: must be at least 16 characters'],
  ])('names the bad variable in %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('bounds database calls by default and takes other bounds in milliseconds', () => {
    expect(loadConfig({}).databaseTimeouts).toEqual({ connectMs: 5_000, statementMs: 5_000 });
    expect(loadConfig({ DATABASE_CONNECT_TIMEOUT_MS: '1500', DATABASE_STATEMENT_TIMEOUT_MS: '30000' }).databaseTimeouts).toEqual({ connectMs: 1_500, statementMs: 30_000 });
  });

  it.each(['abc', '0', '-1', '1.5', '', '600001'])('names the database timeout variable that is %j', (value) => {
    for (const variable of ['DATABASE_CONNECT_TIMEOUT_MS', 'DATABASE_STATEMENT_TIMEOUT_MS']) {
      expect(() => loadConfig({ [variable]: value })).toThrow(`${variable}: must be a whole number of milliseconds (100-600000)`);
    }
  });
});

import { resolve } from 'node:path';
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

  it('applies the example catalog at start unless TOLLGATE_CATALOG_FILE is set empty', () => {
    expect(loadConfig({}).catalogFile).toBe(resolve('catalog/example.yaml'));
    expect(loadConfig({ TOLLGATE_CATALOG_FILE: 'mine.yaml' }).catalogFile).toBe(resolve('mine.yaml'));
    expect(loadConfig({ TOLLGATE_CATALOG_FILE: '' }).catalogFile).toBeUndefined();
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
});

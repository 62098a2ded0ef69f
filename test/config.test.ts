import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chosenBilling, loadConfig, productionBilling } from '../src/config';

describe('configuration from the environment', () => {
  it('defaults to the zero-setup development shape', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, databaseUrl: undefined, billing: undefined, sandboxPort: 12121, temporal: { address: undefined, devServerUiPort: 8233 } });
  });

  it('leaves billing to each entry when told nothing: npm start uses its sandbox, production entries bill nothing', () => {
    const config = loadConfig({});
    expect(chosenBilling(config, 'sandbox')).toEqual({ provider: 'sandbox' });
    expect(productionBilling(config, 'the API')).toEqual({ provider: 'none' });
  });

  it('keeps the no-billing behaviour with BILLING_PROVIDER=none, even beside a Stripe key', () => {
    expect(loadConfig({ BILLING_PROVIDER: 'none' }).billing).toEqual({ provider: 'none' });
    expect(chosenBilling(loadConfig({ BILLING_PROVIDER: 'none', STRIPE_SECRET_KEY: 'sk_test_abc' }), 'sandbox')).toEqual({ provider: 'none' });
  });

  it('reads BILLING_PROVIDER=sandbox with where it runs, and the port npm start gives its own sandbox', () => {
    expect(loadConfig({ BILLING_PROVIDER: 'sandbox' }).billing).toEqual({ provider: 'sandbox', apiBase: undefined });
    expect(loadConfig({ BILLING_PROVIDER: 'sandbox', STRIPE_API_BASE: 'http://127.0.0.1:12121' }).billing).toEqual({ provider: 'sandbox', apiBase: 'http://127.0.0.1:12121' });
    // The sandbox takes no real key: one left in the shell is not sent to it.
    expect(loadConfig({ BILLING_PROVIDER: 'sandbox', STRIPE_SECRET_KEY: 'sk_live_abc' }).billing).toEqual({ provider: 'sandbox', apiBase: undefined });
    expect(loadConfig({ TOLLGATE_SANDBOX_PORT: '4242' }).sandboxPort).toBe(4242);
  });

  it('refuses a sandbox to a production entry unless told where one runs (it lives inside npm start)', () => {
    expect(() => productionBilling(loadConfig({ BILLING_PROVIDER: 'sandbox' }), 'the worker')).toThrow('STRIPE_API_BASE: required by the worker when BILLING_PROVIDER=sandbox');
    expect(productionBilling(loadConfig({ BILLING_PROVIDER: 'sandbox', STRIPE_API_BASE: 'http://sandbox.internal:12121' }), 'the worker')).toEqual({ provider: 'sandbox', apiBase: 'http://sandbox.internal:12121' });
  });

  it('turns Stripe on when a secret key is given', () => {
    expect(loadConfig({ STRIPE_SECRET_KEY: 'sk_test_abc' }).billing).toEqual({ provider: 'stripe', secretKey: 'sk_test_abc', apiBase: undefined });
  });

  it('reads the webhook signing secret whichever billing is chosen (npm start makes one for its sandbox when unset)', () => {
    expect(loadConfig({ STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' }).stripeWebhookSecret).toBe('whsec_abc');
    expect(loadConfig({ STRIPE_WEBHOOK_SECRET: 'whsec_abc' }).stripeWebhookSecret).toBe('whsec_abc');
    expect(loadConfig({}).stripeWebhookSecret).toBeUndefined();
    expect(() => loadConfig({ STRIPE_WEBHOOK_SECRET: '' })).toThrow('STRIPE_WEBHOOK_SECRET');
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
    [{ BILLING_PROVIDER: 'paypal' }, 'BILLING_PROVIDER: must be none, stripe or sandbox'],
    [{ TOLLGATE_SANDBOX_PORT: '70000' }, 'TOLLGATE_SANDBOX_PORT: must be a port number (1-65535)'],
    [{ TOLLGATE_SANDBOX_PORT: 'abc' }, 'TOLLGATE_SANDBOX_PORT: must be a port number (1-65535)'],
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

describe('payload encryption and codec endpoint settings', () => {
  const key = Buffer.alloc(32, 7).toString('base64');
  const oldKey = Buffer.alloc(32, 9).toString('base64');

  it('reads the payload key and the previous keys as 32-byte keys', () => {
    const config = loadConfig({ TOLLGATE_PAYLOAD_KEY: key, TOLLGATE_PAYLOAD_PREVIOUS_KEYS: ` ${oldKey} , ${key}` });
    expect(config.payloadKeys.current).toEqual(Buffer.alloc(32, 7));
    expect(config.payloadKeys.previous).toEqual([Buffer.alloc(32, 9), Buffer.alloc(32, 7)]);
  });

  it('leaves the key and the codec mode unset by default (each entry decides)', () => {
    expect(loadConfig({})).toMatchObject({ payloadKeys: { current: undefined, previous: [] }, codecEndpoint: { mode: undefined, uiOrigins: [] } });
  });

  it.each([
    [{ TOLLGATE_PAYLOAD_KEY: 'secret' }, 'TOLLGATE_PAYLOAD_KEY: must be 32 random bytes in base64 (make one with `openssl rand -base64 32`)'],
    [{ TOLLGATE_PAYLOAD_KEY: Buffer.alloc(16).toString('base64') }, 'TOLLGATE_PAYLOAD_KEY: must be 32 random bytes'],
    [{ TOLLGATE_PAYLOAD_PREVIOUS_KEYS: `${oldKey},nope` }, 'TOLLGATE_PAYLOAD_PREVIOUS_KEYS.1: each comma-separated entry must be 32 random bytes'],
    [{ TOLLGATE_CODEC_ENDPOINT: 'true' }, 'TOLLGATE_CODEC_ENDPOINT: must be off, loopback or network'],
    [{ TOLLGATE_CODEC_UI_ORIGINS: 'https://temporal.example.com/path' }, 'TOLLGATE_CODEC_UI_ORIGINS.0: must be comma-separated origins'],
  ])('names the bad variable in %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});

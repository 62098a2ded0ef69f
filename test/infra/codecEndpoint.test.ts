import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { codecEndpointOptions, codecEndpointUrl, devServerUiOrigins } from '../../src/infra/codecEndpoint';
import { createEncryptionCodec } from '../../src/temporal/payloadEncryption';

const codec = createEncryptionCodec({ current: randomBytes(32), previous: [] });
const developmentDefaults = { mode: 'loopback' as const, uiOrigins: devServerUiOrigins(8233) };
const productionDefaults = { mode: 'off' as const, uiOrigins: [] };

describe('where the codec endpoint is mounted', () => {
  it('npm start serves its own Temporal UI, to callers on this machine only', () => {
    expect(codecEndpointOptions(loadConfig({}), codec, developmentDefaults)).toEqual({
      codec,
      uiOrigins: ['http://127.0.0.1:8233', 'http://localhost:8233'],
      loopbackOnly: true,
    });
  });

  it('npm start without a Temporal UI of its own (TEMPORAL_ADDRESS) and no origin given mounts nothing', () => {
    expect(codecEndpointOptions(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }), codec, { mode: 'loopback', uiOrigins: [] })).toBeUndefined();
  });

  it('TOLLGATE_CODEC_ENDPOINT=off turns it off in development', () => {
    expect(codecEndpointOptions(loadConfig({ TOLLGATE_CODEC_ENDPOINT: 'off' }), codec, developmentDefaults)).toBeUndefined();
  });

  it('the production API has none unless asked for; network mode answers any caller of the given UI', () => {
    expect(codecEndpointOptions(loadConfig({}), codec, productionDefaults)).toBeUndefined();
    const env = { TOLLGATE_CODEC_ENDPOINT: 'network', TOLLGATE_CODEC_UI_ORIGINS: 'https://temporal.example.com' };
    expect(codecEndpointOptions(loadConfig(env), codec, productionDefaults)).toEqual({ codec, uiOrigins: ['https://temporal.example.com'], loopbackOnly: false });
  });

  it('points the UI at an address the browser can reach', () => {
    expect(codecEndpointUrl('127.0.0.1', 3000)).toBe('http://127.0.0.1:3000/codec');
    expect(codecEndpointUrl('0.0.0.0', 3000)).toBe('http://127.0.0.1:3000/codec');
    expect(codecEndpointUrl('::1', 3000)).toBe('http://[::1]:3000/codec');
  });
});

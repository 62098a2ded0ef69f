import type { PayloadCodec } from '@temporalio/common';
import type { CodecEndpointOptions } from '../api/routes/codec.routes';
import { ConfigError, type CodecEndpointMode, type Config } from '../config';

// TOLLGATE_CODEC_ENDPOINT / TOLLGATE_CODEC_UI_ORIGINS over the entry's defaults; undefined means not mounted.
export function codecEndpointOptions(config: Config, codec: PayloadCodec, defaults: { mode: CodecEndpointMode; uiOrigins: string[] }): CodecEndpointOptions | undefined {
  const explicit = config.codecEndpoint.mode !== undefined;
  const mode = config.codecEndpoint.mode ?? defaults.mode;
  if (mode === 'off') return undefined;
  const uiOrigins = config.codecEndpoint.uiOrigins.length > 0 ? config.codecEndpoint.uiOrigins : defaults.uiOrigins;
  if (uiOrigins.length === 0) {
    // The development default needs a UI to serve; an operator who asked for the endpoint must say which UI.
    if (!explicit) return undefined;
    throw new ConfigError(
      `Invalid configuration:\n  TOLLGATE_CODEC_UI_ORIGINS: required when TOLLGATE_CODEC_ENDPOINT=${mode} (the Temporal Web UI's origin, e.g. https://temporal.example.com)`,
    );
  }
  return { codec, uiOrigins, loopbackOnly: mode === 'loopback' };
}

// The dev server's UI runs in the operator's browser at one of these origins.
export function devServerUiOrigins(uiPort: number): string[] {
  return [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`];
}

// The address the browser uses to reach this API: a wildcard listen address is reached via loopback.
export function codecEndpointUrl(host: string, port: number): string {
  return `http://${reachableHost(host)}:${port}/codec`;
}

// How a process on this machine reaches a server listening on `host` (all interfaces: through loopback), as a URL's host.
export function reachableHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
}

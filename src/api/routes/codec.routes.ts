import type { Payload, PayloadCodec } from '@temporalio/common';
import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { PayloadDecryptionError } from '../../temporal/payloadEncryption';
import { HttpError, unprocessable } from '../httpError';
import { parseInput } from '../validate';

// Temporal's codec-server pattern: the Web UI posts history payloads here to show them decrypted.
export type CodecEndpointOptions = {
  codec: PayloadCodec;
  // Origins of the Temporal Web UI allowed to call from a browser (CORS).
  uiOrigins: readonly string[];
  // The endpoint decrypts for whoever reaches it: by default only callers on this machine.
  loopbackOnly: boolean;
};

const base64 = z.string().regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'must be base64');
const payloadsBody = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() })),
});
type JsonPayload = z.infer<typeof payloadsBody>['payloads'][number];

const fromJson = (payload: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
  data: Buffer.from(payload.data ?? '', 'base64'),
});
const toJson = (payload: Payload) => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
  data: Buffer.from(payload.data ?? []).toString('base64'),
});

export function isLoopbackAddress(address: string | undefined): boolean {
  return address === '::1' || /^(::ffff:)?127\./.test(address ?? '');
}

export function codecRoutes(options: CodecEndpointOptions): Router {
  const router = Router();
  const allowedOrigins = new Set(options.uiOrigins);

  router.use('/codec', (req, res, next) => {
    if (options.loopbackOnly && !isLoopbackAddress(req.socket.remoteAddress)) {
      throw new HttpError(403, 'CODEC_LOOPBACK_ONLY', 'the codec endpoint answers only callers on this machine (TOLLGATE_CODEC_ENDPOINT=loopback)');
    }
    res.vary('Origin');
    const origin = req.headers.origin;
    if (origin !== undefined) {
      // A page of another origin must not use the endpoint as a decryption service, even through simple requests.
      if (!allowedOrigins.has(origin)) throw new HttpError(403, 'ORIGIN_NOT_ALLOWED', `origin ${origin} may not use the codec endpoint (see TOLLGATE_CODEC_UI_ORIGINS)`, 'Origin');
      res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true' });
    }
    next();
  });
  router.options(['/codec/decode', '/codec/encode'], (_req, res) => {
    res.set({ 'Access-Control-Allow-Methods': 'POST, OPTIONS', 'Access-Control-Allow-Headers': 'Content-Type, X-Namespace, Authorization', 'Access-Control-Max-Age': '600' });
    res.status(204).end();
  });
  const json = express.json({ limit: '4mb' });
  router.post('/codec/decode', json, transform((payloads) => options.codec.decode(payloads)));
  router.post('/codec/encode', json, transform((payloads) => options.codec.encode(payloads)));
  return router;
}

function transform(apply: (payloads: Payload[]) => Promise<Payload[]>): RequestHandler {
  return async (req, res) => {
    if (!req.is('application/json')) throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the payloads as JSON (Content-Type: application/json)', 'Content-Type');
    const { payloads } = parseInput(payloadsBody, req.body);
    const results: Payload[] = [];
    // One at a time, so a payload that cannot be decrypted is named by its index.
    for (const [index, payload] of payloads.entries()) {
      try {
        results.push(...(await apply([fromJson(payload)])));
      } catch (error) {
        if (error instanceof PayloadDecryptionError) throw unprocessable('PAYLOAD_NOT_DECRYPTABLE', error.message, `payloads[${index}]`);
        throw error;
      }
    }
    res.json({ payloads: results.map(toJson) });
  };
}

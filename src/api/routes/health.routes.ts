import { sql } from 'kysely';
import type { AppDependencies } from '../appDependencies';
import type { Operation, RouteRegistry } from '../routeRegistry';
import { healthResponseSchema } from '../schemas/health.schemas';

// A probe answers within this bound even when every pooled connection is stuck on a frozen database.
const DATABASE_PROBE_TIMEOUT_MS = 2_000;

function answersWithin<T>(probe: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([probe, deadline]).finally(() => clearTimeout(timer));
}

const healthOperation = {
  method: 'get',
  path: '/health',
  summary: 'Liveness of Postgres and Temporal',
  open: true,
  responses: { 200: { description: 'Ready', schema: healthResponseSchema }, 503: { description: 'A dependency is down', schema: healthResponseSchema } },
} satisfies Operation;

export function healthRoutes({ db, temporalHealthy }: AppDependencies, { route }: RouteRegistry): void {
  route(healthOperation, async (_input, res) => {
    const [postgres, temporal] = await Promise.all([
      answersWithin(sql`select 1`.execute(db), DATABASE_PROBE_TIMEOUT_MS).then(() => true, () => false),
      temporalHealthy().catch(() => false),
    ]);
    const ok = postgres && temporal;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', postgres: postgres ? 'ok' : 'down', temporal: temporal ? 'ok' : 'down' });
  });
}

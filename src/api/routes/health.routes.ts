import { Router } from 'express';
import { sql } from 'kysely';
import type { AppDependencies } from '../appDependencies';

// A probe answers within this bound even when every pooled connection is stuck on a frozen database.
const DATABASE_PROBE_TIMEOUT_MS = 2_000;

function answersWithin<T>(probe: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([probe, deadline]).finally(() => clearTimeout(timer));
}

export function healthRoutes({ db, temporalHealthy }: AppDependencies): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    const [postgres, temporal] = await Promise.all([
      answersWithin(sql`select 1`.execute(db), DATABASE_PROBE_TIMEOUT_MS).then(() => true, () => false),
      temporalHealthy().catch(() => false),
    ]);
    const ok = postgres && temporal;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', postgres: postgres ? 'ok' : 'down', temporal: temporal ? 'ok' : 'down' });
  });
  return router;
}

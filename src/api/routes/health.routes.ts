import { Router } from 'express';
import { sql } from 'kysely';
import type { AppDependencies } from '../appDependencies';

export function healthRoutes({ db, temporalHealthy }: AppDependencies): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    const [postgres, temporal] = await Promise.all([
      sql`select 1`.execute(db).then(() => true, () => false),
      temporalHealthy().catch(() => false),
    ]);
    const ok = postgres && temporal;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', postgres: postgres ? 'ok' : 'down', temporal: temporal ? 'ok' : 'down' });
  });
  return router;
}

import { Router } from 'express';
import type { DataSource } from 'typeorm';

export function healthRouter(ds: DataSource): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const database = { type: ds.options.type === 'mysql' ? 'mariadb' : 'sqlite', status: 'up' as 'up' | 'down', error: undefined as string | undefined };
    try {
      if (!ds.isInitialized) throw new Error('not connected');
      await ds.query('SELECT 1');
    } catch (err) {
      database.status = 'down';
      database.error = (err as Error).message;
    }
    const ok = database.status === 'up';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', database });
  });
  return router;
}

import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Runtime } from '../app/runtime.js';
import { requestContext } from './request-id.js';
import { healthRouter } from './health.js';

export function createHttpApp(rt: Runtime): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', rt.config.http.trustProxy);
  app.use(requestContext(rt.logger));
  app.use(healthRouter(rt.ds));
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: { code: 'not_found', message: `no route for ${req.method} ${req.path}` } });
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    req.log?.error({ err }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal', message: 'internal error', requestId: req.id } });
  });
  return app;
}

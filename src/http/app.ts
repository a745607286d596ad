import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import cookieParser from 'cookie-parser';
import type { Runtime } from '../app/runtime.js';
import { requestContext } from './request-id.js';
import { healthRouter } from './health.js';
import { securityHeaders } from './security-headers.js';
import { authenticate } from './auth.js';
import { apiRouter } from './api/index.js';
import { webRouter } from './web/index.js';
import { operationsWebRouter } from './web/pages/operations.js';
import { UserService } from '../users/service.js';
import { errorBody, requestProblem } from './api/errors.js';
import { errorPageSender, errorTitle } from './web/error-page.js';
import type { Scheduler } from '../jobs/scheduler.js';

export interface HttpAppOptions {
  /**
   * The process's scheduler (`recurra start` makes one). "Sync now" queues through it; without one it queues
   * through a queue-only scheduler (src/app/scheduler.ts jobQueue), and a process running the scheduler runs the jobs.
   */
  scheduler?: Scheduler;
}

export function createHttpApp(runtime: Runtime, opts: HttpAppOptions = {}): Express {
  const rt: Runtime = opts.scheduler ? { ...runtime, scheduler: opts.scheduler } : runtime;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', rt.config.http.trustProxy);
  app.use(requestContext(rt.logger));
  app.use(securityHeaders(rt)); // CSP, HSTS (https), no-store, nosniff: src/http/security-headers.ts
  app.use(healthRouter(rt.ds));
  app.use(cookieParser());
  app.use(authenticate(rt, new UserService(rt.ds)));
  app.use(apiRouter(rt));
  app.use(operationsWebRouter(rt)); // licence management pages (src/http/web/pages/operations.ts)
  app.use(webRouter(rt));
  const errorPage = errorPageSender(rt);
  // A browser (it asks for HTML first) outside the API gets the web app's error page with a way back; scripts get JSON.
  const wantsPage = (req: Request): boolean => !req.path.startsWith('/api/') && req.accepts(['json', 'html']) === 'html';
  app.use((req: Request, res: Response) => {
    if (wantsPage(req)) return errorPage(req, res, 404, errorTitle(404), 'There is no page at this address.');
    res.status(404).json({ error: { code: 'not_found', message: `no route for ${req.method} ${req.path}`, requestId: req.id } });
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    // A request refused before any handler ran (oversize form or body, bad encoding): 4xx, an HTML page for the web app.
    const problem = requestProblem(err);
    if (problem) {
      if (req.path.startsWith('/api/')) return res.status(problem.status).json(errorBody(req, problem.code, problem.message));
      return errorPage(req, res, problem.status, errorTitle(problem.status), problem.status === 413 ? 'The form was too large to accept.' : `The request could not be read (${problem.code}).`);
    }
    req.log?.error({ err }, 'unhandled error');
    if (wantsPage(req)) return errorPage(req, res, 500, errorTitle(500), `Something went wrong on our side. If it happens again, quote request ${req.id}.`);
    res.status(500).json({ error: { code: 'internal', message: 'internal error', requestId: req.id } });
  });
  return app;
}

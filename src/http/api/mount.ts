import express, { Router, type Request, type Response } from 'express';
import type { Runtime } from '../../app/runtime.js';
import { csrfOk } from '../auth.js';
import { apiErrorHandler, errorBody, HttpError } from './errors.js';
import { allRoutes, invokeRoute } from './route.js';
import { buildOpenApi } from './openapi.js';
import { docsPage } from './docs.js';
import { verifyJsonDepth } from '../json-depth.js';

/** Mounts every registered route under /api/v1, the OpenAPI document and the docs page. */
export function apiRouter(rt: Runtime): Router {
  const router = Router();
  let doc: object | undefined;
  router.get('/api/openapi.json', (_req, res) => {
    doc ??= buildOpenApi();
    res.json(doc);
  });
  router.get('/api/docs', (_req, res) => {
    res.type('html').send(docsPage());
  });

  const v1 = Router();
  v1.use(express.json({ limit: '1mb', verify: verifyJsonDepth }));
  for (const def of allRoutes()) {
    v1[def.method](def.path, async (req: Request, res: Response) => {
      if (!def.public) {
        if (!req.auth) throw new HttpError(401, 'unauthenticated', 'sign in or send an API token (Authorization: Bearer rct_...)');
        if (!csrfOk(req)) throw new HttpError(403, 'csrf', 'missing or wrong X-CSRF-Token for this session');
      }
      const result = await invokeRoute(rt, def, req.auth ?? null, { params: req.params, query: req.query, body: req.body }, { req, res });
      if (def.produces) return;
      res.status(def.status ?? 200).json(result);
    });
  }
  v1.use((req: Request, res: Response) => {
    res.status(404).json(errorBody(req, 'not_found', `no route for ${req.method} ${req.baseUrl}${req.path}`));
  });
  v1.use(apiErrorHandler);
  router.use('/api/v1', v1);
  return router;
}

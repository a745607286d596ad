import type { Request, Response } from 'express';
import type { Runtime } from '../../app/runtime.js';
import { layoutContext } from './layout.js';
import { Views } from './render.js';

/** The web app's error page (templates/web/pages/error.hbs) outside a page handler: refused forms, bodies and headers. */
export function errorPageSender(rt: Runtime): (req: Request, res: Response, status: number, title: string, message: string) => void {
  const views = new Views(undefined, rt.config.env !== 'development');
  return (req, res, status, title, message) => {
    res.status(status).type('html').send(views.render('error', { title, message, ...layoutContext(req, req.auth?.user.tenantId ?? null) }));
  };
}

/** Titles for the statuses a refused request gets. */
export function errorTitle(status: number): string {
  if (status === 413) return 'Form too large';
  if (status === 404) return 'Not found';
  if (status === 403) return 'Not allowed';
  if (status >= 500) return 'Something went wrong';
  return 'Bad request';
}

import { Router } from 'express';
import type { Runtime } from '../../../app/runtime.js';
import { validationError } from '../../api/errors.js';
import type { PageKit } from '../page-kit.js';

/**
 * The signed-in user's own pages: choosing a password (also the forced first one) and their API tokens
 * (templates/web/pages/password.hbs, tokens.hbs). Built with the main router's page kit (src/http/web/index.ts).
 */
export function accountWebRouter(rt: Runtime, kit: PageKit): Router {
  const { api, render, page, back } = kit;
  const router = Router();

  router.get('/account/password', page(async (req, res) => {
    render(req, res, 'password', { title: 'Choose a password', forced: req.auth!.user.mustChangePassword });
  }));
  router.post('/account/password', page(async (req, res) => {
    // A refusal comes back to the form with each message next to its field (the passwords themselves are never kept).
    const { currentPassword, newPassword, repeatPassword } = req.body as Record<string, string>;
    if (newPassword !== repeatPassword) throw validationError([{ path: 'repeatPassword', message: 'The two new passwords differ.' }]);
    const ended = await api(req, 'changePassword', { body: { currentPassword, newPassword } });
    const n = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`;
    back(res, '/', `Password changed; ${n(ended.sessionsEnded, 'other session', 'other sessions')} ended and `
      + `${n(ended.tokensRevoked, 'API token', 'API tokens')} revoked.`);
  }, { backTo: () => '/account/password' }));

  router.get('/account/tokens', page(async (req, res) => {
    render(req, res, 'tokens', { title: 'API tokens', tokens: (await api(req, 'listTokens')).items });
  }));
  router.post('/account/tokens', page(async (req, res) => {
    const days = String(req.body.expiresInDays ?? '90');
    const expiresInDays = days === 'never' ? null : Number.parseInt(days, 10);
    const t = await api(req, 'createToken', { body: { name: String(req.body.name ?? ''), expiresInDays } });
    render(req, res, 'tokens', { title: 'API tokens', created: t, tokens: (await api(req, 'listTokens')).items });
  }));
  router.post('/account/tokens/:tokenId/revoke', page(async (req, res) => {
    await api(req, 'revokeToken', { params: { tokenId: req.params.tokenId } });
    back(res, '/account/tokens', 'Token revoked.');
  }));

  return router;
}

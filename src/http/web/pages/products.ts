import { Router } from 'express';
import type { Runtime } from '../../../app/runtime.js';
import type { PageKit } from '../page-kit.js';
import { pager } from '../layout.js';
import { withCatalogTwins } from '../look-alike.js';
import { clean } from './shared.js';

/**
 * The Products page (templates/web/pages/products.hbs): a tenant's catalogue, same-name products of one vendor told
 * apart by term and billing. Built with the main router's page kit (src/http/web/index.ts).
 */
export function productsWebRouter(rt: Runtime, kit: PageKit): Router {
  const { api, render, page } = kit;
  const router = Router();

  router.get('/t/:tenantId/products', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId };
    const q = clean({ q: req.query.q, vendorName: req.query.vendorName, page: req.query.page, sort: req.query.sort, size: '50' });
    const products = await api(req, 'listProducts', { params: p, query: q });
    // Same-name products of one vendor (one per term and billing) say their term and billing in words.
    render(req, res, 'products', { title: 'Products', tenant: p, query: q, items: withCatalogTwins(products.items), page: products.page, pager: pager(req, products.page) });
  }));

  return router;
}

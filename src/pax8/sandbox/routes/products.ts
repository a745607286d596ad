import type { Router } from 'express';
import { notFound, sendError } from '../http/errors.js';
import { pageOf, parsePage, parseSort, sortBy, stringParam } from '../http/paging.js';
import { sendJson } from '../http/send.js';
import { renderPricing, renderProduct } from '../render.js';
import type { SandboxState } from '../state.js';
import { handle, param } from './handle.js';

export function productRoutes(r: Router, state: SandboxState): void {
  r.get('/products', handle((req, res) => {
    const p = parsePage(req, state.oversizePage);
    const sort = parseSort(req, ['name', 'vendor']);
    const search = stringParam(req, 'search')?.toLowerCase();
    const vendorName = stringParam(req, 'vendorName');
    const items = state.data.cached(`products:${search}:${vendorName}:${JSON.stringify(sort)}`, () => {
      let list = state.data.products.filter((x) =>
        (vendorName === undefined || x.vendorName.toLowerCase() === vendorName.toLowerCase()) &&
        (search === undefined || [x.name, x.vendorName, x.sku, x.vendorSku ?? '', x.id].some((f) => f.toLowerCase().includes(search))));
      if (sort) list = sortBy(list, (x) => (sort.field === 'name' ? x.name : x.vendorName), sort.desc);
      return list;
    });
    sendJson(res, 200, pageOf(items, p, (x) => renderProduct(x, false)));
  }));

  r.get('/products/:productId', handle((req, res) => {
    const id = param(req, 'productId');
    const x = state.data.productById.get(id);
    if (!x) return notFound(req, res, 'Product', id);
    sendJson(res, 200, renderProduct(x, true));
  }));

  /** `{content: [ProvisioningDetail]}` (no page block, as the spec); empty for products that need none. */
  r.get('/products/:productId/provision-details', handle((req, res) => {
    const id = param(req, 'productId');
    const x = state.data.productById.get(id);
    if (!x) return notFound(req, res, 'Product', id);
    sendJson(res, 200, { content: x.provisioningDetails.map((d) => ({ ...d, ...(d.possibleValues ? { possibleValues: [...d.possibleValues] } : {}) })) });
  }));

  /**
   * `{commitmentDependencies: [Commitment], productDependencies: []}` (Pax8's Dependencies): the product's commitment
   * terms and what each allows (src/pax8/sandbox/commitments.ts); no product requires another here.
   */
  r.get('/products/:productId/dependencies', handle((req, res) => {
    const id = param(req, 'productId');
    const x = state.data.productById.get(id);
    if (!x) return notFound(req, res, 'Product', id);
    sendJson(res, 200, { commitmentDependencies: x.commitments.map((c) => ({ ...c })), productDependencies: [] });
  }));

  /** No page block here (live and spec agree). `companyId`, if given, must be a known company. */
  r.get('/products/:productId/pricing', handle((req, res) => {
    const id = param(req, 'productId');
    const x = state.data.productById.get(id);
    if (!x) return notFound(req, res, 'Product', id);
    const companyId = stringParam(req, 'companyId');
    if (companyId !== undefined && !state.data.companyById.has(companyId)) {
      return sendError(req, res, 404, 'NOT_FOUND', `Company with id ${companyId} not found`);
    }
    sendJson(res, 200, { content: x.pricing.map((pr) => renderPricing(x, pr)) });
  }));
}

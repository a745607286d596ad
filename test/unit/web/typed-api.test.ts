import { expect } from 'chai';
import type { Request } from 'express';
import type { PageKit } from '../../../src/http/web/page-kit.js';
import { allRoutes } from '../../../src/http/api/route.js';
import type { TypedRouteId } from '../../../src/http/api/typed-routes.js';
import '../../../src/http/api/index.js';

/**
 * The page kit's api() is typed from the route registry: a typed route's params and body are checked and its answer
 * is its response schema's output. The checks below are compiled by `tsc` (npm run typecheck): each @ts-expect-error
 * fails the build when the line it marks stops being an error.
 */
async function typeChecks(kit: PageKit, req: Request): Promise<void> {
  const codes = await kit.api(req, 'listTaxCodes', { params: { tenantId: 't' } });
  const rate: string = codes.items[0]!.rate;
  // @ts-expect-error a tax code has no `price`
  void codes.items[0]!.price;
  // @ts-expect-error createTaxCode's body has no `rat`
  await kit.api(req, 'createTaxCode', { params: { tenantId: 't' }, body: { code: 'VAT', rat: '0.2' } });
  // @ts-expect-error a tax code's params name it
  await kit.api(req, 'updateTaxCode', { params: { tenantId: 't' }, body: { code: 'VAT' } });
  const maybe = await kit.maybe(req, 'listProductGroupTaxCodes', { params: { tenantId: 't' } });
  // @ts-expect-error maybe() answers null when the role may not call the route
  void maybe.items;
  void rate;
  // The licence operations' routes, made by one function per kind, are typed too.
  const preview = await kit.api(req, 'previewTransfer', { params: { tenantId: 't' }, body: { fromSubscriptionId: 'a', toSubscriptionId: 'b', quantity: 1 } });
  const problems: string[] = preview.problems;
  void problems;
  // @ts-expect-error completePurchase's body has no `remove`
  await kit.api(req, 'completePurchase', { params: { tenantId: 't' }, body: { subscriptionId: 's', remove: 1 } });
  // @ts-expect-error an id no exported route has is not typed (were one route's id a plain string, every id would be)
  const notAnId: TypedRouteId = 'noSuchRoute';
  void notAnId;
}

describe('web: typed calls into the route registry', () => {
  it('types only ids the registry has', () => {
    const typed: TypedRouteId[] = ['listTaxCodes', 'createTaxCode', 'updateTaxCode', 'deleteTaxCode', 'listProductGroupTaxCodes', 'setProductGroupTaxCode',
      'previewPurchase', 'completePurchase', 'previewDecrease', 'completeDecrease', 'previewTransfer', 'completeTransfer'];
    const ids = new Set(allRoutes().map((r) => r.id));
    expect(typed.filter((id) => !ids.has(id))).to.deep.equal([]);
    expect(typeChecks).to.be.a('function');
  });
});

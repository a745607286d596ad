import { expect } from 'chai';
import { addMonths, DAY_MS } from '../../src/pax8/sandbox/dates.js';
import { startSandbox, type RunningSandbox } from '../../src/pax8/sandbox/index.js';
import { sandboxClient as client, type Json } from '../support/sandbox-client.js';
import type { SandboxProduct, SandboxSubscription } from '../../src/pax8/sandbox/types.js';

/** Issue 22, point 2: per-vendor commitment rules from the product data, which the partner PUT and DELETE follow. */

describe('Pax8 sandbox: per-vendor commitment rules (issue 22)', function () {
  this.timeout(30000);
  let sb: RunningSandbox;
  let a: Awaited<ReturnType<typeof client>>;
  const now = () => sb.data.clock.nowMs();
  before(async () => {
    sb = await startSandbox({ seed: 42, companies: 60, rateLimitPerMinute: null, quantityChanges: 'instant' });
    a = await client(sb);
  });
  after(async () => sb.close());

  const product = (vendorName: string): SandboxProduct => sb.data.products.find((p) => p.vendorName === vendorName && p.commitments.length > 0)!;
  /** A new active subscription of `p` on a 1-Year term (Annual plan) ending `daysLeft` days from now. */
  function committed(p: SandboxProduct, daysLeft = 200): SandboxSubscription {
    const companyId = sb.data.companies.find((c) => c.status === 'Active' && !c.isPartner)!.id;
    const s = sb.data.addSubscription({ companyId, productId: p.id, quantity: 10, billingTerm: 'Annual' });
    expect(s.commitment?.term).to.equal('1-Year');
    s.commitment!.endMs = now() + daysLeft * DAY_MS;
    return s;
  }

  it('serves each product\'s commitment terms in Pax8\'s Dependencies shape, differing by vendor, the same for a seed', async () => {
    const nce = product('Microsoft');
    const r = await a.get(`/products/${nce.id}/dependencies`);
    expect(r.status).to.equal(200);
    expect(r.body['productDependencies']).to.deep.equal([]);
    const terms = r.body['commitmentDependencies'] as Json[];
    expect(terms.map((c) => c['term'])).to.deep.equal(['Monthly', '1-Year', '3-Year']);
    expect(terms[1]).to.include({ allowForQuantityIncrease: true, allowForQuantityDecrease: false, allowForEarlyCancellation: false, renewalWindowDaysAfterTermEnd: 7 });
    expect(terms[1]).to.have.keys('id', 'term', 'autoRenew', 'renewalWindowDaysBeforeTermEnd', 'renewalWindowDaysAfterTermEnd', 'allowForQuantityIncrease',
      'allowForQuantityDecrease', 'allowForEarlyCancellation', 'cancellationFeeApplied', 'isTransferable');
    const flexible = (await a.get(`/products/${product('Proofpoint').id}/dependencies`)).body['commitmentDependencies'] as Json[];
    expect(flexible.map((c) => [c['term'], c['allowForQuantityDecrease'], c['allowForEarlyCancellation']])).to.deep.equal([['1-Year', true, true]]);
    const keeper = (await a.get(`/products/${product('Keeper Security').id}/dependencies`)).body['commitmentDependencies'] as Json[];
    expect(keeper.map((c) => [c['allowForQuantityDecrease'], c['allowForEarlyCancellation']])).to.deep.equal([[true, false]]);
    const plain = sb.data.products.find((p) => p.vendorName === 'BitTitan')!;
    expect((await a.get(`/products/${plain.id}/dependencies`)).body['commitmentDependencies']).to.deep.equal([]);
    expect((await a.get('/products/nope/dependencies')).status).to.equal(404);
    const again = await startSandbox({ seed: 42, companies: 5, rateLimitPerMinute: null });
    try {
      expect(again.data.products.map((p) => p.commitments)).to.deep.equal(sb.data.products.map((p) => p.commitments));
    } finally {
      await again.close();
    }
  });

  it('a subscription\'s commitment id is its product\'s commitment term id; Annual plans of committing vendors run a 1-Year term', async () => {
    const s = sb.data.subscriptions.find((x) => x.commitment && sb.data.productById.get(x.productId)!.vendorName === 'Microsoft')!;
    const body = (await a.get(`/subscriptions/${s.id}`)).body;
    const rule = sb.data.productById.get(s.productId)!.commitments.find((c) => c.term === body['commitment']['term'])!;
    expect(body['commitment']['id']).to.equal(rule.id);
    const annual = sb.data.subscriptions.filter((x) => x.billingTerm === 'Annual' && sb.data.productById.get(x.productId)!.vendorName === 'Proofpoint');
    expect(annual.length).to.be.greaterThan(0);
    for (const x of annual.filter((y) => Number.isInteger(y.quantity))) expect(x.commitment?.term).to.equal('1-Year');
  });

  it('Microsoft NCE: a decrease mid-term is refused 422 {errors}; allowed in the first 7 days of a term and in the renewal window', async () => {
    const p = product('Microsoft');
    const s = committed(p, 200);
    const q = s.quantity;
    const refused = await a.put(`/subscriptions/${s.id}`, { quantity: q - 1 });
    expect(refused.status).to.equal(422);
    expect(refused.body['errors'][0]).to.match(/Cannot decrease quantity of subscription .* before the commitment term ends on \d{4}-\d{2}-\d{2}/);
    expect((await a.put(`/subscriptions/${s.id}`, { quantity: q + 1 })).status).to.equal(200); // increases are allowed

    s.commitment!.endMs = addMonths(now(), 12) - 3 * DAY_MS; // the term began 3 days ago
    expect((await a.put(`/subscriptions/${s.id}`, { quantity: q })).status).to.equal(200);

    const rule = p.commitments.find((c) => c.term === '1-Year')!;
    s.commitment!.endMs = now() + (rule.renewalWindowDaysBeforeTermEnd + 1) * DAY_MS; // a day before the renewal window opens
    expect((await a.put(`/subscriptions/${s.id}`, { quantity: q - 1 })).status).to.equal(422);
    s.commitment!.endMs = now() + Math.max(rule.renewalWindowDaysBeforeTermEnd - 1, 0) * DAY_MS + 3600_000;
    expect((await a.put(`/subscriptions/${s.id}`, { quantity: q - 1 })).status).to.equal(rule.renewalWindowDaysBeforeTermEnd > 0 ? 200 : 422);
  });

  it('a vendor whose commitment allows decreases: a decrease mid-term goes through', async () => {
    const s = committed(product('Proofpoint'), 200);
    const r = await a.put(`/subscriptions/${s.id}`, { quantity: s.quantity - 1 });
    expect(r.status).to.equal(200);
    expect(r.body['quantity']).to.equal(s.quantity);
  });

  it('cancellation follows the record: refused mid-term where early cancellation is not allowed, unless dated at the term end', async () => {
    const nce = committed(product('Microsoft'), 200);
    const r = await a.del(`/subscriptions/${nce.id}`);
    expect(r.status).to.equal(422);
    expect(r.body['errors'][0]).to.match(/Cannot cancel subscription .* before the commitment term ends/);
    expect(nce.status).to.equal('Active');
    const atEnd = new Date(nce.commitment!.endMs).toISOString();
    expect((await a.del(`/subscriptions/${nce.id}?cancelDate=${atEnd}`)).status).to.equal(204);
    expect(nce.status).to.equal('PendingCancel');

    const keeper = committed(product('Keeper Security'), 200);
    expect((await a.del(`/subscriptions/${keeper.id}`)).status).to.equal(422);
    const flexible = committed(product('Proofpoint'), 200);
    expect((await a.del(`/subscriptions/${flexible.id}`)).status).to.equal(204);
    expect(flexible.status).to.equal('Cancelled');
  });
});

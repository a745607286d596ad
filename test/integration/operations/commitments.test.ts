import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import sinon from 'sinon';
import { LicenceOperation, Subscription } from '../../../src/db/entities/index.js';
import { OperationError } from '../../../src/operations/service.js';
import { DAY_MS } from '../../../src/pax8/sandbox/dates.js';
import { mappedCompanies, opsWorld, type OpsWorld } from './setup.js';

const alice = { label: 'alice@example.com' };

/**
 * Issue 22, point 2: licence operations judge a change by the product's commitment record (synced from Pax8's product
 * data), the same rule as licensing self-service (src/subscriptions/commitment-rules.ts), before asking Pax8.
 */
describe('licence operations and the commitment rule (sandbox over HTTP)', function () {
  this.timeout(120_000);
  let w: OpsWorld;
  let nce: Subscription;
  let flexible: Subscription;
  let puts: sinon.SinonSpy;
  before(async () => {
    w = await opsWorld();
    const [{ companyId }] = await mappedCompanies(w);
    const sb = w.h.sandbox.data;
    // 1-Year terms (Annual plans) 200 days before their end: mid-term, outside every window.
    const add = (vendor: string) => {
      const product = sb.products.find((p) => p.vendorName === vendor && p.commitments.length > 0)!;
      const s = sb.addSubscription({ companyId, productId: product.id, quantity: 10, billingTerm: 'Annual' });
      s.commitment!.endMs = sb.clock.nowMs() + 200 * DAY_MS;
      return s.id;
    };
    const ids = [add('Microsoft'), add('Proofpoint')];
    expect((await w.h.run({ entities: 'subscriptions' })).status).to.equal('succeeded');
    [nce, flexible] = await Promise.all(ids.map(async (id) => (await w.scope.repo(Subscription).findOneBy({ pax8Id: id }))!));
    puts = sinon.spy(sb, 'requestQuantity');
  });
  after(async () => {
    sinon.restore();
    await w.close();
  });

  it('a decrease inside a no-decrease commitment: the preview names the rule, the operation is refused, nothing sent to Pax8', async () => {
    const p = await w.ops.previewDecrease(w.h.tenant, { subscriptionId: nce.id, remove: new Decimal(2) });
    expect(p.problems).to.have.length(1);
    expect(p.problems[0]).to.match(new RegExp(`^${nce.name.replace(/[()]/g, '\\$&')} of .*: Pax8 does not allow fewer licences during this subscription's 1-Year commitment, `
      + `which runs until ${nce.commitmentEndDate}\\. Fewer licences are possible from \\d{4}-\\d{2}-\\d{2}, in the renewal window before the term ends\\.$`));
    const err = await w.ops.decrease(w.h.tenant, alice, { subscriptionId: nce.id, remove: new Decimal(2) }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OperationError);
    expect(err).to.include({ code: 'refused' });
    expect(puts.callCount).to.equal(0);
    expect(await w.scope.repo(LicenceOperation).count()).to.equal(0);
    // The same rule lets an increase through.
    const up = await w.ops.purchase(w.h.tenant, alice, { subscriptionId: nce.id, add: new Decimal(1) });
    expect(up.status).to.equal('applied');
    expect(puts.callCount).to.equal(1);
  });

  it('a vendor whose commitment allows decreases: applied (the old 7-day rule refused it)', async () => {
    const p = await w.ops.previewDecrease(w.h.tenant, { subscriptionId: flexible.id, remove: new Decimal(2) });
    expect(p.problems).to.deep.equal([]);
    const done = await w.ops.decrease(w.h.tenant, alice, { subscriptionId: flexible.id, remove: new Decimal(2) });
    expect(done.status).to.equal('applied');
    expect(w.h.sandbox.data.subscriptionById.get(flexible.pax8Id)!.quantity).to.equal(8);
  });

  it('a transfer out of a no-decrease commitment is refused before Pax8 is asked', async () => {
    const before = puts.callCount;
    const p = await w.ops.previewTransfer(w.h.tenant, { fromSubscriptionId: nce.id, toSubscriptionId: flexible.id, quantity: new Decimal(1) });
    expect(p.problems.join('\n')).to.match(/Pax8 does not allow fewer licences during this subscription's 1-Year commitment/);
    expect(puts.callCount).to.equal(before);
  });
});

import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { roundMoney } from '../../../src/billing/index.js';
import {
  EventLogEntry, LicenceOperation, RecurringInvoiceAdjustment, Subscription, SubscriptionChange,
} from '../../../src/db/entities/index.js';
import { runDailyPass } from '../../../src/invoices/daily-pass.js';
import { OperationError } from '../../../src/operations/service.js';
import type { QuantityUpdater } from '../../../src/subscriptions/push-quantity.js';
import { mappedCompanies, opsWorld, pickSubscription, recurringLine, twinSubscriptions, type OpsWorld } from './setup.js';

const alice = { label: 'alice@example.com' };

async function expectError(p: Promise<unknown>, code: string, text: RegExp): Promise<OperationError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(OperationError);
    expect((err as OperationError).code).to.equal(code);
    expect((err as Error).message).to.match(text);
    return err as OperationError;
  }
  return expect.fail('expected an OperationError');
}

/** The adjustment the daily pass created for a line's change on the operation date, rounded as the invoice will. */
async function billedAdjustment(w: OpsWorld, lineId: string): Promise<string> {
  const r = await runDailyPass(w.h.ds, w.h.tenant.id, '2026-11-15');
  expect(r.problems).to.deep.equal([]);
  const rows = await w.scope.repo(RecurringInvoiceAdjustment).findBy({ lineId, changeDate: '2026-11-15' });
  expect(rows).to.have.length(1);
  const a = rows[0]!;
  return roundMoney({ numerator: new Decimal(a.quantity.toString()).mul(a.unitPrice.toString()).mul(a.days), denominator: a.periodDays }, 'USD').toFixed(2);
}

describe('licence operations against the sandbox', function () {
  this.timeout(120_000);
  let w: OpsWorld;
  beforeEach(async () => {
    w = await opsWorld();
  });
  afterEach(async () => w.close());

  it('purchase: the preview (minimum from licences in use, prices, pro-rata) matches what is applied and billed', async () => {
    const sub = await pickSubscription(w, false);
    const q = sub.quantity.toNumber();
    const { line } = await recurringLine(w, sub.customerId!, [{ id: sub.id }]);
    await w.ops.setInUse(w.h.tenant, alice, sub.id, new Decimal(q + 3));

    const low = await w.ops.previewPurchase(w.h.tenant, { subscriptionId: sub.id, add: new Decimal(2) });
    expect(low.minimumToAdd).to.equal('3');
    expect(low.problems.join()).to.match(/purchase at least 3/);
    await expectError(w.ops.purchase(w.h.tenant, alice, { subscriptionId: sub.id, add: new Decimal(2) }), 'refused', /at least 3/);

    const p = await w.ops.previewPurchase(w.h.tenant, { subscriptionId: sub.id, add: new Decimal(5) });
    expect(p.problems).to.deep.equal([]);
    expect(p.date).to.equal('2026-11-15');
    const side = p.sides[0]!;
    expect([side.quantityBefore, side.quantityAfter, side.inUse, side.availableBefore, side.availableAfter])
      .to.deep.equal([String(q), String(q + 5), String(q + 3), '0', '2']);
    expect(p.estimatedAddedPrice).to.equal('110.00');
    expect(p.costAboveMinimum).to.equal('44.00');
    expect(side.estimatedPeriodTotal).to.equal(new Decimal(q + 5).mul(22).toFixed(2));
    const effect = p.invoice.lines[0]!;
    // 5 × 22.00 × 16/30 (15 Nov → 1 Dec) = 58.666… → 58.67
    expect([effect.prorataAmount, effect.prorataDays, effect.periodDays, effect.nextInvoiceDate]).to.deep.equal(['58.67', 16, 30, '2026-12-01']);

    const done = await w.ops.purchase(w.h.tenant, alice, { subscriptionId: sub.id, add: new Decimal(5) });
    expect(done.status).to.equal('applied');
    expect(w.h.sandbox.data.subscriptionById.get(sub.pax8Id)!.quantity).to.equal(q + 5);
    const after = (await w.scope.repo(Subscription).findOneBy({ id: sub.id }))!;
    expect(after.quantity.toNumber()).to.equal(q + 5);
    const change = (await w.scope.repo(SubscriptionChange).findBy({ subscriptionId: sub.id, source: 'operation' }))[0]!;
    expect([change.effectiveDate, change.initiatedBy, change.quantity.toNumber()]).to.deep.equal(['2026-11-15', 'alice@example.com', q + 5]);
    expect(done.operation.changeIds).to.equal(change.id);
    expect(await billedAdjustment(w, line.id)).to.equal(effect.prorataAmount);

    const events = await w.scope.repo(EventLogEntry).findBy({ type: 'purchase' });
    expect(events.map((e) => [e.licenceCount?.toNumber(), e.initiatedBy, e.source])).to.deep.equal([[5, 'alice@example.com', 'Pax8']]);
    expect(events[0]!.target).to.include(sub.name);
  });

  it('decrease: never below licences in use, refused during a commitment with the reason, saving and credit match', async () => {
    const sub = await pickSubscription(w, false);
    const q = sub.quantity.toNumber();
    const { line } = await recurringLine(w, sub.customerId!, [{ id: sub.id }]);
    await w.ops.setInUse(w.h.tenant, alice, sub.id, new Decimal(q - 1));
    await expectError(w.ops.decrease(w.h.tenant, alice, { subscriptionId: sub.id, remove: new Decimal(2) }), 'refused', new RegExp(`cannot go below ${q - 1}`));

    const p = await w.ops.previewDecrease(w.h.tenant, { subscriptionId: sub.id, remove: new Decimal(1) });
    expect(p.problems).to.deep.equal([]);
    expect(p.saving).to.equal('22.00');
    expect(p.sides[0]!.estimatedPeriodTotal).to.equal(new Decimal(q - 1).mul(22).toFixed(2));
    expect(p.invoice.lines[0]!.prorataAmount).to.equal('-11.73'); // 1 × 22 × 16/30 = 11.733…
    const done = await w.ops.decrease(w.h.tenant, alice, { subscriptionId: sub.id, remove: new Decimal(1) });
    expect(done.status).to.equal('applied');
    expect(w.h.sandbox.data.subscriptionById.get(sub.pax8Id)!.quantity).to.equal(q - 1);
    expect(await billedAdjustment(w, line.id)).to.equal('-11.73');

    const committed = await pickSubscription(w, true);
    const c = await w.ops.previewDecrease(w.h.tenant, { subscriptionId: committed.id, remove: new Decimal(1) });
    expect(c.problems.join()).to.match(/Pax8 does not allow fewer licences during this subscription's .* commitment, which runs until \d{4}-\d{2}-\d{2}\./);
    await expectError(w.ops.decrease(w.h.tenant, alice, { subscriptionId: committed.id, remove: new Decimal(1) }), 'refused', /commitment/);
    expect(w.h.sandbox.data.subscriptionById.get(committed.pax8Id)!.quantity).to.equal(committed.quantity.toNumber());
  });

  it('a purchase Pax8 refuses is recorded as failed with its reason and changes nothing', async () => {
    const sub = await pickSubscription(w, false);
    await w.h.admin('POST', `/subscriptions/${sub.pax8Id}/cancel`, {});
    const r = await w.ops.purchase(w.h.tenant, alice, { subscriptionId: sub.id, add: new Decimal(1) });
    expect(r.status).to.equal('failed');
    expect(r.failureReason).to.match(/Pax8 refused/);
    expect((await w.scope.repo(Subscription).findOneBy({ id: sub.id }))!.quantity.toString()).to.equal(sub.quantity.toString());
    expect(await w.scope.repo(EventLogEntry).count({ where: { type: 'purchase_failed' } })).to.equal(1);
  });

  it('a purchase Pax8 answers pending (issue 22) records the requested quantity on the operation, bills nothing new until Pax8 provisions it', async () => {
    w.h.sandbox.data.pending.mode = 'pending';
    w.h.sandbox.data.pending.failureRate = 0;
    const sub = await pickSubscription(w, false);
    const q = sub.quantity.toNumber();
    const r = await w.ops.purchase(w.h.tenant, alice, { subscriptionId: sub.id, add: new Decimal(2) });
    expect(r.operation.targetAfter?.toNumber()).to.equal(q + 2);
    expect(r.operation.changeIds).to.equal('');
    const row = (await w.scope.repo(Subscription).findOneBy({ id: sub.id }))!;
    expect([row.quantity.toNumber(), row.pendingQuantity?.toNumber()]).to.deep.equal([q, q + 2]);
    expect(await w.scope.repo(SubscriptionChange).count({ where: { subscriptionId: sub.id, source: 'operation' } })).to.equal(0);
  });

  describe('transfer', () => {
    it('previews both sides and applies them; the invoice effects match the billed adjustments', async () => {
      const [{ companyId, customer }] = await mappedCompanies(w);
      const [a, b] = await twinSubscriptions(w, [companyId!, companyId!], 10);
      const { line } = await recurringLine(w, customer!.id, [{ id: a!.id }, { id: b!.id, free: 2 }]);
      const p = await w.ops.previewTransfer(w.h.tenant, { fromSubscriptionId: a!.id, toSubscriptionId: b!.id, quantity: new Decimal(3) });
      expect(p.problems).to.deep.equal([]);
      expect(p.crossCustomer).to.equal(false);
      expect(p.sides.map((s) => [s.quantityBefore, s.quantityAfter])).to.deep.equal([['10', '7'], ['10', '13']]);
      // One line, both links: Q = 10 + (10 − 2) = 18 before and 7 + 11 = 18 after: no invoice change.
      expect([p.invoice.lines[0]!.quantityBefore, p.invoice.lines[0]!.quantityAfter, p.invoice.lines[0]!.prorataAmount]).to.deep.equal(['18', '18', '0.00']);
      const r = await w.ops.transfer(w.h.tenant, alice, { fromSubscriptionId: a!.id, toSubscriptionId: b!.id, quantity: new Decimal(3) });
      expect(r.status).to.equal('applied');
      expect([w.h.sandbox.data.subscriptionById.get(a!.pax8Id)!.quantity, w.h.sandbox.data.subscriptionById.get(b!.pax8Id)!.quantity]).to.deep.equal([7, 13]);
      const pass = await runDailyPass(w.h.ds, w.h.tenant.id, '2026-11-15');
      expect(pass.problems).to.deep.equal([]);
      // The twins were provisioned on 15 Nov too (their own 0 → 18 adjustment); the transfer adds nothing to it.
      const adj = await w.scope.repo(RecurringInvoiceAdjustment).findBy({ lineId: line.id, changeDate: '2026-11-15' });
      expect(adj.map((x) => [x.quantityBefore.toNumber(), x.quantityAfter.toNumber()])).to.deep.equal([[0, 18]]);
      const ev = (await w.scope.repo(EventLogEntry).findBy({ type: 'transfer' }))[0]!;
      expect([ev.licenceCount?.toNumber(), ev.source.startsWith(customer!.name), ev.target.startsWith(customer!.name)]).to.deep.equal([3, true, true]);
    });

    it('between customers only when confirmed; never between different products', async () => {
      const cs = await mappedCompanies(w);
      const [a, b] = await twinSubscriptions(w, [cs[0]!.companyId, cs[1]!.companyId], 10);
      await expectError(w.ops.transfer(w.h.tenant, alice, { fromSubscriptionId: a!.id, toSubscriptionId: b!.id, quantity: new Decimal(1) }), 'confirm_required', /different customers/);
      expect(w.h.sandbox.data.subscriptionById.get(a!.pax8Id)!.quantity).to.equal(10);
      const r = await w.ops.transfer(w.h.tenant, alice, { fromSubscriptionId: a!.id, toSubscriptionId: b!.id, quantity: new Decimal(1), confirmCrossCustomer: true });
      expect(r.status).to.equal('applied');
      const other = await pickSubscription(w, false);
      const p = await w.ops.previewTransfer(w.h.tenant, { fromSubscriptionId: a!.id, toSubscriptionId: other.id, quantity: new Decimal(1) });
      expect(p.problems.join()).to.match(/same product, plan, price and currency: different products/);
    });

    it('is all-or-nothing: Pax8 refusing the second side puts the first back', async () => {
      const [{ companyId }] = await mappedCompanies(w);
      const [a, b] = await twinSubscriptions(w, [companyId!, companyId!], 10);
      await w.h.admin('POST', `/subscriptions/${b!.pax8Id}/cancel`, {}); // Pax8 now refuses changes to b; Recurra does not know yet
      const r = await w.ops.transfer(w.h.tenant, alice, { fromSubscriptionId: a!.id, toSubscriptionId: b!.id, quantity: new Decimal(4) });
      expect(r.status).to.equal('reverted');
      expect(r.failureReason).to.match(/target side failed .*restored to 10/);
      expect(w.h.sandbox.data.subscriptionById.get(a!.pax8Id)!.quantity).to.equal(10);
      expect((await w.scope.repo(Subscription).findOneBy({ id: a!.id }))!.quantity.toNumber()).to.equal(10);
      const changes = await w.scope.repo(SubscriptionChange).find({ where: { subscriptionId: a!.id, source: 'operation' }, order: { observedAt: 'ASC' } });
      expect(changes.map((c) => c.quantity.toNumber())).to.deep.equal([6, 10]);
      expect(await w.scope.repo(SubscriptionChange).count({ where: { subscriptionId: b!.id, source: 'operation' } })).to.equal(0);
      const op = (await w.scope.repo(LicenceOperation).findOneBy({ id: r.operation.id }))!;
      expect([op.status, op.sourceBefore?.toNumber(), op.sourceAfter?.toNumber(), op.changeIds.split(',').length]).to.deep.equal(['reverted', 10, 10, 2]);
      expect(await w.scope.repo(EventLogEntry).count({ where: { type: 'transfer_reverted' } })).to.equal(1);
    });

    it('is all-or-nothing under an injected Pax8 failure (HTTP 500) on the second side', async () => {
      const [{ companyId }] = await mappedCompanies(w);
      const [a, b] = await twinSubscriptions(w, [companyId!, companyId!], 10);
      let calls = 0;
      const faulty: QuantityUpdater = {
        // The product may ask for provisioning details (the sandbox's Adobe products): read as the real client does.
        productProvisionDetails: (id) => w.client.productProvisionDetails!(id),
        updateSubscription: async (id, body) => {
          calls++;
          w.h.sandbox.setFaults(calls === 2 ? { rate: 1, kinds: ['500'] } : null);
          try {
            return await w.client.updateSubscription(id, body);
          } finally {
            w.h.sandbox.setFaults(null);
          }
        },
      };
      const r = await w.opsWith(faulty).transfer(w.h.tenant, alice, { fromSubscriptionId: a!.id, toSubscriptionId: b!.id, quantity: new Decimal(2) });
      expect(calls).to.equal(3);
      expect(r.status).to.equal('reverted');
      expect([w.h.sandbox.data.subscriptionById.get(a!.pax8Id)!.quantity, w.h.sandbox.data.subscriptionById.get(b!.pax8Id)!.quantity]).to.deep.equal([10, 10]);
      expect((await w.scope.repo(Subscription).findOneBy({ id: b!.id }))!.quantity.toNumber()).to.equal(10);
    });
  });
});

import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import {
  Invoice, InvoiceLine, RecurringInvoice, RecurringInvoiceLine, RecurringInvoiceLink, Subscription, SubscriptionChange, UpcomingInvoice,
  UsageMonthlyCharge,
} from '../../../src/db/entities/index.js';
import type { TenantScope } from '../../../src/db/tenant-scope.js';
import { runDailyPass } from '../../../src/invoices/daily-pass.js';
import { runInvoices } from '../../../src/invoices/run.js';
import { insertTenant } from '../../support/database.js';
import { describeWithDatabase } from '../../support/fixtures.js';
import { insertChanges, insertLine, insertRecurringInvoice, insertSubscription, scopeOf, setTenantSettings } from './fixtures.js';
import { expectSame, loadScenarioIntoDb, simulated, storedAsScenario, type LoadedScenario, type ScenarioJson } from './scenario-db.js';

/** Own and followed prices, free and minimum quantities, two subscriptions on a line, arrears, usage, mid-month changes. */
const scenario: ScenarioJson = {
  currency: 'USD', frequency: 'monthly', anchorDay: 1, startDate: '2026-01-01', through: '2026-04-01', taxRate: '0.10',
  lines: [
    { id: 'seats', description: 'Microsoft 365 Business Premium', timing: 'advance', unitPrice: '22.00', prorata: 'from_change_date',
      links: [{ subscription: 's1', free: 1, minimum: 3 }, { subscription: 's2' }] },
    { id: 'exchange', description: 'Exchange Online', timing: 'advance', followPrice: true, prorata: 'increases_only', links: [{ subscription: 's3' }] },
    { id: 'devices', description: 'Device management', timing: 'arrears', unitPrice: '1.99', links: [{ subscription: 's4' }] },
    { id: 'azure', description: 'Azure plan', timing: 'usage', usageSummary: 'u1' },
  ],
  subscriptions: [
    { id: 's1', changes: [{ date: '2026-01-01', quantity: 6 }, { date: '2026-02-10', quantity: 9 }, { date: '2026-03-18', quantity: 4 }] },
    { id: 's2', changes: [{ date: '2026-01-01', quantity: 2 }, { date: '2026-02-20', quantity: 5 }] },
    { id: 's3', changes: [{ date: '2026-01-01', quantity: 4, price: '4.00' }, { date: '2026-02-11', price: '4.40' }, { date: '2026-03-05', quantity: 6 }] },
    { id: 's4', changes: [{ date: '2026-01-01', quantity: 40 }, { date: '2026-02-14', quantity: 41 }] },
  ],
  usage: [{ usageSummary: 'u1', month: '2026-01', charges: '118.40' }, { usageSummary: 'u1', month: '2026-02', charges: '131.07' },
    { usageSummary: 'u1', month: '2026-03', charges: '12.005' }],
};

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Every stored figure, word and provenance of a tenant's invoices, with row ids masked (they differ between tenants). */
async function invoicesOf(scope: TenantScope, loaded: LoadedScenario): Promise<unknown[]> {
  const invoices = await scope.repo(Invoice).find({ order: { periodStart: 'ASC' } });
  const out: unknown[] = [];
  for (const inv of invoices) {
    const lines = await scope.repo(InvoiceLine).find({ where: { invoiceId: inv.id }, order: { position: 'ASC' } });
    out.push({
      invoiceDate: inv.invoiceDate, periodStart: inv.periodStart, periodEnd: inv.periodEnd, currency: inv.currency, taxRate: inv.taxRate.toString(),
      status: inv.status, number: inv.number, subtotal: inv.subtotal.toString(), tax: inv.tax.toString(), total: inv.total.toString(), review: inv.reviewJson.replace(UUID, 'ID'),
      lines: lines.map((l) => ({
        position: l.position, line: loaded.lineNames.get(l.recurringInvoiceLineId ?? '') ?? null, adjustment: l.adjustmentId !== null, kind: l.kind,
        description: l.description.replace(UUID, 'ID'), from: l.fromDate, to: l.toDate, quantity: l.quantity.toString(), unitPrice: l.unitPrice.toString(),
        amount: l.amount.toString(), tax: l.tax.toString(), review: l.reviewJson.replace(UUID, 'ID'), provenance: l.provenanceJson.replace(UUID, 'ID'),
      })),
    });
  }
  return out;
}

/** The lines of the tenant's upcoming invoices (stored in invoice_lines under each upcoming invoice's id). */
async function dropUpcomingLines(scope: TenantScope): Promise<void> {
  for (const u of await scope.repo(UpcomingInvoice).find()) await scope.repo(InvoiceLine).delete({ invoiceId: u.id });
}

/** Forgets the tenant's upcoming invoices, so that its next run composes every invoice afresh. */
async function dropUpcoming(scope: TenantScope): Promise<void> {
  await dropUpcomingLines(scope);
  await scope.repo(UpcomingInvoice).delete({});
}

function lineId(loaded: LoadedScenario, name: string): string {
  return [...loaded.lineNames].find(([, n]) => n === name)![0];
}

async function firstSubscriptionOf(scope: TenantScope, loaded: LoadedScenario, line: string): Promise<string> {
  return (await scope.repo(RecurringInvoiceLink).findOneBy({ lineId: lineId(loaded, line), position: 0 }))!.subscriptionId;
}

/** Changes made after the daily pass composed the upcoming invoice and before the run issues it. */
const changes: Record<string, (ds: DataSource, scope: TenantScope, loaded: LoadedScenario) => Promise<void>> = {
  'a quantity change recorded for the invoice date': async (_ds, scope, loaded) =>
    insertChanges(scope, await firstSubscriptionOf(scope, loaded, 'seats'), [{ date: '2026-03-01', quantity: 12 }]),
  'a followed price change recorded late for the period start': async (_ds, scope, loaded) =>
    insertChanges(scope, await firstSubscriptionOf(scope, loaded, 'exchange'), [{ date: '2026-02-27', quantity: 4, price: '4.75' }]),
  'an own unit price typed in': async (_ds, scope, loaded) => {
    await scope.repo(RecurringInvoiceLine).update({ id: lineId(loaded, 'seats') }, { unitPrice: '23.50' as never });
  },
  'a free quantity changed on a link': async (_ds, scope, loaded) => {
    await scope.repo(RecurringInvoiceLink).update({ lineId: lineId(loaded, 'seats'), position: 0 }, { freeQuantity: '2' as never });
  },
  'a subscription in another currency': async (_ds, scope, loaded) => {
    await scope.repo(Subscription).update({ id: await firstSubscriptionOf(scope, loaded, 'exchange') }, { currency: 'EUR' });
  },
  'a new tax rate': async (_ds, scope, loaded) => {
    await scope.repo(RecurringInvoice).update({ id: loaded.recurringInvoiceId }, { taxRate: '0.25' as never });
  },
  'usage lines now held for review': async (ds, scope) => setTenantSettings(ds, scope.tenantId, { imports: { reviewUsageLines: true } }),
  'a month\'s usage charges updated': async (_ds, scope) => {
    await scope.repo(UsageMonthlyCharge).update({ month: '2026-02' }, { charges: '140.10' as never });
  },
  'a line flagged for review': async (_ds, scope, loaded) => {
    await scope.repo(RecurringInvoiceLine).update({ id: lineId(loaded, 'exchange') }, { reviewRequired: true });
  },
  'a line renamed': async (_ds, scope, loaded) => {
    await scope.repo(RecurringInvoiceLine).update({ id: lineId(loaded, 'devices') }, { description: 'Intune device management' });
  },
  'a line removed': async (_ds, scope, loaded) => {
    await scope.repo(RecurringInvoiceLink).delete({ lineId: lineId(loaded, 'devices') });
    await scope.repo(RecurringInvoiceLine).delete({ id: lineId(loaded, 'devices') });
  },
  'a link removed from a line with two': async (_ds, scope, loaded) => {
    await scope.repo(RecurringInvoiceLink).delete({ lineId: lineId(loaded, 'seats'), position: 1 });
  },
  'a recorded change corrected': async (_ds, scope, loaded) => {
    await scope.repo(SubscriptionChange).update({ subscriptionId: await firstSubscriptionOf(scope, loaded, 'devices'), effectiveDate: '2026-02-14' }, { quantity: '45' as never });
  },
  'a recorded change removed': async (_ds, scope, loaded) => {
    await scope.repo(SubscriptionChange).delete({ subscriptionId: await firstSubscriptionOf(scope, loaded, 'devices'), effectiveDate: '2026-02-14' });
  },
  'a line added': async (_ds, scope, loaded) => {
    const ri = (await scope.repo(RecurringInvoice).findOneBy({ id: loaded.recurringInvoiceId }))!;
    const line = await insertLine(scope, ri, 4, { description: 'Extra seats', unitPrice: '5.00', links: [{ subscriptionId: await firstSubscriptionOf(scope, loaded, 'exchange') }] });
    loaded.lineNames.set(line.id, 'extra');
  },
};

describeWithDatabase('invoices: upcoming invoices composed by the daily pass', {}, (db) => {
  /** Two tenants with the same scenario, invoiced for January and February and passed through 28 February. */
  async function twins(): Promise<{ a: TenantScope; b: TenantScope; la: LoadedScenario; lb: LoadedScenario }> {
    const out = [];
    for (const name of ['a', 'b']) {
      const tenantId = (await insertTenant(db.ds, name)).id;
      await setTenantSettings(db.ds, tenantId, { imports: { reviewUsageLines: false } });
      const scope = scopeOf(db.ds, tenantId);
      const loaded = await loadScenarioIntoDb(scope, scenario);
      for (const day of ['2026-01-01', '2026-02-01']) expect((await runInvoices(db.ds, tenantId, day)).failed).to.deep.equal([]);
      const pass = await runDailyPass(db.ds, tenantId, '2026-02-28');
      expect(pass.upcomingPrepared + pass.upcomingUnchanged).to.equal(1);
      out.push({ scope, loaded });
    }
    return { a: out[0]!.scope, b: out[1]!.scope, la: out[0]!.loaded, lb: out[1]!.loaded };
  }

  it('the run issues an unchanged upcoming invoice, and bills exactly what composing it afresh bills', async () => {
    const { a, b, la, lb } = await twins();
    const upcoming = (await a.repo(UpcomingInvoice).findOneBy({ recurringInvoiceId: la.recurringInvoiceId }))!;
    expect(upcoming).to.include({ periodStart: '2026-03-01', lineCount: 4 });
    expect(await a.repo(InvoiceLine).count({ where: { invoiceId: upcoming.id } })).to.equal(4);
    await dropUpcoming(b);
    const runA = await runInvoices(db.ds, a.tenantId, '2026-03-01');
    const runB = await runInvoices(db.ds, b.tenantId, '2026-03-01');
    expect([runA.created.length, runA.fromUpcoming, runB.created.length, runB.fromUpcoming]).to.deep.equal([1, 1, 1, 0]);
    expect(runA.created[0]!.id).to.equal(upcoming.id);
    const issued = await invoicesOf(a, la);
    expect(issued).to.deep.equal(await invoicesOf(b, lb));
    // The March invoice carries February's adjustments after the copied lines.
    const march = issued[2] as { lines: { kind: string; position: number }[] };
    expect(march.lines.map((l) => l.kind)).to.deep.equal(['recurring', 'recurring', 'arrears', 'usage', 'prorata', 'prorata']);
  });

  for (const [what, change] of Object.entries(changes)) {
    it(`after ${what}, the run composes the invoice afresh instead of issuing the upcoming one`, async () => {
      const { a, b, la, lb } = await twins();
      await change(db.ds, a, la);
      await change(db.ds, b, lb);
      await dropUpcoming(b);
      const runA = await runInvoices(db.ds, a.tenantId, '2026-03-01');
      const runB = await runInvoices(db.ds, b.tenantId, '2026-03-01');
      expect(runA.failed).to.deep.equal([]);
      expect([runA.created.length, runA.fromUpcoming, runB.fromUpcoming]).to.deep.equal([1, 0, 0]);
      expect(await invoicesOf(a, la)).to.deep.equal(await invoicesOf(b, lb));
    });
  }

  it('an upcoming invoice whose lines vanish while it is issued is composed afresh', async () => {
    const { a, b, la, lb } = await twins();
    // Its stored version still matches, but its lines are gone, as when a daily pass removes it while a run issues it.
    await dropUpcomingLines(a);
    await dropUpcoming(b);
    const runA = await runInvoices(db.ds, a.tenantId, '2026-03-01');
    expect([runA.created.length, runA.fromUpcoming, runA.alreadyInvoiced]).to.deep.equal([1, 0, 0]);
    await runInvoices(db.ds, b.tenantId, '2026-03-01');
    expect(await invoicesOf(a, la)).to.deep.equal(await invoicesOf(b, lb));
  });

  it('the daily pass keeps an upcoming invoice whose inputs are unchanged, replaces a changed one and drops a paused one', async () => {
    const tenantId = (await insertTenant(db.ds, 'acme')).id;
    const scope = scopeOf(db.ds, tenantId);
    const loaded = await loadScenarioIntoDb(scope, scenario);
    await runInvoices(db.ds, tenantId, '2026-01-01');
    // Prepared on the eve of its date (31 January for 1 February), not before.
    expect(await runDailyPass(db.ds, tenantId, '2026-01-30')).to.include({ upcomingPrepared: 0, upcomingUnchanged: 0 });
    expect(await scope.repo(UpcomingInvoice).count({ where: { periodStart: '2026-02-01' } })).to.equal(0);
    expect(await runDailyPass(db.ds, tenantId, '2026-01-31')).to.include({ upcomingPrepared: 1, upcomingUnchanged: 0 });
    const stored = (await scope.repo(UpcomingInvoice).findOneBy({}))!;
    expect(stored.periodStart).to.equal('2026-02-01');
    expect(await runDailyPass(db.ds, tenantId, '2026-02-01')).to.include({ upcomingPrepared: 0, upcomingUnchanged: 1 });
    await changes['an own unit price typed in']!(db.ds, scope, loaded);
    expect(await runDailyPass(db.ds, tenantId, '2026-02-02')).to.include({ upcomingPrepared: 1, upcomingUnchanged: 0 });
    const replaced = await scope.repo(UpcomingInvoice).find();
    expect(replaced.map((u) => u.id)).to.have.length(1).and.not.include(stored.id);
    expect(await scope.repo(InvoiceLine).count({ where: { invoiceId: stored.id } })).to.equal(0);
    await scope.repo(RecurringInvoice).update({ id: loaded.recurringInvoiceId }, { status: 'paused' });
    await runDailyPass(db.ds, tenantId, '2026-02-03');
    expect([await scope.repo(UpcomingInvoice).count(), await scope.repo(InvoiceLine).count({ where: { invoiceId: replaced[0]!.id } })]).to.deep.equal([0, 0]);
  });

  it('monthly runs after daily passes issue upcoming invoices and give the same invoices as simulate', async () => {
    const tenantId = (await insertTenant(db.ds, 'acme')).id;
    await setTenantSettings(db.ds, tenantId, { imports: { reviewUsageLines: false } });
    const scope = scopeOf(db.ds, tenantId);
    const loaded = await loadScenarioIntoDb(scope, scenario);
    let fromUpcoming = 0;
    for (const day of ['2026-01-01', '2026-02-01', '2026-03-01', '2026-04-01']) {
      const run = await runInvoices(db.ds, tenantId, day);
      expect(run.failed).to.deep.equal([]);
      fromUpcoming += run.fromUpcoming;
      await runDailyPass(db.ds, tenantId, `${day.slice(0, 8)}20`);
    }
    expect(fromUpcoming).to.equal(4); // each run's own catch-up pass (or the pass after it) composed the next invoice
    expectSame(await storedAsScenario(scope, loaded), simulated(scenario));
  });

  it('inputsVersion grows with every change to an input of the composition, with nothing else, and only for its own recurring invoice', async () => {
    const s1 = scopeOf(db.ds, (await insertTenant(db.ds, 'one')).id);
    const s2 = scopeOf(db.ds, (await insertTenant(db.ds, 'two')).id);
    const l1 = await loadScenarioIntoDb(s1, scenario);
    const l2 = await loadScenarioIntoDb(s2, scenario);
    const other = await insertRecurringInvoice(s1, { customerId: l1.customerId, startDate: '2026-01-01' });
    const versionOf = async (scope: TenantScope, id: string) => (await scope.repo(RecurringInvoice).findOneBy({ id }))!.inputsVersion;
    const before = { twin: await versionOf(s2, l2.recurringInvoiceId), other: await versionOf(s1, other.id) };
    let version = await versionOf(s1, l1.recurringInvoiceId);
    const grows = async (what: string, change: () => Promise<unknown>, expected = true) => {
      await change();
      const now = await versionOf(s1, l1.recurringInvoiceId);
      expect(now > version, what).to.equal(expected);
      expect(now, what).to.be.at.least(version);
      version = now;
    };
    const keeps = (what: string, change: () => Promise<unknown>) => grows(what, change, false);
    const ri = l1.recurringInvoiceId;
    const seats = lineId(l1, 'seats');
    const sub = await firstSubscriptionOf(s1, l1, 'seats');
    const summary = (await s1.repo(RecurringInvoiceLine).findOneBy({ id: lineId(l1, 'azure') }))!.usageSummaryId!;
    const stranger = await insertSubscription(s1, { customerId: l1.customerId });
    const now = new Date();

    await keeps('a new name', () => s1.repo(RecurringInvoice).update({ id: ri }, { name: 'Renamed', updatedAt: now }));
    await keeps('the next invoice date and status', () => s1.repo(RecurringInvoice).update({ id: ri }, { nextInvoiceDate: '2026-02-01', status: 'paused' }));
    await keeps('a line\'s kept quantity', () => s1.repo(RecurringInvoiceLine).update({ id: seats }, { currentQuantity: '99' as never, quantityDate: '2026-01-05' }));
    await keeps('a subscription\'s own quantity and name', () => s1.repo(Subscription).update({ id: sub }, { quantity: '7' as never, name: 'Renamed' }));
    await keeps('the history of a subscription no line links', () => insertChanges(s1, stranger.id, [{ date: '2026-01-05', quantity: 3 }]));
    await keeps('a partner total', () => s1.repo(UsageMonthlyCharge).update({ usageSummaryId: summary, month: '2026-01' }, { partnerTotal: '1' as never }));
    await keeps('a recurring invoice saved unchanged', async () => s1.repo(RecurringInvoice).save((await s1.repo(RecurringInvoice).findOneBy({ id: ri }))!));

    await grows('the tax rate', () => s1.repo(RecurringInvoice).update({ id: ri }, { taxRate: '0.2' as never }));
    await grows('the anchor day', () => s1.repo(RecurringInvoice).update({ id: ri }, { anchorDay: 2 }));
    await grows('the currency', () => s1.repo(RecurringInvoice).update({ id: ri }, { currency: 'EUR' }));
    await grows('a line added', async () => insertLine(s1, (await s1.repo(RecurringInvoice).findOneBy({ id: ri }))!, 9, { description: 'Backup' }));
    await grows('a line\'s cost', () => s1.repo(RecurringInvoiceLine).update({ id: seats }, { cost: '3' as never }));
    await grows('a line\'s usage summary', () => s1.repo(RecurringInvoiceLine).update({ id: lineId(l1, 'azure') }, { usageSummaryId: null }));
    await grows('a line\'s usage summary back', () => s1.repo(RecurringInvoiceLine).update({ id: lineId(l1, 'azure') }, { usageSummaryId: summary }));
    await grows('a link added', () => s1.repo(RecurringInvoiceLink).insert([{
      id: randomUUID(), recurringInvoiceId: ri, lineId: seats, subscriptionId: stranger.id, position: 2, freeQuantity: '0' as never,
      minimumQuantity: '0' as never, createdAt: now, updatedAt: now,
    }]));
    await grows('a minimum quantity', () => s1.repo(RecurringInvoiceLink).update({ lineId: seats, position: 0 }, { minimumQuantity: '4' as never }));
    await grows('a link removed', () => s1.repo(RecurringInvoiceLink).delete({ lineId: seats, position: 2 }));
    await grows('a linked subscription\'s currency', () => s1.repo(Subscription).update({ id: sub }, { currency: 'GBP' }));
    await grows('a change recorded', () => insertChanges(s1, sub, [{ date: '2026-01-20', quantity: 8 }]));
    await grows('a recorded change corrected', () => s1.repo(SubscriptionChange).update({ subscriptionId: sub, effectiveDate: '2026-01-20' }, { quantity: '9' as never }));
    await grows('a recorded change removed', () => s1.repo(SubscriptionChange).delete({ subscriptionId: sub, effectiveDate: '2026-01-20' }));
    await grows('a month of usage added', () => s1.repo(UsageMonthlyCharge).insert([{
      id: randomUUID(), usageSummaryId: summary, month: '2026-04', charges: '5' as never, partnerTotal: '5' as never, createdAt: now, updatedAt: now,
    }]));
    await grows('a month of usage corrected', () => s1.repo(UsageMonthlyCharge).update({ usageSummaryId: summary, month: '2026-04' }, { charges: '6' as never }));
    await grows('a month of usage removed', () => s1.repo(UsageMonthlyCharge).delete({ usageSummaryId: summary, month: '2026-04' }));
    const moved = lineId(l1, 'devices');
    await grows('a line moved to another recurring invoice', () => s1.repo(RecurringInvoiceLine).update({ id: moved }, { recurringInvoiceId: other.id }));
    expect(await versionOf(s1, other.id)).to.be.above(before.other);
    await grows('a line removed', () => s1.repo(RecurringInvoiceLine).delete({ id: seats }));
    await grows('a linked subscription removed', async () => s1.repo(Subscription).delete({ id: await firstSubscriptionOf(s1, l1, 'exchange') }));

    expect(await versionOf(s2, l2.recurringInvoiceId)).to.equal(before.twin);
  });
});

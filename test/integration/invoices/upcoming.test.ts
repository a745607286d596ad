import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import {
  Invoice, InvoiceLine, RecurringInvoice, RecurringInvoiceLine, RecurringInvoiceLink, Subscription, UpcomingInvoice, UsageMonthlyCharge,
} from '../../../src/db/entities/index.js';
import type { TenantScope } from '../../../src/db/tenant-scope.js';
import { runDailyPass } from '../../../src/invoices/daily-pass.js';
import { runInvoices } from '../../../src/invoices/run.js';
import { inputFingerprints } from '../../../src/invoices/inputs-fingerprint.js';
import { freshDatabase, insertTenant } from '../../support/database.js';
import { insertChanges, scopeOf, setTenantSettings } from './fixtures.js';
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
};

describe('invoices: upcoming invoices composed by the daily pass', function () {
  this.timeout(120_000);
  let ds: DataSource;
  beforeEach(async () => {
    ds = await freshDatabase();
  });
  afterEach(async () => {
    await ds.destroy();
  });

  /** Two tenants with the same scenario, invoiced for January and February and passed through 28 February. */
  async function twins(): Promise<{ a: TenantScope; b: TenantScope; la: LoadedScenario; lb: LoadedScenario }> {
    const out = [];
    for (const name of ['a', 'b']) {
      const tenantId = (await insertTenant(ds, name)).id;
      await setTenantSettings(ds, tenantId, { imports: { reviewUsageLines: false } });
      const scope = scopeOf(ds, tenantId);
      const loaded = await loadScenarioIntoDb(scope, scenario);
      for (const day of ['2026-01-01', '2026-02-01']) expect((await runInvoices(ds, tenantId, day)).failed).to.deep.equal([]);
      const pass = await runDailyPass(ds, tenantId, '2026-02-28');
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
    const runA = await runInvoices(ds, a.tenantId, '2026-03-01');
    const runB = await runInvoices(ds, b.tenantId, '2026-03-01');
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
      await change(ds, a, la);
      await change(ds, b, lb);
      await dropUpcoming(b);
      const runA = await runInvoices(ds, a.tenantId, '2026-03-01');
      const runB = await runInvoices(ds, b.tenantId, '2026-03-01');
      expect(runA.failed).to.deep.equal([]);
      expect([runA.created.length, runA.fromUpcoming, runB.fromUpcoming]).to.deep.equal([1, 0, 0]);
      expect(await invoicesOf(a, la)).to.deep.equal(await invoicesOf(b, lb));
    });
  }

  it('an upcoming invoice whose lines vanish while it is issued is composed afresh', async () => {
    const { a, b, la, lb } = await twins();
    // Its stored hash still matches, but its lines are gone, as when a daily pass removes it while a run issues it.
    await dropUpcomingLines(a);
    await dropUpcoming(b);
    const runA = await runInvoices(ds, a.tenantId, '2026-03-01');
    expect([runA.created.length, runA.fromUpcoming, runA.alreadyInvoiced]).to.deep.equal([1, 0, 0]);
    await runInvoices(ds, b.tenantId, '2026-03-01');
    expect(await invoicesOf(a, la)).to.deep.equal(await invoicesOf(b, lb));
  });

  it('the daily pass keeps an upcoming invoice whose inputs are unchanged, replaces a changed one and drops a paused one', async () => {
    const tenantId = (await insertTenant(ds, 'acme')).id;
    const scope = scopeOf(ds, tenantId);
    const loaded = await loadScenarioIntoDb(scope, scenario);
    await runInvoices(ds, tenantId, '2026-01-01');
    // Prepared on the eve of its date (31 January for 1 February), not before.
    expect(await runDailyPass(ds, tenantId, '2026-01-30')).to.include({ upcomingPrepared: 0, upcomingUnchanged: 0 });
    expect(await scope.repo(UpcomingInvoice).count({ where: { periodStart: '2026-02-01' } })).to.equal(0);
    expect(await runDailyPass(ds, tenantId, '2026-01-31')).to.include({ upcomingPrepared: 1, upcomingUnchanged: 0 });
    const stored = (await scope.repo(UpcomingInvoice).findOneBy({}))!;
    expect(stored.periodStart).to.equal('2026-02-01');
    expect(await runDailyPass(ds, tenantId, '2026-02-01')).to.include({ upcomingPrepared: 0, upcomingUnchanged: 1 });
    await changes['an own unit price typed in']!(ds, scope, loaded);
    expect(await runDailyPass(ds, tenantId, '2026-02-02')).to.include({ upcomingPrepared: 1, upcomingUnchanged: 0 });
    const replaced = await scope.repo(UpcomingInvoice).find();
    expect(replaced.map((u) => u.id)).to.have.length(1).and.not.include(stored.id);
    expect(await scope.repo(InvoiceLine).count({ where: { invoiceId: stored.id } })).to.equal(0);
    await scope.repo(RecurringInvoice).update({ id: loaded.recurringInvoiceId }, { status: 'paused' });
    await runDailyPass(ds, tenantId, '2026-02-03');
    expect([await scope.repo(UpcomingInvoice).count(), await scope.repo(InvoiceLine).count({ where: { invoiceId: replaced[0]!.id } })]).to.deep.equal([0, 0]);
  });

  it('monthly runs after daily passes issue upcoming invoices and give the same invoices as simulate', async () => {
    const tenantId = (await insertTenant(ds, 'acme')).id;
    await setTenantSettings(ds, tenantId, { imports: { reviewUsageLines: false } });
    const scope = scopeOf(ds, tenantId);
    const loaded = await loadScenarioIntoDb(scope, scenario);
    let fromUpcoming = 0;
    for (const day of ['2026-01-01', '2026-02-01', '2026-03-01', '2026-04-01']) {
      const run = await runInvoices(ds, tenantId, day);
      expect(run.failed).to.deep.equal([]);
      fromUpcoming += run.fromUpcoming;
      await runDailyPass(ds, tenantId, `${day.slice(0, 8)}20`);
    }
    expect(fromUpcoming).to.equal(4); // each run's own catch-up pass (or the pass after it) composed the next invoice
    expectSame(await storedAsScenario(scope, loaded), simulated(scenario));
  });

  it('fingerprints differ between tenants and change only with the inputs', async () => {
    const t1 = (await insertTenant(ds, 'one')).id;
    const t2 = (await insertTenant(ds, 'two')).id;
    const s1 = scopeOf(ds, t1);
    const l1 = await loadScenarioIntoDb(s1, scenario);
    const l2 = await loadScenarioIntoDb(scopeOf(ds, t2), scenario);
    const before = await inputFingerprints(s1, [l1.recurringInvoiceId, l2.recurringInvoiceId]);
    expect([...before.keys()]).to.deep.equal([l1.recurringInvoiceId]); // the other tenant's recurring invoice is not read
    expect((await inputFingerprints(s1, [l1.recurringInvoiceId])).get(l1.recurringInvoiceId)).to.equal(before.get(l1.recurringInvoiceId));
    await s1.repo(RecurringInvoiceLine).update({ id: lineId(l1, 'seats') }, { currentQuantity: '99' as never, quantityDate: '2026-01-05' });
    expect((await inputFingerprints(s1, [l1.recurringInvoiceId])).get(l1.recurringInvoiceId)).to.equal(before.get(l1.recurringInvoiceId));
    await insertChanges(s1, await firstSubscriptionOf(s1, l1, 'devices'), [{ date: '2026-05-01', quantity: 1 }]);
    expect((await inputFingerprints(s1, [l1.recurringInvoiceId])).get(l1.recurringInvoiceId)).to.not.equal(before.get(l1.recurringInvoiceId));
  });
});

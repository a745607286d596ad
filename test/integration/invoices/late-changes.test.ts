import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { randomUUID } from 'node:crypto';
import { In } from 'typeorm';
import { dec } from '../../../src/billing/decimal.js';
import { formatMoney } from '../../../src/billing/money.js';
import { Invoice, InvoiceLine, RecurringInvoiceAdjustment, RecurringInvoiceLink } from '../../../src/db/entities/index.js';
import type { TenantScope } from '../../../src/db/tenant-scope.js';
import { runDailyPass } from '../../../src/invoices/daily-pass.js';
import { planLateCorrections } from '../../../src/invoices/late-corrections.js';
import { loadRecurringInvoices } from '../../../src/invoices/loader.js';
import { explainInvoice } from '../../../src/invoices/explain.js';
import { renderInvoiceHtml } from '../../../src/invoices/render.js';
import { runInvoices } from '../../../src/invoices/run.js';
import { describeWithDatabase } from '../../support/fixtures.js';
import { insertChanges, insertSubscription, setTenantSettings, type ChangeSpec } from './fixtures.js';
import { expectSame, loadScenarioIntoDb, simulated, storedAsScenario, TEN_TO_FIFTEEN, type LoadedScenario, type ScenarioJson } from './scenario-db.js';

const base = TEN_TO_FIFTEEN;

describeWithDatabase('invoices: changes recorded late', { tenant: 'acme' }, (db) => {
  beforeEach(async () => {
    await setTenantSettings(db.ds, db.tenantId, { imports: { reviewUsageLines: false } });
  });

  it('corrects and adds pending adjustments when backdated history arrives before the period is invoiced', async () => {
    const scope = db.scope;
    const loaded = await loadScenarioIntoDb(scope, base);
    await runDailyPass(db.ds, db.tenantId, '2026-01-20');
    let pending = await scope.repo(RecurringInvoiceAdjustment).find({ order: { changeDate: 'ASC' } });
    expect(pending.map((a) => [a.changeDate, a.quantity.toString()])).to.deep.equal([['2026-01-11', '5']]);

    // Recorded on 22 Jan: the 11 Jan change was really to 12, and on 15 Jan it went back to 10.
    const [link] = await scope.repo(RecurringInvoiceLink).find();
    await insertChanges(scope, link!.subscriptionId, [
      { date: '2026-01-11', quantity: 12, observedAt: new Date('2026-01-22T09:00:00Z') },
      { date: '2026-01-15', quantity: 10, observedAt: new Date('2026-01-22T09:00:01Z') },
    ]);
    const pass = await runDailyPass(db.ds, db.tenantId, '2026-01-25');
    expect(pass).to.include({ adjustmentsUpdated: 1, adjustmentsCreated: 1 });
    pending = await scope.repo(RecurringInvoiceAdjustment).find({ order: { changeDate: 'ASC' } });
    expect(pending.map((a) => [a.changeDate, a.quantity.toString()])).to.deep.equal([['2026-01-11', '2'], ['2026-01-15', '-2']]);

    await runInvoices(db.ds, db.tenantId, '2026-02-01');
    const corrected: ScenarioJson = {
      ...base,
      subscriptions: [{ id: 's1', changes: [{ date: '2026-01-01', quantity: 10 }, { date: '2026-01-11', quantity: 12 }, { date: '2026-01-15', quantity: 10 }] }],
    };
    expectSame(await storedAsScenario(scope, loaded), simulated(corrected));
  });

  it('withdraws a pending adjustment the corrected history no longer supports', async () => {
    const scope = db.scope;
    const loaded = await loadScenarioIntoDb(scope, base);
    await runDailyPass(db.ds, db.tenantId, '2026-01-20');
    const [link] = await scope.repo(RecurringInvoiceLink).find();
    await insertChanges(scope, link!.subscriptionId, [{ date: '2026-01-11', quantity: 10, observedAt: new Date('2026-01-22T09:00:00Z') }]);
    expect(await runDailyPass(db.ds, db.tenantId, '2026-01-31')).to.include({ adjustmentsRemoved: 1 });
    expect(await scope.repo(RecurringInvoiceAdjustment).count()).to.equal(0);
    await runInvoices(db.ds, db.tenantId, '2026-02-01');
    const flat: ScenarioJson = { ...base, subscriptions: [{ id: 's1', changes: [{ date: '2026-01-01', quantity: 10 }] }] };
    expectSame(await storedAsScenario(scope, loaded), simulated(flat));
  });

  // ── Late corrections: changes recorded after the invoice that billed their period was created ──

  /** Invoices are created "on their date" (06:00 UTC), so changes recorded later in 2026 are late for them. */
  async function backdateInvoices(scope: TenantScope): Promise<void> {
    for (const inv of await scope.repo(Invoice).find()) {
      const at = new Date(`${inv.invoiceDate}T06:00:00Z`);
      await scope.repo(Invoice).update({ id: inv.id }, { createdAt: at, updatedAt: at });
    }
  }

  async function invoicesThrough(scope: TenantScope, date: string): Promise<void> {
    await runInvoices(db.ds, db.tenantId, date);
    await backdateInvoices(scope);
  }

  async function recordLate(scope: TenantScope, changes: ChangeSpec[]): Promise<void> {
    const [link] = await scope.repo(RecurringInvoiceLink).find();
    await insertChanges(scope, link!.subscriptionId, changes);
  }

  /** Σ of the subtotals: every invoice's billed amount (tax is per line, so a correction's tax may round differently). */
  function billedSum(invoices: { subtotal: string }[]): string {
    return formatMoney(invoices.reduce((acc, i) => acc.add(dec(i.subtotal)), dec(0)), 'USD');
  }

  async function expectBilledAsSimulated(scope: TenantScope, loaded: LoadedScenario, corrected: ScenarioJson): Promise<void> {
    const stored = await storedAsScenario(scope, loaded);
    const sim = simulated({ ...corrected, through: stored.at(-1)!.date });
    expect(stored.map((i) => i.date)).to.deep.equal(sim.map((i) => i.date));
    expect(billedSum(stored)).to.equal(billedSum(sim));
  }

  async function correctionLines(scope: TenantScope): Promise<InvoiceLine[]> {
    const lines = await scope.repo(InvoiceLine).find({ order: { fromDate: 'ASC', description: 'ASC' } });
    return lines.filter((l) => l.description.startsWith('Correction to '));
  }

  /** Lines of invoices (an upcoming invoice's lines, stored under its future invoice id, are not billed yet). */
  async function invoiceLineCount(scope: TenantScope): Promise<number> {
    const ids = (await scope.repo(Invoice).find()).map((i) => i.id);
    return scope.repo(InvoiceLine).count({ where: { invoiceId: In(ids) } });
  }

  /** Reruns of the day and of the invoice run bill nothing more. */
  async function expectNothingMore(scope: TenantScope, date: string): Promise<void> {
    const before = { invoices: await scope.repo(Invoice).count(), lines: await invoiceLineCount(scope), rows: await scope.repo(RecurringInvoiceAdjustment).count() };
    const pass = await runDailyPass(db.ds, db.tenantId, date);
    expect(pass).to.include({ correctionsCreated: 0, correctionsUpdated: 0, correctionsRemoved: 0 });
    const run = await runInvoices(db.ds, db.tenantId, date);
    expect(run.created).to.deep.equal([]);
    expect(run.dailyPass).to.include({ correctionsCreated: 0, correctionsUpdated: 0, correctionsRemoved: 0 });
    const later = await runDailyPass(db.ds, db.tenantId, '2026-06-30'); // a later run's first day checks again
    expect(later).to.include({ correctionsCreated: 0, correctionsUpdated: 0, correctionsRemoved: 0 });
    expect(later.problems).to.deep.equal([]);
    expect({ invoices: await scope.repo(Invoice).count(), lines: await invoiceLineCount(scope), rows: await scope.repo(RecurringInvoiceAdjustment).count() })
      .to.deep.equal(before);
    // Every correction is billed, once.
    const corrections = await scope.repo(RecurringInvoiceAdjustment).findBy({ rule: 'correction' });
    expect(corrections.every((a) => a.invoicedInvoiceId !== null)).to.equal(true);
    const billedIds = (await scope.repo(InvoiceLine).find()).flatMap((l) => (l.adjustmentId ? [l.adjustmentId] : []));
    expect(new Set(billedIds).size).to.equal(billedIds.length);
  }

  const seats = (prorata: 'none' | 'from_change_date' | 'increases_only', changes: NonNullable<ScenarioJson['subscriptions']>[0]['changes']): ScenarioJson => ({
    currency: 'USD', frequency: 'monthly', anchorDay: 1, startDate: '2026-01-01', through: '2026-02-01', taxRate: '0.10',
    lines: [{ id: 'm365', description: 'Microsoft 365 Business Premium', timing: 'advance', unitPrice: '15.00', prorata, links: [{ subscription: 's1' }] }],
    subscriptions: [{ id: 's1', changes }],
  });

  it('from_change_date: a change recorded after its period was invoiced is billed once on the next invoice, in words', async () => {
    const scope = db.scope;
    const loaded = await loadScenarioIntoDb(scope, seats('from_change_date', [{ date: '2026-01-01', quantity: 10 }]));
    await invoicesThrough(scope, '2026-02-01');
    // Recorded on 3 Feb: the subscription went to 12 on 20 January.
    await recordLate(scope, [{ date: '2026-01-20', quantity: 12, observedAt: new Date('2026-02-03T09:00:00Z') }]);
    const pass = await runDailyPass(db.ds, db.tenantId, '2026-02-03');
    // January's missing adjustment, and February's in-advance charge (12, billed 10).
    expect(pass).to.include({ correctionsCreated: 2, correctionsUpdated: 0, correctionsRemoved: 0 });
    expect(pass.problems).to.deep.equal([]);
    expect(await runDailyPass(db.ds, db.tenantId, '2026-02-03')).to.include({ correctionsCreated: 0 }); // the same day again: nothing
    await invoicesThrough(scope, '2026-03-01');

    const corrected = seats('from_change_date', [{ date: '2026-01-01', quantity: 10 }, { date: '2026-01-20', quantity: 12 }]);
    await expectBilledAsSimulated(scope, loaded, corrected);
    const lines = await correctionLines(scope);
    expect(lines.map((l) => [l.description, formatMoney(dec(l.amount.toString()), 'USD')])).to.deep.equal([
      ['Correction to INV-000001 (January 2026): Microsoft 365 Business Premium went from 10 to 12 on 20 Jan 2026, recorded 3 Feb 2026: 2 × 15.00 × 12/31 days', '11.61'],
      ['Correction to INV-000002 (February 2026): Microsoft 365 Business Premium was 12 on 1 Feb 2026, not 10 as billed, recorded 3 Feb 2026: 2 × 15.00', '30.00'],
    ]);
    const march = (await scope.repo(Invoice).findOneBy({ invoiceDate: '2026-03-01' }))!;
    expect(lines.every((l) => l.invoiceId === march.id)).to.equal(true);

    const explained = await explainInvoice(db.ds, db.tenantId, march.id);
    expect(explained).to.contain('Correction to INV-000001 (January 2026): Microsoft 365 Business Premium went from 10 to 12 on 20 Jan 2026');
    expect(explained).to.contain('Late correction of the pro-rata adjustment of 20 Jan 2026 for January 2026, billed on INV-000001.');
    expect(explained).to.contain('Due for it now 11.61, billed for it before 0.00: this line bills the difference, 11.61 (2 × 15.00 × 12/31 days).');
    expect(explained).to.contain('Late correction of the in-advance charge for February 2026, billed on INV-000002.');
    const html = await renderInvoiceHtml(db.ds, db.tenantId, march.id);
    expect(html).to.contain('<tr class="line correction">');
    expect(html).to.contain('Correction to INV-000001 (January 2026)<div class="prorata">Microsoft 365 Business Premium went from 10 to 12 on 20 Jan 2026, recorded 3 Feb 2026: 2 × 15.00 × 12/31 days</div>');
    await expectNothingMore(scope, '2026-03-01');
  });

  it('from_change_date: a correction of a correction (the change withdrawn later) nets to zero', async () => {
    const scope = db.scope;
    const original = seats('from_change_date', [{ date: '2026-01-01', quantity: 10 }]);
    const loaded = await loadScenarioIntoDb(scope, original);
    await invoicesThrough(scope, '2026-02-01');
    await recordLate(scope, [{ date: '2026-01-20', quantity: 12, observedAt: new Date('2026-02-03T09:00:00Z') }]);
    await runDailyPass(db.ds, db.tenantId, '2026-02-03');
    await invoicesThrough(scope, '2026-03-01'); // bills the two corrections (and March at 12)
    // Recorded on 5 March: there was no change on 20 January after all (a later observation of that date wins).
    await recordLate(scope, [{ date: '2026-01-20', quantity: 10, observedAt: new Date('2026-03-05T09:00:00Z') }]);
    const pass = await runDailyPass(db.ds, db.tenantId, '2026-03-05');
    // January's adjustment, February's and March's in-advance charges: each credited.
    expect(pass).to.include({ correctionsCreated: 3, correctionsRemoved: 0 });
    await invoicesThrough(scope, '2026-04-01');
    await expectBilledAsSimulated(scope, loaded, original);

    const lines = await correctionLines(scope);
    const april = (await scope.repo(Invoice).findOneBy({ invoiceDate: '2026-04-01' }))!;
    expect(lines.filter((l) => l.invoiceId === april.id).map((l) => [l.description, formatMoney(dec(l.amount.toString()), 'USD')])).to.deep.equal([
      ['Correction to INV-000003 (January 2026): Microsoft 365 Business Premium did not change on 20 Jan 2026, not from 10 to 12 as billed, recorded 5 Mar 2026: -2 × 15.00 × 12/31 days', '-11.61'],
      ['Correction to INV-000003 (February 2026): Microsoft 365 Business Premium was 10 on 1 Feb 2026, not 12 as billed, recorded 5 Mar 2026: -2 × 15.00', '-30.00'],
      ['Correction to INV-000003 (March 2026): Microsoft 365 Business Premium was 10 on 1 Mar 2026, not 12 as billed, recorded 5 Mar 2026: -2 × 15.00', '-30.00'],
    ]);
    // The corrections of 20 January net to zero.
    const jan20 = await scope.repo(RecurringInvoiceAdjustment).find({ where: { changeDate: '2026-01-20' }, order: { revision: 'ASC' } });
    expect(jan20.map((a) => a.revision)).to.deep.equal([1, 2]);
    const jan20Lines = (await scope.repo(InvoiceLine).find()).filter((l) => jan20.some((a) => a.id === l.adjustmentId));
    expect(formatMoney(jan20Lines.reduce((acc, l) => acc.add(dec(l.amount.toString())), dec(0)), 'USD')).to.equal('0.00');
    await expectNothingMore(scope, '2026-04-01');
  });

  it('a change withdrawn before its correction is billed withdraws the pending correction', async () => {
    const scope = db.scope;
    const original = seats('from_change_date', [{ date: '2026-01-01', quantity: 10 }]);
    const loaded = await loadScenarioIntoDb(scope, original);
    await invoicesThrough(scope, '2026-02-01');
    await recordLate(scope, [{ date: '2026-01-20', quantity: 12, observedAt: new Date('2026-02-03T09:00:00Z') }]);
    expect(await runDailyPass(db.ds, db.tenantId, '2026-02-03')).to.include({ correctionsCreated: 2 });
    await recordLate(scope, [{ date: '2026-01-20', quantity: 10, observedAt: new Date('2026-02-10T09:00:00Z') }]);
    expect(await runDailyPass(db.ds, db.tenantId, '2026-02-10')).to.include({ correctionsCreated: 0, correctionsRemoved: 2 });
    await invoicesThrough(scope, '2026-03-01');
    expect(await correctionLines(scope)).to.deep.equal([]);
    await expectBilledAsSimulated(scope, loaded, original);
    await expectNothingMore(scope, '2026-03-01');
  });

  it('a correction that a billed adjustment rounds against: the period still totals what simulate gives, to the cent', async () => {
    const scope = db.scope;
    const base = { ...seats('from_change_date', [{ date: '2026-01-01', quantity: 10 }, { date: '2026-01-11', quantity: 11 }]) };
    base.lines = [{ ...base.lines[0]!, unitPrice: '22.00' }];
    const loaded = await loadScenarioIntoDb(scope, base);
    await invoicesThrough(scope, '2026-02-01'); // 1 × 22.00 × 21/31 = 14.90 billed on 1 February
    await recordLate(scope, [{ date: '2026-01-11', quantity: 12, observedAt: new Date('2026-02-02T09:00:00Z') }]);
    await runDailyPass(db.ds, db.tenantId, '2026-02-02');
    await invoicesThrough(scope, '2026-03-01');
    // 2 × 22.00 × 21/31 = 29.806… → 29.81 due; 1 × 22.00 × 21/31 would round to 14.90, one cent short: the line says so.
    const corrected = { ...base, subscriptions: [{ id: 's1', changes: [{ date: '2026-01-01', quantity: 10 }, { date: '2026-01-11', quantity: 12 }] }] };
    await expectBilledAsSimulated(scope, loaded, corrected);
    expect((await correctionLines(scope)).map((l) => [l.description, l.quantity.toString(), formatMoney(dec(l.amount.toString()), 'USD')])).to.deep.equal([
      ['Correction to INV-000002 (January 2026): Microsoft 365 Business Premium went from 10 to 12 on 11 Jan 2026, not from 10 to 11 as billed, recorded 2 Feb 2026: 29.81 less 14.90 already billed', '1', '14.91'],
      ['Correction to INV-000002 (February 2026): Microsoft 365 Business Premium was 12 on 1 Feb 2026, not 11 as billed, recorded 2 Feb 2026: 1 × 22.00', '1', '22.00'],
    ]);
    await expectNothingMore(scope, '2026-03-01');
  });

  it('none: a change dated on the period start corrects that period\'s in-advance charge; a mid-period one only the next period\'s', async () => {
    const scope = db.scope;
    const loaded = await loadScenarioIntoDb(scope, seats('none', [{ date: '2026-01-01', quantity: 10 }]));
    await invoicesThrough(scope, '2026-02-01');
    await recordLate(scope, [
      { date: '2026-01-20', quantity: 11, observedAt: new Date('2026-02-03T09:00:00Z') },
      { date: '2026-02-01', quantity: 13, observedAt: new Date('2026-02-03T09:00:01Z') },
    ]);
    expect(await runDailyPass(db.ds, db.tenantId, '2026-02-03')).to.include({ correctionsCreated: 1 });
    await invoicesThrough(scope, '2026-03-01');
    const corrected = seats('none', [{ date: '2026-01-01', quantity: 10 }, { date: '2026-01-20', quantity: 11 }, { date: '2026-02-01', quantity: 13 }]);
    await expectBilledAsSimulated(scope, loaded, corrected);
    expect((await correctionLines(scope)).map((l) => l.description)).to.deep.equal([
      'Correction to INV-000002 (February 2026): Microsoft 365 Business Premium was 13 on 1 Feb 2026, not 10 as billed, recorded 3 Feb 2026: 3 × 15.00',
    ]);
    await expectNothingMore(scope, '2026-03-01');
  });

  it('increases_only: a late change moves the high-water mark; the corrections follow the rule as simulate does', async () => {
    const scope = db.scope;
    const loaded = await loadScenarioIntoDb(scope, seats('increases_only', [{ date: '2026-01-01', quantity: 10 }, { date: '2026-01-11', quantity: 15 }]));
    await invoicesThrough(scope, '2026-02-01'); // +5 from 11 January billed
    // Recorded on 3 Feb: it went to 16 on 5 January already, so 11 January (to 15) was a decrease under the mark.
    await recordLate(scope, [{ date: '2026-01-05', quantity: 16, observedAt: new Date('2026-02-03T09:00:00Z') }]);
    expect(await runDailyPass(db.ds, db.tenantId, '2026-02-03')).to.include({ correctionsCreated: 2 });
    await invoicesThrough(scope, '2026-03-01');
    const corrected = seats('increases_only', [{ date: '2026-01-01', quantity: 10 }, { date: '2026-01-05', quantity: 16 }, { date: '2026-01-11', quantity: 15 }]);
    await expectBilledAsSimulated(scope, loaded, corrected);
    expect((await correctionLines(scope)).map((l) => [l.description, formatMoney(dec(l.amount.toString()), 'USD')])).to.deep.equal([
      ['Correction to INV-000001 (January 2026): Microsoft 365 Business Premium went from 10 to 16 on 5 Jan 2026, recorded 3 Feb 2026: 6 × 15.00 × 27/31 days', '78.39'],
      ['Correction to INV-000002 (January 2026): Microsoft 365 Business Premium went from 16 to 15 on 11 Jan 2026, not from 10 to 15 as billed, recorded 3 Feb 2026: -5 × 15.00 × 21/31 days', '-50.81'],
    ]);
    await expectNothingMore(scope, '2026-03-01');
  });

  it('arrears: the day-weighted charge of a billed period is corrected by the difference, then again when withdrawn', async () => {
    const scope = db.scope;
    const original: ScenarioJson = {
      currency: 'USD', frequency: 'monthly', anchorDay: 1, startDate: '2026-01-01', through: '2026-02-01',
      lines: [{ id: 'backup', description: 'Cloud backup', timing: 'arrears', unitPrice: '15.00', links: [{ subscription: 's1' }] }],
      subscriptions: [{ id: 's1', changes: [{ date: '2026-01-01', quantity: 10 }] }],
    };
    const loaded = await loadScenarioIntoDb(scope, original);
    await invoicesThrough(scope, '2026-02-01'); // January in arrears, 10 a day: 150.00
    await recordLate(scope, [{ date: '2026-01-20', quantity: 12, observedAt: new Date('2026-02-03T09:00:00Z') }]);
    expect(await runDailyPass(db.ds, db.tenantId, '2026-02-03')).to.include({ correctionsCreated: 1 });
    await invoicesThrough(scope, '2026-03-01');
    const corrected = { ...original, subscriptions: [{ id: 's1', changes: [{ date: '2026-01-01', quantity: 10 }, { date: '2026-01-20', quantity: 12 }] }] };
    await expectBilledAsSimulated(scope, loaded, corrected);
    expect((await correctionLines(scope)).map((l) => [l.description, formatMoney(dec(l.amount.toString()), 'USD')])).to.deep.equal([
      ['Correction to INV-000002 (January 2026, in arrears): Cloud backup was 12 from 20 Jan 2026 to 31 Jan 2026, not 10 as billed, recorded 3 Feb 2026: 2 × 15.00 × 12/31 days', '11.61'],
    ]);

    await recordLate(scope, [{ date: '2026-01-20', quantity: 10, observedAt: new Date('2026-03-05T09:00:00Z') }]);
    // January's correction is corrected, and February (billed at 12 on 1 March) too.
    expect(await runDailyPass(db.ds, db.tenantId, '2026-03-05')).to.include({ correctionsCreated: 2 });
    await invoicesThrough(scope, '2026-04-01');
    await expectBilledAsSimulated(scope, loaded, original);
    await expectNothingMore(scope, '2026-04-01');
  });

  it('a period closed but not invoiced yet is reconciled again: a change recorded then is billed as a plain adjustment', async () => {
    const scope = db.scope;
    const loaded = await loadScenarioIntoDb(scope, seats('from_change_date', [{ date: '2026-01-01', quantity: 10 }]));
    await invoicesThrough(scope, '2026-01-01');
    await runDailyPass(db.ds, db.tenantId, '2026-02-02'); // January closed; its adjustments wait for the 1 February invoice
    await recordLate(scope, [{ date: '2026-01-20', quantity: 12, observedAt: new Date('2026-02-03T09:00:00Z') }]);
    expect(await runDailyPass(db.ds, db.tenantId, '2026-02-03')).to.include({ adjustmentsCreated: 1, correctionsCreated: 0 });
    await invoicesThrough(scope, '2026-02-01');
    const corrected = seats('from_change_date', [{ date: '2026-01-01', quantity: 10 }, { date: '2026-01-20', quantity: 12 }]);
    expectSame(await storedAsScenario(scope, loaded), simulated({ ...corrected, through: '2026-02-01' }));
    await expectNothingMore(scope, '2026-02-01');
  });

  it('a followed price changed late corrects the in-advance charge and the adjustments of that period', async () => {
    const scope = db.scope;
    const followed = (changes: NonNullable<ScenarioJson['subscriptions']>[0]['changes']): ScenarioJson => ({
      ...seats('from_change_date', changes), lines: [{ id: 'm365', description: 'M365', timing: 'advance', followPrice: true, prorata: 'from_change_date', links: [{ subscription: 's1' }] }],
    });
    const loaded = await loadScenarioIntoDb(scope, followed([{ date: '2026-01-01', quantity: 10, price: '15.00' }, { date: '2026-02-10', quantity: 12 }]));
    await invoicesThrough(scope, '2026-03-01'); // February at 15.00, and +2 from 10 February
    // Recorded on 3 March: the price was 16.00 from 1 February.
    const [link] = await scope.repo(RecurringInvoiceLink).find();
    await insertChanges(scope, link!.subscriptionId, [{ date: '2026-02-01', quantity: 10, price: '16.00', observedAt: new Date('2026-03-03T09:00:00Z') }]);
    expect(await runDailyPass(db.ds, db.tenantId, '2026-03-03')).to.include({ correctionsCreated: 2 });
    await invoicesThrough(scope, '2026-04-01');
    // The importer's rows hold the full state: the 10 February row still says 15.00, so March is back at 15.00.
    const corrected = followed([{ date: '2026-01-01', quantity: 10, price: '15.00' }, { date: '2026-02-01', price: '16.00' }, { date: '2026-02-10', quantity: 12, price: '15.00' }]);
    await expectBilledAsSimulated(scope, loaded, corrected);
    // 2 × 16.00 × 19/28 = 21.714… → 21.71 due, 2 × 15.00 × 19/28 = 20.357… → 20.36 billed.
    expect((await correctionLines(scope)).map((l) => [l.description, formatMoney(dec(l.amount.toString()), 'USD')])).to.deep.equal([
      ['Correction to INV-000002 (February 2026): M365 was priced 16.00 for the period, not 15.00 as billed, recorded 3 Mar 2026: 160.00 less 150.00 already billed', '10.00'],
      ['Correction to INV-000003 (February 2026): M365 went from 10 to 12 on 10 Feb 2026, at 16.00, not 15.00 as billed, recorded 3 Mar 2026: 21.71 less 20.36 already billed', '1.35'],
    ]);
    await expectNothingMore(scope, '2026-04-01');
  });

  it('a subscription linked after a period was billed is not billed for it; a removed one stops the correction with a problem', async () => {
    const scope = db.scope;
    const loaded = await loadScenarioIntoDb(scope, seats('from_change_date', [{ date: '2026-01-01', quantity: 10 }]));
    await invoicesThrough(scope, '2026-02-01');
    const [first] = await scope.repo(RecurringInvoiceLink).find();
    // A second subscription (5 seats since 1 January) is linked on 2 February; then the late change of the first one arrives.
    const other = await insertSubscription(scope, { customerId: loaded.customerId });
    await insertChanges(scope, other.id, [{ date: '2026-01-01', quantity: 5, observedAt: new Date('2026-02-02T09:00:00Z') }]);
    const now = new Date();
    await scope.repo(RecurringInvoiceLink).insert([{
      id: randomUUID(), recurringInvoiceId: first!.recurringInvoiceId, lineId: first!.lineId, subscriptionId: other.id, position: 1,
      freeQuantity: new Decimal(0), minimumQuantity: new Decimal(0), createdAt: now, updatedAt: now,
    }]);
    await insertChanges(scope, first!.subscriptionId, [{ date: '2026-01-20', quantity: 12, observedAt: new Date('2026-02-03T09:00:00Z') }]);
    const pass = await runDailyPass(db.ds, db.tenantId, '2026-02-03');
    expect(pass.problems).to.deep.equal([]);
    // Only the first subscription's change: +2 from 20 January and +2 on February's charge, not the new link's 5 seats.
    expect((await scope.repo(RecurringInvoiceAdjustment).findBy({ rule: 'correction' })).map((a) => a.quantity.toString()).sort()).to.deep.equal(['2', '2']);

    // The first subscription unlinked: its periods can no longer be corrected automatically, and the pass says so.
    await scope.repo(RecurringInvoiceLink).delete({ id: first!.id });
    await insertChanges(scope, first!.subscriptionId, [{ date: '2026-01-25', quantity: 14, observedAt: new Date('2026-02-05T09:00:00Z') }]);
    const after = await runDailyPass(db.ds, db.tenantId, '2026-02-05');
    expect(after.problems.map((p) => p.message)).to.deep.equal([
      `late correction of 2026-01-01: subscription(s) ${first!.subscriptionId} no longer linked since the invoice of 2026-01-01 was billed: not corrected automatically`,
      `late correction of 2026-02-01: subscription(s) ${first!.subscriptionId} no longer linked since the invoice of 2026-02-01 was billed: not corrected automatically`,
    ]);
    expect(after).to.include({ correctionsCreated: 0, correctionsRemoved: 0 });
  });
  it('a day without changes checks no invoice again and writes nothing; a change recorded later is still corrected', async () => {
    const scope = db.scope;
    const loaded = await loadScenarioIntoDb(scope, seats('from_change_date', [{ date: '2026-01-01', quantity: 10 }]));
    await invoicesThrough(scope, '2026-02-01');
    await recordLate(scope, [{ date: '2026-01-20', quantity: 12, observedAt: new Date('2026-02-03T09:00:00Z') }]);
    expect(await runDailyPass(db.ds, db.tenantId, '2026-02-03')).to.include({ correctionsCreated: 2 });
    const [ri] = await loadRecurringInvoices(scope);
    const invoices = await scope.repo(Invoice).find();
    expect(invoices.map((i) => i.lateCheckedVersion)).to.deep.equal(invoices.map(() => ri!.ri.inputsVersion));

    // 4 February: nothing recorded since. Nothing to check (no history read for the late plan), nothing written.
    expect((await planLateCorrections(scope, [ri!], '2026-02-04', new Date())).checked).to.deep.equal([]);
    const snapshot = async () => JSON.stringify([
      await scope.repo(Invoice).find({ order: { id: 'ASC' } }),
      await scope.repo(RecurringInvoiceAdjustment).find({ order: { id: 'ASC' } }),
    ]);
    const before = await snapshot();
    const quiet = await runDailyPass(db.ds, db.tenantId, '2026-02-04');
    expect(quiet).to.include({ lineChanges: 0, adjustmentsCreated: 0, adjustmentsUpdated: 0, adjustmentsRemoved: 0, correctionsCreated: 0, correctionsUpdated: 0, correctionsRemoved: 0 });
    expect(await snapshot()).to.equal(before);

    // Recorded on 5 Feb: the 20 January change was really to 14. The version moved: the invoices are checked again.
    await recordLate(scope, [{ date: '2026-01-20', quantity: 14, observedAt: new Date('2026-02-05T09:00:00Z') }]);
    expect(await runDailyPass(db.ds, db.tenantId, '2026-02-05')).to.include({ correctionsUpdated: 2 });
    await invoicesThrough(scope, '2026-03-01');
    await expectBilledAsSimulated(scope, loaded, seats('from_change_date', [{ date: '2026-01-01', quantity: 10 }, { date: '2026-01-20', quantity: 14 }]));
  });
});

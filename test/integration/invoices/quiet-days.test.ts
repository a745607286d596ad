import { expect } from 'chai';
import { Invoice, RecurringInvoice, RecurringInvoiceAdjustment } from '../../../src/db/entities/index.js';
import type { TenantScope } from '../../../src/db/tenant-scope.js';
import { runDailyPass } from '../../../src/invoices/daily-pass.js';
import { runInvoices } from '../../../src/invoices/run.js';
import { describeWithDatabase } from '../../support/fixtures.js';
import { insertChanges, insertCustomer, insertLine, insertRecurringInvoice, insertSubscription, setTenantSettings } from './fixtures.js';

/** The tables a recurring invoice's inputs live in: a quiet day reads none of them. */
const INPUTS = /\b(subscription_changes|recurring_invoice_lines|recurring_invoice_links)\b/;

describeWithDatabase('invoices: the daily pass of a quiet day (issue 26)', { tenant: 'acme' }, (db) => {
  let subs: Record<'a' | 'b' | 'c', string>;
  let ris: Record<'a' | 'b' | 'c', string>;

  beforeEach(async () => {
    await setTenantSettings(db.ds, db.tenantId, { imports: { reviewUsageLines: false } });
    const scope = db.scope;
    const customer = await insertCustomer(scope, 'Contoso');
    subs = {} as typeof subs;
    ris = {} as typeof ris;
    for (const k of ['a', 'b', 'c'] as const) {
      const sub = await insertSubscription(scope, { customerId: customer.id, name: `Seats ${k}` });
      await insertChanges(scope, sub.id, [{ date: '2026-01-01', quantity: 10, observedAt: new Date('2026-01-01T00:00:00Z') }]);
      const ri = await insertRecurringInvoice(scope, { customerId: customer.id, name: `Recurring ${k}`, startDate: '2026-01-01' });
      await insertLine(scope, ri, 0, { description: `Seats ${k}`, unitPrice: '10.00', prorata: 'from_change_date', links: [{ subscriptionId: sub.id }] });
      subs[k] = sub.id;
      ris[k] = ri.id;
    }
    // January invoiced (its invoices created on their date), then a first pass that processes every recurring invoice.
    await runInvoices(db.ds, db.tenantId, '2026-01-01');
    for (const inv of await scope.repo(Invoice).find()) {
      const at = new Date(`${inv.invoiceDate}T06:00:00Z`);
      await scope.repo(Invoice).update({ id: inv.id }, { createdAt: at, updatedAt: at });
    }
    const first = await runDailyPass(db.ds, db.tenantId, '2026-01-05');
    expect(first.problems).to.deep.equal([]);
  });

  /** Runs the pass of `date`, with every SQL statement that reads or writes a recurring invoice's inputs. */
  async function passWithInputReads(date: string) {
    const reads: { sql: string; parameters: unknown[] }[] = [];
    const logger = db.ds.logger;
    const logQuery = logger.logQuery.bind(logger);
    logger.logQuery = (sql, parameters, runner) => {
      if (INPUTS.test(sql)) reads.push({ sql, parameters: Array.isArray(parameters) ? parameters : Object.values(parameters ?? {}) });
      return logQuery(sql, parameters, runner);
    };
    try {
      return { pass: await runDailyPass(db.ds, db.tenantId, date), reads };
    } finally {
      logger.logQuery = logQuery;
    }
  }

  const mentions = (reads: { parameters: unknown[] }[], id: string) => reads.some((r) => r.parameters.includes(id));

  it('a day without changes reads no line, link or history of any recurring invoice', async () => {
    const { pass, reads } = await passWithInputReads('2026-01-06');
    expect(pass.days).to.deep.equal(['2026-01-06']);
    expect(pass.skippedQuiet).to.equal(3);
    expect(reads.map((r) => r.sql)).to.deep.equal([]);
    // Several quiet days in one pass (catching up) are as quiet.
    const week = await passWithInputReads('2026-01-12');
    expect(week.pass.days).to.have.length(6);
    expect(week.pass.skippedQuiet).to.equal(3);
    expect(week.reads).to.deep.equal([]);
  });

  it('a change to one recurring invoice\'s inputs recomposes that one only', async () => {
    await insertChanges(db.scope, subs.b, [{ date: '2026-01-06', quantity: 12 }]);
    const { pass, reads } = await passWithInputReads('2026-01-06');
    expect(pass.skippedQuiet).to.equal(2);
    expect(pass).to.include({ lineChanges: 1, adjustmentsCreated: 1 });
    expect(mentions(reads, subs.b) || mentions(reads, ris.b), 'reads b').to.equal(true);
    for (const other of ['a', 'c'] as const) expect(mentions(reads, subs[other]) || mentions(reads, ris[other]), other).to.equal(false);
    const pending = await db.scope.repo(RecurringInvoiceAdjustment).findBy({ recurringInvoiceId: ris.b });
    expect(pending.map((p) => [p.changeDate, p.quantity.toString()])).to.deep.equal([['2026-01-06', '2']]);
    // And the next day is quiet again.
    expect((await passWithInputReads('2026-01-07')).reads).to.deep.equal([]);
  });

  it('a change recorded ahead of its date is applied on that date', async () => {
    await insertChanges(db.scope, subs.c, [{ date: '2026-01-09', quantity: 15, observedAt: new Date('2026-01-06T09:00:00Z') }]);
    const recorded = await passWithInputReads('2026-01-06'); // the version moved: c is read, nothing changes yet
    expect(recorded.pass).to.include({ skippedQuiet: 2, lineChanges: 0, adjustmentsCreated: 0 });
    expect((await passWithInputReads('2026-01-08')).reads).to.deep.equal([]);
    const due = await passWithInputReads('2026-01-09');
    expect(due.pass).to.include({ skippedQuiet: 2, lineChanges: 1, adjustmentsCreated: 1 });
    const pending = await db.scope.repo(RecurringInvoiceAdjustment).findBy({ recurringInvoiceId: ris.c });
    expect(pending.map((p) => [p.changeDate, p.quantity.toString()])).to.deep.equal([['2026-01-09', '5']]);
  });

  it('a late correction of an invoiced period is still caught', async () => {
    // Recorded on 12 Jan: the subscription of a had 14 seats from 1 January, which its January invoice billed at 10.
    await insertChanges(db.scope, subs.a, [{ date: '2026-01-01', quantity: 14, observedAt: new Date('2026-01-12T09:00:00Z') }]);
    const { pass } = await passWithInputReads('2026-01-12');
    expect(pass.skippedQuiet).to.equal(2);
    expect(pass.correctionsCreated).to.be.greaterThan(0);
    const corrections = await db.scope.repo(RecurringInvoiceAdjustment).findBy({ recurringInvoiceId: ris.a, rule: 'correction' });
    expect(corrections).to.have.length(pass.correctionsCreated);
    expect((await passWithInputReads('2026-01-13')).reads).to.deep.equal([]);
  });

  it('a recurring invoice paused and resumed between passes is processed again', async () => {
    await pause(db.scope, ris.c, 'paused');
    await pause(db.scope, ris.c, 'active');
    const { pass, reads } = await passWithInputReads('2026-01-06');
    expect(pass.skippedQuiet).to.equal(2);
    expect(mentions(reads, ris.c) || mentions(reads, subs.c)).to.equal(true);
  });

  async function pause(scope: TenantScope, id: string, status: 'paused' | 'active'): Promise<void> {
    await scope.repo(RecurringInvoice).update({ id }, { status });
  }
});

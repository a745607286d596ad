import { expect } from 'chai';
import { stringify } from 'csv-stringify/sync';
import { Customer, Invoice, InvoiceLine, RecurringInvoiceLine } from '../../../src/db/entities/index.js';
import { approveInvoice } from '../../../src/invoices/approve.js';
import { exportInvoicesCsv } from '../../../src/invoices/csv-export.js';
import { explainInvoice } from '../../../src/invoices/explain.js';
import { InvoiceError } from '../../../src/invoices/queries.js';
import { renderInvoiceHtml } from '../../../src/invoices/render.js';
import { runInvoices } from '../../../src/invoices/run.js';
import { describeWithDatabase } from '../../support/fixtures.js';
import { loadScenarioIntoDb, type ScenarioJson } from './scenario-db.js';

const seatsOnly: ScenarioJson = {
  currency: 'USD', frequency: 'monthly', anchorDay: 1, startDate: '2026-01-01', through: '2026-02-01', taxRate: '0.10',
  lines: [{ id: 'm365', description: 'Microsoft 365 Business Premium', timing: 'advance', unitPrice: '22.00', links: [{ subscription: 's1' }] }],
  subscriptions: [{ id: 's1', changes: [{ date: '2026-01-01', quantity: 10 }, { date: '2026-01-11', quantity: 15 }, { date: '2026-01-20', quantity: 12 }] }],
};

const withUsage: ScenarioJson = {
  ...seatsOnly,
  lines: [...seatsOnly.lines, { id: 'azure', description: 'Azure plan (Usage Summary)', timing: 'usage', usageSummary: 'u1' }],
  usage: [{ usageSummary: 'u1', month: '2025-12', charges: '118.40' }, { usageSummary: 'u1', month: '2026-01', charges: '131.07' }],
};

describeWithDatabase('invoices: review, numbering, explain, render, CSV', { tenant: 'acme' }, (db) => {
  it('holds invoices with usage lines (tenant setting) as numberless drafts; approval numbers them without gaps', async () => {
    const scope = db.scope;
    await loadScenarioIntoDb(scope, withUsage, 'Usage Co');
    await loadScenarioIntoDb(scope, seatsOnly, 'Seats Co');
    const r = await runInvoices(db.ds, db.tenantId, '2026-02-01');
    expect(r.created).to.have.length(4);
    const drafts = r.created.filter((c) => c.status === 'draft');
    const issued = r.created.filter((c) => c.status === 'issued');
    expect(drafts).to.have.length(2);
    expect(drafts.every((d) => d.number === null && d.review.some((x) => /usage line/.test(x)))).to.equal(true);
    expect(issued.map((i) => i.number).sort()).to.deep.equal([1, 2]);

    const later = drafts.find((d) => d.periodStart === '2026-02-01')!;
    expect((await approveInvoice(db.ds, db.tenantId, later.id)).number).to.equal(3);
    const earlier = drafts.find((d) => d.periodStart === '2026-01-01')!;
    expect((await approveInvoice(db.ds, db.tenantId, earlier.id)).number).to.equal(4);
    let error: unknown;
    await approveInvoice(db.ds, db.tenantId, earlier.id).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(InvoiceError).and.have.property('code', 'conflict');
    const numbers = (await scope.repo(Invoice).find()).map((i) => i.number).sort();
    expect(numbers).to.deep.equal([1, 2, 3, 4]);
  });

  it('flags currency mismatches and lines a user marked for review', async () => {
    const scope = db.scope;
    const eur: ScenarioJson = { ...seatsOnly, subscriptions: [{ ...seatsOnly.subscriptions![0]!, currency: 'EUR' }] };
    await loadScenarioIntoDb(scope, eur, 'Euro Co');
    const flagged = await loadScenarioIntoDb(scope, seatsOnly, 'Flag Co');
    await scope.repo(RecurringInvoiceLine).update({ recurringInvoiceId: flagged.recurringInvoiceId }, { reviewRequired: true });
    const r = await runInvoices(db.ds, db.tenantId, '2026-01-01');
    expect(r.created.map((c) => c.status)).to.deep.equal(['draft', 'draft']);
    const reasons = r.created.flatMap((c) => c.review).join('\n');
    expect(reasons).to.match(/is in EUR, the invoice is in USD; not converted/);
    expect(reasons).to.match(/flagged for review by a user/);
  });

  it('explains, renders (escaping the customer\'s name) and exports Xero and QBO CSV safely', async () => {
    const scope = db.scope;
    const loaded = await loadScenarioIntoDb(scope, seatsOnly, '<script>alert(1)</script>');
    await scope.repo(RecurringInvoiceLine).update({ recurringInvoiceId: loaded.recurringInvoiceId }, { description: '=HYPERLINK("http://evil","x")' });
    await runInvoices(db.ds, db.tenantId, '2026-02-01');
    const feb = (await scope.repo(Invoice).findOneBy({ periodStart: '2026-02-01' }))!;
    const lines = await scope.repo(InvoiceLine).find({ where: { invoiceId: feb.id }, order: { position: 'ASC' } });
    // 5 × 22.00 × 21/31 = 74.516… → 74.52; then −3 × 22.00 × 12/31 = −25.548… → −25.55.
    expect(lines.map((l) => [l.kind, l.amount.toString()])).to.deep.equal([['recurring', '264'], ['prorata', '74.52'], ['prorata', '-25.55']]);

    const text = await explainInvoice(db.ds, db.tenantId, feb.id);
    expect(text).to.include('Invoice INV-000002 (issued)');
    expect(text).to.include('Pro-rata (from change date): on 11 Jan 2026 the quantity went from 10 to 15');
    expect(text).to.include('Charge for the 21 remaining of 31 days (11 Jan 2026 – 31 Jan 2026): 5 × 22.00 × 21/31 = 74.52.');
    expect(text).to.include('Credit for the 12 remaining of 31 days');
    expect(text).to.include('The exact amount 74.516129… is rounded once');
    expect(text).to.include('quantity 12 on 1 Feb 2026 × 22.00 = 264.00');
    expect(text).to.include('Total USD 344.26.');

    const html = await renderInvoiceHtml(db.ds, db.tenantId, feb.id);
    expect(html).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.to.include('<script>alert(1)</script>');
    expect(html).to.include('Invoice INV-000002');
    expect(html).to.include('5 more from 11 Jan 2026 (10 → 15), charged for 21 of 31 days (11 Jan 2026 – 31 Jan 2026)');
    expect(html).to.include('USD 74.52');
    expect(html).to.include('USD -25.55');
    expect(html).to.include('Tax (10%)');
    expect(html).to.include('USD 344.26');

    await scope.repo(Customer).update({ id: loaded.customerId }, { name: '@evil' });
    const xero = await exportInvoicesCsv(db.ds, db.tenantId, { layout: 'xero', from: '2026-02-01', to: '2026-02-01' });
    const xrows = xero.trim().split('\n');
    expect(xrows[0]).to.match(/^\*ContactName,EmailAddress,POAddressLine1/);
    expect(xrows).to.have.length(4);
    expect(xrows[1]).to.include(`'@evil,`);
    expect(xrows[1]).to.include(`INV-000002,2026-02-01 to 2026-02-28,01/02/2026,03/03/2026,344.26,,"'=HYPERLINK(""http://evil"",""x"")",12,22.00,,200,Tax on Sales,26.40,`);
    expect(xrows[3]).to.include(',1,-25.55,');
    const qbo = await exportInvoicesCsv(db.ds, db.tenantId, { layout: 'qbo' });
    const qrows = qbo.trim().split('\n');
    expect(qrows[0]).to.equal(stringify([['InvoiceNo', 'Customer', 'InvoiceDate', 'DueDate', 'Terms', 'Location', 'Memo', 'Item(Product/Service)', 'ItemDescription', 'ItemQuantity', 'ItemRate', 'ItemAmount', 'Taxable', 'TaxRate', 'Service Date', 'Currency', 'ItemTaxCode']]).trim());
    expect(qrows).to.have.length(5);
    expect(qrows[1]).to.match(/^INV-000001,'@evil,01\/01\/2026,01\/31\/2026,Net 30,/);
  });
});

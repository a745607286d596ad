import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { REVERSE_CHARGE_NOTE } from '../../../src/billing/tax.js';
import { clockFrom } from '../../../src/common/clock.js';
import { updateCustomerBilling } from '../../../src/customers/billing-settings.js';
import { Invoice, InvoiceLine, Product, RecurringInvoice, RecurringInvoiceLine, type Customer } from '../../../src/db/entities/index.js';
import type { TenantScope } from '../../../src/db/tenant-scope.js';
import { exportInvoicesCsv } from '../../../src/invoices/csv-export.js';
import { runDailyPass } from '../../../src/invoices/daily-pass.js';
import { explainInvoice } from '../../../src/invoices/explain.js';
import { renderInvoiceHtml } from '../../../src/invoices/render.js';
import { runInvoices } from '../../../src/invoices/run.js';
import { createTaxCode, removeTaxCode, setProductGroupTax, TaxSettingsError, updateTaxCode } from '../../../src/tax/service.js';
import { insertTenant, undoMigrationsThrough } from '../../support/database.js';
import { describeWithDatabase } from '../../support/fixtures.js';
import { insertChanges, insertCustomer, insertLine, insertRecurringInvoice, insertSubscription, scopeOf } from './fixtures.js';
import { expectSame, loadScenarioIntoDb, simulated, storedAsScenario, type ScenarioJson } from './scenario-db.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const FEB_1 = clockFrom('2026-02-01T10:00:00Z');

async function insertProduct(scope: TenantScope, name: string, productGroup: string): Promise<Product> {
  const p = scope.repo(Product).create({
    id: randomUUID(), sku: `SKU-${name}`, name, vendorName: 'Microsoft', category: null, pax8ProductId: null, pax8Sku: null, vendorSku: null,
    productGroup, retailPrice: null, visible: true, featured: false, createdAt: NOW, updatedAt: NOW,
  });
  await scope.repo(Product).insert([p]);
  return p;
}

/** A recurring invoice at 20 % with a licence line (10 seats, 15 from 11 January) and a support line, each of a product. */
async function billCustomer(scope: TenantScope, customer: Customer, licences: Product, support: Product): Promise<RecurringInvoice> {
  const s1 = await insertSubscription(scope, { customerId: customer.id, productId: licences.id });
  await insertChanges(scope, s1.id, [{ date: '2026-01-01', quantity: 10 }, { date: '2026-01-11', quantity: 15 }]);
  const s2 = await insertSubscription(scope, { customerId: customer.id, productId: support.id, name: 'Support' });
  await insertChanges(scope, s2.id, [{ date: '2026-01-01', quantity: 3 }]);
  const ri = await insertRecurringInvoice(scope, { customerId: customer.id, startDate: '2026-01-01', taxRate: '0.2' });
  const l1 = await insertLine(scope, ri, 0, { description: 'Licences', unitPrice: '22.00', links: [{ subscriptionId: s1.id }] });
  const l2 = await insertLine(scope, ri, 1, { description: 'Support', unitPrice: '10.00', prorata: 'none', links: [{ subscriptionId: s2.id }] });
  await scope.repo(RecurringInvoiceLine).update({ id: l1.id }, { productId: licences.id });
  await scope.repo(RecurringInvoiceLine).update({ id: l2.id }, { productId: support.id });
  return ri;
}

async function linesOf(scope: TenantScope, riId: string, date: string) {
  const inv = (await scope.repo(Invoice).findOneBy({ recurringInvoiceId: riId, invoiceDate: date }))!;
  const lines = await scope.repo(InvoiceLine).find({ where: { invoiceId: inv.id }, order: { position: 'ASC' } });
  return {
    inv,
    rows: lines.map((l) => [l.kind, l.amount.toFixed(2), String(l.taxRate === null ? null : new Decimal(l.taxRate.toString()).toString()), l.taxCode, l.taxKind, l.tax.toFixed(2)]),
  };
}

describeWithDatabase('tax per line: customer exemption and reverse charge, product group codes, the recurring invoice\'s rate', {
  tenant: { name: 'acme', timeZone: 'UTC' }, timeout: 180_000,
}, (db) => {
  let scope: TenantScope;
  let licences: Product;
  let support: Product;

  beforeEach(async () => {
    scope = db.scope;
    licences = await insertProduct(scope, 'Microsoft 365', 'Software');
    support = await insertProduct(scope, 'Support', 'Pax8');
  });

  it('bills each line at its own tax, its pro-rata adjustment at the same, and exports and renders the code per line', async () => {
    const reduced = await createTaxCode(scope, { code: 'Reduced', rate: '0.05', kind: 'standard' }, NOW);
    const exempt = await createTaxCode(scope, { code: 'Exempt', rate: '0', kind: 'exempt' }, NOW);
    const rc = await createTaxCode(scope, { code: 'EU-RC', rate: '0.2', kind: 'reverse_charge' }, NOW);
    await setProductGroupTax(scope, 'Software', reduced.code, NOW);
    const plain = await insertCustomer(scope, 'Plain Ltd');
    const charity = await insertCustomer(scope, 'Charity');
    const abroad = await insertCustomer(scope, 'Abroad GmbH');
    await updateCustomerBilling(scope, charity.id, { taxCodeId: exempt.id }, NOW);
    await updateCustomerBilling(scope, abroad.id, { taxCodeId: 'eu-rc' }, NOW); // by name, any case
    const riPlain = await billCustomer(scope, plain, licences, support);
    const riCharity = await billCustomer(scope, charity, licences, support);
    const riAbroad = await billCustomer(scope, abroad, licences, support);

    const r = await runInvoices(db.ds, db.tenantId, '2026-02-01', { clock: FEB_1 });
    expect(r.failed).to.deep.equal([]);

    // 1 Feb: licences 15 × 22.00 at the group's 5 %, support 3 × 10.00 at the invoice's 20 %, and January's adjustment
    // 5 × 22.00 × 21/31 = 74.52 at 5 % as its line: 16.50 + 6.00 + 3.73 (3.726 rounded) = 26.23.
    const p = await linesOf(scope, riPlain.id, '2026-02-01');
    expect(p.rows).to.deep.equal([
      ['recurring', '330.00', '0.05', 'Reduced', 'standard', '16.50'],
      ['recurring', '30.00', '0.2', null, 'standard', '6.00'],
      ['prorata', '74.52', '0.05', 'Reduced', 'standard', '3.73'],
    ]);
    expect([p.inv.subtotal.toFixed(2), p.inv.tax.toFixed(2), p.inv.total.toFixed(2)]).to.deep.equal(['434.52', '26.23', '460.75']);
    expect(p.inv.taxRate.toString()).to.equal('0.2'); // the fallback stays on the invoice

    for (const [ri, code, kind] of [[riCharity, 'Exempt', 'exempt'], [riAbroad, 'EU-RC', 'reverse_charge']] as const) {
      const x = await linesOf(scope, ri.id, '2026-02-01');
      expect(x.rows.map((row) => row.slice(2))).to.deep.equal([0, 1, 2].map(() => ['0', code, kind, '0.00']));
      expect([x.inv.subtotal.toFixed(2), x.inv.tax.toFixed(2), x.inv.total.toFixed(2)]).to.deep.equal(['434.52', '0.00', '434.52']);
    }

    const abroadFeb = (await linesOf(scope, riAbroad.id, '2026-02-01')).inv;
    const html = await renderInvoiceHtml(db.ds, db.tenantId, abroadFeb.id);
    expect(html).to.include(REVERSE_CHARGE_NOTE).and.include('EU-RC (reverse charge)');
    const plainHtml = await renderInvoiceHtml(db.ds, db.tenantId, p.inv.id);
    expect(plainHtml).to.include('Reduced 5%').and.include('<td class="tax">20%</td>').and.not.include(REVERSE_CHARGE_NOTE);
    expect(await explainInvoice(db.ds, db.tenantId, p.inv.id)).to.include('Tax: Reduced 5%, tax 3.73.').and.include('each line at its own tax');
    expect(await explainInvoice(db.ds, db.tenantId, abroadFeb.id)).to.include(REVERSE_CHARGE_NOTE);

    const xero = (await exportInvoicesCsv(db.ds, db.tenantId, { layout: 'xero', from: '2026-02-01', to: '2026-02-01' })).trim().split('\n');
    const plainRows = xero.filter((l) => l.startsWith('Plain Ltd,'));
    expect(plainRows.map((l) => (/,200,([^,]*),([^,]*),/.exec(l) ?? []).slice(1))).to.deep.equal([['Reduced', '16.50'], ['Tax on Sales', '6.00'], ['Reduced', '3.73']]);
    expect(xero.filter((l) => l.startsWith('Charity,')).every((l) => l.includes(',200,Exempt,0.00,'))).to.equal(true);
    const qbo = (await exportInvoicesCsv(db.ds, db.tenantId, { layout: 'qbo', from: '2026-02-01', to: '2026-02-01' })).trim().split('\n');
    const abroadQbo = qbo.filter((l) => l.includes(',Abroad GmbH,'));
    expect(abroadQbo).to.have.length(3);
    expect(abroadQbo.every((l) => /,N,0%,\d\d\/\d\d\/\d{4},USD,EU-RC$/.test(l))).to.equal(true);
    expect(qbo.filter((l) => l.includes(',Plain Ltd,')).map((l) => l.split(',').slice(-4, -3)[0] + ' ' + l.split(',').at(-1))).to.deep.equal(['5% Reduced', '20% ', '5% Reduced']);
  });

  it('a scenario whose lines carry their own taxRate: the database run bills what `recurra simulate` prints, to the cent', async () => {
    const s: ScenarioJson = {
      currency: 'USD', frequency: 'monthly', anchorDay: 1, startDate: '2026-01-01', through: '2026-03-01', taxRate: '0.10',
      lines: [
        { id: 'm365', timing: 'advance', unitPrice: '22.00', taxRate: '0.075', links: [{ subscription: 's1' }] },
        { id: 'backup', timing: 'advance', unitPrice: '3.33', prorata: 'increases_only', links: [{ subscription: 's2' }] },
        { id: 'seats', timing: 'arrears', unitPrice: '7.77', taxRate: '0', links: [{ subscription: 's2' }] },
        { id: 'azure', timing: 'usage', usageSummary: 'u1', taxRate: '0.2' },
      ],
      subscriptions: [
        { id: 's1', changes: [{ date: '2026-01-01', quantity: 10 }, { date: '2026-01-11', quantity: 15 }, { date: '2026-02-20', quantity: 7 }] },
        { id: 's2', changes: [{ date: '2026-01-01', quantity: 3 }, { date: '2026-01-17', quantity: 5 }] },
      ],
      usage: [{ usageSummary: 'u1', month: '2025-12', charges: '118.45' }, { usageSummary: 'u1', month: '2026-01', charges: '131.07' }],
    };
    const loaded = await loadScenarioIntoDb(scope, s);
    await runInvoices(db.ds, db.tenantId, '2026-03-01', { clock: clockFrom('2026-03-01T10:00:00Z') });
    const expected = simulated(s);
    // 1 Jan: 220.00 × 7.5 % = 16.50, 9.99 × 10 % = 1.00, 118.45 × 20 % = 23.69. 1 Feb: 24.75 + 1.67 + 0 (arrears at 0) + 26.21
    // + the m365 adjustment 74.52 × 7.5 % = 5.59 + backup's 3.22 × 10 % = 0.32. 1 Mar: 11.55 + 1.67 + 0 − 56.57 × 7.5 % = −4.24.
    expect(expected.map((i) => i.tax)).to.deep.equal(['41.19', '58.54', '8.98']);
    expectSame(await storedAsScenario(scope, loaded), expected);
  });

  it('a change of tax settings after the eve\'s daily pass is billed at the run (the upcoming invoice is composed again)', async () => {
    const reduced = await createTaxCode(scope, { code: 'Reduced', rate: '0.05', kind: 'standard' }, NOW);
    await setProductGroupTax(scope, 'Software', reduced.id, NOW);
    const c = await insertCustomer(scope, 'Plain Ltd');
    const ri = await billCustomer(scope, c, licences, support);
    await runInvoices(db.ds, db.tenantId, '2026-01-01', { clock: clockFrom('2026-01-01T10:00:00Z') });
    await runDailyPass(db.ds, db.tenantId, '2026-01-31'); // composes 1 February's invoice on its eve
    await updateTaxCode(scope, 'Reduced', { rate: '0.1' }, NOW);
    const r = await runInvoices(db.ds, db.tenantId, '2026-02-01', { clock: FEB_1 });
    expect(r.fromUpcoming).to.equal(0);
    expect((await linesOf(scope, ri.id, '2026-02-01')).rows.map((row) => [row[2], row[5]])).to.deep.equal([['0.1', '33.00'], ['0.2', '6.00'], ['0.1', '7.45']]);
  });

  it('each kind of tax setting change grows the inputs version of exactly the recurring invoices it feeds', async () => {
    const a = await insertCustomer(scope, 'A');
    const b = await insertCustomer(scope, 'B');
    const riA = await billCustomer(scope, a, licences, support);
    const riB = await billCustomer(scope, b, licences, support);
    const other = await insertProduct(scope, 'Other', 'Other');
    const version = async () => Promise.all([riA, riB].map(async (ri) => (await scope.repo(RecurringInvoice).findOneBy({ id: ri.id }))!.inputsVersion));
    let before = await version();
    const grew = async (what: () => Promise<unknown>): Promise<boolean[]> => {
      await what();
      const after = await version();
      const out = after.map((v, i) => v > before[i]!);
      before = after;
      return out;
    };
    const gst = await createTaxCode(scope, { code: 'GST', rate: '0.15', kind: 'standard' }, NOW);
    expect(await grew(async () => gst)).to.deep.equal([false, false]); // a new code nothing names
    const exempt = await createTaxCode(scope, { code: 'Exempt', rate: '0', kind: 'exempt' }, NOW);
    expect(await grew(() => updateCustomerBilling(scope, a.id, { taxCodeId: exempt.id }, NOW))).to.deep.equal([true, false]);
    expect(await grew(() => updateCustomerBilling(scope, a.id, { taxCodeId: exempt.id }, NOW))).to.deep.equal([false, false]); // unchanged
    expect(await grew(() => setProductGroupTax(scope, 'Software', 'GST', NOW))).to.deep.equal([true, true]);
    expect(await grew(() => updateTaxCode(scope, 'GST', { rate: '0.16' }, NOW))).to.deep.equal([true, true]);
    expect(await grew(() => scope.repo(Product).update({ id: licences.id }, { productGroup: 'Hardware' }))).to.deep.equal([true, true]);
    expect(await grew(() => scope.repo(Product).update({ id: other.id }, { productGroup: 'Elsewhere' }))).to.deep.equal([false, false]); // on no line
    expect(await grew(() => setProductGroupTax(scope, 'Software', null, NOW))).to.deep.equal([true, true]);
    expect(await grew(() => updateCustomerBilling(scope, a.id, { taxCodeId: null }, NOW))).to.deep.equal([true, false]);
    expect(await grew(() => removeTaxCode(scope, 'GST'))).to.deep.equal([true, true]);
  });

  it('migration: lines billed before it carry their invoice\'s rate and no code; the downgrade drops the columns and tables', async () => {
    const c = await insertCustomer(scope, 'Plain Ltd');
    await billCustomer(scope, c, licences, support);
    await runInvoices(db.ds, db.tenantId, '2026-01-01', { clock: clockFrom('2026-01-01T10:00:00Z') });
    const undone = await undoMigrationsThrough(db.ds, 'TaxCodes1764301000000');
    const q = (n: string) => db.ds.driver.escape(n);
    expect((await db.ds.query(`SELECT * FROM ${q('invoice_lines')}`) as Record<string, unknown>[]).every((r) => !('taxCode' in r) && !('taxRate' in r))).to.equal(true);
    await db.ds.runMigrations({ transaction: 'each' });
    expect(undone[0]).to.equal('TaxCodes1764301000000');
    const lines = await scope.repo(InvoiceLine).find();
    expect(lines.length).to.be.greaterThan(0);
    expect(lines.map((l) => [l.taxRate?.toString(), l.taxCode])).to.deep.equal(lines.map(() => ['0.2', null]));
  });

  it('refuses a standard code as a customer\'s, a code in use from removal, and a duplicate name', async () => {
    const gst = await createTaxCode(scope, { code: 'GST', rate: '0.15', kind: 'standard' }, NOW);
    const exempt = await createTaxCode(scope, { code: 'Exempt', rate: '0.3', kind: 'exempt' }, NOW);
    expect(exempt.rate.toString()).to.equal('0'); // an exempt code bills nothing whatever rate it is given
    const c = await insertCustomer(scope, 'A');
    const fails = async (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as TaxSettingsError);
    const standard = await fails(updateCustomerBilling(scope, c.id, { taxCodeId: gst.id }, NOW));
    expect(standard).to.be.instanceOf(TaxSettingsError).and.have.property('kind', 'invalid');
    expect((await fails(createTaxCode(scope, { code: 'gst', rate: '0.1', kind: 'standard' }, NOW)))?.kind).to.equal('conflict');
    expect((await fails(createTaxCode(scope, { code: 'High', rate: '1.5', kind: 'standard' }, NOW)))?.kind).to.equal('invalid');
    await updateCustomerBilling(scope, c.id, { taxCodeId: exempt.id }, NOW);
    expect((await fails(removeTaxCode(scope, 'Exempt')))?.message).to.contain('1 customer(s)');
    expect((await fails(updateTaxCode(scope, 'Exempt', { kind: 'standard' }, NOW)))?.kind).to.equal('conflict');
    // Another tenant's code is not this tenant's.
    const other = scopeOf(db.ds, (await insertTenant(db.ds, 'other', 'UTC')).id);
    expect((await fails(setProductGroupTax(other, 'Pax8', gst.id, NOW)))?.kind).to.equal('not_found');
  });
});

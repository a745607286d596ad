import { stringify } from 'csv-stringify/sync';
import { Between, In, type DataSource } from 'typeorm';
import { addDays, dateParts, type CalendarDate } from '../billing/dates.js';
import { dec } from '../billing/decimal.js';
import { formatMoney, formatQuantity, formatUnitPrice, roundMoney } from '../billing/money.js';
import { Customer, Invoice, InvoiceLine, Tenant } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { csvSafeRow } from '../common/csv-safe.js';
import { invoiceNumberText } from './queries.js';
import { lineTaxFacts } from './tax-words.js';
import { invoiceTerms, termsText } from './terms.js';

export const CSV_LAYOUTS = ['xero', 'qbo'] as const;
export type CsvLayout = (typeof CSV_LAYOUTS)[number];

export interface CsvExportOptions {
  layout: CsvLayout;
  /** Invoice dates from / to, inclusive. */
  from?: CalendarDate;
  to?: CalendarDate;
  /** Only these invoices (chosen on the invoice list); drafts among them are still left out. */
  invoiceIds?: readonly string[];
  /** Days from invoice date to due date for invoices created before due dates were stored (default: the customer's, else the tenant's terms). */
  dueDays?: number;
  /** Xero: sales account code for every line (default 200), and the tax type of lines without a tax code (default "Tax on Sales"). */
  accountCode?: string;
  taxType?: string;
}

/** Xero's sales-invoice import template columns (starred ones are required by Xero). */
export const XERO_COLUMNS = [
  '*ContactName', 'EmailAddress', 'POAddressLine1', 'POAddressLine2', 'POAddressLine3', 'POAddressLine4', 'POCity', 'PORegion',
  'POPostalCode', 'POCountry', '*InvoiceNumber', 'Reference', '*InvoiceDate', '*DueDate', 'Total', 'InventoryItemCode',
  '*Description', '*Quantity', '*UnitAmount', 'Discount', '*AccountCode', '*TaxType', 'TaxAmount', 'TrackingName1',
  'TrackingOption1', 'TrackingName2', 'TrackingOption2', 'Currency', 'BrandingTheme',
] as const;

/** QuickBooks Online's invoice import columns. */
export const QBO_COLUMNS = [
  'InvoiceNo', 'Customer', 'InvoiceDate', 'DueDate', 'Terms', 'Location', 'Memo', 'Item(Product/Service)', 'ItemDescription',
  'ItemQuantity', 'ItemRate', 'ItemAmount', 'Taxable', 'TaxRate', 'Service Date', 'Currency', 'ItemTaxCode',
] as const;

function dmy(date: CalendarDate): string {
  const { year, month, day } = dateParts(date);
  return `${String(day).padStart(2, '0')}/${String(month).padStart(2, '0')}/${year}`;
}

function mdy(date: CalendarDate): string {
  const { year, month, day } = dateParts(date);
  return `${String(month).padStart(2, '0')}/${String(day).padStart(2, '0')}/${year}`;
}

/**
 * Quantity and unit price as the accounting system multiplies them: a line whose amount is not exactly
 * quantity × unit price rounded (pro-rata, arrears, fractional usage) is exported as 1 × its amount, with the
 * quantity and price kept in the description, so the imported invoice totals what Recurra billed.
 */
function priced(line: InvoiceLine, currency: string): { quantity: string; unit: string; note: string } {
  const q = dec(line.quantity.toString());
  const p = dec(line.unitPrice.toString());
  const amount = dec(line.amount.toString());
  if (roundMoney(q.mul(p), currency).equals(amount)) return { quantity: formatQuantity(q), unit: formatUnitPrice(p, currency), note: '' };
  return { quantity: '1', unit: formatMoney(amount, currency), note: ` (${formatQuantity(q)} × ${formatUnitPrice(p, currency)})` };
}

/** Issued invoices (drafts are not exported) as CSV in Xero's or QuickBooks Online's import layout. */
export async function exportInvoicesCsv(ds: DataSource, tenantId: string, opts: CsvExportOptions): Promise<string> {
  const scope = new TenantScope(ds.manager, tenantId);
  const where: Record<string, unknown> = { status: 'issued' };
  if (opts.from !== undefined || opts.to !== undefined) where.invoiceDate = Between(opts.from ?? '0000-01-01', opts.to ?? '9999-12-31');
  if (opts.invoiceIds !== undefined) where.id = In([...opts.invoiceIds]);
  const invoices = await scope.repo(Invoice).find({ where, order: { number: 'ASC' } });
  const ids = invoices.map((i) => i.id);
  const lines: InvoiceLine[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    lines.push(...(await scope.repo(InvoiceLine).find({ where: { invoiceId: In(ids.slice(i, i + 500)) }, order: { position: 'ASC' } })));
  }
  const customerIds = [...new Set(invoices.map((i) => i.customerId))];
  const customers = new Map<string, Customer>();
  for (let i = 0; i < customerIds.length; i += 500) {
    for (const c of await scope.repo(Customer).findBy({ id: In(customerIds.slice(i, i + 500)) })) customers.set(c.id, c);
  }
  const linesOf = new Map<string, InvoiceLine[]>();
  for (const l of lines) linesOf.set(l.invoiceId, [...(linesOf.get(l.invoiceId) ?? []), l]);
  const tenant = await ds.manager.findOneBy(Tenant, { id: tenantId });
  if (!tenant) throw new Error(`tenant ${tenantId} not found`);
  const rows: string[][] = [];
  for (const inv of invoices) {
    const c = customers.get(inv.customerId);
    const number = invoiceNumberText(inv);
    // The invoice's own due date and terms (fixed at creation); `dueDays` only for invoices from before they were stored.
    const terms = opts.dueDays !== undefined && inv.dueDate === null
      ? { dueDate: addDays(inv.invoiceDate, opts.dueDays), paymentTermsDays: opts.dueDays } : invoiceTerms(inv, tenant, c ?? null);
    const due = terms.dueDate;
    const dueDays = terms.paymentTermsDays;
    const reference = `${inv.periodStart} to ${addDays(inv.periodEnd, -1)}`;
    for (const l of (linesOf.get(inv.id) ?? []).sort((a, b) => a.position - b.position)) {
      const { quantity, unit, note } = priced(l, inv.currency);
      const description = `${l.description}${note}`;
      const tax = lineTaxFacts(l, inv.taxRate); // each line's own rate and code (a line without a code: the invoice's rate)
      if (opts.layout === 'xero') {
        rows.push(csvSafeRow([
          c?.name ?? inv.customerId, '', c?.siteStreet, c?.siteStreet2, '', '', c?.siteCity, c?.siteStateOrProvince, c?.sitePostalCode,
          c?.siteCountry, number, reference, dmy(inv.invoiceDate), dmy(due), formatMoney(dec(inv.total.toString()), inv.currency), '',
          description, quantity, unit, '', opts.accountCode ?? '200', tax.code ?? opts.taxType ?? 'Tax on Sales',
          formatMoney(dec(l.tax.toString()), inv.currency), '', '', '', '', inv.currency, '',
        ]));
      } else {
        rows.push(csvSafeRow([
          number, c?.name ?? inv.customerId, mdy(inv.invoiceDate), mdy(due), termsText(dueDays), '', reference,
          l.description.split(': ')[0], description, quantity, unit, formatMoney(dec(l.amount.toString()), inv.currency),
          tax.rate.isZero() ? 'N' : 'Y', `${tax.rate.mul(100).toString()}%`, mdy(l.fromDate), inv.currency, tax.code ?? '',
        ]));
      }
    }
  }
  const header = opts.layout === 'xero' ? [...XERO_COLUMNS] : [...QBO_COLUMNS];
  return stringify([header, ...rows], { eof: true });
}

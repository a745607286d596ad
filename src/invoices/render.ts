import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import type { DataSource } from 'typeorm';
import { dec } from '../billing/decimal.js';
import { unreachable } from '../billing/line-kinds.js';
import { invoiceNumberText, loadInvoiceDocument, type InvoiceDocument } from './queries.js';
import { invoiceTaxLabel, lineTaxFacts, lineTaxText, reverseChargeNote } from './tax-words.js';
import { invoiceTerms, termsText } from './terms.js';
import { dateRange, formatQuantity, formatUnitPrice, longDate, moneyText } from './words.js';

const TEMPLATES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates');

let compiled: Handlebars.TemplateDelegate | null = null;

/** A private Handlebars instance (default HTML escaping) with the invoice partials registered. */
function template(): Handlebars.TemplateDelegate {
  if (compiled) return compiled;
  const hb = Handlebars.create();
  hb.registerPartial('invoice-line', readFileSync(path.join(TEMPLATES, 'partials/invoice-line.hbs'), 'utf8'));
  compiled = hb.compile(readFileSync(path.join(TEMPLATES, 'invoice.hbs'), 'utf8'), { strict: true });
  return compiled;
}

/** The view the template renders: every figure already formatted as text. */
export function invoiceView(doc: InvoiceDocument): Record<string, unknown> {
  const inv = doc.invoice;
  const c = inv.currency;
  const customer = doc.customer;
  const address = customer
    ? [customer.siteStreet, customer.siteStreet2, [customer.siteCity, customer.siteStateOrProvince, customer.sitePostalCode].filter(Boolean).join(' '), customer.siteCountry]
      .filter((s): s is string => typeof s === 'string' && s.trim() !== '')
    : [];
  const terms = invoiceTerms(inv, doc.tenant, customer);
  return {
    seller: terms.seller,
    dueDate: longDate(terms.dueDate),
    paymentTerms: termsText(terms.paymentTermsDays),
    customer: { name: customer?.name ?? inv.customerId, address },
    number: invoiceNumberText(inv),
    draft: inv.status === 'draft',
    date: longDate(inv.invoiceDate),
    period: dateRange(inv.periodStart, inv.periodEnd),
    currency: c,
    lines: doc.lines.map((l) => {
      const prorata = l.kind === 'prorata';
      // A late correction is an adjustment line whose provenance carries `correction` (late-corrections.ts).
      const correction = prorata && (JSON.parse(l.provenanceJson) as { correction?: unknown }).correction !== undefined;
      // A pro-rata line's description is already a sentence ("Seats: 5 more from …"); show the line name and the words.
      // A correction's reads "Correction to INV-… (January 2026): Seats went from …": the reference, then the words.
      const [name, ...rest] = l.description.split(': ');
      return {
        kind: correction ? 'correction' : l.kind,
        description: correction ? name : prorata ? `${name} (pro-rata adjustment)` : l.description,
        words: lineWords(l, rest.join(': ')),
        period: dateRange(l.fromDate, l.toDate),
        quantity: formatQuantity(dec(l.quantity.toString())),
        unitPrice: formatUnitPrice(dec(l.unitPrice.toString()), c),
        amount: moneyText(dec(l.amount.toString()), c),
        tax: lineTaxText(lineTaxFacts(l, inv.taxRate)),
      };
    }),
    subtotal: moneyText(dec(inv.subtotal.toString()), c),
    tax: moneyText(dec(inv.tax.toString()), c),
    taxPercent: dec(inv.taxRate.toString()).mul(100).toString(),
    taxLabel: invoiceTaxLabel(doc.lines.map((l) => lineTaxFacts(l, inv.taxRate)), inv.taxRate.toString()),
    taxNote: reverseChargeNote(doc.lines.map((l) => lineTaxFacts(l, inv.taxRate))) ?? '',
    total: moneyText(dec(inv.total.toString()), c),
  };
}

/** The words under a line's description, by its kind (a pro-rata line's are the rest of its description). */
function lineWords(l: InvoiceDocument['lines'][number], prorataWords: string): string {
  switch (l.kind) {
    case 'prorata': return prorataWords;
    case 'usage':
      return (JSON.parse(l.provenanceJson) as { usage?: { final?: boolean } }).usage?.final !== false
        ? 'usage: final charges of the month' : 'usage: charges so far (the month was not over; not final)';
    case 'arrears': return 'in arrears, by the day (average quantity)';
    case 'recurring': return '';
    default: return unreachable(l.kind, 'line kind');
  }
}

export function renderInvoiceDocument(doc: InvoiceDocument): string {
  return template()(invoiceView(doc));
}

/** The invoice as an HTML document (templates/invoice.hbs). */
export async function renderInvoiceHtml(ds: DataSource, tenantId: string, invoiceId: string): Promise<string> {
  return renderInvoiceDocument(await loadInvoiceDocument(ds, tenantId, invoiceId));
}

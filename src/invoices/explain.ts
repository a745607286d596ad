import { In, type DataSource } from 'typeorm';
import { dec } from '../billing/decimal.js';
import { unreachable } from '../billing/line-kinds.js';
import { roundRatio } from '../billing/money.js';
import { Invoice, type InvoiceLine } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { type CorrectionFacts, invoiceRefText, periodLabel } from './correction-words.js';
import { invoiceNumberText, loadInvoiceDocument } from './queries.js';
import { lineTaxFacts, lineTaxText, reverseChargeNote } from './tax-words.js';
import { dateRange, formatMoney, formatQuantity, formatUnitPrice, longDate, moneyText } from './words.js';

interface Provenance {
  rule?: string;
  subscriptions?: string[];
  quantities?: { from: string; to: string; quantity: string; links?: { subscription: string; active: boolean; quantity: string; billable: string }[] }[];
  price?: { source: string; asOf: string };
  factor?: { days: number; periodDays: number };
  adjustment?: { quantityBefore: string; quantityAfter: string; highWaterMark?: string };
  /** `final: false`: the month was not over at the run (compose.ts), `capturedBy` the run's day. */
  usage?: { usageSummary: string; month: string; final?: boolean; capturedBy?: string };
  prorataIgnored?: string;
  exact?: { numerator: string; denominator: number };
  billedPeriod?: { start: string; end: string };
  correction?: CorrectionFacts;
}

const ITEM_WORDS: Record<CorrectionFacts['item'], string> = {
  recurring: 'the in-advance charge',
  prorata: 'the pro-rata adjustment',
  arrears: 'the arrears charge',
};

/** A late correction in words; `numbers` has the corrected invoices' numbers as they are now (a draft may have been issued since). */
function correctionWords(c: CorrectionFacts, line: InvoiceLine, currency: string, numbers: Map<string, number | null>): string[] {
  const ref = invoiceRefText({ ...c.corrects, number: numbers.get(c.corrects.invoiceId) ?? c.corrects.number });
  const of = c.item === 'prorata' ? ` of ${longDate(c.date)}` : '';
  const amount = formatMoney(dec(line.amount.toString()), currency);
  return [
    `   Late correction of ${ITEM_WORDS[c.item]}${of} for ${periodLabel(c.period.start, c.period.end)}, billed on ${ref}.`,
    `   The subscription history as recorded now${c.recorded ? ` (changed on ${longDate(c.recorded)})` : ''}: the line ${c.what}.`,
    `   Due for it now ${formatMoney(dec(c.corrected), currency)}, billed for it before ${formatMoney(dec(c.billed), currency)}: this line bills the difference, ${amount} (${c.calculation}).`,
  ];
}

function subName(names: Map<string, string>, id: string): string {
  const name = names.get(id);
  return name ? `"${name}" (${id})` : id;
}

function priceWords(p: Provenance, names: Map<string, string>, unitPrice: string): string {
  if (!p.price) return `Unit price ${unitPrice}.`;
  if (p.price.source === 'line') return `Unit price ${unitPrice}: the line's own price.`;
  if (p.price.source.startsWith('usage summary')) {
    return `Amount ${unitPrice}: the ${p.usage?.final === false ? 'charges so far (not final)' : 'final charges'} of ${p.price.source} for ${p.price.asOf}.`;
  }
  return `Unit price ${unitPrice}: the price of subscription ${subName(names, p.price.source)} on ${longDate(p.price.asOf)} (a price change counts from the next period).`;
}

function exactWords(p: Provenance, amount: string): string {
  if (!p.exact) return '';
  const exact = dec(p.exact.numerator);
  if (p.exact.denominator === 1 && roundRatio(exact, 1, 6).equals(exact) && exact.equals(dec(amount))) return '';
  const shown = roundRatio(exact, p.exact.denominator, 6).toString();
  return ` The exact amount ${shown}${exact.div(p.exact.denominator).equals(dec(shown)) ? '' : '…'} is rounded once, half away from zero, to ${amount}.`;
}

function explainLine(line: InvoiceLine, currency: string, names: Map<string, string>, index: number, numbers: Map<string, number | null>, invoiceRate: string): string {
  const p = JSON.parse(line.provenanceJson) as Provenance;
  const amount = formatMoney(dec(line.amount.toString()), currency);
  const unitPrice = formatUnitPrice(dec(line.unitPrice.toString()), currency);
  const quantity = formatQuantity(dec(line.quantity.toString()));
  const out: string[] = [`${index}. ${line.description} — ${moneyText(dec(line.amount.toString()), currency)}`];
  switch (line.kind) {
    case 'recurring':
      out.push(`   Billed in advance for ${dateRange(line.fromDate, line.toDate)}: quantity ${quantity} on ${longDate(line.fromDate)} × ${unitPrice} = ${amount}.`);
      for (const l of p.quantities?.[0]?.links ?? []) {
        out.push(`   - subscription ${subName(names, l.subscription)}: ${l.active ? `active, quantity ${l.quantity}` : 'not active'}, counts ${l.billable} (after free and minimum quantities).`);
      }
      break;
    case 'arrears':
      out.push(`   Billed in arrears for ${dateRange(line.fromDate, line.toDate)}, by the day: ${unitPrice} × the quantity on each day ÷ the ${p.factor?.periodDays ?? ''} days of the period.`.replace(' the  days', ' the days'));
      for (const q of p.quantities ?? []) out.push(`   - ${dateRange(q.from, q.to)}: quantity ${q.quantity}.`);
      out.push(`   Average quantity ${quantity}.`);
      if (p.prorataIgnored) out.push(`   The line's pro-rata option (${p.prorataIgnored.replace(/_/g, ' ')}) is ignored: an arrears line is billed by the day already.`);
      break;
    case 'usage':
      out.push(p.usage?.final === false
        ? `   Usage for ${dateRange(line.fromDate, line.toDate)}: the charges so far, quantity 1 — not the final charges: the month was not over when the invoice was run (${p.usage.capturedBy ?? 'before its end'}).`
        : `   Usage for ${dateRange(line.fromDate, line.toDate)}: the month's final charges, quantity 1.`);
      break;
    case 'prorata':
      if (p.correction) out.push(...correctionWords(p.correction, line, currency, numbers));
      else if (p.adjustment && p.factor) {
        const a = p.adjustment;
        const f = p.factor;
        const credit = dec(line.quantity.toString()).isNegative();
        out.push(`   Pro-rata (${(p.rule ?? '').replace(/^pro-rata ([a-z_]+).*$/, '$1').replace(/_/g, ' ')}): on ${longDate(line.fromDate)} the quantity went from ${a.quantityBefore} to ${a.quantityAfter}${a.highWaterMark !== undefined ? ` (highest already billed this period: ${a.highWaterMark})` : ''}.`);
        out.push(`   ${credit ? 'Credit' : 'Charge'} for the ${f.days} remaining of ${f.periodDays} days (${dateRange(line.fromDate, line.toDate)}): ${quantity} × ${unitPrice} × ${f.days}/${f.periodDays} = ${amount}.`);
      }
      break;
    default:
      unreachable(line.kind, 'line kind');
  }
  out.push(`   ${priceWords(p, names, unitPrice)}${exactWords(p, amount)}`);
  if (p.rule) out.push(`   Rule: ${p.rule}.`);
  const tax = lineTaxFacts(line, invoiceRate);
  if (tax.code !== null) out.push(`   Tax: ${lineTaxText(tax)}, tax ${formatMoney(dec(line.tax.toString()), currency)}.`);
  const review = JSON.parse(line.reviewJson) as string[];
  if (review.length > 0) out.push(`   Needs review: ${review.join('; ')}.`);
  return out.join('\n');
}

/** Current numbers of the invoices the lines' late corrections refer to. */
async function correctedInvoiceNumbers(ds: DataSource, tenantId: string, lines: readonly InvoiceLine[]): Promise<Map<string, number | null>> {
  const ids = [...new Set(lines.flatMap((l) => {
    const c = (JSON.parse(l.provenanceJson) as Provenance).correction;
    return c ? [c.corrects.invoiceId] : [];
  }))];
  if (ids.length === 0) return new Map();
  const rows = await new TenantScope(ds.manager, tenantId).repo(Invoice).find({ select: { id: true, number: true }, where: { id: In(ids) } });
  return new Map(rows.map((r) => [r.id, r.number]));
}

/** An invoice explained line by line, in words a finance person reads. */
export async function explainInvoice(ds: DataSource, tenantId: string, invoiceId: string): Promise<string> {
  const doc = await loadInvoiceDocument(ds, tenantId, invoiceId);
  const inv = doc.invoice;
  const c = inv.currency;
  const head = [
    `Invoice ${invoiceNumberText(inv)} (${inv.status}) for ${doc.customer?.name ?? inv.customerId}, dated ${longDate(inv.invoiceDate)}, in ${c}.`,
    `From recurring invoice "${doc.recurringInvoice?.name ?? inv.recurringInvoiceId}" (${doc.recurringInvoice?.frequency ?? ''}), period ${dateRange(inv.periodStart, inv.periodEnd)}.`,
    '',
  ];
  const numbers = await correctedInvoiceNumbers(ds, tenantId, doc.lines);
  const body = doc.lines.map((l, i) => explainLine(l, c, doc.subscriptionNames, i + 1, numbers, inv.taxRate.toString()));
  const taxes = doc.lines.map((l) => lineTaxFacts(l, inv.taxRate));
  const rates = [...new Set(taxes.map(lineTaxText))];
  const note = reverseChargeNote(taxes);
  const foot = [
    '',
    `Subtotal ${moneyText(dec(inv.subtotal.toString()), c)} (the sum of the rounded line amounts).`,
    rates.length <= 1 && taxes.every((t) => t.code === null)
      ? `Tax ${moneyText(dec(inv.tax.toString()), c)} (${dec(inv.taxRate.toString()).mul(100).toString()}% of each line, each rounded to the cent, then added).`
      : `Tax ${moneyText(dec(inv.tax.toString()), c)} (each line at its own tax, shown with it — ${rates.join(', ')} — each rounded to the cent, then added; `
        + `a customer's exemption or reverse charge comes first, then the product group's tax code, else the recurring invoice's ${dec(inv.taxRate.toString()).mul(100).toString()}%).`,
    ...(note ? [note] : []),
    `Total ${moneyText(dec(inv.total.toString()), c)}.`,
  ];
  const review = JSON.parse(inv.reviewJson) as string[];
  if (inv.status === 'draft') foot.push(`Held as a draft for review: ${review.join('; ')}. Approve with: recurra invoices approve ${inv.id}`);
  return [...head, ...body, ...foot].join('\n') + '\n';
}

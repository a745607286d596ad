import type { Decimal } from 'decimal.js';
import { fmtMoney as formatMoney, fmtQuantity as formatQuantity } from '../format.js';
import type { ReconcileInput, RLine } from '../model.js';
import { marginPercent, minus, money, plus, QUANTITY_KINDS, ZERO } from './amounts.js';
import type { InputIndex } from './index-inputs.js';
import type { BilledPart, Entry } from './ledger.js';

/** What the finding rules read about one settled row. */
export interface RowContext {
  entry: Entry;
  input: ReconcileInput;
  index: InputIndex;
  /** The subscription carries usage summaries (its Pax8 usage is reported on them). */
  isCarrier: boolean;
  /** The recurring-invoice lines the row's subscription is linked to. */
  links: { line: RLine; free: Decimal }[];
  /** The parts billed by licence lines (recurring, arrears). */
  quantityParts: BilledPart[];
}

/**
 * Step 4: one row's figures once both sides are in: the cost estimate when Pax8 has no bill for the month, the
 * quantity held, the free licences and the margin (explainRow words each amount).
 */
export function settleRow(entry: Entry, input: ReconcileInput, index: InputIndex): RowContext {
  const { row, sub, usage } = entry;
  const isCarrier = sub ? index.summariesByCarrier.has(sub.pax8Id) && sub.kind !== 'usage_summary' : false;
  if (entry.items.length === 0 && input.pax8Source === 'none') {
    if (usage && usage.monthPartnerTotal !== null) {
      row.cost = usage.monthPartnerTotal;
      row.costSource = 'estimate';
    } else if (sub && !usage && sub.active && !isCarrier && sub.cost !== null) {
      row.cost = sub.cost.mul(sub.quantity);
      row.costSource = 'estimate';
    }
  }
  // Held: what Pax8 bills for the month; without Pax8 items, the subscription's quantity while active
  // (or nothing when Pax8 has a bill for the month that does not charge it).
  if (entry.heldFromPax8 !== null) row.heldQuantity = entry.heldFromPax8;
  else if (sub && !usage) row.heldQuantity = input.pax8Source === 'none' && sub.active ? sub.quantity : ZERO;
  const links = row.subscriptionId ? index.linksBySub.get(row.subscriptionId) ?? [] : [];
  row.freeQuantity = links.reduce((s, l) => plus(s, l.free), ZERO);
  row.margin = minus(row.billed, row.cost);
  row.marginPercent = marginPercent(row.margin, row.billed);
  return { entry, input, index, isCarrier, links, quantityParts: entry.parts.filter((p) => QUANTITY_KINDS.has(p.line.kind)) };
}

/**
 * A settled row's explanation: how cost and billed were found and why they differ, then the notes of its findings
 * (`ruleNotes`). Written only when the row's explanation is read (LedgerRow).
 */
export function explainRow(entry: Entry, input: Pick<ReconcileInput, 'month' | 'pax8Source'>, ruleNotes: readonly string[]): string[] {
  const { row, sub, usage } = entry;
  const cur = row.currency;
  const out = [...entry.notes];
  for (const item of entry.items) {
    out.push(`Pax8 ${item.type ?? 'item'}${item.description ? ` "${item.description}"` : ''}: quantity ${formatQuantity(item.quantity)}, ${money(item.amountDue, item.currency)}`);
  }
  if (entry.items.length === 0) {
    if (row.costSource === 'estimate') {
      out.push(usage
        ? `no Pax8 invoice for ${input.month} yet: cost is the usage summary's partner total ${money(row.cost, cur)}`
        : `no Pax8 invoice for ${input.month} yet: cost estimated as partner cost ${formatMoney(sub!.cost!, cur)} × quantity ${formatQuantity(sub!.quantity)}`);
    } else if (input.pax8Source !== 'none' && (sub || usage)) {
      out.push(`Pax8 bills nothing for it in ${input.month}`);
    }
  }
  for (const p of entry.parts) {
    const l = p.line;
    const share = p.amount.equals(l.amount) ? '' : ` (its share of ${money(l.amount, l.currency)})`;
    out.push(
      `Recurra invoice ${l.invoiceNumber ?? l.invoiceId} line "${l.description}" (${l.kind}, ${l.fromDate} to ${l.toDate})`
      + `${QUANTITY_KINDS.has(l.kind) ? `: ${formatQuantity(p.quantity)} × ${formatMoney(l.unitPrice, l.currency)}` : ''} = ${money(p.amount, l.currency)}${share}`,
    );
  }
  if (!row.freeQuantity.isZero()) out.push(`${formatQuantity(row.freeQuantity)} licence(s) given free on the linked line(s): not leakage`);
  if (row.customerId === null && entry.parts.length === 0) out.push('belongs to no customer: nothing can be billed');
  out.push(...ruleNotes);
  return out;
}

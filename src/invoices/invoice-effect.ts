import { Decimal } from 'decimal.js';
import { In } from 'typeorm';
import {
  formatMoney, historyOf, lineQuantityOn, periodContaining, prorataAdjustments, roundMoney, unitPriceFor,
  type CalendarDate, type Histories, type RecurringLineSpec,
} from '../billing/index.js';
import { RecurringInvoiceLink, type Subscription } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { loadRecurringInvoices } from './loader.js';

/**
 * What a change of one or more subscriptions on `date` does to the recurring invoices they are linked to,
 * computed with the billing engine's own functions (src/billing) on the recorded history plus the
 * hypothetical change — exactly what the daily pass computes once the change is recorded.
 */

export interface HypotheticalChange {
  subscriptionId: string;
  quantity: Decimal;
  /** Default: unchanged. */
  active?: boolean;
}

export interface LineEffect {
  recurringInvoiceId: string;
  recurringInvoiceName: string;
  lineId: string;
  description: string;
  /** The subscriptions linked to the line. */
  subscriptionIds: string[];
  currency: string;
  unitPrice: string;
  prorata: string;
  periodStart: string;
  periodEnd: string;
  /** Line quantity Q on the date, before and after the change (free/minimum applied). */
  quantityBefore: string;
  quantityAfter: string;
  /** Q × unit price for a whole period, before and after; the per-period difference. */
  periodTotalBefore: string;
  periodTotalAfter: string;
  periodDelta: string;
  /** The pro-rata adjustment this change adds to the next invoice (negative: a credit); "0.00" when none. */
  prorataAmount: string;
  prorataDays: number;
  periodDays: number;
  /** The next invoice of the recurring invoice: where the pro-rata line and the new quantity appear. */
  nextInvoiceDate: string;
  /** Why there is no pro-rata line, when there is none. */
  note: string | null;
}

export interface InvoiceEffect {
  date: string;
  lines: LineEffect[];
  /** Words for notices and the CLI. */
  summary: string;
}

const ZERO = new Decimal(0);

function withChanges(histories: Histories, changes: readonly HypotheticalChange[], date: CalendarDate): Histories {
  const next = new Map(histories);
  for (const c of changes) {
    const h = histories.get(c.subscriptionId);
    if (!h) continue;
    const status = c.active === undefined ? undefined : c.active ? 'Active' : 'Cancelled';
    // Appended last: same-date changes already recorded come first, as the new row will be observed after them.
    next.set(c.subscriptionId, historyOf(c.subscriptionId, [...h.changes, { date, quantity: c.quantity, ...(status ? { status } : {}) }], h.currency));
  }
  return next;
}

function adjustmentOn(spec: RecurringLineSpec, histories: Histories, period: { start: string; end: string; days: number }, unitPrice: Decimal, date: CalendarDate) {
  return prorataAdjustments(spec, histories, period, unitPrice).find((a) => a.date === date) ?? null;
}

/**
 * Effects on every active recurring-invoice line linked to one of the changed subscriptions. `baseline`
 * (notices of changes already recorded) states what "before" was on `date`; default: the recorded history.
 */
export async function invoiceEffect(
  scope: TenantScope, changes: readonly HypotheticalChange[], date: CalendarDate, baseline?: readonly HypotheticalChange[],
): Promise<InvoiceEffect> {
  const ids = [...new Set(changes.map((c) => c.subscriptionId))];
  const links = ids.length ? await scope.repo(RecurringInvoiceLink).findBy({ subscriptionId: In(ids) }) : [];
  const riIds = [...new Set(links.map((l) => l.recurringInvoiceId))];
  const loaded = riIds.length ? await loadRecurringInvoices(scope, { ids: riIds }) : [];
  const lines: LineEffect[] = [];
  for (const l of loaded) {
    const before = baseline ? withChanges(l.ctx.histories, baseline, date) : l.ctx.histories;
    const after = withChanges(l.ctx.histories, changes, date);
    for (const spec of l.ctx.lines) {
      if (spec.timing === 'usage' || !spec.links.some((k) => ids.includes(k.subscription))) continue;
      const row = l.lines.find((x) => x.id === spec.id)!;
      const currency = l.ri.currency;
      const period = periodContaining(l.ctx.schedule, date);
      let unitPrice: Decimal;
      try {
        unitPrice = unitPriceFor(spec, after, date < l.ri.startDate ? l.ri.startDate : period.start).unitPrice;
      } catch {
        continue; // a followed price never given: the daily pass reports it; nothing to estimate here
      }
      const qBefore = lineQuantityOn(spec, before, date);
      const qAfter = lineQuantityOn(spec, after, date);
      let prorata = ZERO;
      let days = 0;
      let note: string | null = null;
      if (spec.timing !== 'advance') note = 'billed in arrears by the day: the new quantity counts from the change date';
      else if (spec.prorata === 'none') note = 'no pro-rata on this line: the next period bills the new quantity';
      else if (date < l.ri.startDate || period.start < l.ri.startDate) note = 'the period is not billed yet: the first invoice bills the new quantity';
      else if (date <= period.start) note = 'a change on the period start is part of that period\'s charge';
      else {
        const price = unitPriceFor(spec, after, period.start).unitPrice;
        const a = adjustmentOn(spec, after, period, price, date);
        const b = adjustmentOn(spec, before, period, price, date);
        // Same-day changes net to one adjustment: this change's share is the difference it makes.
        const exactA = a ? roundMoney(a.exact, currency) : ZERO;
        const exactB = b ? roundMoney(b.exact, currency) : ZERO;
        prorata = exactA.sub(exactB);
        days = a?.factor.days ?? b?.factor.days ?? 0;
        if (prorata.isZero()) note = spec.prorata === 'increases_only' && qAfter.lt(qBefore) ? 'increases only: a decrease gives no credit' : 'no change of the billed quantity';
      }
      const totalBefore = roundMoney(qBefore.mul(unitPrice), currency);
      const totalAfter = roundMoney(qAfter.mul(unitPrice), currency);
      lines.push({
        recurringInvoiceId: l.ri.id, recurringInvoiceName: l.ri.name, lineId: spec.id, description: row.description, subscriptionIds: spec.links.map((k) => k.subscription), currency,
        unitPrice: unitPrice.toString(), prorata: spec.prorata, periodStart: period.start, periodEnd: period.end,
        quantityBefore: qBefore.toString(), quantityAfter: qAfter.toString(),
        periodTotalBefore: formatMoney(totalBefore, currency), periodTotalAfter: formatMoney(totalAfter, currency),
        periodDelta: formatMoney(totalAfter.sub(totalBefore), currency), prorataAmount: formatMoney(prorata, currency),
        prorataDays: days, periodDays: period.days, nextInvoiceDate: l.ri.nextInvoiceDate > date ? l.ri.nextInvoiceDate : period.end, note,
      });
    }
  }
  return { date, lines, summary: summarize(lines) };
}

export function summarize(lines: readonly LineEffect[]): string {
  if (lines.length === 0) return 'Not on any recurring invoice: no invoice changes.';
  return lines.map((e) => {
    const parts = [`${e.recurringInvoiceName} / ${e.description}: quantity ${e.quantityBefore} → ${e.quantityAfter}`];
    if (new Decimal(e.prorataAmount).isZero()) parts.push(e.note ?? 'no pro-rata line');
    else parts.push(`pro-rata ${e.prorataAmount} ${e.currency} (${e.prorataDays}/${e.periodDays} days) on the invoice of ${e.nextInvoiceDate}`);
    parts.push(`period total ${e.periodTotalBefore} → ${e.periodTotalAfter} ${e.currency}`);
    return parts.join('; ');
  }).join('\n');
}

/** The unit price to estimate with: the first linked line's, else the subscription's own Pax8 price. */
export function estimatePrice(effect: InvoiceEffect, sub: Pick<Subscription, 'id' | 'price' | 'currency'>): { unitPrice: Decimal | null; currency: string | null } {
  const line = effect.lines[0];
  if (line) return { unitPrice: new Decimal(line.unitPrice), currency: line.currency };
  return { unitPrice: sub.price ? new Decimal(sub.price.toString()) : null, currency: sub.currency };
}

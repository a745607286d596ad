import { Decimal } from 'decimal.js';
import { DAY_MS, addMonths, daysInMonth, formatDate, startOfMonthUtc } from './dates.js';
import { Rng, hashString } from './prng.js';
import type { SandboxData } from './data.js';
import type { BillingTerm, SandboxSubscription, SubscriptionStatus } from './types.js';

/**
 * Pax8's own bill to the partner, derived from the subscriptions and usage summaries.
 *
 * - One invoice per month and currency. The invoice for month M is dated the 1st of M+1,
 *   due the 15th, and is *published* (listed) once the sandbox clock reaches the 5th of M+1.
 *   The book starts 3 months before the clock's start month; advancing the clock publishes more.
 * - Items for month M: `subscription` (full month, or anniversary month for Annual/2-/3-Year),
 *   `prorate` (started or cancelled within M, by days), `one-time` (One-Time/Activation terms in
 *   their start month), `service-credit` (a deterministic few, negative), and usage of the month
 *   the usage summaries cover (term `Arrears`, amountDue = the summary's partnerTotal).
 * - amountDue is what the partner owes Pax8 (cost side); price/subTotal/total are the customer side.
 * - An invoice's items are fixed the first time that month is computed (later mutations do not
 *   rewrite history); drafts (`draftItems`) are recomputed until the next mutation.
 */
export interface SandboxInvoiceItem {
  id: string;
  type: 'prorate' | 'subscription' | 'one-time' | 'service-credit';
  companyId: string;
  externalId?: string;
  companyName: string;
  startPeriod: string;
  endPeriod: string;
  quantity: number;
  unitOfMeasure: string;
  term: string;
  sku: string;
  description: string;
  rateType: string;
  chargeType: 'flat' | 'per';
  price: Decimal;
  subTotal: Decimal;
  cost: Decimal;
  costTotal: Decimal;
  offeredBy: string;
  billedByPax8: boolean;
  total: Decimal;
  productId: string;
  productName: string;
  billingFee: Decimal;
  billingFeeRate: Decimal;
  amountDue: Decimal;
  currencyCode: string;
  salesTax: Decimal;
  subscriptionId: string;
  vendorName: string;
}

export interface SandboxInvoice {
  id: string;
  invoiceDate: string;
  dueDate: string;
  status: 'Unpaid' | 'Paid';
  balance: Decimal;
  carriedBalance: Decimal;
  total: Decimal;
  currencyCode: string;
  partnerName: string;
  /** Month covered (UTC ms of its 1st day). */
  monthStartMs: number;
  items: SandboxInvoiceItem[];
}

export const PARTNER_NAME = 'Northwind Managed IT';
const HISTORY_MONTHS = 3;
const PUBLISH_DAY = 5;

const BILLED: ReadonlySet<SubscriptionStatus> = new Set(['Active', 'PendingCancel', 'Converted', 'Activated', 'Cancelled']);
const ITEM_TERM: Record<BillingTerm, string> = {
  Monthly: 'Monthly', Annual: 'Annual', '2-Year': '2 Year', '3-Year': '3 Year', 'One-Time': 'One-Time', Trial: 'Trial', Activation: 'Activation',
};
const TERM_MONTHS: Partial<Record<BillingTerm, number>> = { Annual: 12, '2-Year': 24, '3-Year': 36 };

function monthsBetween(fromMs: number, toMs: number): number {
  const a = new Date(fromMs);
  const b = new Date(toMs);
  return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
}

export class InvoiceBook {
  private readonly frozen = new Map<string, SandboxInvoiceItem[]>();
  private draftCache: { version: number; month: number; items: SandboxInvoiceItem[] } | null = null;
  private listCache: { key: string; invoices: SandboxInvoice[] } | null = null;

  constructor(private readonly data: SandboxData) {}

  /** First months' starts (UTC ms) of every published invoice month, oldest first. */
  publishedMonths(): number[] {
    const first = addMonths(startOfMonthUtc(this.data.clock.startInstantMs()), -HISTORY_MONTHS);
    const now = this.data.clock.nowMs();
    const out: number[] = [];
    for (let m = first; ; m = addMonths(m, 1)) {
      const publishedAt = addMonths(m, 1) + (PUBLISH_DAY - 1) * DAY_MS;
      if (publishedAt > now) break;
      out.push(m);
    }
    return out;
  }

  /** All published invoices, newest first. */
  invoices(): SandboxInvoice[] {
    const months = this.publishedMonths();
    const key = months.join(',');
    if (this.listCache?.key === key) return this.listCache.invoices;
    const out: SandboxInvoice[] = [];
    months.forEach((m, i) => {
      const latest = i === months.length - 1;
      const byCurrency = new Map<string, SandboxInvoiceItem[]>();
      for (const item of this.itemsForMonth(m, true)) {
        const list = byCurrency.get(item.currencyCode);
        if (list) list.push(item);
        else byCurrency.set(item.currencyCode, [item]);
      }
      for (const currency of [...byCurrency.keys()].sort()) {
        const items = byCurrency.get(currency)!;
        const total = items.reduce((s, x) => s.plus(x.amountDue), new Decimal(0));
        const invoiceDateMs = addMonths(m, 1);
        out.push({
          id: Rng.from(this.data.seed, `invoice:${m}:${currency}`).uuid(),
          invoiceDate: formatDate(invoiceDateMs),
          dueDate: formatDate(invoiceDateMs + 14 * DAY_MS),
          status: latest ? 'Unpaid' : 'Paid',
          balance: latest ? total : new Decimal(0),
          carriedBalance: new Decimal(0),
          total,
          currencyCode: currency,
          partnerName: PARTNER_NAME,
          monthStartMs: m,
          items,
        });
      }
    });
    out.reverse();
    this.listCache = { key, invoices: out };
    return out;
  }

  /** Draft items: monthOffset 0 = the clock's month, 1 = next month. */
  draftItems(monthOffset: 0 | 1): SandboxInvoiceItem[] {
    const month = addMonths(startOfMonthUtc(this.data.clock.nowMs()), monthOffset);
    const c = this.draftCache;
    if (c && c.version === this.data.version && c.month === month) return c.items;
    const items = this.computeMonth(month);
    this.draftCache = { version: this.data.version, month, items };
    return items;
  }

  private itemsForMonth(monthStartMs: number, freeze: boolean): SandboxInvoiceItem[] {
    const key = String(monthStartMs);
    const hit = this.frozen.get(key);
    if (hit) return hit;
    const items = this.computeMonth(monthStartMs);
    if (freeze) this.frozen.set(key, items);
    return items;
  }

  private computeMonth(monthStartMs: number): SandboxInvoiceItem[] {
    const d = new Date(monthStartMs);
    const dim = daysInMonth(d.getUTCFullYear(), d.getUTCMonth());
    const monthEndMs = monthStartMs + (dim - 1) * DAY_MS;
    const items: SandboxInvoiceItem[] = [];
    const ids = Rng.from(this.data.seed, `invoice-items:${monthStartMs}`);
    const nextId = () => ids.uuid();
    const bounds = { start: formatDate(monthStartMs), end: formatDate(monthEndMs) };
    for (const s of this.data.subscriptions) {
      if (!BILLED.has(s.status)) continue;
      const item = this.subscriptionItem(s, monthStartMs, monthEndMs, dim, nextId, bounds);
      if (!item) continue;
      items.push(item);
      if (item.type === 'subscription' && hashString(`${this.data.seed}:${s.id}:${monthStartMs}`) % 100 === 0) {
        const credit = item.costTotal.mul('0.1').toDecimalPlaces(2).neg();
        const retail = item.subTotal.mul('0.1').toDecimalPlaces(2).neg();
        items.push({ ...item, id: nextId(), type: 'service-credit', description: `Service credit: ${item.description}`, quantity: 1, chargeType: 'flat', price: retail, subTotal: retail, total: retail, cost: credit, costTotal: credit, amountDue: credit });
      }
    }
    for (const summary of this.data.usageSummaries) {
      if (summary.monthStartMs !== monthStartMs) continue;
      // The running totals at the clock: the month so far on a draft, the final figures once the month is published.
      const u = this.data.usageSummaryNow(summary);
      const sub = this.data.subscriptionById.get(u.subscriptionId);
      if (!sub) continue;
      const company = this.data.companyById.get(u.companyId ?? sub.companyId)!;
      const product = this.data.productById.get(u.productId)!;
      items.push({
        id: nextId(), type: 'subscription', companyId: company.id, ...(company.externalId ? { externalId: company.externalId } : {}), companyName: company.name,
        startPeriod: formatDate(monthStartMs), endPeriod: formatDate(monthEndMs), quantity: 1, unitOfMeasure: product.unitOfMeasurement, term: 'Arrears',
        sku: product.sku, description: `${product.name} usage${u.resourceGroup ? ` (${u.resourceGroup})` : ''}`, rateType: 'markup', chargeType: 'flat',
        price: u.currentCharges, subTotal: u.currentCharges, cost: u.partnerTotal, costTotal: u.partnerTotal, offeredBy: 'Pax8', billedByPax8: company.billOnBehalfOfEnabled,
        total: u.currentCharges, productId: product.id, productName: product.name, billingFee: new Decimal(0), billingFeeRate: new Decimal(0),
        amountDue: u.partnerTotal, currencyCode: u.currencyCode, salesTax: new Decimal(0), subscriptionId: sub.id, vendorName: product.vendorName,
      });
    }
    return items;
  }

  private subscriptionItem(
    s: SandboxSubscription, monthStartMs: number, monthEndMs: number, dim: number, nextId: () => string, bounds: { start: string; end: string },
  ): SandboxInvoiceItem | null {
    const product = this.data.productById.get(s.productId)!;
    if (product.usageBased) return null;
    const start = s.billingStartMs;
    const endDay = s.endMs === undefined ? undefined : Math.floor(s.endMs / DAY_MS) * DAY_MS;
    if (start > monthEndMs) return null;
    if (endDay !== undefined && endDay < monthStartMs) return null;
    let type: SandboxInvoiceItem['type'] = 'subscription';
    let from = monthStartMs;
    let to = monthEndMs;
    let fraction: Decimal | null = null;
    const term = s.billingTerm;
    if (term === 'One-Time' || term === 'Activation') {
      if (start < monthStartMs) return null;
      type = 'one-time';
      from = start;
    } else if (term === 'Trial') {
      return null;
    } else if (TERM_MONTHS[term] !== undefined) {
      const k = monthsBetween(start, monthStartMs);
      if (k % TERM_MONTHS[term]! !== 0) return null;
      from = addMonths(start, k);
      to = addMonths(from, TERM_MONTHS[term]!) - DAY_MS;
    } else {
      if (start > monthStartMs) from = start;
      if (endDay !== undefined && endDay < monthEndMs) to = endDay;
      const days = Math.round((to - from) / DAY_MS) + 1;
      if (days < dim) {
        type = 'prorate';
        fraction = new Decimal(days).div(dim);
      }
    }
    const company = this.data.companyById.get(s.companyId)!;
    const qty = new Decimal(s.quantity);
    const scale = (unit: Decimal) => (fraction ? unit.mul(qty).mul(fraction).toDecimalPlaces(2, Decimal.ROUND_HALF_UP) : unit.mul(qty));
    const subTotal = scale(s.price);
    const costTotal = scale(s.partnerCost);
    const pricing = product.pricing.find((p) => p.billingTerm === term) ?? product.pricing[0]!;
    return {
      id: nextId(), type, companyId: company.id, ...(company.externalId ? { externalId: company.externalId } : {}), companyName: company.name,
      startPeriod: from === monthStartMs ? bounds.start : formatDate(from), endPeriod: to === monthEndMs ? bounds.end : formatDate(to), quantity: s.quantity, unitOfMeasure: product.unitOfMeasurement, term: ITEM_TERM[term],
      sku: product.sku, description: product.name, rateType: pricing.type === 'Tiered' ? 'tiered' : pricing.type === 'Volume' ? 'volume' : 'single',
      chargeType: pricing.rates[0]?.chargeType === 'Flat Rate' ? 'flat' : 'per', price: s.price, subTotal, cost: s.partnerCost, costTotal,
      offeredBy: 'Pax8', billedByPax8: company.billOnBehalfOfEnabled, total: subTotal, productId: product.id, productName: product.name,
      billingFee: new Decimal(0), billingFeeRate: new Decimal(0), amountDue: costTotal, currencyCode: s.currencyCode, salesTax: new Decimal(0),
      subscriptionId: s.id, vendorName: product.vendorName,
    };
  }
}

import type { Decimal } from 'decimal.js';
import type { CostSource, Pax8Source, RBilledLine, RPax8Item, RSubscription, RUsage, SubscriptionRow } from '../model.js';
import { ZERO } from './amounts.js';
import type { InputIndex } from './index-inputs.js';

export interface BilledPart {
  line: RBilledLine;
  amount: Decimal;
  quantity: Decimal;
}

/** One row being built: what Pax8 bills on it and what Recurra billed on it. */
export interface Entry {
  row: SubscriptionRow;
  sub: RSubscription | null;
  usage: RUsage | null;
  items: RPax8Item[];
  parts: BilledPart[];
  heldFromPax8: Decimal | null;
  unitCostFromPax8: Decimal | null;
  /** Pax8 usage (term Arrears) billed on it. */
  usageCost: Decimal;
}

const HELD_TYPES = new Set(['subscription', 'prorate']);

type RowFields = Partial<SubscriptionRow> & { customerId: string | null; name: string; currency: string };

/**
 * The rows of the month by key (`s:` subscription, `u:` usage summary, `p:`/`c:` Pax8 items Recurra does not know),
 * created on first use; the Pax8 side and the billed side add to them.
 */
export class Ledger {
  readonly entries = new Map<string, Entry>();
  private readonly pax8Cost: CostSource;

  constructor(private readonly index: InputIndex, pax8Source: Pax8Source) {
    this.pax8Cost = pax8Source === 'invoice' ? 'pax8_invoice' : pax8Source === 'draft' ? 'pax8_draft' : 'none';
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  entry(key: string, init: () => Pick<Entry, 'row' | 'sub' | 'usage'>): Entry {
    let e = this.entries.get(key);
    if (!e) {
      e = { ...init(), items: [], parts: [], heldFromPax8: null, unitCostFromPax8: null, usageCost: ZERO };
      this.entries.set(key, e);
    }
    return e;
  }

  row(key: string, p: RowFields): SubscriptionRow {
    return {
      key, subscriptionId: null, usageSummaryId: null, pax8SubscriptionId: null, customerName: this.index.nameOf(p.customerId), heldQuantity: null,
      freeQuantity: ZERO, billedQuantity: ZERO, cost: ZERO, costSource: 'none', billed: ZERO, margin: ZERO, marginPercent: null, explanation: [], ...p,
    };
  }

  /** A subscription's row (a usage-summary subscription's is its summary's). */
  forSubscription(s: RSubscription, fallbackCurrency: string): Entry {
    const u = s.kind === 'usage_summary'
      ? (this.index.usageBySubscription.get(s.id) ?? (s.usageSummaryId ? this.index.usageById.get(s.usageSummaryId) : undefined))
      : undefined;
    if (u) return this.forUsage(u);
    return this.entry(`s:${s.id}`, () => ({
      sub: s, usage: null,
      row: this.row(`s:${s.id}`, {
        subscriptionId: s.id, pax8SubscriptionId: s.pax8Id, customerId: s.customerId, name: s.name, currency: s.currency ?? fallbackCurrency,
        heldQuantity: s.quantity,
      }),
    }));
  }

  forUsage(u: RUsage): Entry {
    return this.entry(`u:${u.id}`, () => ({
      sub: u.subscriptionId ? this.index.subsById.get(u.subscriptionId) ?? null : null, usage: u,
      row: this.row(`u:${u.id}`, {
        subscriptionId: u.subscriptionId, usageSummaryId: u.id, pax8SubscriptionId: u.pax8SubscriptionId, customerId: u.customerId,
        name: u.name, currency: u.currency,
      }),
    }));
  }

  /** The row of Pax8 items Recurra has no subscription for (per Pax8 subscription, else per company and currency). */
  forUnknown(item: RPax8Item): Entry {
    const key = item.pax8SubscriptionId ? `p:${item.pax8SubscriptionId}` : `c:${item.pax8CompanyId ?? '?'}:${item.currency}`;
    const customerId = item.pax8CompanyId ? this.index.mapping.get(item.pax8CompanyId) ?? null : null;
    return this.entry(key, () => ({
      sub: null, usage: null,
      row: this.row(key, {
        pax8SubscriptionId: item.pax8SubscriptionId, customerId, currency: item.currency,
        name: item.description ?? `Pax8 items of ${item.companyName ?? item.pax8CompanyId ?? 'an unknown company'}`,
      }),
    }));
  }

  addItem(e: Entry, item: RPax8Item): void {
    e.items.push(item);
    e.row.cost = e.row.cost.plus(item.amountDue);
    e.row.costSource = this.pax8Cost;
    if ((item.term ?? '').toLowerCase() === 'arrears') e.usageCost = e.usageCost.plus(item.amountDue);
    else if (item.type && HELD_TYPES.has(item.type.toLowerCase())) {
      if (e.heldFromPax8 === null || item.quantity.greaterThan(e.heldFromPax8)) e.heldFromPax8 = item.quantity;
      if (e.unitCostFromPax8 === null && item.unitCost !== null) e.unitCostFromPax8 = item.unitCost;
    }
  }
}

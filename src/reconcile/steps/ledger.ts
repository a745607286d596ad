import type { Decimal } from 'decimal.js';
import type { CostSource, Pax8Source, RBilledLine, RPax8Item, RSubscription, RUsage, SubscriptionRow } from '../model.js';
import { plus, ZERO } from './amounts.js';
import type { InputIndex } from './index-inputs.js';

export interface BilledPart {
  line: RBilledLine;
  amount: Decimal;
  quantity: Decimal;
}

/** One row being built: what Pax8 bills on it and what Recurra billed on it. */
export interface Entry {
  row: LedgerRow;
  sub: RSubscription | null;
  usage: RUsage | null;
  items: RPax8Item[];
  parts: BilledPart[];
  heldFromPax8: Decimal | null;
  unitCostFromPax8: Decimal | null;
  /** Pax8 usage (term Arrears) billed on it. */
  usageCost: Decimal;
  /** Explanation lines written while attributing, before the row's own (see settle-row.ts explainRow). */
  notes: string[];
}

const HELD_TYPES = new Set(['subscription', 'prorate']);

type RowFields = Partial<Pick<SubscriptionRow, 'subscriptionId' | 'usageSummaryId' | 'pax8SubscriptionId' | 'heldQuantity'>>
  & Pick<SubscriptionRow, 'customerId' | 'name' | 'currency'>;

/**
 * A row whose explanation is written when first read (pages, exports): most reports are only totalled or searched for
 * findings (the dashboard, the charts, the nightly job, a fix), and a month has a row per subscription.
 */
export class LedgerRow implements SubscriptionRow {
  subscriptionId: string | null;
  usageSummaryId: string | null;
  pax8SubscriptionId: string | null;
  customerId: string | null;
  name: string;
  currency: string;
  heldQuantity: Decimal | null;
  freeQuantity: Decimal = ZERO;
  billedQuantity: Decimal = ZERO;
  cost: Decimal = ZERO;
  costSource: CostSource = 'none';
  billed: Decimal = ZERO;
  margin: Decimal = ZERO;
  marginPercent: Decimal | null = null;
  #explain: (() => string[]) | null = null;
  #explanation: string[] | null = null;

  constructor(readonly key: string, readonly customerName: string, p: RowFields) {
    this.subscriptionId = p.subscriptionId ?? null;
    this.usageSummaryId = p.usageSummaryId ?? null;
    this.pax8SubscriptionId = p.pax8SubscriptionId ?? null;
    this.customerId = p.customerId;
    this.name = p.name;
    this.currency = p.currency;
    this.heldQuantity = p.heldQuantity ?? null;
  }

  get explanation(): string[] {
    if (this.#explanation === null) {
      this.#explanation = this.#explain?.() ?? [];
      this.#explain = null;
    }
    return this.#explanation;
  }

  /** How the explanation is written once the row is settled and its findings are known. */
  explainWith(explain: () => string[]): void {
    this.#explain = explain;
    this.#explanation = null;
  }
}

/**
 * The rows of the month by key (`s:` subscription, `u:` usage summary, `p:`/`c:` Pax8 items Recurra does not know),
 * created on first use; the Pax8 side and the billed side add to them.
 */
export class Ledger {
  readonly entries = new Map<string, Entry>();
  /** Each subscription's entry once found: its key is not built and hashed again for every item and line. */
  private readonly bySubscription = new Map<RSubscription, Entry>();
  private readonly pax8Cost: CostSource;

  constructor(private readonly index: InputIndex, pax8Source: Pax8Source) {
    this.pax8Cost = pax8Source === 'invoice' ? 'pax8_invoice' : pax8Source === 'draft' ? 'pax8_draft' : 'none';
  }

  entry(key: string, init: () => Pick<Entry, 'row' | 'sub' | 'usage'>): Entry {
    let e = this.entries.get(key);
    if (!e) {
      const { row, sub, usage } = init();
      e = { row, sub, usage, items: [], parts: [], heldFromPax8: null, unitCostFromPax8: null, usageCost: ZERO, notes: [] };
      this.entries.set(key, e);
    }
    return e;
  }

  row(key: string, p: RowFields): LedgerRow {
    return new LedgerRow(key, this.index.nameOf(p.customerId), p);
  }

  /** A subscription's row (a usage-summary subscription's is its summary's). */
  forSubscription(s: RSubscription, fallbackCurrency: string): Entry {
    let e = this.bySubscription.get(s);
    if (e) return e;
    const u = s.kind === 'usage_summary'
      ? (this.index.usageBySubscription.get(s.id) ?? (s.usageSummaryId ? this.index.usageById.get(s.usageSummaryId) : undefined))
      : undefined;
    const key = `s:${s.id}`;
    e = u ? this.forUsage(u) : this.entry(key, () => ({
      sub: s, usage: null,
      row: this.row(key, {
        subscriptionId: s.id, pax8SubscriptionId: s.pax8Id, customerId: s.customerId, name: s.name, currency: s.currency ?? fallbackCurrency,
        heldQuantity: s.quantity,
      }),
    }));
    this.bySubscription.set(s, e);
    return e;
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
    e.row.cost = plus(e.row.cost, item.amountDue);
    e.row.costSource = this.pax8Cost;
    if ((item.term ?? '').toLowerCase() === 'arrears') e.usageCost = plus(e.usageCost, item.amountDue);
    else if (item.type && HELD_TYPES.has(item.type.toLowerCase())) {
      if (e.heldFromPax8 === null || item.quantity.greaterThan(e.heldFromPax8)) e.heldFromPax8 = item.quantity;
      if (e.unitCostFromPax8 === null && item.unitCost !== null) e.unitCostFromPax8 = item.unitCost;
    }
  }
}

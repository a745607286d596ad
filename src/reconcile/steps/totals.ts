import { byName } from '../format.js';
import type { CustomerTotals, Finding, MonthTotals, SubscriptionRow } from '../model.js';
import { marginPercent, plus, ZERO } from './amounts.js';
import type { InputIndex } from './index-inputs.js';

/**
 * Step 6, rows in the order shown: by customer name, then name (both in lower case, by UTF-16 code units), then key.
 * Each distinct name is lowered once; a name holding U+0000 makes the rows sort on one joined text instead, whose
 * order this is whenever no name holds it.
 */
export function sortRows(rows: Iterable<SubscriptionRow>): SubscriptionRow[] {
  const lowered = new Map<string, string>();
  let nul = false;
  const lower = (name: string) => {
    let l = lowered.get(name);
    if (l === undefined) {
      lowered.set(name, (l = name.toLowerCase()));
      nul ||= l.includes('\u0000');
    }
    return l;
  };
  const keyed: { customer: string; name: string; key: string; row: SubscriptionRow }[] = [];
  for (const r of rows) keyed.push({ customer: lower(r.customerName), name: lower(r.name), key: r.key, row: r });
  if (nul) {
    const joined = (k: (typeof keyed)[number]) => `${k.customer}\u0000${k.name}\u0000${k.key}`;
    keyed.sort((x, y) => order(joined(x), joined(y)));
  } else {
    keyed.sort((x, y) => order(x.customer, y.customer) || order(x.name, y.name) || order(x.key, y.key));
  }
  return keyed.map((k) => k.row);
}

function order(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Customer totals per currency from the rows and findings; `(no customer)` last. */
export function customerTotals(rows: readonly SubscriptionRow[], findings: readonly Finding[], index: InputIndex): CustomerTotals[] {
  const customers = new Map<string, CustomerTotals>();
  const cust = (id: string | null, cur: string): CustomerTotals => {
    const k = `${id ?? ''}|${cur}`;
    let c = customers.get(k);
    if (!c) {
      c = { customerId: id, customerName: index.nameOf(id), currency: cur, cost: ZERO, billed: ZERO, margin: ZERO, marginPercent: null, leakage: ZERO, findings: 0, subscriptions: 0 };
      customers.set(k, c);
    }
    return c;
  };
  // Rows come in customer order: a customer's rows add to the totals found for the row before.
  let c: CustomerTotals | null = null;
  for (const r of rows) {
    if (c === null || c.customerId !== r.customerId || c.currency !== r.currency) c = cust(r.customerId, r.currency);
    c.cost = plus(c.cost, r.cost);
    c.billed = plus(c.billed, r.billed);
    c.subscriptions++;
  }
  for (const f of findings) {
    const c = cust(f.customerId, f.currency);
    c.leakage = c.leakage.plus(f.amount);
    c.findings++;
  }
  return [...customers.values()].map((c) => {
    c.margin = c.billed.minus(c.cost);
    c.marginPercent = marginPercent(c.margin, c.billed);
    return c;
  }).sort((a, b) => (a.customerId === null ? 1 : 0) - (b.customerId === null ? 1 : 0) || byName(a.customerName, b.customerName) || (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
}

/** Month totals per currency: always the sum of its customers, never computed separately. */
export function monthTotals(customers: readonly CustomerTotals[]): MonthTotals[] {
  const totals = new Map<string, MonthTotals>();
  for (const c of customers) {
    const t = totals.get(c.currency) ?? { currency: c.currency, cost: ZERO, billed: ZERO, margin: ZERO, marginPercent: null, leakage: ZERO, findings: 0, subscriptions: 0 };
    t.cost = t.cost.plus(c.cost);
    t.billed = t.billed.plus(c.billed);
    t.leakage = t.leakage.plus(c.leakage);
    t.findings += c.findings;
    t.subscriptions += c.subscriptions;
    totals.set(c.currency, t);
  }
  return [...totals.values()].map((t) => ({ ...t, margin: t.billed.minus(t.cost), marginPercent: marginPercent(t.billed.minus(t.cost), t.billed) }))
    .sort((a, b) => a.currency.localeCompare(b.currency));
}

import { byName } from '../format.js';
import type { CustomerTotals, Finding, MonthTotals, SubscriptionRow } from '../model.js';
import { marginPercent, ZERO } from './amounts.js';
import type { InputIndex } from './index-inputs.js';

/** Step 6, rows in the order shown: by customer name, then name, then key. */
export function sortRows(rows: Iterable<SubscriptionRow>): SubscriptionRow[] {
  const keyed: [string, SubscriptionRow][] = [];
  for (const r of rows) keyed.push([`${r.customerName.toLowerCase()}\u0000${r.name.toLowerCase()}\u0000${r.key}`, r]);
  keyed.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return keyed.map((k) => k[1]);
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
  for (const r of rows) {
    const c = cust(r.customerId, r.currency);
    c.cost = c.cost.plus(r.cost);
    c.billed = c.billed.plus(r.billed);
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

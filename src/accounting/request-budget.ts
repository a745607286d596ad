import type { DataSource } from 'typeorm';
import { DbBudgetStore, SharedRequestBudget, type BudgetTable } from '../tenants/request-budget.js';
import type { AccountingVendor } from './connector.js';

/**
 * The request budget of an accounting connection shared by every process on the database (issue 27): the same slices
 * and sliding window as the Pax8 budget (src/tenants/request-budget.ts), counted per connection in
 * `accounting_request_budget`, so all processes together start at most the vendor's per-minute limit of calls to one
 * organisation. Each process still paces itself too (the clients' in-process pacers: the in-flight limits, and a
 * Retry-After pause after a 429); the budget only adds the cross-process minute. Xero's daily cap (5000 a day) is not
 * counted here: the Xero client closes the connection until Xero's Retry-After when Xero answers with its daily 429.
 */
export const ACCOUNTING_BUDGET_TABLE: BudgetTable = { name: 'accounting_request_budget', key: 'connectionId' };

/** Calls a minute per organisation (src/xero/client/README.md: Xero 60; src/quickbooks/client/README.md: Intuit 500 per realm). */
export const ACCOUNTING_CALLS_PER_MINUTE: Record<AccountingVendor, number> = { xero: 60, quickbooks: 500 };

/** What a connector takes: one call start at a time (the vendor clients' `budget` option has the same shape). */
export interface CallBudget {
  take(signal?: AbortSignal): Promise<void>;
}

/** The clock and limit of a budget; tests shorten time (a scaled clock) and the limit. */
export interface CallBudgetOptions {
  perMinute?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<unknown>;
}

const budgets = new WeakMap<DataSource, Map<string, SharedRequestBudget>>();

/** The process's one budget object for a connection on this database (its claimed starts are shared by the process's callers). */
export function accountingBudgetFor(ds: DataSource, connectionId: string, vendor: AccountingVendor, opts: CallBudgetOptions = {}): SharedRequestBudget {
  const perMinute = opts.perMinute ?? ACCOUNTING_CALLS_PER_MINUTE[vendor];
  let byConnection = budgets.get(ds);
  if (!byConnection) budgets.set(ds, (byConnection = new Map()));
  const key = `${connectionId}|${perMinute}`;
  let b = byConnection.get(key);
  if (!b) {
    b = new SharedRequestBudget(new DbBudgetStore(ds, connectionId, ACCOUNTING_BUDGET_TABLE), perMinute, opts.now, opts.sleep);
    byConnection.set(key, b);
  }
  return b;
}

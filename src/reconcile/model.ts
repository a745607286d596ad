import type { Decimal } from 'decimal.js';

/** Inputs and outputs of the pure reconciliation (src/reconcile/reconcile.ts); the loader builds the inputs. */

export interface RSubscription {
  id: string;
  kind: 'license' | 'usage_summary' | string;
  pax8Id: string;
  pax8CompanyId: string | null;
  customerId: string | null;
  name: string;
  quantity: Decimal;
  status: string;
  active: boolean;
  price: Decimal | null;
  cost: Decimal | null;
  currency: string | null;
  billingTerm: string | null;
  startDate: string | null;
  endDate: string | null;
  deletedInPax8: boolean;
  usageSummaryId: string | null;
}

/** A usage summary with its figures for the month (UsageMonthlyCharge). */
export interface RUsage {
  id: string;
  pax8Id: string;
  pax8SubscriptionId: string;
  pax8CompanyId: string | null;
  customerId: string | null;
  resourceGroup: string | null;
  currency: string;
  /** Null when the summary has no figures for the month. */
  monthCharges: Decimal | null;
  monthPartnerTotal: Decimal | null;
  /** The local subscription of kind usage_summary for it, if any. */
  subscriptionId: string | null;
  name: string;
  createdDate: string | null;
}

export interface RLink {
  subscriptionId: string;
  free: Decimal;
  minimum: Decimal;
}

/** A recurring-invoice line of a recurring invoice that has not ended. */
export interface RLine {
  id: string;
  recurringInvoiceId: string;
  customerId: string;
  description: string;
  timing: string;
  usageSummaryId: string | null;
  links: RLink[];
}

/** An issued invoice line whose period starts in the month. */
export interface RBilledLine {
  id: string;
  invoiceId: string;
  invoiceNumber: number | null;
  customerId: string;
  recurringInvoiceLineId: string | null;
  kind: string;
  description: string;
  fromDate: string;
  toDate: string;
  quantity: Decimal;
  unitPrice: Decimal;
  amount: Decimal;
  currency: string;
  /** From the line's provenance. */
  subscriptions: string[];
  /** Billable quantity per subscription on the period start (recurring lines), from the provenance. */
  linkBillable: Map<string, Decimal> | null;
  usageSummaryId: string | null;
}

export interface RPax8Item {
  id: string;
  type: string | null;
  pax8CompanyId: string | null;
  companyName: string | null;
  pax8SubscriptionId: string | null;
  description: string | null;
  term: string | null;
  quantity: Decimal;
  unitCost: Decimal | null;
  amountDue: Decimal;
  currency: string;
}

export type Pax8Source = 'invoice' | 'draft' | 'none';

export interface ReconcileInput {
  month: string;
  customers: { id: string; name: string }[];
  mappings: { pax8CompanyId: string; customerId: string }[];
  subscriptions: RSubscription[];
  usage: RUsage[];
  lines: RLine[];
  billed: RBilledLine[];
  pax8Items: RPax8Item[];
  /** Where the month's Pax8 items come from: a published invoice, draft items, or none (cost estimated). */
  pax8Source: Pax8Source;
  /** Pax8 company ids whose items are the partner's own costs (not a customer's). */
  ignoredCompanyIds: string[];
  /** "Add to recurring invoice" can run for this tenant (its import mode creates lines). */
  canAddLines: boolean;
  /** Pax8 companies known from a customers import (only those can be mapped). */
  knownCompanyIds: string[];
}

export type CostSource = 'pax8_invoice' | 'pax8_draft' | 'estimate' | 'none';

export interface SubscriptionRow {
  key: string;
  subscriptionId: string | null;
  usageSummaryId: string | null;
  pax8SubscriptionId: string | null;
  customerId: string | null;
  customerName: string;
  name: string;
  currency: string;
  heldQuantity: Decimal | null;
  freeQuantity: Decimal;
  billedQuantity: Decimal;
  cost: Decimal;
  costSource: CostSource;
  billed: Decimal;
  margin: Decimal;
  /** margin / billed × 100, 2 places; null when nothing was billed. */
  marginPercent: Decimal | null;
  /** How cost and billed were found and why they differ. */
  explanation: string[];
}

export const FINDING_KINDS = ['unbilled', 'under_quantity', 'below_cost', 'unmapped_usage', 'unmapped_company', 'cancelled_billed'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export type FindingFix =
  | { action: 'add_to_recurring_invoice'; label: string }
  /** Needs the customer to map the company to; suggestedCustomerId is an unmapped customer with the same normalised name. */
  | { action: 'map_company'; label: string; pax8CompanyId: string; requires: 'customerId'; suggestedCustomerId: string | null };

export interface Finding {
  /** Stable within a month: kind + subject. */
  key: string;
  kind: FindingKind;
  subscriptionId: string | null;
  usageSummaryId: string | null;
  pax8CompanyId: string | null;
  customerId: string | null;
  customerName: string;
  subject: string;
  currency: string;
  /** Amount at stake per month. */
  amount: Decimal;
  detail: string;
  /** Date the problem starts from (subscription start, summary creation); findings are listed newest first. */
  since: string | null;
  fix: FindingFix | null;
  /** What to do by hand when there is no one-click fix. */
  manual: string | null;
}

export interface Totals {
  cost: Decimal;
  billed: Decimal;
  margin: Decimal;
  marginPercent: Decimal | null;
  leakage: Decimal;
  findings: number;
  subscriptions: number;
}

export interface CustomerTotals extends Totals {
  customerId: string | null;
  customerName: string;
  currency: string;
}

export interface MonthTotals extends Totals {
  currency: string;
}

export interface ReconcileReport {
  month: string;
  pax8Source: Pax8Source;
  totals: MonthTotals[];
  customers: CustomerTotals[];
  rows: SubscriptionRow[];
  findings: Finding[];
}

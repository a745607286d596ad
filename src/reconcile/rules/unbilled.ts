import { fmtMoney as formatMoney, fmtQuantity as formatQuantity } from '../format.js';
import { isCancelled, money, monthlyAmount } from '../steps/amounts.js';
import type { RowContext } from '../steps/settle-row.js';
import type { RuleHit } from './rule.js';

/**
 * unbilled: an active licence on no recurring-invoice line; a usage summary on no usage line; Pax8 usage on a
 * subscription Recurra keeps no usage summary for; a subscription Pax8 bills that Recurra never imported.
 */
export function unbilled(ctx: RowContext): RuleHit[] {
  return [unlinkedSubscription(ctx), unbilledUsageSummary(ctx), usageWithoutSummary(ctx), notImported(ctx)]
    .filter((h): h is RuleHit => h !== null);
}

function unlinkedSubscription({ entry: { row, sub, usage }, input, isCarrier, links }: RowContext): RuleHit | null {
  if (!sub || usage || isCarrier || !sub.active || isCancelled(sub) || sub.customerId === null || !sub.quantity.greaterThan(0)
    || links.length > 0 || (sub.billingTerm ?? '').toLowerCase() === 'trial') return null;
  const unit = sub.price ?? sub.cost;
  if (unit === null) return null;
  const cur = row.currency;
  const amount = monthlyAmount(unit, sub.quantity, sub.billingTerm, cur);
  return {
    note: `linked to no recurring-invoice line: ${money(amount, cur)} a month goes unbilled`,
    finding: {
      kind: 'unbilled', keySubject: sub.id, subscriptionId: sub.id, usageSummaryId: null, pax8CompanyId: sub.pax8CompanyId, customerId: sub.customerId,
      subject: sub.name, currency: cur, amount,
      detail: `${formatQuantity(sub.quantity)} × ${formatMoney(unit, cur)} (${sub.price ? 'price' : 'partner cost, no price set'}${sub.billingTerm ? `, ${sub.billingTerm}` : ''}) is on no recurring invoice`,
      since: sub.startDate, fix: input.canAddLines ? { action: 'add_to_recurring_invoice', label: 'Add to the customer\'s recurring invoice' } : null,
      manual: input.canAddLines ? null : 'add a line linked to this subscription on one of the customer\'s recurring invoices',
    },
  };
}

function unbilledUsageSummary({ entry: { row, usage, parts }, index }: RowContext): RuleHit | null {
  if (!usage || usage.customerId === null || index.usageLines.has(usage.id) || (usage.subscriptionId && index.linksBySub.has(usage.subscriptionId))
    || parts.length > 0) return null;
  const cur = row.currency;
  const amount = usage.monthCharges !== null && usage.monthCharges.greaterThan(0) ? usage.monthCharges : row.cost;
  return {
    note: 'usage summary on no recurring-invoice usage line',
    finding: {
      kind: 'unbilled', keySubject: usage.id, subscriptionId: usage.subscriptionId, usageSummaryId: usage.id, pax8CompanyId: usage.pax8CompanyId,
      customerId: usage.customerId, subject: usage.name, currency: cur, amount,
      detail: `the month's usage charges ${money(amount, cur)} are on no recurring invoice`, since: usage.createdDate, fix: null,
      manual: 'add a usage line for this usage summary on the customer\'s recurring invoice',
    },
  };
}

function usageWithoutSummary({ entry: { row, sub, usage, usageCost, parts }, isCarrier }: RowContext): RuleHit | null {
  if (!sub || usage || isCarrier || sub.customerId === null || !usageCost.greaterThan(0) || parts.some((p) => p.line.kind === 'usage')) return null;
  const cur = row.currency;
  return {
    note: `Pax8 bills usage of ${money(usageCost, cur)} on it, which Recurra has no usage summary for`,
    finding: {
      kind: 'unbilled', keySubject: `usage:${sub.id}`, subscriptionId: sub.id, usageSummaryId: null, pax8CompanyId: sub.pax8CompanyId, customerId: sub.customerId,
      subject: `${sub.name} (usage)`, currency: cur, amount: usageCost,
      detail: `Pax8 bills ${money(usageCost, cur)} of usage on this subscription; Recurra imports no usage summary for it`,
      since: sub.startDate, fix: null,
      manual: 'include the product in the tenant\'s usage product pattern (settings imports.usageProductPattern), import usage, and bill it on a usage line',
    },
  };
}

function notImported({ entry: { row, sub, usage, items } }: RowContext): RuleHit | null {
  if (sub || usage || row.customerId === null || items.length === 0) return null;
  const cur = row.currency;
  return {
    note: 'Pax8 bills a subscription Recurra has not imported',
    finding: {
      kind: 'unbilled', keySubject: row.key, subscriptionId: null, usageSummaryId: null, pax8CompanyId: items[0]!.pax8CompanyId,
      customerId: row.customerId, subject: row.name, currency: cur, amount: row.cost,
      detail: `Pax8 bills ${money(row.cost, cur)} for subscription ${row.pax8SubscriptionId ?? '(none)'}, which Recurra does not know`,
      since: null, fix: null, manual: 'import the customer\'s subscriptions, then add the subscription to a recurring invoice',
    },
  };
}

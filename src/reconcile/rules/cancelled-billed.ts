import { isCancelled, money, ZERO } from '../steps/amounts.js';
import type { RowContext } from '../steps/settle-row.js';
import type { RuleHit } from './rule.js';

/**
 * cancelled_billed: cancelled or deleted in Pax8 and still billed for periods starting on or after its end date
 * (all of it when there is no end date). A line billed in advance before a mid-month cancellation is not leakage.
 */
export function cancelledBilled({ entry: { row, sub, usage, parts }, input }: RowContext): RuleHit[] {
  if (!sub || usage || !isCancelled(sub)) return [];
  const amount = parts.filter((p) => sub.endDate === null || p.line.fromDate >= sub.endDate).reduce((s, p) => s.plus(p.amount), ZERO);
  if (!amount.greaterThan(0)) return [];
  const cur = row.currency;
  return [{
    note: `cancelled in Pax8${sub.endDate ? ` (ended ${sub.endDate})` : ''} but billed ${money(amount, cur)} for later dates`,
    finding: {
      kind: 'cancelled_billed', keySubject: sub.id, subscriptionId: sub.id, usageSummaryId: null, pax8CompanyId: sub.pax8CompanyId, customerId: row.customerId,
      subject: sub.name, currency: cur, amount,
      detail: `${sub.deletedInPax8 ? 'deleted' : 'cancelled'} in Pax8${sub.endDate ? ` on ${sub.endDate}` : ''}, still billed ${money(amount, cur)} in ${input.month}`,
      since: sub.endDate, fix: null, manual: 'remove the subscription from its recurring-invoice line and credit the customer',
    },
  }];
}

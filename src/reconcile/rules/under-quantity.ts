import { fmtMoney as formatMoney, fmtQuantity as formatQuantity } from '../format.js';
import { isCancelled, minus, rounded } from '../steps/amounts.js';
import type { RowContext } from '../steps/settle-row.js';
import type { RuleHit } from './rule.js';

/** under_quantity: fewer licences billed than held (free licences excluded), × the billed unit price. */
export function underQuantity({ entry, quantityParts }: RowContext): RuleHit[] {
  const { row, sub, usage } = entry;
  if (!sub || usage || quantityParts.length === 0 || row.heldQuantity === null || isCancelled(sub)) return [];
  const shortfall = minus(minus(row.heldQuantity, row.freeQuantity), row.billedQuantity);
  if (!shortfall.greaterThan(0)) return [];
  const cur = row.currency;
  const price = quantityParts[0]!.line.unitPrice;
  const amount = rounded(shortfall.mul(price), cur);
  return [{
    note: `holds ${formatQuantity(row.heldQuantity)}, ${formatQuantity(row.freeQuantity)} free, billed ${formatQuantity(row.billedQuantity)}: ${formatQuantity(shortfall)} not billed`,
    finding: {
      kind: 'under_quantity', keySubject: sub.id, subscriptionId: sub.id, usageSummaryId: null, pax8CompanyId: sub.pax8CompanyId, customerId: row.customerId,
      subject: sub.name, currency: cur, amount,
      detail: `holds ${formatQuantity(row.heldQuantity)} (${entry.heldFromPax8 !== null ? 'Pax8 invoice' : 'subscription'}), ${formatQuantity(row.freeQuantity)} free, billed ${formatQuantity(row.billedQuantity)}: ${formatQuantity(shortfall)} × ${formatMoney(price, cur)} unbilled`,
      since: sub.startDate, fix: null, manual: 'check the line\'s links (free and minimum quantities) and bill the missing licences',
    },
  }];
}

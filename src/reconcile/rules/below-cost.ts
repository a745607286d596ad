import { fmtMoney as formatMoney } from '../format.js';
import { money, rounded, ZERO } from '../steps/amounts.js';
import type { BilledPart } from '../steps/ledger.js';
import type { RowContext } from '../steps/settle-row.js';
import type { RuleHit } from './rule.js';

/**
 * below_cost: Σ (unit cost − unit price) × billed quantity over a subscription's licence lines (unit cost from
 * Pax8's item, else the subscription's partner cost); for usage, cost − billed when billed is lower.
 */
export function belowCost(ctx: RowContext): RuleHit[] {
  const { sub, usage } = ctx.entry;
  if (sub && !usage) return licenceBelowCost(ctx);
  return usageBelowCost(ctx);
}

function licenceBelowCost({ entry, quantityParts }: RowContext): RuleHit[] {
  const { row, sub } = entry;
  const unitCost = entry.unitCostFromPax8 ?? sub!.cost;
  if (unitCost === null) return [];
  let amount = ZERO;
  let worst: BilledPart | null = null;
  for (const p of quantityParts) {
    if (p.line.unitPrice.lessThan(unitCost) && p.quantity.greaterThan(0)) {
      amount = amount.plus(unitCost.minus(p.line.unitPrice).mul(p.quantity));
      worst ??= p;
    }
  }
  if (!worst) return [];
  const cur = row.currency;
  return [{
    note: `unit price ${formatMoney(worst.line.unitPrice, cur)} is below unit cost ${formatMoney(unitCost, cur)}`,
    finding: {
      kind: 'below_cost', keySubject: sub!.id, subscriptionId: sub!.id, usageSummaryId: null, pax8CompanyId: sub!.pax8CompanyId, customerId: row.customerId,
      subject: sub!.name, currency: cur, amount: rounded(amount, cur),
      detail: `billed at ${formatMoney(worst.line.unitPrice, cur)} a unit, cost ${formatMoney(unitCost, cur)} (${entry.unitCostFromPax8 ? 'Pax8 invoice' : 'partner cost'})`,
      since: sub!.startDate, fix: null, manual: 'raise the line\'s unit price (or the subscription\'s price it follows) to at least the cost',
    },
  }];
}

function usageBelowCost({ entry: { row, usage, parts } }: RowContext): RuleHit[] {
  if (!usage || parts.length === 0 || !row.billed.lessThan(row.cost)) return [];
  const cur = row.currency;
  const amount = row.cost.minus(row.billed);
  return [{
    note: `usage billed ${money(row.billed, cur)} is below its cost ${money(row.cost, cur)}`,
    finding: {
      kind: 'below_cost', keySubject: usage.id, subscriptionId: usage.subscriptionId, usageSummaryId: usage.id, pax8CompanyId: usage.pax8CompanyId,
      customerId: row.customerId, subject: usage.name, currency: cur, amount, detail: `usage billed ${money(row.billed, cur)}, Pax8 cost ${money(row.cost, cur)}`,
      since: usage.createdDate, fix: null, manual: 'check the usage line and the usage summary\'s mark-up',
    },
  }];
}

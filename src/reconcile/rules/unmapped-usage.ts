import { ZERO } from '../steps/amounts.js';
import type { RowContext } from '../steps/settle-row.js';
import type { RuleHit } from './rule.js';

/** unmapped_usage: a usage summary with no customer: Pax8's matched usage amount, else its partner total for the month. */
export function unmappedUsage({ entry: { row, usage, items }, index }: RowContext): RuleHit[] {
  if (!usage || usage.customerId !== null) return [];
  const amount = items.length > 0 ? row.cost : usage.monthPartnerTotal ?? ZERO;
  return [{
    note: null,
    finding: {
      kind: 'unmapped_usage', keySubject: usage.id, subscriptionId: usage.subscriptionId, usageSummaryId: usage.id, pax8CompanyId: usage.pax8CompanyId,
      customerId: null, subject: usage.name, currency: row.currency, amount,
      detail: `usage summary ${usage.pax8Id}${usage.resourceGroup ? ` (resource group ${usage.resourceGroup})` : ''} of Pax8 company ${usage.pax8CompanyId ?? '(none)'} is mapped to no customer`,
      since: usage.createdDate, fix: index.mapFix(usage.pax8CompanyId, null), manual: 'map the Pax8 company (or the resource group) to a customer',
    },
  }];
}

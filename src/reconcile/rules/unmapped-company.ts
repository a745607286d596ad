import type { Decimal } from 'decimal.js';
import type { RPax8Item } from '../model.js';
import { ZERO } from '../steps/amounts.js';
import type { InputIndex } from '../steps/index-inputs.js';
import type { Entry } from '../steps/ledger.js';
import type { FindingDraft } from './rule.js';

/**
 * unmapped_company: Pax8 items of a company mapped to no customer, per company and currency (items Recurra does not
 * know first, then those of known subscriptions without a customer). Usage matched to a summary is reported per
 * summary (unmapped_usage), so nothing is counted twice.
 */
export function unmappedCompanies(entries: readonly Entry[], index: InputIndex): FindingDraft[] {
  const byCompany = new Map<string, { items: RPax8Item[]; amount: Decimal }>();
  const add = (e: Entry) => {
    for (const item of e.items) {
      if (!item.pax8CompanyId || index.mapping.has(item.pax8CompanyId)) continue;
      const k = `${item.pax8CompanyId}:${item.currency}`;
      const g = byCompany.get(k) ?? { items: [], amount: ZERO };
      g.items.push(item);
      g.amount = g.amount.plus(item.amountDue);
      byCompany.set(k, g);
    }
  };
  for (const e of entries) if (!e.usage && !e.sub) add(e);
  for (const e of entries) if (e.sub && !e.usage && e.sub.customerId === null) add(e);
  return [...byCompany].map(([k, g]) => {
    const first = g.items[0]!;
    return {
      kind: 'unmapped_company', keySubject: k, subscriptionId: null, usageSummaryId: null, pax8CompanyId: first.pax8CompanyId, customerId: null,
      subject: first.companyName ?? first.pax8CompanyId ?? '?', currency: first.currency, amount: g.amount,
      detail: `${g.items.length} Pax8 item(s) of company "${first.companyName ?? first.pax8CompanyId}" mapped to no customer`, since: null,
      fix: index.mapFix(first.pax8CompanyId, first.companyName),
      manual: index.known.has(first.pax8CompanyId ?? '') ? 'then import the company\'s subscriptions' : 'import customers, map the Pax8 company to a customer, then import its subscriptions',
    };
  });
}

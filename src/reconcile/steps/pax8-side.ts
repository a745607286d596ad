import type { ReconcileInput, RPax8Item } from '../model.js';
import { fmtMoney as formatMoney } from '../format.js';
import { listed, type InputIndex } from './index-inputs.js';
import type { Ledger } from './ledger.js';

/**
 * Step 2, Pax8's side: each Pax8 item of the month onto its row. Licence items go to the subscription with the
 * same Pax8 id; usage items (billed per carrier subscription) to the carrier's usage summary with the same partner
 * total; the partner's own company is left out; items Recurra does not know get rows of their own.
 */
export function attributePax8Items(input: ReconcileInput, index: InputIndex, ledger: Ledger): void {
  const usageItemsByCarrier = new Map<string, RPax8Item[]>();
  for (const item of input.pax8Items) {
    if (item.pax8CompanyId && index.ignored.has(item.pax8CompanyId)) continue;
    const carrier = item.pax8SubscriptionId ? index.summariesByCarrier.get(item.pax8SubscriptionId) : undefined;
    if (carrier && item.pax8SubscriptionId) {
      listed(usageItemsByCarrier, item.pax8SubscriptionId).push(item);
      continue;
    }
    const sub = item.pax8SubscriptionId ? index.licenseByPax8.get(item.pax8SubscriptionId) : undefined;
    ledger.addItem(sub ? ledger.forSubscription(sub, item.currency) : ledger.forUnknown(item), item);
  }
  for (const [carrierId, items] of usageItemsByCarrier) attributeUsageItems(carrierId, items, index, ledger);
}

/** Matches a carrier's usage items to its summaries by equal partner total; one item left and one summary left pair up. */
function attributeUsageItems(carrierId: string, items: RPax8Item[], index: InputIndex, ledger: Ledger): void {
  const open = (index.summariesByCarrier.get(carrierId) ?? []).filter((u) => u.monthPartnerTotal !== null);
  const rest: RPax8Item[] = [];
  for (const item of items) {
    const i = open.findIndex((u) => u.currency === item.currency && u.monthPartnerTotal!.equals(item.amountDue));
    if (i >= 0) ledger.addItem(ledger.forUsage(open.splice(i, 1)[0]!), item);
    else rest.push(item);
  }
  if (rest.length === 1 && open.length === 1) ledger.addItem(ledger.forUsage(open[0]!), rest.pop()!);
  for (const item of rest) {
    const sub = index.licenseByPax8.get(carrierId);
    const e = sub ? ledger.forSubscription(sub, item.currency) : ledger.forUnknown(item);
    ledger.addItem(e, item);
    e.notes.push(`Pax8 usage item ${formatMoney(item.amountDue, item.currency)} matches no usage summary's partner total for the month`);
  }
}

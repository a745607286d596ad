import { Decimal } from 'decimal.js';
import { roundMoney } from '../billing/index.js';
import { byName, fmtMoney as formatMoney, fmtQuantity as formatQuantity } from './format.js';
import { normalizeCompanyName } from '../mapping/normalize.js';
import type {
  CostSource, FindingFix, CustomerTotals, Finding, FindingKind, MonthTotals, RBilledLine, ReconcileInput, ReconcileReport, RLine, RPax8Item,
  RSubscription, RUsage, SubscriptionRow,
} from './model.js';

/**
 * Pure reconciliation of one tenant's month: what Pax8 bills the partner against what Recurra billed
 * customers, per subscription (or usage summary), with every difference explained and the leakage
 * findings. No I/O; decisions are in src/reconcile/README.md.
 */

export const NO_CUSTOMER = '(no customer)';
const ZERO = new Decimal(0);
const HUNDRED = new Decimal(100);
const TERM_MONTHS: Record<string, number> = { annual: 12, yearly: 12, '2-year': 24, '2 year': 24, '3-year': 36, '3 year': 36 };
const HELD_TYPES = new Set(['subscription', 'prorate']);
const QUANTITY_KINDS = new Set(['recurring', 'arrears']);

interface BilledPart {
  line: RBilledLine;
  amount: Decimal;
  quantity: Decimal;
}

interface Acc {
  row: SubscriptionRow;
  sub: RSubscription | null;
  usage: RUsage | null;
  items: RPax8Item[];
  parts: BilledPart[];
  heldFromPax8: Decimal | null;
  unitCostFromPax8: Decimal | null;
  /** Pax8 usage (term Arrears) billed on it. */
  usageCost: Decimal;
}

function money(v: Decimal, currency: string): string {
  return `${formatMoney(v, currency)} ${currency}`;
}

export function marginPercent(margin: Decimal, billed: Decimal): Decimal | null {
  if (billed.isZero()) return null;
  return margin.div(billed).mul(HUNDRED).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

/** Splits a rounded amount by weights into rounded parts that add up to it exactly (the last part takes the rest). */
export function allocate(amount: Decimal, weights: readonly Decimal[], currency: string): Decimal[] {
  if (weights.length === 0) return [];
  const total = weights.reduce((s, w) => s.plus(w), ZERO);
  const ws = total.isZero() ? weights.map(() => new Decimal(1)) : weights;
  const sum = total.isZero() ? new Decimal(weights.length) : total;
  const parts: Decimal[] = [];
  let used = ZERO;
  ws.forEach((w, i) => {
    if (i === ws.length - 1) parts.push(amount.minus(used));
    else {
      const p = new Decimal(roundMoney(amount.mul(w).div(sum), currency).toString());
      parts.push(p);
      used = used.plus(p);
    }
  });
  return parts;
}

/** A subscription's price × quantity as a monthly amount (annual and multi-year terms spread over their months). */
export function monthlyAmount(unit: Decimal, quantity: Decimal, billingTerm: string | null, currency: string): Decimal {
  const months = TERM_MONTHS[(billingTerm ?? '').trim().toLowerCase()] ?? 1;
  return new Decimal(roundMoney(unit.mul(quantity).div(months), currency).toString());
}

function isCancelled(s: RSubscription): boolean {
  return s.deletedInPax8 || s.status.toLowerCase() === 'cancelled';
}

export function reconcile(input: ReconcileInput): ReconcileReport {
  const customerName = new Map(input.customers.map((c) => [c.id, c.name]));
  const nameOf = (id: string | null) => (id === null ? NO_CUSTOMER : customerName.get(id) ?? id);
  const mapping = new Map(input.mappings.map((m) => [m.pax8CompanyId, m.customerId]));
  const known = new Set(input.knownCompanyIds);
  const mappedCustomers = new Set(input.mappings.map((m) => m.customerId));
  const unmappedByName = new Map<string, string | null>();
  for (const c of input.customers) {
    if (mappedCustomers.has(c.id)) continue;
    const n = normalizeCompanyName(c.name);
    unmappedByName.set(n, unmappedByName.has(n) ? null : c.id);
  }
  const mapFix = (companyId: string | null, companyName: string | null): FindingFix | null => {
    if (!companyId || !known.has(companyId) || mapping.has(companyId)) return null;
    return {
      action: 'map_company', label: 'Map the Pax8 company to a customer', pax8CompanyId: companyId, requires: 'customerId',
      suggestedCustomerId: companyName ? unmappedByName.get(normalizeCompanyName(companyName)) ?? null : null,
    };
  };
  const ignored = new Set(input.ignoredCompanyIds);
  const subsById = new Map(input.subscriptions.map((s) => [s.id, s]));
  const licenseByPax8 = new Map<string, RSubscription>();
  for (const s of input.subscriptions) if (s.kind !== 'usage_summary') licenseByPax8.set(s.pax8Id, s);
  const usageById = new Map(input.usage.map((u) => [u.id, u]));
  const usageBySubscription = new Map<string, RUsage>();
  for (const u of input.usage) if (u.subscriptionId) usageBySubscription.set(u.subscriptionId, u);
  const summariesByCarrier = new Map<string, RUsage[]>();
  for (const u of input.usage) summariesByCarrier.set(u.pax8SubscriptionId, [...(summariesByCarrier.get(u.pax8SubscriptionId) ?? []), u]);

  const linksBySub = new Map<string, { line: RLine; free: Decimal }[]>();
  const usageLines = new Set<string>();
  for (const line of input.lines) {
    if (line.usageSummaryId) usageLines.add(line.usageSummaryId);
    for (const l of line.links) linksBySub.set(l.subscriptionId, [...(linksBySub.get(l.subscriptionId) ?? []), { line, free: l.free }]);
  }

  const pax8Cost: CostSource = input.pax8Source === 'invoice' ? 'pax8_invoice' : input.pax8Source === 'draft' ? 'pax8_draft' : 'none';
  const accs = new Map<string, Acc>();
  const acc = (key: string, init: () => Omit<Acc, 'items' | 'parts' | 'heldFromPax8' | 'unitCostFromPax8' | 'usageCost'>): Acc => {
    let a = accs.get(key);
    if (!a) {
      a = { ...init(), items: [], parts: [], heldFromPax8: null, unitCostFromPax8: null, usageCost: ZERO };
      accs.set(key, a);
    }
    return a;
  };
  const baseRow = (key: string, p: Partial<SubscriptionRow> & { customerId: string | null; name: string; currency: string }): SubscriptionRow => ({
    key, subscriptionId: null, usageSummaryId: null, pax8SubscriptionId: null, customerName: nameOf(p.customerId), heldQuantity: null,
    freeQuantity: ZERO, billedQuantity: ZERO, cost: ZERO, costSource: 'none', billed: ZERO, margin: ZERO, marginPercent: null, explanation: [], ...p,
  });
  const subAcc = (s: RSubscription, fallbackCurrency: string): Acc => {
    const u = s.kind === 'usage_summary' ? (usageBySubscription.get(s.id) ?? (s.usageSummaryId ? usageById.get(s.usageSummaryId) : undefined)) : undefined;
    if (u) return usageAcc(u);
    return acc(`s:${s.id}`, () => ({
      sub: s, usage: null,
      row: baseRow(`s:${s.id}`, {
        subscriptionId: s.id, pax8SubscriptionId: s.pax8Id, customerId: s.customerId, name: s.name, currency: s.currency ?? fallbackCurrency,
        heldQuantity: s.quantity,
      }),
    }));
  };
  const usageAcc = (u: RUsage): Acc => acc(`u:${u.id}`, () => ({
    sub: u.subscriptionId ? subsById.get(u.subscriptionId) ?? null : null, usage: u,
    row: baseRow(`u:${u.id}`, {
      subscriptionId: u.subscriptionId, usageSummaryId: u.id, pax8SubscriptionId: u.pax8SubscriptionId, customerId: u.customerId,
      name: u.name, currency: u.currency,
    }),
  }));
  const unknownAcc = (item: RPax8Item): Acc => {
    const key = item.pax8SubscriptionId ? `p:${item.pax8SubscriptionId}` : `c:${item.pax8CompanyId ?? '?'}:${item.currency}`;
    const customerId = item.pax8CompanyId ? mapping.get(item.pax8CompanyId) ?? null : null;
    return acc(key, () => ({
      sub: null, usage: null,
      row: baseRow(key, {
        pax8SubscriptionId: item.pax8SubscriptionId, customerId, currency: item.currency,
        name: item.description ?? `Pax8 items of ${item.companyName ?? item.pax8CompanyId ?? 'an unknown company'}`,
      }),
    }));
  };
  const addItem = (a: Acc, item: RPax8Item) => {
    a.items.push(item);
    a.row.cost = a.row.cost.plus(item.amountDue);
    a.row.costSource = pax8Cost;
    if ((item.term ?? '').toLowerCase() === 'arrears') a.usageCost = a.usageCost.plus(item.amountDue);
    else if (item.type && HELD_TYPES.has(item.type.toLowerCase())) {
      if (a.heldFromPax8 === null || item.quantity.greaterThan(a.heldFromPax8)) a.heldFromPax8 = item.quantity;
      if (a.unitCostFromPax8 === null && item.unitCost !== null) a.unitCostFromPax8 = item.unitCost;
    }
  };

  // --- Pax8's side ---------------------------------------------------------------------------------
  const usageItemsByCarrier = new Map<string, RPax8Item[]>();
  for (const item of input.pax8Items) {
    if (item.pax8CompanyId && ignored.has(item.pax8CompanyId)) continue;
    const carrier = item.pax8SubscriptionId ? summariesByCarrier.get(item.pax8SubscriptionId) : undefined;
    if (carrier && item.pax8SubscriptionId) {
      usageItemsByCarrier.set(item.pax8SubscriptionId, [...(usageItemsByCarrier.get(item.pax8SubscriptionId) ?? []), item]);
      continue;
    }
    const sub = item.pax8SubscriptionId ? licenseByPax8.get(item.pax8SubscriptionId) : undefined;
    addItem(sub ? subAcc(sub, item.currency) : unknownAcc(item), item);
  }
  for (const [carrierId, items] of usageItemsByCarrier) {
    // Pax8 bills usage per carrier subscription; match each item to the summary with the same partner total.
    const open = (summariesByCarrier.get(carrierId) ?? []).filter((u) => u.monthPartnerTotal !== null);
    const rest: RPax8Item[] = [];
    for (const item of items) {
      const i = open.findIndex((u) => u.currency === item.currency && u.monthPartnerTotal!.equals(item.amountDue));
      if (i >= 0) addItem(usageAcc(open.splice(i, 1)[0]!), item);
      else rest.push(item);
    }
    if (rest.length === 1 && open.length === 1) addItem(usageAcc(open[0]!), rest.pop()!);
    for (const item of rest) {
      const sub = licenseByPax8.get(carrierId);
      const a = sub ? subAcc(sub, item.currency) : unknownAcc(item);
      addItem(a, item);
      a.row.explanation.push(`Pax8 usage item ${formatMoney(item.amountDue, item.currency)} matches no usage summary's partner total for the month`);
    }
  }

  // --- Recurra's side ------------------------------------------------------------------------------
  for (const line of input.billed) {
    if (line.usageSummaryId) {
      const u = usageById.get(line.usageSummaryId);
      const a = u ? usageAcc(u) : acc(`u:${line.usageSummaryId}`, () => ({
        sub: null, usage: null,
        row: baseRow(`u:${line.usageSummaryId}`, { usageSummaryId: line.usageSummaryId, customerId: line.customerId, name: line.description, currency: line.currency }),
      }));
      a.parts.push({ line, amount: line.amount, quantity: ZERO });
      a.row.billed = a.row.billed.plus(line.amount);
      continue;
    }
    if (line.subscriptions.length === 0) continue;
    const weights = line.subscriptions.map((id) => line.linkBillable?.get(id) ?? null);
    const exact = weights.every((w) => w !== null) ? (weights as Decimal[]) : line.subscriptions.map(() => new Decimal(1));
    const totalWeight = exact.reduce((s, w) => s.plus(w), ZERO);
    const amounts = allocate(line.amount, exact, line.currency);
    line.subscriptions.forEach((id, i) => {
      const s = subsById.get(id);
      const a = s ? subAcc(s, line.currency) : acc(`s:${id}`, () => ({
        sub: null, usage: null,
        row: baseRow(`s:${id}`, { subscriptionId: id, customerId: line.customerId, name: line.description, currency: line.currency }),
      }));
      let quantity = ZERO;
      if (QUANTITY_KINDS.has(line.kind)) {
        quantity = line.kind === 'recurring' && line.linkBillable?.get(id) !== undefined
          ? line.linkBillable.get(id)!
          : totalWeight.isZero() ? ZERO : line.quantity.mul(exact[i]!).div(totalWeight);
      }
      a.parts.push({ line, amount: amounts[i]!, quantity });
      a.row.billed = a.row.billed.plus(amounts[i]!);
      if (QUANTITY_KINDS.has(line.kind)) a.row.billedQuantity = a.row.billedQuantity.plus(quantity);
    });
  }

  // Every active subscription and every summary with figures gets a row, billed or not.
  for (const s of input.subscriptions) {
    if (s.kind === 'usage_summary') continue;
    if (s.active || accs.has(`s:${s.id}`)) subAcc(s, s.currency ?? 'XXX');
  }
  for (const u of input.usage) if (u.monthPartnerTotal !== null || u.monthCharges !== null) usageAcc(u);

  // --- cost fallback, explanations, findings ------------------------------------------------------
  const findings: Finding[] = [];
  const find = (f: Omit<Finding, 'customerName' | 'key'> & { keySubject: string }) => {
    const { keySubject, ...rest } = f;
    if (!rest.amount.greaterThan(0)) return;
    findings.push({ ...rest, key: `${f.kind}:${keySubject}`, customerName: nameOf(f.customerId) });
  };

  for (const a of accs.values()) {
    const { row, sub, usage } = a;
    const cur = row.currency;
    const isCarrier = sub ? summariesByCarrier.has(sub.pax8Id) && sub.kind !== 'usage_summary' : false;
    for (const item of a.items) {
      row.explanation.push(`Pax8 ${item.type ?? 'item'}${item.description ? ` "${item.description}"` : ''}: quantity ${formatQuantity(item.quantity)}, ${money(item.amountDue, item.currency)}`);
    }
    if (a.items.length === 0) {
      if (input.pax8Source === 'none') {
        if (usage && usage.monthPartnerTotal !== null) {
          row.cost = usage.monthPartnerTotal;
          row.costSource = 'estimate';
          row.explanation.push(`no Pax8 invoice for ${input.month} yet: cost is the usage summary's partner total ${money(usage.monthPartnerTotal, cur)}`);
        } else if (sub && !usage && sub.active && !isCarrier && sub.cost !== null) {
          row.cost = sub.cost.mul(sub.quantity);
          row.costSource = 'estimate';
          row.explanation.push(`no Pax8 invoice for ${input.month} yet: cost estimated as partner cost ${formatMoney(sub.cost, cur)} × quantity ${formatQuantity(sub.quantity)}`);
        }
      } else if (sub || usage) {
        row.explanation.push(`Pax8 bills nothing for it in ${input.month}`);
      }
    }
    // Held: what Pax8 bills for the month; without Pax8 items, the subscription's quantity while active
    // (or nothing when Pax8 has a bill for the month that does not charge it).
    if (a.heldFromPax8 !== null) row.heldQuantity = a.heldFromPax8;
    else if (sub && !usage) row.heldQuantity = input.pax8Source === 'none' && sub.active ? sub.quantity : ZERO;
    const subLinks = row.subscriptionId ? linksBySub.get(row.subscriptionId) ?? [] : [];
    row.freeQuantity = subLinks.reduce((s, l) => s.plus(l.free), ZERO);
    for (const p of a.parts) {
      const l = p.line;
      const share = p.amount.equals(l.amount) ? '' : ` (its share of ${money(l.amount, l.currency)})`;
      row.explanation.push(
        `Recurra invoice ${l.invoiceNumber ?? l.invoiceId} line "${l.description}" (${l.kind}, ${l.fromDate} to ${l.toDate})`
        + `${QUANTITY_KINDS.has(l.kind) ? `: ${formatQuantity(p.quantity)} × ${formatMoney(l.unitPrice, l.currency)}` : ''} = ${money(p.amount, l.currency)}${share}`,
      );
    }
    if (!row.freeQuantity.isZero()) row.explanation.push(`${formatQuantity(row.freeQuantity)} licence(s) given free on the linked line(s): not leakage`);
    row.margin = row.billed.minus(row.cost);
    row.marginPercent = marginPercent(row.margin, row.billed);
    if (row.customerId === null && a.parts.length === 0) row.explanation.push('belongs to no customer: nothing can be billed');

    // Unbilled: an active subscription on no recurring-invoice line.
    if (sub && !usage && !isCarrier && sub.active && !isCancelled(sub) && sub.customerId !== null && sub.quantity.greaterThan(0)
      && subLinks.length === 0 && (sub.billingTerm ?? '').toLowerCase() !== 'trial') {
      const unit = sub.price ?? sub.cost;
      if (unit !== null) {
        const amount = monthlyAmount(unit, sub.quantity, sub.billingTerm, cur);
        row.explanation.push(`linked to no recurring-invoice line: ${money(amount, cur)} a month goes unbilled`);
        find({
          kind: 'unbilled', keySubject: sub.id, subscriptionId: sub.id, usageSummaryId: null, pax8CompanyId: sub.pax8CompanyId, customerId: sub.customerId,
          subject: sub.name, currency: cur, amount,
          detail: `${formatQuantity(sub.quantity)} × ${formatMoney(unit, cur)} (${sub.price ? 'price' : 'partner cost, no price set'}${sub.billingTerm ? `, ${sub.billingTerm}` : ''}) is on no recurring invoice`,
          since: sub.startDate, fix: input.canAddLines ? { action: 'add_to_recurring_invoice', label: 'Add to the customer\'s recurring invoice' } : null,
          manual: input.canAddLines ? null : 'add a line linked to this subscription on one of the customer\'s recurring invoices',
        });
      }
    }
    if (usage && usage.customerId !== null && !usageLines.has(usage.id) && !(usage.subscriptionId && linksBySub.has(usage.subscriptionId)) && a.parts.length === 0) {
      const amount = usage.monthCharges !== null && usage.monthCharges.greaterThan(0) ? usage.monthCharges : row.cost;
      row.explanation.push('usage summary on no recurring-invoice usage line');
      find({
        kind: 'unbilled', keySubject: usage.id, subscriptionId: usage.subscriptionId, usageSummaryId: usage.id, pax8CompanyId: usage.pax8CompanyId,
        customerId: usage.customerId, subject: usage.name, currency: cur, amount,
        detail: `the month's usage charges ${money(amount, cur)} are on no recurring invoice`, since: usage.createdDate, fix: null,
        manual: 'add a usage line for this usage summary on the customer\'s recurring invoice',
      });
    }
    if (sub && !usage && !isCarrier && sub.customerId !== null && a.usageCost.greaterThan(0) && !a.parts.some((p) => p.line.kind === 'usage')) {
      row.explanation.push(`Pax8 bills usage of ${money(a.usageCost, cur)} on it, which Recurra has no usage summary for`);
      find({
        kind: 'unbilled', keySubject: `usage:${sub.id}`, subscriptionId: sub.id, usageSummaryId: null, pax8CompanyId: sub.pax8CompanyId, customerId: sub.customerId,
        subject: `${sub.name} (usage)`, currency: cur, amount: a.usageCost,
        detail: `Pax8 bills ${money(a.usageCost, cur)} of usage on this subscription; Recurra imports no usage summary for it`,
        since: sub.startDate, fix: null,
        manual: 'include the product in the tenant\'s usage product pattern (settings imports.usageProductPattern), import usage, and bill it on a usage line',
      });
    }
    if (!sub && !usage && row.customerId !== null && a.items.length > 0) {
      row.explanation.push('Pax8 bills a subscription Recurra has not imported');
      find({
        kind: 'unbilled', keySubject: row.key, subscriptionId: null, usageSummaryId: null, pax8CompanyId: a.items[0]!.pax8CompanyId,
        customerId: row.customerId, subject: row.name, currency: cur, amount: row.cost,
        detail: `Pax8 bills ${money(row.cost, cur)} for subscription ${row.pax8SubscriptionId ?? '(none)'}, which Recurra does not know`,
        since: null, fix: null, manual: 'import the customer\'s subscriptions, then add the subscription to a recurring invoice',
      });
    }

    // Fewer licences billed than held (free licences excluded).
    const qtyParts = a.parts.filter((p) => QUANTITY_KINDS.has(p.line.kind));
    if (sub && !usage && qtyParts.length > 0 && row.heldQuantity !== null && !isCancelled(sub)) {
      const shortfall = row.heldQuantity.minus(row.freeQuantity).minus(row.billedQuantity);
      if (shortfall.greaterThan(0)) {
        const price = qtyParts[0]!.line.unitPrice;
        const amount = new Decimal(roundMoney(shortfall.mul(price), cur).toString());
        row.explanation.push(`holds ${formatQuantity(row.heldQuantity)}, ${formatQuantity(row.freeQuantity)} free, billed ${formatQuantity(row.billedQuantity)}: ${formatQuantity(shortfall)} not billed`);
        find({
          kind: 'under_quantity', keySubject: sub.id, subscriptionId: sub.id, usageSummaryId: null, pax8CompanyId: sub.pax8CompanyId, customerId: row.customerId,
          subject: sub.name, currency: cur, amount,
          detail: `holds ${formatQuantity(row.heldQuantity)} (${a.heldFromPax8 !== null ? 'Pax8 invoice' : 'subscription'}), ${formatQuantity(row.freeQuantity)} free, billed ${formatQuantity(row.billedQuantity)}: ${formatQuantity(shortfall)} × ${formatMoney(price, cur)} unbilled`,
          since: sub.startDate, fix: null, manual: 'check the line\'s links (free and minimum quantities) and bill the missing licences',
        });
      }
    }

    // Priced below cost.
    if (sub && !usage) {
      const unitCost = a.unitCostFromPax8 ?? sub.cost;
      let amount = ZERO;
      let worst: BilledPart | null = null;
      for (const p of qtyParts) {
        if (unitCost !== null && p.line.unitPrice.lessThan(unitCost) && p.quantity.greaterThan(0)) {
          amount = amount.plus(unitCost.minus(p.line.unitPrice).mul(p.quantity));
          worst ??= p;
        }
      }
      if (worst && unitCost !== null) {
        amount = new Decimal(roundMoney(amount, cur).toString());
        row.explanation.push(`unit price ${formatMoney(worst.line.unitPrice, cur)} is below unit cost ${formatMoney(unitCost, cur)}`);
        find({
          kind: 'below_cost', keySubject: sub.id, subscriptionId: sub.id, usageSummaryId: null, pax8CompanyId: sub.pax8CompanyId, customerId: row.customerId,
          subject: sub.name, currency: cur, amount,
          detail: `billed at ${formatMoney(worst.line.unitPrice, cur)} a unit, cost ${formatMoney(unitCost, cur)} (${a.unitCostFromPax8 ? 'Pax8 invoice' : 'partner cost'})`,
          since: sub.startDate, fix: null, manual: 'raise the line\'s unit price (or the subscription\'s price it follows) to at least the cost',
        });
      }
    } else if (usage && a.parts.length > 0 && row.billed.lessThan(row.cost)) {
      const amount = row.cost.minus(row.billed);
      row.explanation.push(`usage billed ${money(row.billed, cur)} is below its cost ${money(row.cost, cur)}`);
      find({
        kind: 'below_cost', keySubject: usage.id, subscriptionId: usage.subscriptionId, usageSummaryId: usage.id, pax8CompanyId: usage.pax8CompanyId,
        customerId: row.customerId, subject: usage.name, currency: cur, amount, detail: `usage billed ${money(row.billed, cur)}, Pax8 cost ${money(row.cost, cur)}`,
        since: usage.createdDate, fix: null, manual: 'check the usage line and the usage summary\'s mark-up',
      });
    }

    // Usage summaries mapped to no customer.
    if (usage && usage.customerId === null) {
      const amount = a.items.length > 0 ? row.cost : usage.monthPartnerTotal ?? ZERO;
      find({
        kind: 'unmapped_usage', keySubject: usage.id, subscriptionId: usage.subscriptionId, usageSummaryId: usage.id, pax8CompanyId: usage.pax8CompanyId,
        customerId: null, subject: usage.name, currency: cur, amount,
        detail: `usage summary ${usage.pax8Id}${usage.resourceGroup ? ` (resource group ${usage.resourceGroup})` : ''} of Pax8 company ${usage.pax8CompanyId ?? '(none)'} is mapped to no customer`,
        since: usage.createdDate, fix: mapFix(usage.pax8CompanyId, null), manual: 'map the Pax8 company (or the resource group) to a customer',
      });
    }

    // Cancelled in Pax8 but still billed.
    if (sub && !usage && isCancelled(sub)) {
      const after = a.parts.filter((p) => sub.endDate === null || p.line.fromDate >= sub.endDate);
      const amount = after.reduce((s, p) => s.plus(p.amount), ZERO);
      if (amount.greaterThan(0)) {
        row.explanation.push(`cancelled in Pax8${sub.endDate ? ` (ended ${sub.endDate})` : ''} but billed ${money(amount, cur)} for later dates`);
        find({
          kind: 'cancelled_billed', keySubject: sub.id, subscriptionId: sub.id, usageSummaryId: null, pax8CompanyId: sub.pax8CompanyId, customerId: row.customerId,
          subject: sub.name, currency: cur, amount,
          detail: `${sub.deletedInPax8 ? 'deleted' : 'cancelled'} in Pax8${sub.endDate ? ` on ${sub.endDate}` : ''}, still billed ${money(amount, cur)} in ${input.month}`,
          since: sub.endDate, fix: null, manual: 'remove the subscription from its recurring-invoice line and credit the customer',
        });
      }
    }
  }

  // Pax8 items of companies mapped to no customer (usage matched to summaries is reported per summary).
  const byCompany = new Map<string, { items: RPax8Item[]; amount: Decimal }>();
  for (const a of accs.values()) {
    if (a.usage || a.sub) continue;
    for (const item of a.items) {
      if (!item.pax8CompanyId || mapping.has(item.pax8CompanyId)) continue;
      const k = `${item.pax8CompanyId}:${item.currency}`;
      const g = byCompany.get(k) ?? { items: [], amount: ZERO };
      g.items.push(item);
      g.amount = g.amount.plus(item.amountDue);
      byCompany.set(k, g);
    }
  }
  for (const a of accs.values()) {
    if (!a.sub || a.usage || a.sub.customerId !== null) continue;
    for (const item of a.items) {
      if (!item.pax8CompanyId || mapping.has(item.pax8CompanyId)) continue;
      const k = `${item.pax8CompanyId}:${item.currency}`;
      const g = byCompany.get(k) ?? { items: [], amount: ZERO };
      g.items.push(item);
      g.amount = g.amount.plus(item.amountDue);
      byCompany.set(k, g);
    }
  }
  for (const [k, g] of byCompany) {
    const first = g.items[0]!;
    find({
      kind: 'unmapped_company', keySubject: k, subscriptionId: null, usageSummaryId: null, pax8CompanyId: first.pax8CompanyId, customerId: null,
      subject: first.companyName ?? first.pax8CompanyId ?? '?', currency: first.currency, amount: g.amount,
      detail: `${g.items.length} Pax8 item(s) of company "${first.companyName ?? first.pax8CompanyId}" mapped to no customer`, since: null,
      fix: mapFix(first.pax8CompanyId, first.companyName),
      manual: known.has(first.pax8CompanyId ?? '') ? 'then import the company\'s subscriptions' : 'import customers, map the Pax8 company to a customer, then import its subscriptions',
    });
  }

  findings.sort((x, y) => {
    if (x.since !== y.since) {
      if (x.since === null) return 1;
      if (y.since === null) return -1;
      return x.since < y.since ? 1 : -1;
    }
    const byAmount = y.amount.comparedTo(x.amount);
    return byAmount !== 0 ? byAmount : x.key < y.key ? -1 : x.key > y.key ? 1 : 0;
  });

  // --- totals: customers from rows and findings, the month from its customers ------------------------
  const keyed: [string, SubscriptionRow][] = [];
  for (const a of accs.values()) keyed.push([`${a.row.customerName.toLowerCase()}\u0000${a.row.name.toLowerCase()}\u0000${a.row.key}`, a.row]);
  keyed.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const rows = keyed.map((k) => k[1]);
  const custKey = (id: string | null, cur: string) => `${id ?? ''}|${cur}`;
  const customers = new Map<string, CustomerTotals>();
  const cust = (id: string | null, cur: string): CustomerTotals => {
    const k = custKey(id, cur);
    let c = customers.get(k);
    if (!c) {
      c = { customerId: id, customerName: nameOf(id), currency: cur, cost: ZERO, billed: ZERO, margin: ZERO, marginPercent: null, leakage: ZERO, findings: 0, subscriptions: 0 };
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
  const customerList = [...customers.values()].map((c) => {
    c.margin = c.billed.minus(c.cost);
    c.marginPercent = marginPercent(c.margin, c.billed);
    return c;
  }).sort((a, b) => (a.customerId === null ? 1 : 0) - (b.customerId === null ? 1 : 0) || byName(a.customerName, b.customerName) || (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
  const totals = new Map<string, MonthTotals>();
  for (const c of customerList) {
    const t = totals.get(c.currency) ?? { currency: c.currency, cost: ZERO, billed: ZERO, margin: ZERO, marginPercent: null, leakage: ZERO, findings: 0, subscriptions: 0 };
    t.cost = t.cost.plus(c.cost);
    t.billed = t.billed.plus(c.billed);
    t.leakage = t.leakage.plus(c.leakage);
    t.findings += c.findings;
    t.subscriptions += c.subscriptions;
    totals.set(c.currency, t);
  }
  const totalList = [...totals.values()].map((t) => ({ ...t, margin: t.billed.minus(t.cost), marginPercent: marginPercent(t.billed.minus(t.cost), t.billed) }))
    .sort((a, b) => a.currency.localeCompare(b.currency));
  return { month: input.month, pax8Source: input.pax8Source, totals: totalList, customers: customerList, rows, findings };
}

export function findingsOfKind(report: ReconcileReport, kind: FindingKind): Finding[] {
  return report.findings.filter((f) => f.kind === kind);
}

import { Decimal } from 'decimal.js';
import type { RBilledLine, ReconcileInput } from '../model.js';
import { allocate, plus, QUANTITY_KINDS, ZERO } from './amounts.js';
import type { InputIndex } from './index-inputs.js';
import type { Ledger } from './ledger.js';

/**
 * Step 3, Recurra's side: each issued line of the month onto the rows it billed. A usage line goes to its usage
 * summary; a licence line is split over the subscriptions its provenance names by their billable quantities
 * (equally when absent). Lines with no subscription (own services) are not reconciled.
 */
export function attributeBilledLines(input: ReconcileInput, index: InputIndex, ledger: Ledger): void {
  for (const line of input.billed) {
    if (line.usageSummaryId) attributeUsageLine(line, line.usageSummaryId, index, ledger);
    else if (line.subscriptions.length > 0) attributeLicenceLine(line, index, ledger);
  }
}

function attributeUsageLine(line: RBilledLine, usageSummaryId: string, index: InputIndex, ledger: Ledger): void {
  const u = index.usageById.get(usageSummaryId);
  const e = u ? ledger.forUsage(u) : ledger.entry(`u:${usageSummaryId}`, () => ({
    sub: null, usage: null,
    row: ledger.row(`u:${usageSummaryId}`, { usageSummaryId, customerId: line.customerId, name: line.description, currency: line.currency }),
  }));
  e.parts.push({ line, amount: line.amount, quantity: ZERO });
  e.row.billed = plus(e.row.billed, line.amount);
}

const ONE = new Decimal(1);

function attributeLicenceLine(line: RBilledLine, index: InputIndex, ledger: Ledger): void {
  const ids = line.subscriptions;
  const billable = line.linkBillable;
  const exact = ids.every((id) => billable?.has(id)) ? ids.map((id) => billable!.get(id)!) : ids.map(() => ONE);
  const totalWeight = ids.length === 1 ? exact[0]! : exact.reduce((s, w) => s.plus(w), ZERO);
  const amounts = allocate(line.amount, exact, line.currency);
  const billsQuantity = QUANTITY_KINDS.has(line.kind);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    const s = index.subsById.get(id);
    const e = s ? ledger.forSubscription(s, line.currency) : ledger.entry(`s:${id}`, () => ({
      sub: null, usage: null,
      row: ledger.row(`s:${id}`, { subscriptionId: id, customerId: line.customerId, name: line.description, currency: line.currency }),
    }));
    let quantity = ZERO;
    if (billsQuantity) {
      quantity = line.kind === 'recurring' && billable?.has(id)
        ? billable.get(id)!
        : totalWeight.isZero() ? ZERO : line.quantity.mul(exact[i]!).div(totalWeight);
    }
    e.parts.push({ line, amount: amounts[i]!, quantity });
    e.row.billed = plus(e.row.billed, amounts[i]!);
    if (billsQuantity) e.row.billedQuantity = plus(e.row.billedQuantity, quantity);
  }
}

/** Every active subscription and every usage summary with figures gets a row, billed or not. */
export function addUnbilledRows(input: ReconcileInput, ledger: Ledger): void {
  for (const s of input.subscriptions) {
    if (s.kind === 'usage_summary') continue;
    if (s.active) ledger.forSubscription(s, s.currency ?? 'XXX');
  }
  for (const u of input.usage) if (u.monthPartnerTotal !== null || u.monthCharges !== null) ledger.forUsage(u);
}

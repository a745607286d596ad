import { Decimal } from 'decimal.js';
import { RecurringInvoiceLine } from '../db/entities/index.js';
import type { RecurringLineCostMode } from '../db/entities/recurring-invoice.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { InvoiceError } from './queries.js';

/**
 * Sets a line's cost (issue 23): `follow` the primary subscription's Pax8 cost per period, or `own` (`cost`, a
 * non-negative decimal of at most 6 places; null: not known). The CLI's `recurring-invoices set-cost`; the API's line
 * PATCH writes the same columns.
 */
export async function setLineCost(
  scope: TenantScope, recurringInvoiceId: string, lineId: string, input: { costMode: RecurringLineCostMode; cost?: string | null }, now: Date,
): Promise<RecurringInvoiceLine> {
  const line = await scope.repo(RecurringInvoiceLine).findOneBy({ id: lineId, recurringInvoiceId });
  if (!line) throw new InvoiceError(`no line ${lineId} on recurring invoice ${recurringInvoiceId}`, 'not_found');
  if (input.cost !== undefined && input.cost !== null && !/^\d{1,12}(\.\d{1,6})?$/.test(input.cost)) {
    throw new RangeError(`a cost is a non-negative decimal with at most 6 places, got "${input.cost}"`);
  }
  await scope.repo(RecurringInvoiceLine).update({ id: line.id }, {
    costMode: input.costMode, ...(input.cost !== undefined ? { cost: input.cost === null ? null : new Decimal(input.cost) } : {}), updatedAt: now,
  });
  return (await scope.repo(RecurringInvoiceLine).findOneBy({ id: line.id }))!;
}

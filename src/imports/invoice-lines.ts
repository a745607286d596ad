import type { Subscription } from '../db/entities/index.js';
import { addLineForNewSubscription } from '../invoices/auto-lines.js';
import type { ImportContext } from './context.js';

/**
 * Product mode products_and_lines: every subscription NEWLY created by this run is offered to the
 * invoices engine (src/invoices/auto-lines.ts), which adds it to the customer's recurring invoice or
 * says why not; the outcome is kept on the run. Existing subscriptions are never added.
 */
export async function addInvoiceLines(ctx: ImportContext, created: Subscription[]): Promise<void> {
  for (const s of created) {
    try {
      const r = await addLineForNewSubscription(ctx.scope, s);
      ctx.rec.note('invoiceLines', r.added
        ? { subscriptionPax8Id: s.pax8Id, added: true, recurringInvoiceId: r.recurringInvoiceId }
        : { subscriptionPax8Id: s.pax8Id, added: false, reason: r.reason });
    } catch (err) {
      ctx.rec.note('invoiceLines', { subscriptionPax8Id: s.pax8Id, added: false, reason: `failed: ${(err as Error).message}` });
    }
  }
}

import type { Subscription } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { addLineForNewSubscription } from '../invoices/auto-lines.js';
import type { ImportContext } from './context.js';
import type { RunDetails } from './run-record.js';

type LineNote = RunDetails['invoiceLines'][number];

/**
 * Product mode products_and_lines: a subscription NEWLY created by an import is offered to the
 * invoices engine (src/invoices/auto-lines.ts) inside the same transaction that creates it, so the
 * subscription and its recurring-invoice line are written together or not at all. The engine adds
 * the line or says why not; the outcome is kept on the run. Existing subscriptions are never added.
 */
export async function offerInvoiceLine(ctx: ImportContext, tx: TenantScope, s: Subscription): Promise<LineNote | null> {
  if (ctx.settings.productImportMode !== 'products_and_lines' || ctx.dryRun) return null;
  const r = await addLineForNewSubscription(tx, s);
  return r.added
    ? { subscriptionPax8Id: s.pax8Id, added: true, recurringInvoiceId: r.recurringInvoiceId }
    : { subscriptionPax8Id: s.pax8Id, added: false, reason: r.reason };
}

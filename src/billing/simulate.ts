import type { CalendarDate } from './dates.js';
import { buildInvoice, type Invoice } from './invoice.js';
import type { BillingContext } from './model.js';
import { periodStartsBetween } from './periods.js';

/** Every invoice from ctx.billingStart up to and including `through`. */
export function invoicesThrough(ctx: BillingContext, through: CalendarDate): Invoice[] {
  return periodStartsBetween(ctx.schedule, ctx.billingStart, through).map((date) => buildInvoice(ctx, date));
}

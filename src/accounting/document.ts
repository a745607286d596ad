import { Decimal } from 'decimal.js';
import { In } from 'typeorm';
import {
  AccountingContactLink, Customer, Product, RecurringInvoiceAdjustment, RecurringInvoiceLine, type Invoice, type InvoiceLine,
} from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { invoiceNumberText } from '../invoices/queries.js';
import type { AccountingDocument, AccountingVendor, DocumentLine } from './connector.js';
import { LedgerRules } from './ledger-mappings.js';
import { vendorName } from './push-error.js';

/**
 * A Recurra invoice as it goes to the books. A wholly negative invoice goes as a credit note with its amounts turned
 * positive; every line carries its own tax (its tax code's vendor code, its own tax amount), its ledger target (its
 * product group's, else its kind's, else the default) and the first day it covers.
 */

const dec = (v: Decimal | string | null | undefined): Decimal => new Decimal(v === null || v === undefined ? 0 : v.toString());

/** The product group of each line (through its recurring-invoice line, or its adjustment's line, to its product). */
async function lineGroups(scope: TenantScope, lines: readonly InvoiceLine[]): Promise<Map<string, string | null>> {
  const adjustmentIds = [...new Set(lines.flatMap((l) => (l.adjustmentId ? [l.adjustmentId] : [])))];
  const adjustments = new Map((adjustmentIds.length ? await scope.repo(RecurringInvoiceAdjustment).findBy({ id: In(adjustmentIds) }) : []).map((a) => [a.id, a.lineId]));
  const riLineOf = (l: InvoiceLine) => l.recurringInvoiceLineId ?? (l.adjustmentId ? adjustments.get(l.adjustmentId) ?? null : null);
  const riLineIds = [...new Set(lines.flatMap((l) => { const id = riLineOf(l); return id ? [id] : []; }))];
  const riLines = new Map((riLineIds.length ? await scope.repo(RecurringInvoiceLine).findBy({ id: In(riLineIds) }) : []).map((l) => [l.id, l.productId]));
  const productIds = [...new Set([...riLines.values()].filter((p): p is string => p !== null))];
  const groups = new Map((productIds.length ? await scope.repo(Product).findBy({ id: In(productIds) }) : []).map((p) => [p.id, p.productGroup]));
  return new Map(lines.map((l) => {
    const riLine = riLineOf(l);
    const product = riLine ? riLines.get(riLine) ?? null : null;
    return [l.id, product ? groups.get(product) ?? null : null];
  }));
}

export type BuiltDocument = { ok: true; doc: AccountingDocument } | { ok: false; problems: string[] };

export async function buildDocument(
  scope: TenantScope, vendor: AccountingVendor, invoice: Invoice, lines: readonly InvoiceLine[], postAs: 'approved' | 'draft',
): Promise<BuiltDocument> {
  const problems: string[] = [];
  const link = await scope.repo(AccountingContactLink).findOneBy({ vendor, customerId: invoice.customerId });
  if (!link) {
    const customer = await scope.repo(Customer).findOneBy({ id: invoice.customerId });
    problems.push(`link ${customer?.name ?? 'the customer'} to a ${vendorName(vendor)} contact first`);
  }
  const rules = await LedgerRules.load(scope, vendor);
  const groups = await lineGroups(scope, lines);
  const credit = dec(invoice.total).isNegative();
  const sign = credit ? -1 : 1;
  const docLines: DocumentLine[] = [];
  for (const l of [...lines].sort((a, b) => a.position - b.position)) {
    const amount = dec(l.amount).times(sign);
    const rate = l.taxRate !== null ? dec(l.taxRate) : dec(invoice.taxRate);
    const ledger = rules.ledgerFor(groups.get(l.id) ?? null, l.kind);
    const tax = rules.taxFor(l.taxCode, rate);
    if ('problem' in ledger && !problems.includes(ledger.problem)) problems.push(ledger.problem);
    if ('problem' in tax && !problems.includes(tax.problem)) problems.push(tax.problem);
    const quantity = dec(l.quantity).abs();
    const unit = dec(l.unitPrice).abs();
    docLines.push({
      description: l.description, quantity, unitAmount: amount.isNegative() ? unit.negated() : unit, amount,
      ledgerRef: 'ref' in ledger ? ledger.ref : '', taxCode: 'code' in tax ? tax.code : null, taxAmount: dec(l.tax).times(sign),
      serviceDate: l.fromDate,
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    doc: {
      type: credit ? 'credit_note' : 'invoice', number: invoiceNumberText(invoice), contactId: link!.externalContactId,
      date: invoice.invoiceDate, dueDate: invoice.dueDate, currency: invoice.currency, lines: docLines,
      subtotal: dec(invoice.subtotal).times(sign), tax: dec(invoice.tax).times(sign), total: dec(invoice.total).times(sign), post: postAs,
    },
  };
}

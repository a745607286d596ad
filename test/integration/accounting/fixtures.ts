import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { LineKind } from '../../../src/billing/line-kinds.js';
import { Invoice, InvoiceLine } from '../../../src/db/entities/index.js';
import type { TenantScope } from '../../../src/db/tenant-scope.js';

export interface LineInput {
  description?: string;
  amount: string;
  /** Default: amount × 0.2. */
  tax?: string;
  taxRate?: string;
  taxCode?: string | null;
  kind?: LineKind;
  quantity?: string;
}

let nextNumber = 1000;

/** An invoice written as the run would leave it (issued with a number, or a draft), with its lines and totals. */
export async function insertInvoice(
  scope: TenantScope, customerId: string, lines: LineInput[], opts: { status?: 'issued' | 'draft'; number?: number; dueDate?: string; invoiceDate?: string; currency?: string } = {},
): Promise<Invoice> {
  const now = new Date();
  const id = randomUUID();
  const rows = lines.map((l, i) => {
    const amount = new Decimal(l.amount);
    const rate = new Decimal(l.taxRate ?? '0.2');
    const quantity = new Decimal(l.quantity ?? '1');
    return {
      id: randomUUID(), invoiceId: id, position: i + 1, recurringInvoiceLineId: null, adjustmentId: null, kind: l.kind ?? ('recurring' as LineKind),
      description: l.description ?? `Line ${i + 1}`, fromDate: '2026-02-01', toDate: '2026-02-28', quantity, unitPrice: amount.div(quantity).abs(), amount,
      tax: new Decimal(l.tax ?? amount.times(rate).toFixed(2)), taxRate: rate, taxCode: l.taxCode ?? null, taxKind: l.taxCode ? 'standard' : null,
      reviewJson: '[]', unitCost: null, cost: null, provenanceJson: '{}', createdAt: now, updatedAt: now,
    };
  });
  const subtotal = rows.reduce((s, r) => s.plus(r.amount), new Decimal(0));
  const tax = rows.reduce((s, r) => s.plus(r.tax), new Decimal(0));
  const status = opts.status ?? 'issued';
  const invoice = scope.repo(Invoice).create({
    id, recurringInvoiceId: randomUUID(), customerId, invoiceDate: opts.invoiceDate ?? '2026-02-01', periodStart: '2026-02-01', periodEnd: '2026-02-28',
    currency: opts.currency ?? 'GBP', taxRate: new Decimal('0.2'), status, number: status === 'issued' ? opts.number ?? nextNumber++ : null, subtotal, tax, total: subtotal.plus(tax),
    reviewJson: '[]', issuedAt: status === 'issued' ? now : null, approvedBy: null, forwardDated: false, dueDate: opts.dueDate ?? '2026-03-03',
    paymentTermsDays: 30, sellerJson: null, lateCheckedVersion: -1, createdAt: now, updatedAt: now,
  });
  await scope.repo(Invoice).save(invoice);
  await scope.repo(InvoiceLine).insert(rows);
  return invoice;
}

/** Changes an invoice's lines and totals in place (as a correction of an issued invoice would). */
export async function setInvoiceLineAmount(scope: TenantScope, invoiceId: string, position: number, amount: string): Promise<void> {
  const lines = await scope.repo(InvoiceLine).findBy({ invoiceId });
  const line = lines.find((l) => l.position === position)!;
  const tax = new Decimal(amount).times(line.taxRate!.toString()).toDecimalPlaces(2);
  await scope.repo(InvoiceLine).update({ id: line.id }, { amount: new Decimal(amount), unitPrice: new Decimal(amount), tax });
  const all = await scope.repo(InvoiceLine).findBy({ invoiceId });
  const subtotal = all.reduce((s, r) => s.plus(r.amount.toString()), new Decimal(0));
  const totalTax = all.reduce((s, r) => s.plus(r.tax.toString()), new Decimal(0));
  await scope.repo(Invoice).update({ id: invoiceId }, { subtotal, tax: totalTax, total: subtotal.plus(totalTax) });
}

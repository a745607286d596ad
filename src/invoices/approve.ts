import type { DataSource } from 'typeorm';
import { Invoice } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { InvoiceError } from './queries.js';
import { ensureInvoiceCounter, takeInvoiceNumbers } from './run.js';

/**
 * Issues a draft after review: status issued, and only now the next invoice number, taken in the same
 * transaction, so numbers stay sequential without gaps whatever order drafts are approved in.
 */
export async function approveInvoice(ds: DataSource, tenantId: string, invoiceId: string, approvedBy = 'cli'): Promise<{ id: string; number: number }> {
  const scope = new TenantScope(ds.manager, tenantId);
  await ensureInvoiceCounter(scope);
  return scope.transaction(async (tx) => {
    const now = new Date();
    const claimed = await tx.repo(Invoice).update({ id: invoiceId, status: 'draft' }, { status: 'issued', approvedBy, issuedAt: now, updatedAt: now });
    if (claimed !== 1) {
      const existing = await tx.repo(Invoice).findOneBy({ id: invoiceId });
      if (!existing) throw new InvoiceError(`invoice ${invoiceId} not found`, 'not_found');
      throw new InvoiceError(`invoice ${invoiceId} is already issued (number ${existing.number ?? '?'})`, 'conflict');
    }
    const number = await takeInvoiceNumbers(tx, 1);
    await tx.repo(Invoice).update({ id: invoiceId }, { number });
    return { id: invoiceId, number };
  });
}

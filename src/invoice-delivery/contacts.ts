import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Customer, CustomerBillingContact } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { InvoiceDeliveryError } from './errors.js';

/** A customer's billing contacts: who receives its invoices (to) and who gets a copy (cc). */
export interface BillingContacts {
  to: string[];
  cc: string[];
}

export const MAX_CONTACTS = 20;
const email = z.email();

function normalised(list: readonly string[], field: 'to' | 'cc'): string[] {
  const out: string[] = [];
  for (const raw of list) {
    const address = raw.trim().toLowerCase();
    if (address === '') continue;
    if (!email.safeParse(address).success) throw new InvoiceDeliveryError('invalid', `"${raw.trim()}" is not an e-mail address`, field);
    if (!out.includes(address)) out.push(address);
  }
  if (out.length > MAX_CONTACTS) throw new InvoiceDeliveryError('invalid', `at most ${MAX_CONTACTS} addresses`, field);
  return out;
}

export async function billingContacts(scope: TenantScope, customerId: string): Promise<BillingContacts> {
  if (!(await scope.repo(Customer).findOneBy({ id: customerId }))) throw new InvoiceDeliveryError('not_found', 'customer not found');
  return contactsOf(scope, customerId);
}

async function contactsOf(scope: TenantScope, customerId: string): Promise<BillingContacts> {
  const rows = await scope.repo(CustomerBillingContact).find({ where: { customerId }, order: { createdAt: 'ASC', id: 'ASC' } });
  return { to: rows.filter((r) => r.kind === 'to').map((r) => r.email), cc: rows.filter((r) => r.kind === 'cc').map((r) => r.email) };
}

/**
 * Replaces the customer's billing contacts. An address may be in `to` or in `cc`, not both (`to` wins); empty lists
 * clear them (the customer's invoices can then not be sent).
 */
export async function setBillingContacts(scope: TenantScope, customerId: string, contacts: BillingContacts, now: Date): Promise<BillingContacts> {
  const to = normalised(contacts.to, 'to');
  const cc = normalised(contacts.cc, 'cc').filter((a) => !to.includes(a));
  return scope.transaction(async (tx) => {
    if (!(await tx.repo(Customer).findOneBy({ id: customerId }))) throw new InvoiceDeliveryError('not_found', 'customer not found');
    await tx.repo(CustomerBillingContact).delete({ customerId });
    const rows = [...to.map((e) => ({ e, kind: 'to' as const })), ...cc.map((e) => ({ e, kind: 'cc' as const }))]
      .map(({ e, kind }, i) => ({ id: randomUUID(), customerId, email: e, name: null, kind, createdAt: new Date(now.getTime() + i), updatedAt: now }));
    if (rows.length > 0) await tx.repo(CustomerBillingContact).insert(rows);
    return contactsOf(tx, customerId);
  });
}

import { randomUUID } from 'node:crypto';
import { In } from 'typeorm';
import { AccountingContactLink, Customer, CustomerBillingContact, type ContactLinkHow } from '../db/entities/index.js';
import { isUniqueViolation } from '../db/errors.js';
import type { TenantScope } from '../db/tenant-scope.js';
import type { OpenConnection } from './access.js';
import type { AccountingVendor, ExternalContact } from './connector.js';
import { AccountingUseError, vendorCall, vendorName } from './push-error.js';
import { forgetKeptLists, keptList } from './vendor-lists.js';

/**
 * Which contact in the books each customer is. Suggestions come from the vendor's contacts by normalised name and by
 * the customer's billing-contact e-mails; only an unambiguous exact name match is linked by itself (one contact of that
 * name, and one customer of that name); anything else waits for a person (manual link) or for "create missing".
 */

const LEGAL_SUFFIXES = new Set(['ltd', 'limited', 'inc', 'incorporated', 'llc', 'plc', 'pty', 'gmbh', 'corp', 'corporation', 'co', 'company', 'bv', 'sa', 'ag']);

/** "Contoso, Ltd." and "contoso" alike: lower case, accents and punctuation gone, "&" as "and", legal suffixes dropped. */
export function normaliseName(name: string): string {
  const words = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ').trim().split(/\s+/).filter(Boolean);
  while (words.length > 1 && LEGAL_SUFFIXES.has(words[words.length - 1]!)) words.pop();
  return words.join(' ');
}

export type ContactMatch = 'linked' | 'exact' | 'ambiguous' | 'suggested' | 'none';

export interface ContactSuggestion {
  id: string;
  name: string;
  email: string | null;
  reason: 'name' | 'email';
}

export interface CustomerContactView {
  customerId: string;
  customerName: string;
  link: { externalContactId: string; name: string; how: ContactLinkHow; by: string; at: string } | null;
  suggestions: ContactSuggestion[];
  /** linked; exact (one contact and one customer of that name: linked by "match"); ambiguous (several of that name); suggested (by e-mail); none. */
  match: ContactMatch;
  /** In words, for the page and the CLI. */
  note: string;
}

function viewLink(l: AccountingContactLink): CustomerContactView['link'] {
  return { externalContactId: l.externalContactId, name: l.externalContactName, how: l.how, by: l.linkedBy, at: l.updatedAt.toISOString() };
}

async function fetchContacts(conn: OpenConnection, vendor: AccountingVendor): Promise<ExternalContact[]> {
  return vendorCall(vendor, () => conn.connector.contacts(conn.session));
}

/**
 * Every active customer (and every linked one) with its link and suggestions, by name. Without a connection (null) only
 * the links are shown: suggestions need the vendor's contacts.
 */
export async function contactMatches(scope: TenantScope, conn: OpenConnection | null, vendor: AccountingVendor): Promise<CustomerContactView[]> {
  return matchesFrom(scope, vendor, conn ? await keptList(conn, vendor, 'contacts', () => fetchContacts(conn, vendor)) : null);
}

async function matchesFrom(scope: TenantScope, vendor: AccountingVendor, known: ExternalContact[] | null): Promise<CustomerContactView[]> {
  const contacts = known ?? [];
  const links = new Map((await scope.repo(AccountingContactLink).findBy({ vendor })).map((l) => [l.customerId, l]));
  const customers = (await scope.repo(Customer).find({ order: { name: 'ASC', id: 'ASC' } })).filter((c) => c.active || links.has(c.id));
  const emails = new Map<string, string[]>();
  for (const b of await scope.repo(CustomerBillingContact).findBy({})) emails.set(b.customerId, [...(emails.get(b.customerId) ?? []), b.email.toLowerCase()]);
  const byName = new Map<string, ExternalContact[]>();
  const byEmail = new Map<string, ExternalContact[]>();
  for (const c of contacts) {
    const n = normaliseName(c.name);
    if (n) byName.set(n, [...(byName.get(n) ?? []), c]);
    const e = c.email?.trim().toLowerCase();
    if (e) byEmail.set(e, [...(byEmail.get(e) ?? []), c]);
  }
  const customersByName = new Map<string, number>();
  for (const c of customers) customersByName.set(normaliseName(c.name), (customersByName.get(normaliseName(c.name)) ?? 0) + 1);
  const v = vendorName(vendor);

  return customers.map((customer) => {
    const n = normaliseName(customer.name);
    const named = n ? byName.get(n) ?? [] : [];
    const suggestions: ContactSuggestion[] = named.map((c) => ({ id: c.id, name: c.name, email: c.email, reason: 'name' as const }));
    for (const e of emails.get(customer.id) ?? []) {
      for (const c of byEmail.get(e) ?? []) if (!suggestions.some((s) => s.id === c.id)) suggestions.push({ id: c.id, name: c.name, email: c.email, reason: 'email' });
    }
    const link = links.get(customer.id);
    const base = { customerId: customer.id, customerName: customer.name, link: link ? viewLink(link) : null, suggestions };
    if (link) return { ...base, match: 'linked' as const, note: `linked to ${link.externalContactName} (${link.how})` };
    if (!known) return { ...base, match: 'none' as const, note: `connect ${v} to see suggestions` };
    if (named.length === 1 && (customersByName.get(n) ?? 0) === 1) return { ...base, match: 'exact' as const, note: `${named[0]!.name} in ${v} has the same name` };
    if (named.length > 1) return { ...base, match: 'ambiguous' as const, note: `${named.length} contacts in ${v} are called "${named[0]!.name}": choose one` };
    if (named.length === 1) return { ...base, match: 'ambiguous' as const, note: `several customers are called "${customer.name}": choose the contact of each` };
    if (suggestions.length > 0) return { ...base, match: 'suggested' as const, note: `a billing e-mail matches ${suggestions.map((s) => s.name).join(', ')}: confirm it` };
    return { ...base, match: 'none' as const, note: `no contact in ${v} of that name or billing e-mail` };
  });
}

export interface LinkOptions {
  by: string;
  now: Date;
}

async function writeLink(scope: TenantScope, vendor: AccountingVendor, customerId: string, contact: ExternalContact, how: ContactLinkHow, opts: LinkOptions, replace: boolean): Promise<boolean> {
  const repo = scope.repo(AccountingContactLink);
  const patch = { externalContactId: contact.id, externalContactName: contact.name.slice(0, 255), how, linkedBy: opts.by.slice(0, 255), updatedAt: opts.now };
  if (replace && (await repo.update({ vendor, customerId }, patch)) === 1) return true;
  try {
    await repo.insert([{ id: randomUUID(), vendor, customerId, ...patch, createdAt: opts.now }]);
    return true;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    if (replace) return (await repo.update({ vendor, customerId }, patch)) === 1;
    return false; // linked meanwhile by someone else: theirs stands
  }
}

/** Links every customer whose match is exact and not yet linked ("Match contacts"); returns the views after it. */
export async function autoLinkContacts(scope: TenantScope, conn: OpenConnection, vendor: AccountingVendor, opts: LinkOptions): Promise<{ linked: number; items: CustomerContactView[] }> {
  const contacts = await fetchContacts(conn, vendor);
  let linked = 0;
  for (const m of await matchesFrom(scope, vendor, contacts)) {
    if (m.match !== 'exact') continue;
    const contact = contacts.find((c) => c.id === m.suggestions.find((s) => s.reason === 'name')!.id)!;
    if (await writeLink(scope, vendor, m.customerId, contact, 'matched', opts, false)) linked++;
  }
  return { linked, items: await matchesFrom(scope, vendor, contacts) };
}

/** A person's choice: this customer is that contact (replacing any link). */
export async function linkContact(scope: TenantScope, conn: OpenConnection, vendor: AccountingVendor, customerId: string, contactId: string, opts: LinkOptions): Promise<CustomerContactView> {
  await ensureCustomer(scope, customerId);
  const contacts = await fetchContacts(conn, vendor);
  const contact = contacts.find((c) => c.id === contactId);
  if (!contact) throw new AccountingUseError('invalid', `${vendorName(vendor)} has no contact ${contactId}`, 'body.contactId');
  await writeLink(scope, vendor, customerId, contact, 'manual', opts, true);
  return (await matchesFrom(scope, vendor, contacts)).find((m) => m.customerId === customerId)!;
}

export async function ensureCustomer(scope: TenantScope, customerId: string): Promise<void> {
  if (!(await scope.repo(Customer).findOneBy({ id: customerId }))) throw new AccountingUseError('not_found', 'customer not found');
}

export async function unlinkContact(scope: TenantScope, vendor: AccountingVendor, customerId: string): Promise<boolean> {
  await ensureCustomer(scope, customerId);
  return (await scope.repo(AccountingContactLink).delete({ vendor, customerId })) > 0;
}

export interface CreateContactResult {
  customerId: string;
  customerName: string;
  outcome: 'created' | 'linked' | 'already_linked' | 'ambiguous' | 'not_found';
  contactId: string | null;
  message: string;
}

/**
 * "Create missing contacts": for each customer (default: every active one with no contact of its name or billing e-mail
 * in the books; one suggested by e-mail waits for a person, or is named here) creates a contact of its name
 * (with its first billing e-mail) and links it. A customer whose name now matches exactly one contact is linked to it
 * instead (so a rerun after a crash between creating and linking does not create a second); an ambiguous one is left.
 */
export async function createMissingContacts(
  scope: TenantScope, conn: OpenConnection, vendor: AccountingVendor, customerIds: readonly string[] | null, opts: LinkOptions & { max?: number },
): Promise<{ results: CreateContactResult[]; remaining: number }> {
  const contacts = await fetchContacts(conn, vendor);
  const views = await matchesFrom(scope, vendor, contacts);
  const all = customerIds ? [...new Set(customerIds)] : views.filter((v) => v.match === 'none').map((v) => v.customerId);
  // A page's request creates a batch (the vendor paces calls: Xero about 60 a minute); the rest on the next press.
  const wanted = opts.max !== undefined ? all.slice(0, opts.max) : all;
  const customers = new Map((wanted.length ? await scope.repo(Customer).findBy({ id: In(wanted) }) : []).map((c) => [c.id, c]));
  const out: CreateContactResult[] = [];
  for (const customerId of wanted) {
    const customer = customers.get(customerId);
    if (!customer) {
      out.push({ customerId, customerName: customerId, outcome: 'not_found', contactId: null, message: 'customer not found' });
      continue;
    }
    const r = (outcome: CreateContactResult['outcome'], contactId: string | null, message: string) => out.push({ customerId, customerName: customer.name, outcome, contactId, message });
    const view = views.find((v) => v.customerId === customerId);
    if (view?.link) {
      r('already_linked', view.link.externalContactId, `${customer.name} is already linked to ${view.link.name}`);
      continue;
    }
    const n = normaliseName(customer.name);
    const alike = contacts.filter((c) => normaliseName(c.name) === n);
    // Customers whose names differ only in case, punctuation or legal suffix ("Copperleaf Design Inc." and "Copperleaf
    // Design LLC") are different customers: for them only a contact of exactly the customer's name is its own.
    const lookAlikes = views.filter((v) => normaliseName(v.customerName) === n).length > 1;
    const named = lookAlikes ? alike.filter((c) => c.name.trim().toLowerCase() === customer.name.trim().toLowerCase()) : alike;
    if (named.length > 1) {
      r('ambiguous', null, `${named.length} contacts in ${vendorName(vendor)} are called "${customer.name}": link one by hand`);
      continue;
    }
    if (named.length === 1) {
      await writeLink(scope, vendor, customerId, named[0]!, 'matched', opts, false);
      r('linked', named[0]!.id, `${customer.name} linked to the existing contact ${named[0]!.name}`);
      continue;
    }
    const email = (await scope.repo(CustomerBillingContact).find({ where: { customerId, kind: 'to' }, order: { createdAt: 'ASC' }, take: 1 }))[0]?.email ?? null;
    const created = await vendorCall(vendor, () => conn.connector.createContact(conn.session, { name: customer.name, email }));
    forgetKeptLists(conn, vendor);
    contacts.push(created);
    await writeLink(scope, vendor, customerId, created, 'created', opts, false);
    r('created', created.id, `created ${created.name} in ${vendorName(vendor)}`);
  }
  return { results: out, remaining: all.length - wanted.length };
}

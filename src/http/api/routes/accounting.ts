import { z } from 'zod';
import { systemClock } from '../../../common/clock.js';
import { ACCOUNTING_VENDORS } from '../../../accounting/connector.js';
import type { OpenConnection } from '../../../accounting/access.js';
import { autoLinkContacts, contactMatches, createMissingContacts, ensureCustomer, linkContact, unlinkContact } from '../../../accounting/contacts.js';
import { AppError } from '../../../common/app-error.js';
import { mappingChoices, setLedgerMapping } from '../../../accounting/ledger-mappings.js';
import { accountingOpener } from '../../../accounting/open.js';
import { accountingStatuses, ageingSummary, refreshPayments } from '../../../accounting/payments.js';
import { queuePushes, runPushes } from '../../../accounting/push.js';
import { jobQueue } from '../../../app/scheduler.js';
import type { Runtime } from '../../../app/runtime.js';
import { CONTACT_LINK_HOWS, LEDGER_MAPPING_KINDS, ACCOUNTING_PUSH_STATUSES } from '../../../db/entities/index.js';
import { LINE_KINDS } from '../../../billing/line-kinds.js';
import { defineRoute, okSchema, tenantParams, uuid } from '../route.js';

/*
 * What Recurra does over an accounting connection (src/accounting: contacts.ts, ledger-mappings.ts, push.ts,
 * payments.ts): link customers to the books' contacts, map lines to accounts and tax codes, push issued invoices,
 * read payments back. Finance and admins push and map; reviewers see how invoices stand; clients never.
 */

const TAG = 'Accounting';
const WRITE = ['admin', 'finance'] as const;
const READ = ['admin', 'finance', 'reviewer'] as const;
const vendorParams = tenantParams.extend({ vendor: z.enum(ACCOUNTING_VENDORS) });
const now = (rt: Runtime) => (rt.clock ?? systemClock)();
const open = (rt: Runtime, tenantId: string, vendor: (typeof ACCOUNTING_VENDORS)[number]) => accountingOpener(rt.ds, rt.secrets)(tenantId, vendor, now(rt));
/** The connection, or null when the tenant has not connected the vendor (reads then show what Recurra knows alone). */
async function openIfConnected(rt: Runtime, tenantId: string, vendor: (typeof ACCOUNTING_VENDORS)[number]): Promise<OpenConnection | null> {
  try {
    return await open(rt, tenantId, vendor);
  } catch (err) {
    if (err instanceof AppError && err.kind === 'conflict') return null;
    throw err;
  }
}
const notConnected = { 409: 'conflict: the tenant has not connected the vendor (connect it first), or must connect it again' };

const contactViewSchema = z.object({
  customerId: z.string(), customerName: z.string(),
  link: z.object({ externalContactId: z.string(), name: z.string(), how: z.enum(CONTACT_LINK_HOWS), by: z.string(), at: z.string() }).nullable(),
  suggestions: z.array(z.object({ id: z.string(), name: z.string(), email: z.string().nullable(), reason: z.enum(['name', 'email']) })),
  match: z.enum(['linked', 'exact', 'ambiguous', 'suggested', 'none'])
    .describe('exact: one contact and one customer of that name (linked by match); ambiguous: several of that name, never linked by itself'),
  note: z.string(),
});

export const listAccountingContactsRoute = defineRoute({
  id: 'listAccountingContacts', method: 'get', path: '/tenants/:tenantId/accounting/:vendor/contacts', tag: TAG, roles: WRITE,
  summary: 'Customers with their contact in the books, and suggestions by name and billing e-mail',
  params: vendorParams,
  response: z.object({
    connected: z.boolean().describe('false: the vendor is not connected (or must be connected again); only the links are shown'),
    items: z.array(contactViewSchema),
  }),
  async handler({ rt, scope, tenant, params }) {
    const conn = await openIfConnected(rt, tenant.id, params.vendor);
    return { connected: conn !== null, items: await contactMatches(scope, conn, params.vendor) };
  },
});

export const matchAccountingContactsRoute = defineRoute({
  id: 'matchAccountingContacts', method: 'post', path: '/tenants/:tenantId/accounting/:vendor/contacts/match', tag: TAG, roles: WRITE,
  summary: 'Link every customer whose name matches exactly one contact (and no other customer)',
  description: 'Names match after normalising (case, punctuation, "&", legal suffixes such as Ltd). Two contacts of one name, or two customers, are never linked by this.',
  params: vendorParams,
  errors: notConnected,
  response: z.object({ linked: z.number().int(), items: z.array(contactViewSchema) }),
  async handler({ rt, scope, tenant, auth, params }) {
    return autoLinkContacts(scope, await open(rt, tenant.id, params.vendor), params.vendor, { by: auth.user.email, now: now(rt) });
  },
});

export const linkAccountingContactRoute = defineRoute({
  id: 'linkAccountingContact', method: 'put', path: '/tenants/:tenantId/accounting/:vendor/contacts/:customerId', tag: TAG, roles: WRITE,
  summary: 'Link a customer to a contact in the books (replacing any link)',
  params: vendorParams.extend({ customerId: uuid }),
  body: z.strictObject({ contactId: z.string().min(1).max(100) }),
  example: { contactId: '00000000-0000-4000-8000-0000000000c1' },
  errors: { ...notConnected, 400: 'validation_failed: the vendor has no such contact' },
  response: contactViewSchema,
  async handler({ rt, scope, tenant, auth, params, body }) {
    await ensureCustomer(scope, params.customerId);
    return linkContact(scope, await open(rt, tenant.id, params.vendor), params.vendor, params.customerId, body.contactId, { by: auth.user.email, now: now(rt) });
  },
});

export const unlinkAccountingContactRoute = defineRoute({
  id: 'unlinkAccountingContact', method: 'delete', path: '/tenants/:tenantId/accounting/:vendor/contacts/:customerId', tag: TAG, roles: WRITE,
  summary: 'Forget a customer\'s contact link',
  params: vendorParams.extend({ customerId: uuid }),
  response: okSchema,
  async handler({ scope, params }) {
    await unlinkContact(scope, params.vendor, params.customerId);
    return { ok: true as const };
  },
});

export const createAccountingContactsRoute = defineRoute({
  id: 'createAccountingContacts', method: 'post', path: '/tenants/:tenantId/accounting/:vendor/contacts/create-missing', tag: TAG, roles: WRITE,
  summary: 'Create the missing contacts in the books and link them',
  description: 'For the given customers (default: every active customer with no contact of its name or billing e-mail), creates a contact of the customer\'s '
    + 'name with its first billing e-mail, at most 50 a request (`remaining`: press again). A customer whose name now matches exactly one contact is linked '
    + 'to it instead; an ambiguous one is left for a person; one suggested by e-mail is created only when named.',
  params: vendorParams,
  body: z.strictObject({ customerIds: z.array(uuid).min(1).max(500).optional() }),
  example: {},
  errors: notConnected,
  response: z.object({
    results: z.array(z.object({
      customerId: z.string(), customerName: z.string(), outcome: z.enum(['created', 'linked', 'already_linked', 'ambiguous', 'not_found']),
      contactId: z.string().nullable(), message: z.string(),
    })),
    remaining: z.number().int().describe('customers still without a contact beyond this request\'s 50'),
  }),
  async handler({ rt, scope, tenant, auth, params, body }) {
    return createMissingContacts(scope, await open(rt, tenant.id, params.vendor), params.vendor, body.customerIds ?? null, { by: auth.user.email, now: now(rt), max: 50 });
  },
});

const mappingSchema = z.object({
  kind: z.enum(LEDGER_MAPPING_KINDS), key: z.string(), target: z.string(), targetName: z.string().nullable(), mappedBy: z.string(), mappedAt: z.string(),
});

export const getAccountingMappingsRoute = defineRoute({
  id: 'getAccountingMappings', method: 'get', path: '/tenants/:tenantId/accounting/:vendor/mappings', tag: TAG, roles: WRITE,
  summary: 'Where lines post and which tax code they carry, with what can be chosen',
  description: 'A line posts to its product group\'s target, else its line kind\'s, else the default; its tax goes as its tax code\'s vendor code, else '
    + 'that of its rate, else the default tax code (a line taxed at 0 without any: the vendor\'s no-tax code).',
  params: vendorParams,
  response: z.object({
    connected: z.boolean().describe('false: the vendor is not connected; its lists are empty'),
    ledgerTargets: z.array(z.object({ ref: z.string(), name: z.string(), kind: z.enum(['account', 'item']) })),
    taxRates: z.array(z.object({ code: z.string(), name: z.string(), rate: z.string() })),
    productGroups: z.array(z.string()), lineKinds: z.array(z.enum(LINE_KINDS)),
    taxCodes: z.array(z.object({ code: z.string(), rate: z.string(), kind: z.string() })),
    mappings: z.array(mappingSchema),
  }),
  async handler({ rt, scope, tenant, params }) {
    const conn = await openIfConnected(rt, tenant.id, params.vendor);
    return { connected: conn !== null, ...(await mappingChoices(scope, conn, params.vendor)) };
  },
});

export const setAccountingMappingRoute = defineRoute({
  id: 'setAccountingMapping', method: 'put', path: '/tenants/:tenantId/accounting/:vendor/mappings', tag: TAG, roles: WRITE,
  summary: 'Map a product group, line kind, tax code or rate (or a default) to the vendor\'s account, item or tax code; target null removes it',
  params: vendorParams,
  body: z.strictObject({ kind: z.enum(LEDGER_MAPPING_KINDS), key: z.string().max(120).default(''), target: z.string().min(1).max(100).nullable() }),
  example: { kind: 'default_ledger', key: '', target: '200' },
  errors: { ...notConnected, 400: 'validation_failed: the vendor has no such account, item or tax code, or its rate differs from Recurra\'s' },
  response: z.object({ mapping: mappingSchema.nullable() }),
  async handler({ rt, scope, tenant, auth, params, body }) {
    return { mapping: await setLedgerMapping(scope, await open(rt, tenant.id, params.vendor), params.vendor, body, { by: auth.user.email, now: now(rt) }) };
  },
});

export const pushInvoicesRoute = defineRoute({
  id: 'pushInvoices', method: 'post', path: '/tenants/:tenantId/accounting/:vendor/push', tag: TAG, roles: WRITE, status: 202,
  summary: 'Push issued invoices to the books',
  description: 'Queues each invoice once per vendor and answers at once (202); the scheduler pushes them (with `now`, this request does and waits). '
    + 'A pushed invoice whose content is unchanged is left as it is; a changed one updates its copy while that is a draft or open, and is refused '
    + 'once paid or voided. A draft is refused. Each invoice\'s outcome is in `results`.',
  params: vendorParams,
  body: z.strictObject({ invoiceIds: z.array(uuid).min(1).max(500), now: z.boolean().optional() }),
  example: { invoiceIds: ['00000000-0000-4000-8000-000000000001'] },
  response: z.object({
    results: z.array(z.object({ invoiceId: z.string(), outcome: z.enum(['queued', 'already_queued', 'not_issued', 'not_found']), message: z.string() })),
    run: z.object({ pushed: z.number().int(), unchanged: z.number().int(), failed: z.number().int(), refused: z.number().int(), retrying: z.number().int() }).nullable()
      .describe('with now: what this request did'),
  }),
  async handler({ rt, scope, tenant, auth, params, body }) {
    const results = await queuePushes(scope, params.vendor, body.invoiceIds, { by: auth.user.email, now: now(rt) });
    const ids = results.filter((r) => r.outcome === 'queued' || r.outcome === 'already_queued').map((r) => r.invoiceId);
    if (body.now && ids.length > 0) {
      const r = await runPushes({ ds: rt.ds, open: accountingOpener(rt.ds, rt.secrets), ...(rt.clock ? { clock: rt.clock } : {}) }, tenant.id, { invoiceIds: ids, vendor: params.vendor });
      if (r.retrying > 0 && r.nextAttemptAt) await jobQueue(rt).queueAccountingPush(tenant.id, r.nextAttemptAt);
      return { results, run: { pushed: r.pushed, unchanged: r.unchanged, failed: r.failed, refused: r.refused, retrying: r.retrying } };
    }
    if (results.some((r) => r.outcome === 'queued')) await jobQueue(rt).queueAccountingPush(tenant.id);
    return { results, run: null };
  },
});

const statusSchema = z.object({
  invoiceId: z.string(), vendor: z.enum(ACCOUNTING_VENDORS), push: z.enum(ACCOUNTING_PUSH_STATUSES), attempts: z.number().int(),
  lastError: z.string().nullable().describe('why the last attempt failed or was refused'), externalNumber: z.string().nullable(),
  externalType: z.string().nullable(), externalUrl: z.string().nullable(), pushedAt: z.string().nullable(),
  payment: z.enum(['draft', 'open', 'overdue', 'partly_paid', 'paid', 'voided']).nullable()
    .describe('as last read back; overdue: open or partly paid past its due date in the tenant\'s zone'),
  amountPaid: z.string().nullable(), amountDue: z.string().nullable(), dueDate: z.string().nullable(), paymentCheckedAt: z.string().nullable(),
  label: z.string(),
});

export const listAccountingStatusesRoute = defineRoute({
  id: 'listAccountingStatuses', method: 'get', path: '/tenants/:tenantId/accounting/statuses', tag: TAG, roles: READ,
  summary: 'How the given invoices stand in the books (one entry per vendor pushed to; an invoice never pushed is absent)',
  params: tenantParams,
  query: z.strictObject({
    invoiceIds: z.string().max(200 * 37).regex(/^[0-9a-f-]{36}(,[0-9a-f-]{36})*$/i, 'comma-separated invoice ids').optional()
      .describe('comma-separated invoice ids, at most 200 (none: no items)'),
  }),
  response: z.object({ items: z.array(statusSchema) }),
  async handler({ rt, scope, tenant, query }) {
    const ids = query.invoiceIds ? [...new Set(query.invoiceIds.split(','))].slice(0, 200) : [];
    const map = await accountingStatuses(scope, tenant, ids, now(rt));
    return { items: [...map.values()].flat() };
  },
});

export const refreshAccountingPaymentsRoute = defineRoute({
  id: 'refreshAccountingPayments', method: 'post', path: '/tenants/:tenantId/accounting/payments/refresh', tag: TAG, roles: WRITE,
  summary: 'Read payments back from the books now (for the given invoices, or every pushed one)',
  params: tenantParams,
  body: z.strictObject({ invoiceIds: z.array(uuid).min(1).max(500).optional() }),
  example: {},
  response: z.object({ checked: z.number().int(), changed: z.number().int(), missing: z.number().int(), problems: z.array(z.string()) }),
  async handler({ rt, tenant, body }) {
    return refreshPayments({ ds: rt.ds, open: accountingOpener(rt.ds, rt.secrets), ...(rt.clock ? { clock: rt.clock } : {}) }, tenant.id, body.invoiceIds ? { invoiceIds: body.invoiceIds } : {});
  },
});

const money = z.string();
export const getAccountingAgeingRoute = defineRoute({
  id: 'getAccountingAgeing', method: 'get', path: '/tenants/:tenantId/accounting/ageing', tag: TAG, roles: WRITE,
  summary: 'What customers still owe on invoices in the books, by currency and days past due (as last read back)',
  params: tenantParams,
  response: z.object({
    asOf: z.string().describe('today in the tenant\'s zone'),
    rows: z.array(z.object({
      currency: z.string(),
      buckets: z.object({ current: money, days1to30: money, days31to60: money, days61to90: money, over90: money }),
      total: money, invoices: z.number().int(),
    })),
  }),
  async handler({ rt, scope, tenant }) {
    return ageingSummary(scope, tenant, now(rt));
  },
});

import { z } from 'zod';
import { cronSchedule } from './sync-schedule.js';
import { AppError, issueFields } from '../common/app-error.js';
import { templateProblem } from '../common/text-template.js';

export const PRODUCT_IMPORT_MODES = ['none', 'products', 'products_and_lines'] as const;
export type ProductImportMode = (typeof PRODUCT_IMPORT_MODES)[number];

export const SYNC_ENTITIES = ['customers', 'products', 'subscriptions', 'usage'] as const;
export type SyncEntity = (typeof SYNC_ENTITIES)[number];

/** "a,b" -> ["a", "b"] (the CLI's --set passes a plain list as text). */
const commaList = (v: unknown) => (typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : v);

const regex = z.string().max(500)
  .refine((s) => { try { new RegExp(s, 'i'); return true; } catch { return false; } }, 'a valid regular expression (empty: not set)');

/** The placeholders an invoice e-mail's subject and body may use (src/invoice-delivery/message.ts fills them). */
export const INVOICE_MAIL_PLACEHOLDERS = ['customer', 'number', 'invoiceDate', 'dueDate', 'period', 'total', 'currency', 'seller'] as const;
const mailTemplate = (max: number) => z.string().min(1).max(max).superRefine((t, ctx) => {
  const problem = templateProblem(t, INVOICE_MAIL_PLACEHOLDERS);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const DEFAULT_INVOICE_SUBJECT = 'Invoice {{number}} from {{seller}}';
export const DEFAULT_INVOICE_BODY = [
  'Dear {{customer}},', '',
  'Please find attached invoice {{number}} dated {{invoiceDate}} for {{period}}.', 'Amount due: {{total}}.', '',
  'Kind regards,', '{{seller}}',
].join('\n');

/** Free text of a seller detail: a number given on the command line (a tax number) is taken as its text; empty is null. */
const sellerText = (max: number) => z.preprocess((v) => (typeof v === 'number' ? String(v) : typeof v === 'string' && v.trim() === '' ? null : v),
  z.string().trim().max(max).nullable());

/** A tenant's import, mapping and schedule settings (stored as JSON on the tenant; every key has a default). */
export const tenantSettingsSchema = z.strictObject({
  imports: z.strictObject({
    topLevelForNewCustomers: z.string().min(1).max(255).nullable().default(null),
    updateSiteAddress: z.boolean().default(true),
    importInactiveCompanies: z.boolean().default(false),
    includeOwnCompany: z.boolean().default(false),
    /**
     * Pax8 id of the partner's own company (src/tenants/partner-company.ts): never a customer; its subscriptions and
     * usage follow includeOwnCompany. With neither this nor ownCompanyDeclined set, imports refuse to run.
     */
    ownCompanyPax8Id: z.string().min(1).nullable().default(null),
    /** The admin said the partner account has no own company among its Pax8 companies (every company is a customer). */
    ownCompanyDeclined: z.boolean().default(false),
    productImportMode: z.enum(PRODUCT_IMPORT_MODES).default('products'),
    productGroupForNewProducts: z.string().min(1).max(120).default('Pax8'),
    deactivateDeletedSubscriptions: z.boolean().default(true),
    allowQuantityIncrease: z.boolean().default(false),
    /** Usage products whose product or vendor name matches (case-insensitive regex) are not imported; null: every usage product is. */
    usageExcludePattern: regex.nullable().default(null),
    /**
     * Deprecated (it chose the usage products before usageExcludePattern): its old default "azure plan|azure
     * subscription|usage" or null mean not set; any other value still limits usage to the products it matches.
     */
    usageProductPattern: regex.nullable().default(null),
    /**
     * Which usage days a daily import reads (src/imports/usage-plan.ts): Pax8 may revise a day for this many days
     * after it; the previous month stays open through this day of the month (read, then refreshed in full once); the
     * open months are read in full at least every this many days.
     */
    usageRevisionDays: z.number().int().min(0).max(31).default(3),
    usageMonthCloseDays: z.number().int().min(1).max(28).default(5),
    usageFullRefreshDays: z.number().int().min(1).max(31).default(7),
    /** Usage lines hold invoices for review before they are issued. */
    reviewUsageLines: z.boolean().default(true),
    /**
     * The entities the regular schedule syncs (each on its schedule.* cron); one left out is not scheduled but can
     * still be synced now. A comma-separated string is read as the list.
     */
    scheduledEntities: z.preprocess(commaList, z.array(z.enum(SYNC_ENTITIES)).max(SYNC_ENTITIES.length)
      .transform((l) => SYNC_ENTITIES.filter((e) => l.includes(e)))).default([...SYNC_ENTITIES]),
    /**
     * Whose subscriptions and usage the syncs import (Halo's "Customer Subscriptions to Import"): null for every
     * mapped customer, else these local customer ids (ones without a Pax8 mapping are skipped). "all" reads as null.
     */
    subscriptionCustomers: z.preprocess((v) => (v === 'all' ? null : commaList(v)),
      z.array(z.string().regex(/^[0-9a-fA-F-]{36}$/, 'a customer id')).min(1).max(500).transform((l) => [...new Set(l)]).nullable()).default(null),
  }).prefault({}).refine((i) => !(i.ownCompanyPax8Id && i.ownCompanyDeclined), {
    message: 'ownCompanyPax8Id and ownCompanyDeclined exclude each other (choose the partner company or decline)', path: ['ownCompanyDeclined'],
  }),
  schedule: z.strictObject({
    customers: cronSchedule.default('0 */4 * * *'),
    subscriptions: cronSchedule.default('0 * * * *'),
    products: cronSchedule.default('0 3 * * *'),
    usage: cronSchedule.default('0 4 * * *'),
    billing: cronSchedule.default('15 0 * * *'),
  }).prefault({}),
  /** Change notices (src/notices): e-mail over the tenant's SMTP server, Teams and Slack incoming webhooks. The SMTP password is sealed elsewhere. */
  notices: z.strictObject({
    smtpHost: z.string().min(1).max(255).nullable().default(null),
    smtpPort: z.number().int().min(1).max(65535).default(587),
    /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
    smtpSecure: z.boolean().default(false),
    smtpUser: z.string().min(1).max(255).nullable().default(null),
    smtpFrom: z.string().min(3).max(255).nullable().default(null),
    /** E-mail recipients; empty means every enabled admin user of the tenant. */
    adminRecipients: z.array(z.email()).max(50).default([]),
    teamsWebhookUrl: z.url({ protocol: /^https?$/ }).nullable().default(null),
    slackWebhookUrl: z.url({ protocol: /^https?$/ }).nullable().default(null),
  }).prefault({}),
  /** Invoices by e-mail (src/invoice-delivery): over the SMTP server of `notices`; templates are Handlebars text. */
  invoiceDelivery: z.strictObject({
    /** Queue an invoice for sending as soon as it is issued (approved, or issued by the run without review). */
    autoSend: z.boolean().default(false),
    subjectTemplate: mailTemplate(500).default(DEFAULT_INVOICE_SUBJECT),
    bodyTemplate: mailTemplate(20_000).default(DEFAULT_INVOICE_BODY),
    /** Reply-To of the invoice e-mails (null: the SMTP sender). */
    replyTo: z.email().nullable().default(null),
  }).prefault({}),
  /** What Recurra does over an accounting connection (src/accounting, issue 27). */
  accounting: z.strictObject({
    /** Queue an invoice for pushing to every connected accounting system as soon as it is issued. */
    autoPush: z.boolean().default(false),
    /** How invoices land in the books: approved (Xero AUTHORISED) or as drafts (QuickBooks always posts). */
    postAs: z.enum(['approved', 'draft']).default('approved'),
  }).prefault({}),
  /**
   * The partner account's Pax8 request limit per minute (Pax8 publishes about 1000). Every process's requests for this
   * tenant together stay within it (src/pax8/client/README.md); lower it when other tools share the account's budget.
   */
  pax8RateLimitPerMinute: z.number().int().min(1).max(100_000).default(1000),
  /** Base of Pax8's webhooks API; null = derived from the tenant's API base (…/v1 → …/api/v2). */
  pax8WebhooksApiUrl: z.url({ protocol: /^https?$/ }).nullable().default(null),
  /**
   * The seller on every invoice (its name falls back to the tenant's display name) and the default payment terms
   * (days from invoice date to due date; a customer's own paymentTermsDays wins). Read when an invoice is created.
   */
  invoicing: z.strictObject({
    sellerName: sellerText(200).default(null),
    /** Lines separated by newlines. */
    sellerAddress: sellerText(1000).default(null),
    sellerTaxNumber: sellerText(100).default(null),
    /** Lines separated by newlines (bank, IBAN / account number, …). */
    sellerBankDetails: sellerText(1000).default(null),
    paymentTermsDays: z.number().int().min(0).max(365).default(30),
  }).prefault({}),
  leakageNoticeThreshold: z.string().regex(/^\d+(\.\d+)?$/, 'a non-negative decimal amount').nullable().default(null),
  /** Usage review (src/usage-review): a month whose usage grew by more than this percentage over the month before is flagged a spike. */
  usageSpikePercent: z.preprocess((v) => (typeof v === 'number' ? String(v) : v),
    z.string().regex(/^\d{1,6}(\.\d{1,2})?$/, 'a percentage such as "50" or "12.5"')).default('50'),
});

export type TenantSettings = z.infer<typeof tenantSettingsSchema>;

export function defaultTenantSettings(): TenantSettings {
  return tenantSettingsSchema.parse({});
}

/** Invalid settings; the message's `path: why` parts name the fields under body.settings. */
export class SettingsError extends AppError {
  override name = 'SettingsError';
  constructor(message: string) {
    super('invalid', message, { fields: issueFields(message, 'body.settings') });
  }
}

export function parseTenantSettings(input: unknown): TenantSettings {
  const r = tenantSettingsSchema.safeParse(input ?? {});
  if (!r.success) {
    throw new SettingsError(r.error.issues.map((i) => `${i.path.join('.') || '(settings)'}: ${i.message}`).join('; '));
  }
  return r.data;
}

/** Applies a partial update (deep for the imports, schedule, notices and invoicing groups) and validates the result. */
export function mergeTenantSettings(current: TenantSettings, patch: unknown): TenantSettings {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw new SettingsError('settings must be an object');
  const p = patch as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...current, ...p };
  for (const group of ['imports', 'schedule', 'notices', 'invoicing', 'invoiceDelivery', 'accounting'] as const) {
    if (p[group] !== undefined) {
      if (typeof p[group] !== 'object' || p[group] === null) throw new SettingsError(`${group} must be an object`);
      merged[group] = { ...current[group], ...(p[group] as object) };
    }
  }
  // Choosing the partner company ends a refusal and declining clears the choice, unless the patch says both.
  const imp = p['imports'] as Record<string, unknown> | undefined;
  const mi = merged['imports'] as Record<string, unknown>;
  if (imp && typeof imp['ownCompanyPax8Id'] === 'string' && !('ownCompanyDeclined' in imp)) mi['ownCompanyDeclined'] = false;
  if (imp && imp['ownCompanyDeclined'] === true && !('ownCompanyPax8Id' in imp)) mi['ownCompanyPax8Id'] = null;
  return parseTenantSettings(merged);
}

import { z } from 'zod';
import { deliverPending } from '../../../notices/deliver.js';
import { hasSmtpPassword, setSmtpPassword } from '../../../mail/smtp.js';
import { detectChanges } from '../../../notices/detect.js';
import { recentChangeNotices } from '../../../notices/queries.js';
import { listMyNotices, markAllMyNoticesRead, markMyNoticeRead } from '../../../notices/in-app.js';
import { tenantSettings } from '../../../tenants/service.js';
import { notFound } from '../errors.js';
import { queryBool } from '../paging.js';
import { defineRoute, tenantParams, uuid } from '../route.js';

/** Change notices (issue 9): what Pax8 changed, for which customer, and what it does to the next invoice. Admins. */
const TAG = 'Change notices';
const ADMIN = ['admin'] as const;

const noticeSchema = z.object({
  id: z.string(), kind: z.string(), customerId: z.string().nullable(), customerName: z.string(), subscriptionId: z.string(),
  previousSubscriptionId: z.string().nullable(), productName: z.string(), quantityBefore: z.string().nullable(), quantityAfter: z.string().nullable(),
  source: z.string(), subject: z.string(), message: z.string(), invoiceEffect: z.string(), occurredAt: z.string(),
  deliveries: z.array(z.object({ channel: z.string(), status: z.string(), attempts: z.number().int(), lastError: z.string().nullable() })),
});

export const listChangeNoticesRoute = defineRoute({
  id: 'listChangeNotices', method: 'get', path: '/tenants/:tenantId/change-notices', tag: TAG, roles: ADMIN,
  summary: 'Change notices (newest first) with their e-mail/Teams/Slack deliveries', params: tenantParams,
  query: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
  response: z.object({ items: z.array(noticeSchema) }),
  async handler(ctx) {
    const q = (d: { toString(): string } | null) => (d === null ? null : d.toString());
    return { items: (await recentChangeNotices(ctx.scope, ctx.query.limit)).map(({ notice: n, deliveries }) => ({
      id: n.id, kind: n.kind, customerId: n.customerId, customerName: n.customerName, subscriptionId: n.subscriptionId,
      previousSubscriptionId: n.previousSubscriptionId, productName: n.productName, quantityBefore: q(n.quantityBefore), quantityAfter: q(n.quantityAfter),
      source: n.source, subject: n.subject, message: n.message, invoiceEffect: n.invoiceEffect, occurredAt: n.occurredAt.toISOString(),
      deliveries: deliveries.map((d) => ({ channel: d.channel, status: d.status, attempts: d.attempts, lastError: d.lastError })),
    })) };
  },
});

export const listMyChangeNoticesRoute = defineRoute({
  id: 'listMyChangeNotices', method: 'get', path: '/tenants/:tenantId/change-notices/in-app', tag: TAG, roles: ADMIN,
  summary: 'My in-app notices (changes detected, leakage above the threshold), newest first',
  params: tenantParams,
  query: z.strictObject({ unread: queryBool.optional() }),
  response: z.object({
    unread: z.number().int(),
    items: z.array(z.object({ id: z.string(), kind: z.string(), message: z.string(), createdAt: z.string(), read: z.boolean(), readAt: z.string().nullable() })),
  }),
  async handler(ctx) {
    const rows = await listMyNotices(ctx.scope, ctx.auth.user.id, { unread: ctx.query.unread });
    const unread = ctx.query.unread === true ? rows.length : (await listMyNotices(ctx.scope, ctx.auth.user.id, { unread: true })).length;
    return { unread, items: rows.map((n) => ({ id: n.id, kind: n.kind, message: n.message, createdAt: n.createdAt.toISOString(), read: n.readAt !== null, readAt: n.readAt?.toISOString() ?? null })) };
  },
});

export const readMyChangeNoticeRoute = defineRoute({
  id: 'readMyChangeNotice', method: 'post', path: '/tenants/:tenantId/change-notices/in-app/:noticeId/read', tag: TAG, roles: ADMIN,
  summary: 'Mark one of my in-app notices read',
  description: 'Only the signed-in user\'s own notices: another user\'s, a client\'s or another tenant\'s notice answers 404. Marking a read notice again changes nothing.',
  params: tenantParams.extend({ noticeId: uuid }),
  response: z.object({ ok: z.literal(true) }),
  async handler(ctx) {
    if (!(await markMyNoticeRead(ctx.scope, ctx.auth.user.id, ctx.params.noticeId))) throw notFound('notice not found');
    return { ok: true as const };
  },
});

export const readAllMyChangeNoticesRoute = defineRoute({
  id: 'readAllMyChangeNotices', method: 'post', path: '/tenants/:tenantId/change-notices/in-app/read-all', tag: TAG, roles: ADMIN,
  summary: 'Mark all my in-app notices read', params: tenantParams, body: z.strictObject({}).optional(), example: {},
  response: z.object({ marked: z.number().int() }),
  async handler(ctx) {
    return { marked: await markAllMyNoticesRead(ctx.scope, ctx.auth.user.id) };
  },
});

const settingsSchema = z.object({
  smtpHost: z.string().nullable(), smtpPort: z.number().int(), smtpSecure: z.boolean(), smtpUser: z.string().nullable(), smtpFrom: z.string().nullable(),
  adminRecipients: z.array(z.string()), teamsWebhookUrl: z.string().nullable(), slackWebhookUrl: z.string().nullable(), hasSmtpPassword: z.boolean(),
});

export const getNoticeSettingsRoute = defineRoute({
  id: 'getNoticeSettings', method: 'get', path: '/tenants/:tenantId/change-notices/settings', tag: TAG, roles: ADMIN,
  summary: 'Notice channels (change them with PATCH settings.notices; the SMTP password is never shown)', params: tenantParams, response: settingsSchema,
  async handler(ctx) {
    return { ...tenantSettings(ctx.tenant).notices, hasSmtpPassword: await hasSmtpPassword(ctx.rt.ds, ctx.tenant.id) };
  },
});

export const setSmtpPasswordRoute = defineRoute({
  id: 'setSmtpPassword', method: 'put', path: '/tenants/:tenantId/change-notices/smtp-password', tag: TAG, roles: ADMIN,
  summary: 'Set or clear the SMTP password (stored sealed)', params: tenantParams,
  body: z.strictObject({ password: z.string().min(1).max(500).nullable() }), example: { password: 'example-password' },
  response: z.object({ hasSmtpPassword: z.boolean() }),
  async handler(ctx) {
    await setSmtpPassword(ctx.rt.ds, ctx.rt.secrets, ctx.tenant.id, ctx.body.password);
    return { hasSmtpPassword: ctx.body.password !== null };
  },
});

export const detectChangesRoute = defineRoute({
  id: 'detectChanges', method: 'post', path: '/tenants/:tenantId/change-notices/detect', tag: TAG, roles: ADMIN,
  summary: 'Detect changes now and send the notices', params: tenantParams, body: z.strictObject({}).optional(), example: {},
  response: z.object({ baseline: z.boolean(), notices: z.number().int(), sent: z.number().int(), failed: z.number().int() }),
  async handler(ctx) {
    const d = await detectChanges(ctx.scope, ctx.tenant);
    const r = await deliverPending(ctx.rt.ds, ctx.rt.secrets, ctx.tenant.id);
    return { baseline: d.baseline, notices: d.notices.length, sent: r.sent, failed: r.failed };
  },
});

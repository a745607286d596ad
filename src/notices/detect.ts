import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { Equal, IsNull, Or } from 'typeorm';
import {
  ChangeNotice, Customer, LicensingNotice, NoticeDelivery, Subscription, SubscriptionChange, SubscriptionWatch, User,
  type ChangeKind, type NoticeChannel, type Tenant,
} from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { recordEvent } from '../events/log.js';
import { isUniqueViolation } from '../db/errors.js';
import { invoiceEffect, type HypotheticalChange } from '../invoices/invoice-effect.js';
import { tenantDate } from '../common/tenant-date.js';
import { tenantSettings } from '../tenants/service.js';
import { planChange } from './plan.js';
import { markSeen } from './watch.js';

/**
 * Change detection (issue 9). Compares every licence subscription with the state detection last saw
 * (subscription_watch) — whatever wrote the change: a scheduled sync, a webhook-triggered sync, licensing.
 * The recorded subscription_changes give the source and effective date of what is reported. Each change
 * becomes a ChangeNotice, an event-log line, an in-app notice per admin and queued e-mail/Teams/Slack
 * deliveries, in one transaction with the new watch state — so running detection again finds nothing
 * and a replayed webhook changes nothing twice.
 *
 * The first pass for a tenant (no watch rows yet) only records the baseline: it reports nothing.
 */

export interface DetectedChange {
  kind: ChangeKind;
  subscription: Subscription;
  previous?: Subscription;
  before: Decimal | null;
  after: Decimal | null;
  fromProduct?: string;
}

const CANCEL_STATUSES = new Set(['Cancelled', 'PendingCancel']);

function isCancelled(s: { status: string; active: boolean }): boolean {
  return CANCEL_STATUSES.has(s.status) || !s.active;
}

/** Pure: the changes between the watched state and the current subscriptions. */
export function diff(subs: readonly Subscription[], watch: ReadonlyMap<string, SubscriptionWatch>): DetectedChange[] {
  const out: DetectedChange[] = [];
  const created: DetectedChange[] = [];
  const cancelled: DetectedChange[] = [];
  for (const s of subs) {
    const w = watch.get(s.id);
    const q = new Decimal(s.quantity.toString());
    if (!w) {
      if (!isCancelled(s)) created.push({ kind: 'new_subscription', subscription: s, before: null, after: q });
      continue;
    }
    const wq = new Decimal(w.quantity.toString());
    if (!isCancelled(w) && isCancelled(s)) {
      cancelled.push({ kind: 'cancelled', subscription: s, before: wq, after: s.active ? q : new Decimal(0) });
      continue;
    }
    if (isCancelled(s)) continue;
    const productId = s.pax8ProductId ?? s.productId;
    if (w.productId !== productId && w.productName !== s.name) {
      const kind = planChange(s.vendorName, w.productName, s.name);
      if (kind) {
        out.push({ kind, subscription: s, before: wq, after: q, fromProduct: w.productName });
        continue;
      }
    }
    if (isCancelled(w) && !isCancelled(s)) {
      out.push({ kind: 'new_subscription', subscription: s, before: null, after: q });
      continue;
    }
    if (q.gt(wq)) out.push({ kind: 'seats_added', subscription: s, before: wq, after: q });
    else if (q.lt(wq)) out.push({ kind: 'seats_removed', subscription: s, before: wq, after: q });
  }
  // A new subscription and a cancelled one of the same customer in one product family: one plan change.
  for (const n of created) {
    const i = cancelled.findIndex((c) => c.subscription.customerId === n.subscription.customerId
      && planChange(n.subscription.vendorName, c.subscription.name, n.subscription.name) !== null);
    if (i < 0) {
      out.push(n);
      continue;
    }
    const c = cancelled.splice(i, 1)[0]!;
    out.push({
      kind: planChange(n.subscription.vendorName, c.subscription.name, n.subscription.name)!, subscription: n.subscription, previous: c.subscription,
      before: c.before, after: n.after, fromProduct: c.subscription.name,
    });
  }
  out.push(...cancelled);
  return out;
}

const TITLES: Record<ChangeKind, string> = {
  seats_added: 'Seats added', seats_removed: 'Seats removed', cancelled: 'Subscription cancelled', plan_upgraded: 'Plan upgraded',
  plan_downgraded: 'Plan downgraded', plan_changed: 'Plan changed', new_subscription: 'New subscription provisioned',
};

function describe(d: DetectedChange, customer: string): { subject: string; message: string } {
  const s = d.subscription;
  const q = (x: Decimal | null) => (x === null ? '-' : x.toString());
  let what: string;
  switch (d.kind) {
    case 'seats_added': what = `${s.name}: ${d.after!.sub(d.before!).toString()} seat(s) added (${q(d.before)} → ${q(d.after)})`; break;
    case 'seats_removed': what = `${s.name}: ${d.before!.sub(d.after!).toString()} seat(s) removed (${q(d.before)} → ${q(d.after)})`; break;
    case 'cancelled': what = `${s.name} (${q(d.before)} seats) was ${s.status === 'PendingCancel' ? `set to cancel${s.endDate ? ` on ${s.endDate}` : ''}` : 'cancelled'}`; break;
    case 'new_subscription': what = `${s.name} was provisioned with ${q(d.after)} seat(s)`; break;
    default: what = `${d.fromProduct} → ${s.name} (${q(d.before)} → ${q(d.after)} seats)`;
  }
  return { subject: `${TITLES[d.kind]}: ${customer} — ${s.name}`.slice(0, 1000), message: `${TITLES[d.kind]} for ${customer}: ${what}.`.slice(0, 2000) };
}

export interface DetectResult {
  baseline: boolean;
  notices: ChangeNotice[];
}

/** Channels configured for the tenant (e-mail needs an SMTP host and at least one recipient). */
export async function channelsFor(scope: TenantScope, tenant: Tenant): Promise<NoticeChannel[]> {
  const n = tenantSettings(tenant).notices;
  const out: NoticeChannel[] = [];
  if (n.smtpHost && n.smtpFrom && (n.adminRecipients.length > 0 || (await adminUsers(scope, tenant)).length > 0)) out.push('email');
  if (n.teamsWebhookUrl) out.push('teams');
  if (n.slackWebhookUrl) out.push('slack');
  return out;
}

export async function adminUsers(scope: TenantScope, tenant: Tenant): Promise<User[]> {
  return scope.manager.find(User, { where: { role: 'admin', disabled: false, tenantId: Or(IsNull(), Equal(tenant.id)) } });
}

/** Runs detection for one tenant. Safe to run concurrently and repeatedly. */
export async function detectChanges(scope: TenantScope, tenant: Tenant, now: Date = new Date()): Promise<DetectResult> {
  const subs = await scope.repo(Subscription).findBy({ kind: 'license' });
  const watchRows = await scope.repo(SubscriptionWatch).find();
  if (watchRows.length === 0) {
    await scope.transaction(async (tx) => {
      for (const s of subs) await markSeen(tx, s, now);
    });
    return { baseline: true, notices: [] };
  }
  const watch = new Map(watchRows.map((w) => [w.subscriptionId, w]));
  const changes = diff(subs, watch);
  const channels = await channelsFor(scope, tenant);
  const admins = await adminUsers(scope, tenant);
  const notices: ChangeNotice[] = [];
  for (const d of changes) {
    const s = d.subscription;
    const w = watch.get(s.id);
    const last = await scope.repo(SubscriptionChange).findOne({ where: { subscriptionId: s.id }, order: { effectiveDate: 'DESC', observedAt: 'DESC' } });
    const date = last?.effectiveDate ?? tenantDate(now, tenant.timeZone);
    const customer = s.customerId ? (await scope.repo(Customer).findOneBy({ id: s.customerId }))?.name ?? 'unmapped company' : 'unmapped company';
    const { subject, message } = describe(d, customer);
    // What the change does to the next invoice: the recorded change compared with the state before it, on its date.
    const before: HypotheticalChange[] = [];
    const after: HypotheticalChange[] = [];
    if (d.previous) {
      before.push({ subscriptionId: d.previous.id, quantity: d.before ?? new Decimal(0), active: true }, { subscriptionId: s.id, quantity: new Decimal(0), active: false });
      after.push({ subscriptionId: d.previous.id, quantity: new Decimal(0), active: false }, { subscriptionId: s.id, quantity: d.after ?? new Decimal(0), active: true });
    } else {
      before.push({ subscriptionId: s.id, quantity: d.before ?? new Decimal(0), active: d.kind !== 'new_subscription' });
      after.push({ subscriptionId: s.id, quantity: d.after ?? new Decimal(0), active: d.kind !== 'cancelled' });
    }
    const effect = await invoiceEffect(scope, after, date, before);
    // The watched version a change is computed from: two detectors reading the same version make the same key.
    const dedupeKey = `${d.kind}:${s.id}:${w ? w.updatedAt.getTime() : 'new'}`.slice(0, 120);
    try {
      const notice = await scope.transaction(async (tx) => {
        if (await tx.repo(ChangeNotice).findOneBy({ dedupeKey })) return null;
        const row = tx.repo(ChangeNotice).create({
          id: randomUUID(), kind: d.kind, dedupeKey, customerId: s.customerId, customerName: customer.slice(0, 255), subscriptionId: s.id,
          previousSubscriptionId: d.previous?.id ?? null, productName: s.name, quantityBefore: d.before, quantityAfter: d.after,
          source: (last?.source ?? 'import').slice(0, 20), subject, message, invoiceEffect: effect.summary.slice(0, 2000),
          detail: JSON.stringify({ effectiveDate: date, fromProduct: d.fromProduct ?? null, invoice: effect.lines }), occurredAt: now,
          createdAt: now, updatedAt: now,
        });
        await tx.repo(ChangeNotice).insert([row]);
        await recordEvent(tx, {
          occurredAt: now, type: `notice_${d.kind}`, source: d.previous ? `${customer} / ${d.previous.name}` : `Pax8 (${row.source})`,
          target: `${customer} / ${s.name}`, licenceCount: d.before && d.after ? d.after.sub(d.before).abs() : (d.after ?? d.before),
          initiatedBy: last?.initiatedBy ?? 'Pax8', subscriptionId: s.id, customerId: s.customerId, refKind: 'notice', refId: row.id,
          detail: { subject, invoice: effect.summary },
        });
        const inApp = `${message} ${effect.summary}`.slice(0, 1000);
        if (admins.length) {
          await tx.repo(LicensingNotice).insert(admins.map((u) => ({
            id: randomUUID(), userId: u.id, customerId: null, requestId: null, kind: `change_${d.kind}`.slice(0, 40), message: inApp, readAt: null,
            createdAt: now, updatedAt: now,
          })));
        }
        if (channels.length) {
          await tx.repo(NoticeDelivery).insert(channels.map((channel) => ({
            id: randomUUID(), noticeId: row.id, channel, status: 'pending' as const, attempts: 0, sentAt: null, lastError: null, createdAt: now, updatedAt: now,
          })));
        }
        await markSeen(tx, s, now);
        if (d.previous) await markSeen(tx, d.previous, now);
        return row;
      });
      if (notice) notices.push(notice);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
  }
  // Subscriptions that changed in ways not worth a notice (price, status within active) still move the baseline.
  const reported = new Set(changes.flatMap((c) => [c.subscription.id, ...(c.previous ? [c.previous.id] : [])]));
  const stale = subs.filter((s) => !reported.has(s.id) && isStale(s, watch.get(s.id)));
  if (stale.length) {
    await scope.transaction(async (tx) => {
      for (const s of stale) await markSeen(tx, s, now);
    });
  }
  return { baseline: false, notices };
}

function isStale(s: Subscription, w: SubscriptionWatch | undefined): boolean {
  if (!w) return true;
  return !new Decimal(w.quantity.toString()).eq(s.quantity.toString()) || w.status !== s.status || w.active !== s.active
    || w.productName !== s.name || (w.productId ?? null) !== (s.pax8ProductId ?? s.productId ?? null);
}

import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { AppError, fieldError } from '../common/app-error.js';
import { In, type DataSource, type EntityManager } from 'typeorm';
import {
  LicensingChangeRequest, LicensingNotice, LicensingSettings, LicensingSubscriptionRule, Product, Subscription,
  type ChangeRequestStatus, type Tenant, type User,
} from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { tenantDate } from '../common/tenant-date.js';
import { checkCommitment } from '../subscriptions/commitment-check.js';
import { pushQuantity, type QuantityUpdater } from '../subscriptions/push-quantity.js';
import { auditLicensing } from './audit.js';
import {
  decideApproval, effectiveRule, REASON_TEXT, validateRequest, type ApprovalReason, type ApprovalSettings, type EffectiveRule,
  type SelfServiceDefaults, type SubscriptionOverride,
} from './policy.js';

export class LicensingError extends AppError {
  override name = 'LicensingError';
  constructor(
    override readonly code: 'not_found' | 'invalid' | 'conflict',
    message: string,
    /** For validation errors: the request field at fault, e.g. 'body.quantity' (default body). */
    readonly field?: string,
    /** For validation errors: src/licensing/policy.ts ValidationCode. */
    readonly reason?: string,
  ) {
    super(code, message, code === 'invalid' ? { fields: fieldError(field ?? 'body', message) } : {});
  }
}

export interface LicensingConfig {
  approval: ApprovalSettings;
  selfService: SelfServiceDefaults;
}

/** Safe defaults until an admin configures licensing: approval required, self-service off. */
export function defaultLicensingConfig(): LicensingConfig {
  return {
    approval: { requireApprovalByDefault: true, autoApproveThresholdPercent: new Decimal(0), alwaysApproveVendors: [] },
    selfService: { allowSelfService: false, defaultMinQuantity: null, defaultMaxQuantity: null },
  };
}

export interface ApprovalPatch {
  requireApprovalByDefault?: boolean;
  autoApproveThresholdPercent?: Decimal;
  alwaysApproveVendors?: string[];
}

export interface SelfServicePatch {
  allowSelfService?: boolean;
  defaultMinQuantity?: Decimal | null;
  defaultMaxQuantity?: Decimal | null;
}

export interface RulePatch {
  allowQuantityChanges?: boolean | null;
  alwaysRequireApproval?: boolean;
  minQuantity?: Decimal | null;
  maxQuantity?: Decimal | null;
}

export const CATALOG_ACTIONS = ['show', 'hide', 'feature', 'unfeature'] as const;
export type CatalogAction = (typeof CATALOG_ACTIONS)[number];

export interface Actor {
  id: string;
  email?: string;
}

/** The subscriptions licensing deals with: licences of mapped companies (customerId set), still in Pax8. */
export function isLicensable(s: Subscription): boolean {
  return s.kind === 'license' && s.customerId !== null && !s.deletedInPax8;
}

function configOf(row: LicensingSettings | null): LicensingConfig {
  if (!row) return defaultLicensingConfig();
  return {
    approval: {
      requireApprovalByDefault: row.requireApprovalByDefault,
      autoApproveThresholdPercent: row.autoApproveThresholdPercent,
      alwaysApproveVendors: JSON.parse(row.alwaysApproveVendorsJson || '[]') as string[],
    },
    selfService: { allowSelfService: row.allowSelfServiceByDefault, defaultMinQuantity: row.defaultMinQuantity, defaultMaxQuantity: row.defaultMaxQuantity },
  };
}

export function overrideOf(r: LicensingSubscriptionRule | null | undefined): SubscriptionOverride | null {
  if (!r) return null;
  return { allowQuantityChanges: r.allowQuantityChanges, alwaysRequireApproval: r.alwaysRequireApproval, minQuantity: r.minQuantity, maxQuantity: r.maxQuantity };
}

function checkLimits(min: Decimal | null | undefined, max: Decimal | null | undefined, prefix: string): void {
  for (const [name, v] of [['min', min], ['max', max]] as const) {
    if (v && (!v.isInteger() || v.lt(0))) throw new LicensingError('invalid', `${name} quantity must be a whole number >= 0`, `${prefix}${name === 'min' ? 'Min' : 'Max'}`);
  }
  if (min && max && min.gt(max)) throw new LicensingError('invalid', `the minimum (${min.toFixed()}) is above the maximum (${max.toFixed()})`, prefix);
}

export interface ApplyOutcome {
  request: LicensingChangeRequest;
}

/**
 * Licensing self-service for one data source. `pax8For` returns the tenant's Pax8 client
 * (pax8ClientFor in production; tests pass a sandbox-backed one).
 */
export class LicensingService {
  constructor(
    private readonly ds: DataSource,
    private readonly pax8For: (tenant: Tenant) => QuantityUpdater,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private scope(tenant: Tenant, m: EntityManager = this.ds.manager): TenantScope {
    return new TenantScope(m, tenant.id);
  }

  // --- settings ------------------------------------------------------------------------------

  async config(tenant: Tenant, m?: EntityManager): Promise<LicensingConfig> {
    return configOf(await this.scope(tenant, m).repo(LicensingSettings).findOneBy({}));
  }

  private async saveConfig(tenant: Tenant, actor: Actor, action: string, change: (c: LicensingConfig) => LicensingConfig): Promise<LicensingConfig> {
    return this.scope(tenant).transaction(async (tx) => {
      const repo = tx.repo(LicensingSettings);
      const row = await repo.findOneBy({});
      const before = configOf(row);
      const after = change(structuredCloneConfig(before));
      const now = this.now();
      const values = {
        requireApprovalByDefault: after.approval.requireApprovalByDefault,
        autoApproveThresholdPercent: after.approval.autoApproveThresholdPercent,
        alwaysApproveVendorsJson: JSON.stringify(after.approval.alwaysApproveVendors),
        allowSelfServiceByDefault: after.selfService.allowSelfService,
        defaultMinQuantity: after.selfService.defaultMinQuantity,
        defaultMaxQuantity: after.selfService.defaultMaxQuantity,
        updatedAt: now,
      };
      if (row) await repo.update({ id: row.id }, values);
      else await repo.insert([{ id: randomUUID(), ...values, createdAt: now }]);
      await auditLicensing(tx.manager, { tenantId: tenant.id, userId: actor.id, action, before, after }, now);
      return after;
    });
  }

  updateApproval(tenant: Tenant, actor: Actor, patch: ApprovalPatch): Promise<LicensingConfig> {
    const t = patch.autoApproveThresholdPercent;
    if (t && (t.isNegative() || !t.isFinite() || t.decimalPlaces() > 6)) {
      throw new LicensingError('invalid', 'the threshold must be a percentage >= 0 with at most 6 decimal places', 'body.autoApproveThresholdPercent');
    }
    return this.saveConfig(tenant, actor, 'licensing.settings.approval', (c) => {
      if (patch.requireApprovalByDefault !== undefined) c.approval.requireApprovalByDefault = patch.requireApprovalByDefault;
      if (t) c.approval.autoApproveThresholdPercent = t;
      if (patch.alwaysApproveVendors) {
        const seen = new Map<string, string>();
        for (const v of patch.alwaysApproveVendors.map((s) => s.trim()).filter(Boolean)) seen.set(v.toLowerCase(), v);
        c.approval.alwaysApproveVendors = [...seen.values()].sort((a, b) => a.localeCompare(b));
      }
      return c;
    });
  }

  updateSelfService(tenant: Tenant, actor: Actor, patch: SelfServicePatch): Promise<LicensingConfig> {
    return this.saveConfig(tenant, actor, 'licensing.settings.self_service', (c) => {
      if (patch.allowSelfService !== undefined) c.selfService.allowSelfService = patch.allowSelfService;
      if (patch.defaultMinQuantity !== undefined) c.selfService.defaultMinQuantity = patch.defaultMinQuantity;
      if (patch.defaultMaxQuantity !== undefined) c.selfService.defaultMaxQuantity = patch.defaultMaxQuantity;
      checkLimits(c.selfService.defaultMinQuantity, c.selfService.defaultMaxQuantity, 'body.default');
      return c;
    });
  }

  /** Known vendor names (products and subscriptions), for the vendor badges. */
  async vendors(tenant: Tenant): Promise<string[]> {
    const s = this.scope(tenant);
    const a = await s.repo(Product).query('p').select('DISTINCT p.vendorName', 'v').andWhere('p.vendorName IS NOT NULL').getRawMany<{ v: string }>();
    const b = await s.repo(Subscription).query('s').select('DISTINCT s.vendorName', 'v').andWhere('s.vendorName IS NOT NULL').getRawMany<{ v: string }>();
    return [...new Set([...a, ...b].map((r) => r.v))].sort((x, y) => x.localeCompare(y));
  }

  // --- catalog -------------------------------------------------------------------------------

  /** Shows, hides, features or unfeatures products; never touches subscriptions. Returns the number changed. */
  async setCatalogFlags(tenant: Tenant, actor: Actor, productIds: string[], action: CatalogAction): Promise<number> {
    const ids = [...new Set(productIds)];
    return this.scope(tenant).transaction(async (tx) => {
      const repo = tx.repo(Product);
      const rows = await repo.findBy({ id: In(ids) });
      if (rows.length !== ids.length) throw new LicensingError('invalid', `${ids.length - rows.length} of the products were not found`, 'body.productIds');
      const field = action === 'show' || action === 'hide' ? 'visible' : 'featured';
      const value = action === 'show' || action === 'feature';
      const changing = rows.filter((p) => p[field] !== value);
      const now = this.now();
      if (changing.length > 0) {
        await repo.update({ id: In(changing.map((p) => p.id)) }, field === 'visible' ? { visible: value, updatedAt: now } : { featured: value, updatedAt: now });
        await auditLicensing(tx.manager, {
          tenantId: tenant.id, userId: actor.id, action: `licensing.catalog.${action}`,
          before: changing.map((p) => ({ productId: p.id, name: p.name, [field]: p[field] })),
          after: changing.map((p) => ({ productId: p.id, name: p.name, [field]: value })),
        }, now);
      }
      return changing.length;
    });
  }

  // --- per-subscription rules ----------------------------------------------------------------

  async licensable(tenant: Tenant, subscriptionId: string, onlyCustomerId: string | null, m?: EntityManager): Promise<Subscription> {
    const s = await this.scope(tenant, m).repo(Subscription).findOneBy({ id: subscriptionId });
    // Another company's subscription is answered exactly like a missing one.
    if (!s || !isLicensable(s) || (onlyCustomerId !== null && s.customerId !== onlyCustomerId)) {
      throw new LicensingError('not_found', 'subscription not found');
    }
    return s;
  }

  async rule(tenant: Tenant, subscriptionId: string, m?: EntityManager): Promise<LicensingSubscriptionRule | null> {
    return this.scope(tenant, m).repo(LicensingSubscriptionRule).findOneBy({ subscriptionId });
  }

  async effective(tenant: Tenant, subscriptionId: string, m?: EntityManager): Promise<EffectiveRule> {
    const cfg = await this.config(tenant, m);
    return effectiveRule(cfg.selfService, overrideOf(await this.rule(tenant, subscriptionId, m)));
  }

  async setRule(tenant: Tenant, actor: Actor, subscriptionId: string, patch: RulePatch): Promise<LicensingSubscriptionRule> {
    await this.licensable(tenant, subscriptionId, null);
    return this.scope(tenant).transaction(async (tx) => {
      const repo = tx.repo(LicensingSubscriptionRule);
      const row = await repo.findOneBy({ subscriptionId });
      const before = overrideOf(row);
      const next: SubscriptionOverride = {
        allowQuantityChanges: patch.allowQuantityChanges !== undefined ? patch.allowQuantityChanges : (row?.allowQuantityChanges ?? null),
        alwaysRequireApproval: patch.alwaysRequireApproval ?? row?.alwaysRequireApproval ?? false,
        minQuantity: patch.minQuantity !== undefined ? patch.minQuantity : (row?.minQuantity ?? null),
        maxQuantity: patch.maxQuantity !== undefined ? patch.maxQuantity : (row?.maxQuantity ?? null),
      };
      checkLimits(next.minQuantity, next.maxQuantity, 'body.');
      const now = this.now();
      if (row) await repo.update({ id: row.id }, { ...next, updatedAt: now });
      else await repo.insert([{ id: randomUUID(), subscriptionId, ...next, createdAt: now, updatedAt: now }]);
      await auditLicensing(tx.manager, { tenantId: tenant.id, userId: actor.id, action: 'licensing.rule.update', subscriptionId, before, after: next }, now);
      return (await repo.findOneBy({ subscriptionId }))!;
    });
  }

  /** Removes a per-subscription override: the defaults apply again. */
  async clearRule(tenant: Tenant, actor: Actor, subscriptionId: string): Promise<boolean> {
    return this.scope(tenant).transaction(async (tx) => {
      const row = await tx.repo(LicensingSubscriptionRule).findOneBy({ subscriptionId });
      if (!row) return false;
      await tx.repo(LicensingSubscriptionRule).delete({ id: row.id });
      await auditLicensing(tx.manager, { tenantId: tenant.id, userId: actor.id, action: 'licensing.rule.clear', subscriptionId, before: overrideOf(row), after: null }, this.now());
      return true;
    });
  }

  // --- change requests -----------------------------------------------------------------------

  /**
   * A client asks for a new quantity. Validated against the effective rule (LicensingError 'invalid'
   * with the client-facing message), then either auto-approved and applied at once, or left pending.
   */
  async requestChange(tenant: Tenant, user: Pick<User, 'id' | 'customerId'>, subscriptionId: string, requested: Decimal): Promise<LicensingChangeRequest> {
    if (!user.customerId) throw new LicensingError('not_found', 'subscription not found');
    const now = this.now();
    const created = await this.scope(tenant).transaction(async (tx) => {
      const sub = await this.licensable(tenant, subscriptionId, user.customerId, tx.manager);
      if (!sub.active) throw new LicensingError('not_found', 'subscription not found');
      const cfg = await this.config(tenant, tx.manager);
      const rule = effectiveRule(cfg.selfService, overrideOf(await this.rule(tenant, sub.id, tx.manager)));
      const v = validateRequest(rule, sub.quantity, requested);
      if (!v.ok) throw new LicensingError('invalid', v.message, 'body.quantity', v.code);
      // The commitment rule licence operations use: a change its record refuses is never asked of Pax8.
      const refused = await this.commitmentRefusal(tenant, sub, requested, tx.manager);
      if (refused) throw new LicensingError('invalid', `This change cannot be made now. ${refused}`, 'body.quantity', 'commitment');
      const open = await tx.repo(LicensingChangeRequest).findOneBy({ subscriptionId: sub.id, status: In(['pending', 'approved', 'provisioning']) });
      if (open) {
        throw new LicensingError('conflict', `a request for ${open.requestedQuantity.toFixed()} licences is already ${open.status === 'pending' ? 'waiting for approval' : 'being applied'}`);
      }
      const vendorName = sub.vendorName ?? (sub.productId ? (await tx.repo(Product).findOneBy({ id: sub.productId }))?.vendorName ?? null : null);
      const d = decideApproval(cfg.approval, rule, vendorName, sub.quantity, requested);
      const req = tx.repo(LicensingChangeRequest).create({
        id: randomUUID(), subscriptionId: sub.id, customerId: sub.customerId!, productName: sub.name, vendorName,
        currentQuantity: sub.quantity, requestedQuantity: requested, status: d.autoApprove ? 'approved' : 'pending',
        decision: d.autoApprove ? 'auto' : null, approvalReasons: d.reasons.join(','), changePercent: d.changePercent,
        requestedBy: user.id, requestedAt: now, decidedBy: null, decidedAt: d.autoApprove ? now : null, rejectionReason: null,
        failureReason: null, pax8Response: null, appliedAt: null, subscriptionChangeId: null, createdAt: now, updatedAt: now,
      });
      await tx.repo(LicensingChangeRequest).insert([req]);
      await auditLicensing(tx.manager, {
        tenantId: tenant.id, userId: user.id, action: 'licensing.request.create', requestId: req.id, subscriptionId: sub.id,
        before: { quantity: sub.quantity }, after: { requestedQuantity: requested, status: req.status },
        rule: { allowChanges: rule.allowChanges, min: rule.min, max: rule.max, alwaysRequireApproval: rule.alwaysRequireApproval },
        decision: d,
      }, now);
      if (!d.autoApprove) {
        await this.notify(tx, req, 'request_pending',
          `Your request to change ${req.productName} from ${req.currentQuantity.toFixed()} to ${requested.toFixed()} licences is waiting for approval (${d.reasons.map((r) => REASON_TEXT[r]).join('; ')}).`, now);
      } else {
        await auditLicensing(tx.manager, {
          tenantId: tenant.id, userId: null, action: 'licensing.request.auto_approve', requestId: req.id, subscriptionId: sub.id,
          before: { status: 'pending' }, after: { status: 'approved', decision: 'auto' }, changePercent: d.changePercent,
        }, now);
      }
      return req;
    });
    if (created.status === 'approved') return this.apply(tenant, created, user.id);
    return created;
  }

  /** Approves a pending request and applies it to Pax8; Pax8's refusal leaves the request 'failed' with its reason. */
  async approve(tenant: Tenant, actor: Actor, requestId: string): Promise<LicensingChangeRequest> {
    const now = this.now();
    const claimed = await this.scope(tenant).transaction(async (tx) => {
      const repo = tx.repo(LicensingChangeRequest);
      const req = await repo.findOneBy({ id: requestId });
      if (!req) throw new LicensingError('not_found', 'request not found');
      // Only one decision wins: the conditional update claims the pending request.
      const n = await repo.update({ id: req.id, status: 'pending' }, { status: 'approved', decision: 'manual', decidedBy: actor.id, decidedAt: now, updatedAt: now });
      if (n !== 1) throw new LicensingError('conflict', `the request is already ${req.status}`);
      const sub = await tx.repo(Subscription).findOneBy({ id: req.subscriptionId });
      await auditLicensing(tx.manager, {
        tenantId: tenant.id, userId: actor.id, action: 'licensing.request.approve', requestId: req.id, subscriptionId: req.subscriptionId,
        before: { status: 'pending', quantity: sub?.quantity ?? null }, after: { status: 'approved', requestedQuantity: req.requestedQuantity },
      }, now);
      return Object.assign(req, { status: 'approved' as const, decision: 'manual', decidedBy: actor.id, decidedAt: now });
    });
    return this.apply(tenant, claimed, actor.id);
  }

  async reject(tenant: Tenant, actor: Actor, requestId: string, reason: string | null): Promise<LicensingChangeRequest> {
    const now = this.now();
    return this.scope(tenant).transaction(async (tx) => {
      const repo = tx.repo(LicensingChangeRequest);
      const req = await repo.findOneBy({ id: requestId });
      if (!req) throw new LicensingError('not_found', 'request not found');
      const text = reason?.trim() ? reason.trim().slice(0, 1000) : null;
      const n = await repo.update({ id: req.id, status: 'pending' }, {
        status: 'rejected', decision: 'manual', decidedBy: actor.id, decidedAt: now, rejectionReason: text, updatedAt: now,
      });
      if (n !== 1) throw new LicensingError('conflict', `the request is already ${req.status}`);
      Object.assign(req, { status: 'rejected', decision: 'manual', decidedBy: actor.id, decidedAt: now, rejectionReason: text, updatedAt: now });
      await auditLicensing(tx.manager, {
        tenantId: tenant.id, userId: actor.id, action: 'licensing.request.reject', requestId: req.id, subscriptionId: req.subscriptionId,
        before: { status: 'pending' }, after: { status: 'rejected', reason: text },
      }, now);
      await this.notify(tx, req, 'request_rejected',
        `Your request to change ${req.productName} from ${req.currentQuantity.toFixed()} to ${req.requestedQuantity.toFixed()} licences was rejected${text ? `: ${text}` : '.'}`, now);
      return req;
    });
  }

  /** Why the subscription's commitment record refuses changing it to `requested` today, or null (an unknown rule leaves it to Pax8). */
  private async commitmentRefusal(tenant: Tenant, sub: Subscription, requested: Decimal, m?: EntityManager): Promise<string | null> {
    if (requested.eq(sub.quantity)) return null;
    const v = await checkCommitment(this.scope(tenant, m), sub, requested.gt(sub.quantity) ? 'increase' : 'decrease', tenantDate(this.now(), tenant.timeZone));
    return v.allowed ? null : v.reason;
  }

  /**
   * Sends an approved request to Pax8 and records the outcome (applied or failed), its notice and audit. A change the
   * subscription's commitment record refuses today fails with that reason without asking Pax8.
   */
  private async apply(tenant: Tenant, req: LicensingChangeRequest, initiatedBy: string | null): Promise<LicensingChangeRequest> {
    const sub = await this.scope(tenant).repo(Subscription).findOneBy({ id: req.subscriptionId });
    const refused = sub ? await this.commitmentRefusal(tenant, sub, req.requestedQuantity) : null;
    if (refused) return this.fail(tenant, req, initiatedBy, { kind: 'commitment', reason: refused, reasons: [refused] });
    let client: QuantityUpdater;
    try {
      client = this.pax8For(tenant);
    } catch (err) {
      // No usable Pax8 connection (e.g. no credentials): the request fails with the reason, nothing is lost.
      return this.fail(tenant, req, initiatedBy, { kind: 'not_configured', reason: (err as Error).message, reasons: [] });
    }
    let pax8Answered = false;
    const result = await pushQuantity(this.ds.manager, client, {
      tenant, subscriptionId: req.subscriptionId, quantity: req.requestedQuantity, source: 'licensing', initiatedBy, now: this.now(),
      // The audit below writes the event line (approval_applied) in the same transaction.
      event: 'recorded_by_caller',
      onRecorded: async (tx, r) => {
        pax8Answered = true;
        const now = this.now();
        if (r.pending) {
          // Pax8 accepted the change but has not provisioned it: 'provisioning' until an import or webhook sync settles it.
          const waiting = { status: 'provisioning' as ChangeRequestStatus, pax8Response: JSON.stringify(r.pax8).slice(0, 60000), updatedAt: now };
          await tx.repo(LicensingChangeRequest).update({ id: req.id }, waiting);
          Object.assign(req, waiting);
          await auditLicensing(tx.manager, {
            tenantId: tenant.id, userId: initiatedBy, action: 'licensing.request.provisioning', requestId: req.id, subscriptionId: req.subscriptionId,
            before: { status: 'approved', quantity: r.before }, after: { status: 'provisioning', requestedQuantity: r.pending.quantity, pax8Status: r.pending.status },
          }, now);
          await this.notify(tx, req, 'request_provisioning',
            `Pax8 accepted your change of ${req.productName} to ${r.pending.quantity.toFixed()} licences and is provisioning it (${r.pending.status}); you keep ${r.before.toFixed()} until it is done.`, now);
          return;
        }
        const patch = {
          status: 'applied' as ChangeRequestStatus, appliedAt: now, pax8Response: JSON.stringify(r.pax8).slice(0, 60000),
          subscriptionChangeId: r.change?.id ?? null, updatedAt: now,
        };
        await tx.repo(LicensingChangeRequest).update({ id: req.id }, patch);
        Object.assign(req, patch);
        await auditLicensing(tx.manager, {
          tenantId: tenant.id, userId: initiatedBy, action: 'licensing.request.applied', requestId: req.id, subscriptionId: req.subscriptionId,
          before: { status: 'approved', quantity: r.before }, after: { status: 'applied', quantity: r.subscription.quantity },
          subscriptionChangeId: r.change?.id ?? null,
        }, now);
        await this.notify(tx, req, 'request_applied',
          `Your ${req.productName} subscription now has ${r.subscription.quantity.toFixed()} licences (was ${r.before.toFixed()}).`, now);
      },
    }).catch(async (err: unknown) => {
      // Not Pax8's refusal but a local failure (database): never leave the request stuck 'approved'.
      const reason = pax8Answered
        ? `Pax8 accepted the change but recording it failed (${(err as Error).message}); the next subscription sync brings the new quantity in`
        : `the change could not be sent: ${(err as Error).message}`;
      await this.fail(tenant, req, initiatedBy, { kind: 'internal', reason, reasons: [] }).catch(() => undefined);
      throw err;
    });
    if (result.ok) return req;
    return this.fail(tenant, req, initiatedBy, result);
  }

  private async fail(
    tenant: Tenant, req: LicensingChangeRequest, initiatedBy: string | null,
    result: { kind: string; reason: string; status?: number; reasons: string[]; body?: unknown },
  ): Promise<LicensingChangeRequest> {
    const now = this.now();
    const reason = result.reason.slice(0, 2000);
    await this.scope(tenant).transaction(async (tx) => {
      const patch = {
        status: 'failed' as ChangeRequestStatus, failureReason: reason,
        pax8Response: JSON.stringify({ kind: result.kind, status: result.status ?? null, reasons: result.reasons, body: result.body ?? null }).slice(0, 60000),
        updatedAt: now,
      };
      await tx.repo(LicensingChangeRequest).update({ id: req.id }, patch);
      Object.assign(req, patch);
      await auditLicensing(tx.manager, {
        tenantId: tenant.id, userId: initiatedBy, action: 'licensing.request.failed', requestId: req.id, subscriptionId: req.subscriptionId,
        before: { status: 'approved' }, after: { status: 'failed', reason }, pax8: { kind: result.kind, status: result.status ?? null },
      }, now);
      await this.notify(tx, req, 'request_failed',
        `Your request to change ${req.productName} to ${req.requestedQuantity.toFixed()} licences could not be applied${result.kind === 'commitment' ? '' : ' by Pax8'}: ${reason}`, now);
    });
    return req;
  }

  private async notify(tx: TenantScope, req: LicensingChangeRequest, kind: string, message: string, now: Date): Promise<void> {
    await tx.repo(LicensingNotice).insert([{
      id: randomUUID(), userId: req.requestedBy, customerId: req.customerId, requestId: req.id, kind, message: message.slice(0, 1000),
      readAt: null, createdAt: now, updatedAt: now,
    }]);
  }

  /** Marks a notice read; a client may only touch notices of its own customer. */
  async markNoticeRead(tenant: Tenant, noticeId: string, onlyCustomerId: string | null): Promise<void> {
    const repo = this.scope(tenant).repo(LicensingNotice);
    const n = await repo.findOneBy({ id: noticeId });
    if (!n || (onlyCustomerId !== null && n.customerId !== onlyCustomerId)) throw new LicensingError('not_found', 'notice not found');
    if (!n.readAt) await repo.update({ id: n.id }, { readAt: this.now(), updatedAt: this.now() });
  }
}

function structuredCloneConfig(c: LicensingConfig): LicensingConfig {
  return {
    approval: { ...c.approval, alwaysApproveVendors: [...c.approval.alwaysApproveVendors] },
    selfService: { ...c.selfService },
  };
}

export function reasonTexts(codes: string): string[] {
  return codes ? codes.split(',').map((c) => REASON_TEXT[c as ApprovalReason] ?? c) : [];
}

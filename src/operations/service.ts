import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { DataSource } from 'typeorm';
import { formatMoney, roundMoney } from '../billing/index.js';
import { AppError, fieldError } from '../common/app-error.js';
import {
  Customer, LicenceOperation, LicencesInUse, Subscription, type CommitmentRule, type OperationStatus, type OperationType, type Tenant,
} from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { tenantDate } from '../common/tenant-date.js';
import { recordEvent, subscriptionLabel } from '../events/log.js';
import { pushQuantity, type PushQuantityResult, type QuantityUpdater } from '../subscriptions/push-quantity.js';
import { commitmentRuleOf } from '../subscriptions/commitment-check.js';
import { commitmentVerdict, type CommitmentAction } from '../subscriptions/commitment-rules.js';
import { estimatePrice, invoiceEffect, type HypotheticalChange, type InvoiceEffect } from '../invoices/invoice-effect.js';
import { markSeen } from '../notices/watch.js';

/**
 * Licence operations for admins (issue 9): purchase, decrease and transfer, each with a preview that is
 * computed by the same code that reports the applied result. Pax8 is reached only through
 * src/subscriptions/push-quantity.ts. Decisions are in docs/features/operations.md.
 */

/** invalid names the request field at fault (`field`, default body); confirm_required and refused are conflicts. */
export class OperationError extends AppError {
  override name = 'OperationError';
  constructor(
    override readonly code: 'not_found' | 'invalid' | 'confirm_required' | 'refused',
    message: string,
    readonly field?: string,
  ) {
    super(code === 'not_found' || code === 'invalid' ? code : 'conflict', message, {
      code,
      apiCode: code === 'confirm_required' ? 'confirmation_required' : undefined,
      fields: code === 'invalid' ? fieldError(field ?? 'body', message) : undefined,
    });
  }
}

export interface Actor {
  /** E-mail or 'cli:<user>': what the event log shows as "initiated by". */
  label: string;
}

export interface SidePreview {
  subscriptionId: string;
  customerId: string | null;
  customerName: string;
  productName: string;
  quantityBefore: string;
  quantityAfter: string;
  inUse: string;
  availableBefore: string;
  availableAfter: string;
  currency: string | null;
  /** The unit price estimates use (the linked invoice line's, else Pax8's price); null when unknown. */
  unitPrice: string | null;
  /** Estimated period total of this subscription's licences after the change. */
  estimatedPeriodTotal: string | null;
}

export interface Preview {
  type: OperationType;
  /** Tenant-local date the change takes effect (the subscription change's effective date). */
  date: string;
  licenceCount: string;
  sides: SidePreview[];
  /** Purchase: the least number of licences to add (in use above the current quantity). */
  minimumToAdd?: string;
  /** Purchase: the estimated price of the added licences for a period. */
  estimatedAddedPrice?: string | null;
  /** Purchase: the price of the licences added above the minimum. */
  costAboveMinimum?: string | null;
  /** Decrease: the estimated saving per period. */
  saving?: string | null;
  /** Transfer: the admin must confirm a transfer between different customers. */
  crossCustomer?: boolean;
  invoice: InvoiceEffect;
  /** Empty when the operation may be completed; otherwise why not. */
  problems: string[];
}

export interface OperationOutcome {
  operation: LicenceOperation;
  preview: Preview;
  status: OperationStatus;
  failureReason: string | null;
}

interface Side {
  sub: Subscription;
  customerName: string;
  inUse: Decimal;
  /** Its product's commitment record for its term (src/subscriptions/commitment-rules.ts); null when not synced. */
  commitment: CommitmentRule | null;
}

const D = (v: Decimal | string | number) => new Decimal(v.toString());

/** Why the subscription's commitment record refuses `action` today (the one commitment rule), or none; unknown rules leave it to Pax8. */
function commitmentProblems(s: Side, action: CommitmentAction, today: string): string[] {
  const v = commitmentVerdict(action, s.sub, s.commitment, today);
  return v.allowed ? [] : [`${s.sub.name} of ${s.customerName}: ${v.reason}`];
}

export class OperationsService {
  constructor(
    private readonly ds: DataSource,
    private readonly pax8For: (tenant: Tenant) => QuantityUpdater,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private scope(tenant: Tenant): TenantScope {
    return new TenantScope(this.ds.manager, tenant.id);
  }

  // --- licences in use -------------------------------------------------------------------------

  async inUse(tenant: Tenant, subscriptionId: string): Promise<Decimal> {
    const row = await this.scope(tenant).repo(LicencesInUse).findOneBy({ subscriptionId });
    return row ? D(row.inUse) : new Decimal(0);
  }

  /** The licences-in-use record of a subscription (404 for an unknown one); zero when never set. */
  async inUseRecord(tenant: Tenant, subscriptionId: string): Promise<{ inUse: Decimal; note: string | null; updatedBy: string | null }> {
    await this.subscription(tenant, subscriptionId);
    const row = await this.scope(tenant).repo(LicencesInUse).findOneBy({ subscriptionId });
    return row ? { inUse: D(row.inUse), note: row.note, updatedBy: row.updatedBy } : { inUse: new Decimal(0), note: null, updatedBy: null };
  }

  async setInUse(tenant: Tenant, actor: Actor, subscriptionId: string, inUse: Decimal, note: string | null = null): Promise<LicencesInUse> {
    if (!inUse.isInteger() || inUse.isNegative()) throw new OperationError('invalid', 'licences in use must be a whole number >= 0', 'body.inUse');
    await this.subscription(tenant, subscriptionId);
    const now = this.now();
    return this.scope(tenant).transaction(async (tx) => {
      const repo = tx.repo(LicencesInUse);
      const row = await repo.findOneBy({ subscriptionId });
      if (row) await repo.update({ id: row.id }, { inUse, note, updatedBy: actor.label.slice(0, 255), updatedAt: now });
      else await repo.insert([{ id: randomUUID(), subscriptionId, inUse, note, updatedBy: actor.label.slice(0, 255), createdAt: now, updatedAt: now }]);
      return (await repo.findOneBy({ subscriptionId }))!;
    });
  }

  // --- previews --------------------------------------------------------------------------------

  private async subscription(tenant: Tenant, id: string, field = 'subscriptionId'): Promise<Subscription> {
    const s = await this.scope(tenant).repo(Subscription).findOneBy({ id });
    if (!s || s.kind !== 'license' || s.deletedInPax8) throw new OperationError('not_found', 'subscription not found', field);
    return s;
  }

  private async side(tenant: Tenant, id: string, field: string): Promise<Side> {
    const sub = await this.subscription(tenant, id, field);
    const c = sub.customerId ? await this.scope(tenant).repo(Customer).findOneBy({ id: sub.customerId }) : null;
    return { sub, customerName: c?.name ?? 'unmapped company', inUse: await this.inUse(tenant, sub.id), commitment: await commitmentRuleOf(this.scope(tenant), sub) };
  }

  private today(tenant: Tenant): string {
    return tenantDate(this.now(), tenant.timeZone);
  }

  private sidePreview(s: Side, after: Decimal, effect: InvoiceEffect): SidePreview {
    const own: InvoiceEffect = { ...effect, lines: effect.lines.filter((l) => l.subscriptionIds.includes(s.sub.id)) };
    const { unitPrice, currency } = estimatePrice(own, s.sub);
    const before = D(s.sub.quantity);
    const lines = own.lines;
    let total: string | null = null;
    if (lines.length > 0) total = formatMoney(lines.reduce((acc, l) => acc.add(l.periodTotalAfter), new Decimal(0)), lines[0]!.currency);
    else if (unitPrice && currency) total = formatMoney(roundMoney(after.mul(unitPrice), currency), currency);
    return {
      subscriptionId: s.sub.id, customerId: s.sub.customerId, customerName: s.customerName, productName: s.sub.name,
      quantityBefore: before.toString(), quantityAfter: after.toString(), inUse: s.inUse.toString(),
      availableBefore: Decimal.max(before.sub(s.inUse), 0).toString(), availableAfter: Decimal.max(after.sub(s.inUse), 0).toString(),
      currency, unitPrice: unitPrice ? unitPrice.toString() : null, estimatedPeriodTotal: total,
    };
  }

  private effectLines(tenant: Tenant, changes: HypotheticalChange[], date: string): Promise<InvoiceEffect> {
    return invoiceEffect(this.scope(tenant), changes, date);
  }

  private static count(value: Decimal, field: string): Decimal {
    if (!value.isInteger() || value.lte(0)) throw new OperationError('invalid', 'the number of licences must be a whole number > 0', field);
    return value;
  }

  private static money(count: Decimal, side: SidePreview): string | null {
    if (side.unitPrice === null || side.currency === null) return null;
    return formatMoney(roundMoney(count.mul(side.unitPrice), side.currency), side.currency);
  }

  async previewPurchase(tenant: Tenant, input: { subscriptionId: string; add: Decimal }): Promise<Preview> {
    const add = OperationsService.count(input.add, 'body.add');
    const s = await this.side(tenant, input.subscriptionId, 'body.subscriptionId');
    const date = this.today(tenant);
    const before = D(s.sub.quantity);
    const after = before.add(add);
    const effect = await this.effectLines(tenant, [{ subscriptionId: s.sub.id, quantity: after }], date);
    const side = this.sidePreview(s, after, effect);
    const minimumToAdd = Decimal.max(s.inUse.sub(before), 0);
    const problems: string[] = [];
    if (!s.sub.active) problems.push(`the subscription is not active (${s.sub.status})`);
    problems.push(...stillProvisioning(s.sub));
    if (add.lt(minimumToAdd)) {
      problems.push(`${s.inUse.toString()} licences are in use but only ${before.toString()} are held: purchase at least ${minimumToAdd.toString()}`);
    }
    problems.push(...commitmentProblems(s, 'increase', date));
    return {
      type: 'purchase', date, licenceCount: add.toString(), sides: [side], minimumToAdd: minimumToAdd.toString(),
      estimatedAddedPrice: OperationsService.money(add, side), costAboveMinimum: OperationsService.money(Decimal.max(add.sub(minimumToAdd), 0), side),
      invoice: effect, problems,
    };
  }

  async previewDecrease(tenant: Tenant, input: { subscriptionId: string; remove: Decimal }): Promise<Preview> {
    const remove = OperationsService.count(input.remove, 'body.remove');
    const s = await this.side(tenant, input.subscriptionId, 'body.subscriptionId');
    const date = this.today(tenant);
    const before = D(s.sub.quantity);
    const after = before.sub(remove);
    const problems = this.decreaseProblems(s, after, date);
    const effect = await this.effectLines(tenant, [{ subscriptionId: s.sub.id, quantity: Decimal.max(after, 0) }], date);
    const side = this.sidePreview(s, Decimal.max(after, 0), effect);
    return {
      type: 'decrease', date, licenceCount: remove.toString(), sides: [side], saving: OperationsService.money(remove, side), invoice: effect, problems,
    };
  }

  private decreaseProblems(s: Side, after: Decimal, today: string): string[] {
    const problems: string[] = [];
    if (!s.sub.active) problems.push(`the subscription is not active (${s.sub.status})`);
    problems.push(...stillProvisioning(s.sub));
    if (after.lt(1)) problems.push(`${s.sub.name} would have no licences left: cancel the subscription in Pax8 instead`);
    if (after.lt(s.inUse)) problems.push(`${s.inUse.toString()} licences are in use: ${s.sub.name} cannot go below ${s.inUse.toString()} (asked ${after.toString()})`);
    problems.push(...commitmentProblems(s, 'decrease', today));
    return problems;
  }

  async previewTransfer(tenant: Tenant, input: { fromSubscriptionId: string; toSubscriptionId: string; quantity: Decimal }): Promise<Preview> {
    const n = OperationsService.count(input.quantity, 'body.quantity');
    if (input.fromSubscriptionId === input.toSubscriptionId) throw new OperationError('invalid', 'choose two different subscriptions', 'body.toSubscriptionId');
    const from = await this.side(tenant, input.fromSubscriptionId, 'body.fromSubscriptionId');
    const to = await this.side(tenant, input.toSubscriptionId, 'body.toSubscriptionId');
    const date = this.today(tenant);
    const fromAfter = D(from.sub.quantity).sub(n);
    const toAfter = D(to.sub.quantity).add(n);
    const problems = this.decreaseProblems(from, fromAfter, date);
    if (!to.sub.active) problems.push(`${to.sub.name} of ${to.customerName} is not active (${to.sub.status})`);
    problems.push(...stillProvisioning(to.sub));
    problems.push(...commitmentProblems(to, 'increase', date));
    problems.push(...transferMismatch(from.sub, to.sub));
    const effect = await this.effectLines(tenant, [
      { subscriptionId: from.sub.id, quantity: Decimal.max(fromAfter, 0) }, { subscriptionId: to.sub.id, quantity: toAfter },
    ], date);
    return {
      type: 'transfer', date, licenceCount: n.toString(),
      sides: [this.sidePreview(from, Decimal.max(fromAfter, 0), effect), this.sidePreview(to, toAfter, effect)],
      crossCustomer: from.sub.customerId !== to.sub.customerId, invoice: effect, problems,
    };
  }

  // --- completing ------------------------------------------------------------------------------

  async purchase(tenant: Tenant, actor: Actor, input: { subscriptionId: string; add: Decimal }): Promise<OperationOutcome> {
    const preview = await this.previewPurchase(tenant, input);
    if (preview.problems.length) throw new OperationError('refused', preview.problems.join('; '));
    const side = preview.sides[0]!;
    return this.single(tenant, actor, 'purchase', preview, side.subscriptionId, D(side.quantityAfter));
  }

  async decrease(tenant: Tenant, actor: Actor, input: { subscriptionId: string; remove: Decimal }): Promise<OperationOutcome> {
    const preview = await this.previewDecrease(tenant, input);
    if (preview.problems.length) throw new OperationError('refused', preview.problems.join('; '));
    const side = preview.sides[0]!;
    return this.single(tenant, actor, 'decrease', preview, side.subscriptionId, D(side.quantityAfter));
  }

  private client(tenant: Tenant): QuantityUpdater {
    try {
      return this.pax8For(tenant);
    } catch (err) {
      throw new OperationError('refused', `no usable Pax8 connection: ${(err as Error).message}`);
    }
  }

  private async single(tenant: Tenant, actor: Actor, type: 'purchase' | 'decrease', preview: Preview, subscriptionId: string, quantity: Decimal): Promise<OperationOutcome> {
    const client = this.client(tenant);
    const opId = randomUUID();
    const side = preview.sides[0]!;
    const at = this.now();
    let status: OperationStatus = 'applied';
    const r = await pushQuantity(this.ds.manager, client, {
      tenant, subscriptionId, quantity, source: 'operation', initiatedBy: actor.label, now: at, event: 'recorded_by_caller',
      onRecorded: async (tx, rec) => {
        await markSeen(tx, rec.subscription);
        // Pax8 answered the change pending: not completed until a sync or webhook sees it provisioned (settle.ts).
        if (rec.pending) status = 'provisioning';
        await this.insertOperation(tx, {
          id: opId, type, status, preview, at, actor,
          ...(type === 'purchase'
            ? { targetSubscriptionId: subscriptionId, targetCustomerId: side.customerId, targetBefore: rec.before, targetAfter: requested(rec) }
            : { sourceSubscriptionId: subscriptionId, sourceCustomerId: side.customerId, sourceBefore: rec.before, sourceAfter: requested(rec) }),
          changeIds: changeIds(rec), failureReason: null,
        });
        const label = await subscriptionLabel(tx, rec.subscription);
        await recordEvent(tx, {
          occurredAt: at, type, source: type === 'purchase' ? 'Pax8' : label, target: type === 'purchase' ? label : 'Pax8',
          licenceCount: D(preview.licenceCount), initiatedBy: actor.label, subscriptionId, customerId: side.customerId,
          refKind: 'operation', refId: opId,
          detail: { before: rec.before, after: requested(rec), ...(rec.pending ? { pax8Status: rec.pending.status } : {}), invoice: preview.invoice.summary },
        });
      },
    });
    if (r.ok) return { operation: (await this.scope(tenant).repo(LicenceOperation).findOneBy({ id: opId }))!, preview, status, failureReason: null };
    return this.failed(tenant, actor, opId, type, preview, r, at);
  }

  private async failed(tenant: Tenant, actor: Actor, opId: string, type: OperationType, preview: Preview, r: Extract<PushQuantityResult, { ok: false }>, at: Date): Promise<OperationOutcome> {
    const reason = `Pax8 refused the change: ${r.reason}`.slice(0, 2000);
    await this.scope(tenant).transaction(async (tx) => {
      const s = preview.sides;
      await this.insertOperation(tx, {
        id: opId, type, status: 'failed', preview, at, actor, changeIds: [], failureReason: reason,
        ...(type === 'purchase' ? { targetSubscriptionId: s[0]!.subscriptionId, targetCustomerId: s[0]!.customerId } : { sourceSubscriptionId: s[0]!.subscriptionId, sourceCustomerId: s[0]!.customerId }),
        ...(type === 'transfer' ? { targetSubscriptionId: s[1]!.subscriptionId, targetCustomerId: s[1]!.customerId } : {}),
      });
      await recordEvent(tx, {
        occurredAt: at, type: `${type}_failed`, source: `${s[0]!.customerName} / ${s[0]!.productName}`,
        target: s[1] ? `${s[1].customerName} / ${s[1].productName}` : 'Pax8', licenceCount: D(preview.licenceCount), initiatedBy: actor.label,
        subscriptionId: s[0]!.subscriptionId, customerId: s[0]!.customerId, refKind: 'operation', refId: opId, detail: { reason },
      });
    });
    return { operation: (await this.scope(tenant).repo(LicenceOperation).findOneBy({ id: opId }))!, preview, status: 'failed', failureReason: reason };
  }

  /**
   * Transfer: first the decrease of the source (its compensation, an increase, is what Pax8 always allows),
   * then the increase of the target. If the target fails, the source is pushed back to its old quantity;
   * the operation is recorded 'reverted' (or 'revert_failed' if Pax8 refuses the compensation too).
   */
  async transfer(tenant: Tenant, actor: Actor, input: { fromSubscriptionId: string; toSubscriptionId: string; quantity: Decimal; confirmCrossCustomer?: boolean }): Promise<OperationOutcome> {
    const preview = await this.previewTransfer(tenant, input);
    if (preview.problems.length) throw new OperationError('refused', preview.problems.join('; '));
    if (preview.crossCustomer && !input.confirmCrossCustomer) {
      throw new OperationError('confirm_required', `the subscriptions belong to different customers (${preview.sides[0]!.customerName} → ${preview.sides[1]!.customerName}): confirm the transfer`, 'body.confirmCrossCustomer');
    }
    const [from, to] = preview.sides as [SidePreview, SidePreview];
    const client = this.client(tenant);
    const opId = randomUUID();
    const at = this.now();
    // Each step observed 1 ms after the previous one: same-date changes must keep their order (the compensation last).
    let step = 0;
    const push = (subscriptionId: string, quantity: Decimal, source = 'operation') =>
      pushQuantity(this.ds.manager, client, {
        tenant, subscriptionId, quantity, source, initiatedBy: actor.label, now: new Date(at.getTime() + step++),
        // The transfer's own line (transfer, transfer_reverted, transfer_revert_failed) names both sides.
        event: 'recorded_by_caller',
        onRecorded: async (tx, rec) => markSeen(tx, rec.subscription),
      });

    const a = await push(from.subscriptionId, D(from.quantityAfter));
    if (!a.ok) return this.failed(tenant, actor, opId, 'transfer', preview, a, at);
    const b = await push(to.subscriptionId, D(to.quantityAfter));
    const base = {
      id: opId, type: 'transfer' as const, preview, at, actor,
      sourceSubscriptionId: from.subscriptionId, sourceCustomerId: from.customerId, targetSubscriptionId: to.subscriptionId, targetCustomerId: to.customerId,
    };
    if (b.ok) {
      const status: OperationStatus = a.pending || b.pending ? 'provisioning' : 'applied';
      await this.scope(tenant).transaction(async (tx) => {
        await this.insertOperation(tx, {
          ...base, status, changeIds: changeIds(a, b), failureReason: null,
          sourceBefore: a.before, sourceAfter: requested(a), targetBefore: b.before, targetAfter: requested(b),
        });
        await recordEvent(tx, {
          occurredAt: at, type: 'transfer', source: `${from.customerName} / ${from.productName}`, target: `${to.customerName} / ${to.productName}`,
          licenceCount: D(preview.licenceCount), initiatedBy: actor.label, subscriptionId: to.subscriptionId, customerId: to.customerId,
          refKind: 'operation', refId: opId, detail: { source: [a.before, a.subscription.quantity], target: [b.before, b.subscription.quantity], invoice: preview.invoice.summary },
        });
      });
      return { operation: (await this.scope(tenant).repo(LicenceOperation).findOneBy({ id: opId }))!, preview, status, failureReason: null };
    }
    // Compensation: the source goes back to what it had.
    const undo = await push(from.subscriptionId, a.before, 'operation');
    const status: OperationStatus = undo.ok ? 'reverted' : 'revert_failed';
    const reason = (`the target side failed (${b.reason}); ` + (undo.ok
      ? `the source was restored to ${a.before.toString()} licences`
      : `restoring the source to ${a.before.toString()} licences failed too (${undo.reason}): it now has ${a.subscription.quantity.toString()} — fix it in Pax8`)).slice(0, 2000);
    await this.scope(tenant).transaction(async (tx) => {
      await this.insertOperation(tx, {
        ...base, status, changeIds: undo.ok ? changeIds(a, undo) : changeIds(a), failureReason: reason,
        sourceBefore: a.before, sourceAfter: undo.ok ? undo.subscription.quantity : a.subscription.quantity, targetBefore: D(to.quantityBefore), targetAfter: D(to.quantityBefore),
      });
      await recordEvent(tx, {
        occurredAt: at, type: status === 'reverted' ? 'transfer_reverted' : 'transfer_revert_failed', source: `${from.customerName} / ${from.productName}`,
        target: `${to.customerName} / ${to.productName}`, licenceCount: D(preview.licenceCount), initiatedBy: actor.label,
        subscriptionId: from.subscriptionId, customerId: from.customerId, refKind: 'operation', refId: opId, detail: { reason },
      });
    });
    return { operation: (await this.scope(tenant).repo(LicenceOperation).findOneBy({ id: opId }))!, preview, status, failureReason: reason };
  }

  private async insertOperation(tx: TenantScope, o: {
    id: string; type: OperationType; status: OperationStatus; preview: Preview; at: Date; actor: Actor; changeIds: string[]; failureReason: string | null;
    sourceSubscriptionId?: string; targetSubscriptionId?: string; sourceCustomerId?: string | null; targetCustomerId?: string | null;
    sourceBefore?: Decimal; sourceAfter?: Decimal; targetBefore?: Decimal; targetAfter?: Decimal;
  }): Promise<void> {
    await tx.repo(LicenceOperation).insert([{
      id: o.id, type: o.type, status: o.status, sourceSubscriptionId: o.sourceSubscriptionId ?? null, targetSubscriptionId: o.targetSubscriptionId ?? null,
      sourceCustomerId: o.sourceCustomerId ?? null, targetCustomerId: o.targetCustomerId ?? null, licenceCount: D(o.preview.licenceCount),
      sourceBefore: o.sourceBefore ?? null, sourceAfter: o.sourceAfter ?? null, targetBefore: o.targetBefore ?? null, targetAfter: o.targetAfter ?? null,
      previewJson: JSON.stringify(o.preview), changeIds: o.changeIds.join(','), failureReason: o.failureReason, initiatedBy: o.actor.label.slice(0, 255),
      at: o.at, createdAt: o.at, updatedAt: o.at,
    }]);
  }

  async list(tenant: Tenant, limit = 100): Promise<LicenceOperation[]> {
    return this.scope(tenant).repo(LicenceOperation).find({ order: { at: 'DESC' }, take: limit });
  }
}

/** Transfers need the same product, plan (billing and commitment term), price and currency. */
export function transferMismatch(a: Subscription, b: Subscription): string[] {
  const out: string[] = [];
  if ((a.pax8ProductId ?? a.productId) !== (b.pax8ProductId ?? b.productId)) out.push(`different products (${a.name} / ${b.name})`);
  if (a.billingTerm !== b.billingTerm || a.commitmentTerm !== b.commitmentTerm) {
    out.push(`different plans (${a.billingTerm ?? '-'}/${a.commitmentTerm ?? '-'} vs ${b.billingTerm ?? '-'}/${b.commitmentTerm ?? '-'})`);
  }
  if (!sameDec(a.price, b.price)) out.push(`different prices (${a.price?.toString() ?? 'none'} vs ${b.price?.toString() ?? 'none'})`);
  if ((a.currency ?? '') !== (b.currency ?? '')) out.push(`different currencies (${a.currency ?? '-'} vs ${b.currency ?? '-'})`);
  return out.map((m) => `a transfer needs the same product, plan, price and currency: ${m}`);
}

function sameDec(a: Decimal | null, b: Decimal | null): boolean {
  if (a === null || b === null) return a === b;
  return D(a).eq(D(b));
}

/** The billing history rows of pushed changes; a change Pax8 still provisions (pending) has none yet. */
function changeIds(...pushed: Array<{ change: { id: string } | null }>): string[] {
  return pushed.flatMap((p) => (p.change ? [p.change.id] : []));
}

/** A change Pax8 still provisions would be replaced by another (one pending change per subscription, as for licensing requests). */
function stillProvisioning(sub: Subscription): string[] {
  if (sub.pendingStatus === null || sub.pendingQuantity === null) return [];
  return [`Pax8 is still provisioning an earlier change of ${sub.name} to ${sub.pendingQuantity.toString()} licences (${sub.pendingStatus}): `
    + 'wait until it is settled (the next subscriptions sync or Pax8 webhook)'];
}

/** The quantity a pushed change asked Pax8 for: the new one, or the one Pax8 is still provisioning (pending). */
function requested(p: { subscription: { quantity: Decimal }; pending: { quantity: Decimal } | null }): Decimal {
  return p.pending?.quantity ?? p.subscription.quantity;
}

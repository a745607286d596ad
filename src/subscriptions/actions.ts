import { randomUUID } from 'node:crypto';
import { AppError, fieldError } from '../common/app-error.js';
import { Decimal } from 'decimal.js';
import type { DataSource } from 'typeorm';
import type { SecretBox } from '../crypto/secret-box.js';
import { Subscription, SubscriptionChange } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import type { Pax8Client } from '../pax8/client/index.js';
import { pushQuantity } from './push-quantity.js';
import { recordEvent, subscriptionLabel } from '../events/log.js';
import { TenantService, tenantSettings } from '../tenants/service.js';
import { tenantDate } from '../common/tenant-date.js';
import { pax8ClientFor, type ClientOverrides } from '../tenants/pax8-client.js';
import { activeFromStatus } from './state.js';

/** disabled and refused are conflicts answered with their own code; pax8: Pax8 refused or failed. */
export class SubscriptionActionError extends AppError {
  override name = 'SubscriptionActionError';
  constructor(message: string, override readonly code: 'not_found' | 'disabled' | 'refused' | 'invalid' | 'pax8') {
    const kind = code === 'pax8' ? 'upstream' : code === 'disabled' || code === 'refused' ? 'conflict' : code;
    super(kind, message, { code, fields: code === 'invalid' ? fieldError('body', message) : undefined });
  }
}

interface ActionDeps {
  ds: DataSource;
  secrets: SecretBox;
}

async function load(scope: TenantScope, id: string): Promise<Subscription> {
  const s = (await scope.repo(Subscription).findOneBy({ id })) ?? (await scope.repo(Subscription).findOneBy({ kind: 'license', pax8Id: id }));
  if (!s) throw new SubscriptionActionError(`no subscription ${id}`, 'not_found');
  return s;
}

/**
 * An admin sets a subscription active or inactive by hand (null returns it to following its Pax8
 * status). The override survives re-imports; a change of the active flag is recorded in the history, and every
 * call in the licence event log (active_set, with the flag and override before and after).
 */
export async function setSubscriptionActive(deps: ActionDeps, input: { tenantId: string; subscriptionId: string; active: boolean | null; by: string }): Promise<Subscription> {
  const tenant = await new TenantService(deps.ds, deps.secrets).byId(input.tenantId);
  const scope = new TenantScope(deps.ds.manager, tenant.id);
  return scope.transaction(async (tx) => {
    const s = await load(tx, input.subscriptionId);
    const active = input.active ?? activeFromStatus(s.status);
    const now = new Date();
    await tx.repo(Subscription).update({ id: s.id }, { activeOverride: input.active, active, updatedAt: now });
    // The event line's key: the history row when billing changes, else the override change itself.
    let refKind = 'active_override';
    let refId = randomUUID();
    if (active !== s.active) {
      const id = randomUUID();
      await tx.repo(SubscriptionChange).insert([{
        id, subscriptionId: s.id, effectiveDate: tenantDate(now, tenant.timeZone), observedAt: now, fields: 'active', quantity: s.quantity,
        status: s.status, active, price: s.price, cost: s.cost, source: 'manual', importRunId: null, initiatedBy: input.by.slice(0, 255), createdAt: now, updatedAt: now,
      }]);
      refKind = 'subscription_change';
      refId = id;
    }
    await recordEvent(tx, {
      occurredAt: now, type: 'active_set', source: 'Set active', target: await subscriptionLabel(tx, s), licenceCount: s.quantity,
      initiatedBy: input.by, subscriptionId: s.id, customerId: s.customerId, refKind, refId,
      detail: { before: { active: s.active, activeOverride: s.activeOverride }, after: { active, activeOverride: input.active } },
    });
    return Object.assign(s, { activeOverride: input.active, active, updatedAt: now });
  });
}

/**
 * "Allow quantities to be increased from Recurra": with the tenant setting on, an increase is sent
 * to Pax8 and, once Pax8 accepts it, stored and recorded in the history by pushQuantity (source 'operation'). A decrease, an unchanged or fractional quantity, a usage summary, or the
 * setting off are refused with a message saying why; Pax8's own refusals are passed on.
 */
export async function setSubscriptionQuantity(
  deps: ActionDeps,
  input: { tenantId: string; subscriptionId: string; quantity: Decimal | number | string; by: string; client?: ClientOverrides; pax8Client?: Pax8Client },
): Promise<Subscription> {
  const tenants = new TenantService(deps.ds, deps.secrets);
  const tenant = await tenants.byId(input.tenantId);
  const settings = tenantSettings(tenant).imports;
  const scope = new TenantScope(deps.ds.manager, tenant.id);
  const s = await load(scope, input.subscriptionId);
  if (!settings.allowQuantityIncrease) {
    throw new SubscriptionActionError(`changing quantities from Recurra is turned off for tenant "${tenant.name}" (setting imports.allowQuantityIncrease); change it in Pax8`, 'disabled');
  }
  if (s.kind !== 'license') throw new SubscriptionActionError(`"${s.name}" is a usage summary; its quantity is always 1`, 'invalid');
  let wanted: Decimal;
  try {
    wanted = new Decimal(input.quantity);
  } catch {
    throw new SubscriptionActionError(`quantity must be a whole number, got "${String(input.quantity)}"`, 'invalid');
  }
  if (!wanted.isInteger()) throw new SubscriptionActionError(`quantity must be a whole number, got ${wanted.toFixed()}`, 'invalid');
  if (wanted.lt(s.quantity)) {
    throw new SubscriptionActionError(
      `quantities can only be increased from Recurra: "${s.name}" has ${s.quantity.toFixed()}, ${wanted.toFixed()} would decrease it. Decrease it in Pax8 (within the cancellation window), and the next import records it.`,
      'refused',
    );
  }
  if (wanted.eq(s.quantity)) throw new SubscriptionActionError(`"${s.name}" already has quantity ${wanted.toFixed()}`, 'invalid');
  const client = input.pax8Client ?? pax8ClientFor(tenants, tenant, input.client);
  const r = await pushQuantity(deps.ds.manager, client, {
    tenant, subscriptionId: s.id, quantity: wanted, source: 'operation', initiatedBy: input.by, event: { type: 'quantity_set', source: 'Set quantity' },
  });
  if (!r.ok) {
    throw new SubscriptionActionError(`Pax8 refused the change of "${s.name}" to ${wanted.toFixed()}: ${r.reason}`, r.kind === 'rejected' ? 'refused' : 'pax8');
  }
  return r.subscription;
}

import { Decimal } from 'decimal.js';
import { z } from 'zod';
import type { Runtime } from '../../../app/runtime.js';
import type { LicenceOperation, Tenant } from '../../../db/entities/index.js';
import { OperationsService, type Actor } from '../../../operations/service.js';
import { pax8ClientFor } from '../../../tenants/pax8-client.js';
import { TenantService } from '../../../tenants/service.js';
import { defineRoute, tenantParams, uuid, type RouteContext } from '../route.js';

/** Licence operations (issue 9): purchase, decrease and transfer with previews; licences in use. Admins only. */
const TAG = 'Licence operations';
const ADMIN = ['admin'] as const;

export function operationsService(rt: Runtime): OperationsService {
  const tenants = new TenantService(rt.ds, rt.secrets);
  return new OperationsService(rt.ds, (t: Tenant) => pax8ClientFor(tenants, t), rt.clock);
}

export function actorOf(ctx: Pick<RouteContext<unknown, unknown, unknown>, 'auth'>): Actor {
  return { label: ctx.auth.user.email };
}


const count = z.union([z.string().regex(/^\d{1,9}$/, 'a whole number'), z.number().int().min(0).max(999_999_999)]).transform((v) => new Decimal(String(v)));

const side = z.object({
  subscriptionId: z.string(), customerId: z.string().nullable(), customerName: z.string(), productName: z.string(),
  quantityBefore: z.string(), quantityAfter: z.string(), inUse: z.string(), availableBefore: z.string(), availableAfter: z.string(),
  currency: z.string().nullable(), unitPrice: z.string().nullable(), estimatedPeriodTotal: z.string().nullable(),
});
const lineEffect = z.object({
  recurringInvoiceId: z.string(), recurringInvoiceName: z.string(), lineId: z.string(), description: z.string(), subscriptionIds: z.array(z.string()),
  currency: z.string(), unitPrice: z.string(), prorata: z.string(), periodStart: z.string(), periodEnd: z.string(), quantityBefore: z.string(),
  quantityAfter: z.string(), periodTotalBefore: z.string(), periodTotalAfter: z.string(), periodDelta: z.string(), prorataAmount: z.string(),
  prorataDays: z.number().int(), periodDays: z.number().int(), nextInvoiceDate: z.string(), note: z.string().nullable(),
});
export const previewSchema = z.object({
  type: z.enum(['purchase', 'decrease', 'transfer']), date: z.string(), licenceCount: z.string(), sides: z.array(side),
  minimumToAdd: z.string().optional(), estimatedAddedPrice: z.string().nullable().optional(), costAboveMinimum: z.string().nullable().optional(),
  saving: z.string().nullable().optional(), crossCustomer: z.boolean().optional(),
  invoice: z.object({ date: z.string(), lines: z.array(lineEffect), summary: z.string() }), problems: z.array(z.string()),
});
const operationSchema = z.object({
  id: z.string(), type: z.string(), status: z.string(), licenceCount: z.string(), sourceSubscriptionId: z.string().nullable(),
  targetSubscriptionId: z.string().nullable(), sourceBefore: z.string().nullable(), sourceAfter: z.string().nullable(),
  targetBefore: z.string().nullable(), targetAfter: z.string().nullable(), failureReason: z.string().nullable(), initiatedBy: z.string(), at: z.string(),
});
const outcomeSchema = z.object({ operation: operationSchema, preview: previewSchema });

const dec = (d: Decimal | null) => (d === null ? null : new Decimal(d.toString()).toString());
function viewOperation(o: LicenceOperation): z.input<typeof operationSchema> {
  return {
    id: o.id, type: o.type, status: o.status, licenceCount: dec(o.licenceCount)!, sourceSubscriptionId: o.sourceSubscriptionId,
    targetSubscriptionId: o.targetSubscriptionId, sourceBefore: dec(o.sourceBefore), sourceAfter: dec(o.sourceAfter), targetBefore: dec(o.targetBefore),
    targetAfter: dec(o.targetAfter), failureReason: o.failureReason, initiatedBy: o.initiatedBy, at: o.at.toISOString(),
  };
}

const purchaseBody = z.strictObject({ subscriptionId: uuid, add: count });
const decreaseBody = z.strictObject({ subscriptionId: uuid, remove: count });
const transferBody = z.strictObject({ fromSubscriptionId: uuid, toSubscriptionId: uuid, quantity: count, confirmCrossCustomer: z.boolean().optional() });
const exampleId = '00000000-0000-4000-8000-000000000001';
const exampleId2 = '00000000-0000-4000-8000-000000000002';

type Preview = Awaited<ReturnType<OperationsService['previewPurchase']>>;
type Outcome = Awaited<ReturnType<OperationsService['purchase']>>;

/** The preview and completion routes of one kind of licence operation, typed by its ids and body schema. */
function operationRoutes<B extends z.ZodType, const PreviewId extends string, const CompleteId extends string>(
  op: { kind: 'purchase' | 'decrease' | 'transfer'; previewId: PreviewId; completeId: CompleteId },
  body: B, example: z.input<B>, run: {
    preview(svc: OperationsService, tenant: Tenant, b: z.output<B>): Promise<Preview>;
    complete(svc: OperationsService, tenant: Tenant, actor: Actor, b: z.output<B>): Promise<Outcome>;
  },
) {
  const { kind } = op;
  const preview = defineRoute({
    id: op.previewId, method: 'post', path: `/tenants/:tenantId/licences/${kind}/preview`, tag: TAG, roles: ADMIN,
    summary: `Preview a licence ${kind}`,
    description: 'Shows totals, licences in use and available, the estimates and what the change does to the next invoice; `problems` says why it cannot be completed.',
    params: tenantParams, body, example, response: previewSchema,
    async handler(ctx) {
      return run.preview(operationsService(ctx.rt), ctx.tenant, ctx.body);
    },
  });
  const complete = defineRoute({
    id: op.completeId, method: 'post', path: `/tenants/:tenantId/licences/${kind}`, tag: TAG, roles: ADMIN,
    summary: `Complete a licence ${kind}`,
    description: kind === 'transfer'
      ? 'Decreases the source, then increases the target; if Pax8 fails the target, the source is restored (status reverted). Different customers need confirmCrossCustomer (409 without).'
      : 'Sends the new quantity to Pax8 and records it; Pax8\'s refusal is recorded as status failed with its reason.',
    params: tenantParams, body, example, response: outcomeSchema,
    async handler(ctx) {
      const r = await run.complete(operationsService(ctx.rt), ctx.tenant, actorOf(ctx), ctx.body);
      return { operation: viewOperation(r.operation), preview: r.preview };
    },
  });
  return { preview, complete };
}

const purchase = operationRoutes({ kind: 'purchase', previewId: 'previewPurchase', completeId: 'completePurchase' }, purchaseBody,
  { subscriptionId: exampleId, add: 5 }, {
    preview: (svc, tenant, b) => svc.previewPurchase(tenant, b), complete: (svc, tenant, actor, b) => svc.purchase(tenant, actor, b),
  });
export const previewPurchaseRoute = purchase.preview;
export const completePurchaseRoute = purchase.complete;

const decrease = operationRoutes({ kind: 'decrease', previewId: 'previewDecrease', completeId: 'completeDecrease' }, decreaseBody,
  { subscriptionId: exampleId, remove: 2 }, {
    preview: (svc, tenant, b) => svc.previewDecrease(tenant, b), complete: (svc, tenant, actor, b) => svc.decrease(tenant, actor, b),
  });
export const previewDecreaseRoute = decrease.preview;
export const completeDecreaseRoute = decrease.complete;

const transfer = operationRoutes({ kind: 'transfer', previewId: 'previewTransfer', completeId: 'completeTransfer' }, transferBody,
  { fromSubscriptionId: exampleId, toSubscriptionId: exampleId2, quantity: 3 }, {
    preview: (svc, tenant, b) => svc.previewTransfer(tenant, b), complete: (svc, tenant, actor, b) => svc.transfer(tenant, actor, b),
  });
export const previewTransferRoute = transfer.preview;
export const completeTransferRoute = transfer.complete;

export const listLicenceOperationsRoute = defineRoute({
  id: 'listLicenceOperations', method: 'get', path: '/tenants/:tenantId/licences/operations', tag: TAG, roles: ADMIN,
  summary: 'Recent licence operations', params: tenantParams,
  query: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
  response: z.object({ items: z.array(operationSchema) }),
  async handler(ctx) {
    return { items: (await operationsService(ctx.rt).list(ctx.tenant, ctx.query.limit)).map(viewOperation) };
  },
});

const inUseSchema = z.object({ subscriptionId: z.string(), inUse: z.string(), note: z.string().nullable(), updatedBy: z.string().nullable() });

export const getLicencesInUseRoute = defineRoute({
  id: 'getLicencesInUse', method: 'get', path: '/tenants/:tenantId/subscriptions/:subscriptionId/licences-in-use', tag: TAG, roles: ADMIN,
  summary: 'Licences in use on a subscription', params: tenantParams.extend({ subscriptionId: uuid }), response: inUseSchema,
  async handler(ctx) {
    const r = await operationsService(ctx.rt).inUseRecord(ctx.tenant, ctx.params.subscriptionId);
    return { subscriptionId: ctx.params.subscriptionId, inUse: r.inUse.toString(), note: r.note, updatedBy: r.updatedBy };
  },
});

export const setLicencesInUseRoute = defineRoute({
  id: 'setLicencesInUse', method: 'put', path: '/tenants/:tenantId/subscriptions/:subscriptionId/licences-in-use', tag: TAG, roles: ADMIN,
  summary: 'Set the licences in use (assigned users or devices)', params: tenantParams.extend({ subscriptionId: uuid }),
  body: z.strictObject({ inUse: count, note: z.string().max(255).nullable().optional() }), example: { inUse: 12 }, response: inUseSchema,
  async handler(ctx) {
    const row = await operationsService(ctx.rt).setInUse(ctx.tenant, actorOf(ctx), ctx.params.subscriptionId, ctx.body.inUse, ctx.body.note ?? null);
    return { subscriptionId: row.subscriptionId, inUse: new Decimal(row.inUse.toString()).toString(), note: row.note, updatedBy: row.updatedBy };
  },
});

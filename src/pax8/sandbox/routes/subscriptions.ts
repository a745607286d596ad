import type { Router } from 'express';
import { Decimal } from 'decimal.js';
import { SandboxError } from '../data.js';
import { notFound, sendError } from '../http/errors.js';
import { BadRequest, parsePage, parseSort, rawPageOf, sortBy, stringParam } from '../http/paging.js';
import { sendJson } from '../http/send.js';
import { RawJson } from '../money.js';
import { renderSubscription, subscriptionJson } from '../render.js';
import type { SandboxState } from '../state.js';
import type { SandboxSubscription } from '../types.js';
import { handle, param } from './handle.js';
import { subscriptionEvent } from '../webhooks.js';

export const SUBSCRIPTION_STATUSES = [
  'Active', 'Cancelled', 'PendingManual', 'PendingAutomated', 'PendingCancel', 'WaitingForDetails', 'Trial', 'Converted', 'PendingActivation', 'Activated',
];
export const BILLING_TERMS = ['Monthly', 'Annual', '2-Year', '3-Year', 'One-Time', 'Trial', 'Activation'];

const SORT_KEYS: Record<string, (s: SandboxSubscription) => number | string> = {
  quantity: (s) => s.quantity,
  startDate: (s) => s.startMs,
  endDate: (s) => s.endMs ?? Number.MAX_SAFE_INTEGER,
  createdDate: (s) => s.createdMs,
  billingStart: (s) => s.billingStartMs,
  price: (s) => s.price.toNumber(),
};

export function subscriptionRoutes(r: Router, state: SandboxState): void {
  const data = state.data;

  r.get('/subscriptions', handle((req, res) => {
    const p = parsePage(req, state.oversizePage);
    const sort = parseSort(req, Object.keys(SORT_KEYS));
    const companyId = stringParam(req, 'companyId');
    const productId = stringParam(req, 'productId');
    const status = stringParam(req, 'status');
    const billingTerm = stringParam(req, 'billingTerm');
    if (status !== undefined && !SUBSCRIPTION_STATUSES.includes(status)) throw new BadRequest(`invalid status ${status}`);
    if (billingTerm !== undefined && !BILLING_TERMS.includes(billingTerm)) throw new BadRequest(`invalid billingTerm ${billingTerm}`);
    if (companyId !== undefined && !data.companyById.has(companyId)) {
      return sendError(req, res, 403, 'FORBIDDEN', `Invalid companyId ${companyId}`);
    }
    const key = `subs:${companyId}:${productId}:${status}:${billingTerm}:${JSON.stringify(sort)}`;
    const items = data.cached(key, () => {
      let base: SandboxSubscription[] = data.subscriptions;
      if (companyId !== undefined) base = data.subscriptionsByCompany.get(companyId) ?? [];
      if (productId !== undefined) {
        const byProduct = data.subscriptionsByProduct.get(productId) ?? [];
        if (byProduct.length < base.length) base = byProduct;
      }
      let list = base.filter((s) =>
        (companyId === undefined || s.companyId === companyId) &&
        (productId === undefined || s.productId === productId) &&
        (status === undefined || s.status === status) &&
        (billingTerm === undefined || s.billingTerm === billingTerm));
      if (sort) list = sortBy(list, SORT_KEYS[sort.field]!, sort.desc);
      return list;
    });
    sendJson(res, 200, rawPageOf(items, p, (s) => subscriptionJson(s, false)));
  }));

  r.get('/subscriptions/:subscriptionId', handle((req, res) => {
    const id = param(req, 'subscriptionId');
    const s = data.subscriptionById.get(id);
    if (!s) return notFound(req, res, 'Subscription', id);
    sendJson(res, 200, new RawJson(subscriptionJson(s, true)));
  }));

  /**
   * PUT: `quantity` (Pax8's rules, see SandboxData.setQuantity: a change the subscription's commitment record
   * refuses answers 422 `{errors: [...]}`) and `price`. By default a quantity change is answered pending
   * (SandboxData.requestQuantity) and, for a product with provisioning details, refused with 400 unless
   * `provisioningDetails` carries each of them. Other fields are accepted and ignored.
   */
  r.put('/subscriptions/:subscriptionId', handle((req, res) => {
    const id = param(req, 'subscriptionId');
    if (!data.subscriptionById.has(id)) return notFound(req, res, 'Subscription', id);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('body must be a JSON object');
    if (!['quantity', 'price', 'billingTerm', 'startDate'].some((k) => body[k] !== undefined)) {
      throw new SandboxError(422, 'UNPROCESSABLE_ENTITY', 'Nothing to update', ['One of quantity, price, billingTerm or startDate is required']);
    }
    const version = data.version;
    if (body['quantity'] !== undefined) {
      if (typeof body['quantity'] !== 'number') throw new SandboxError(422, 'UNPROCESSABLE_ENTITY', 'bad quantity', ['quantity must be a number']);
      const missing = missingProvisioningDetails(state, data.requireSubscription(id).productId, body['provisioningDetails']);
      if (missing.length > 0) {
        return sendError(req, res, 400, 'BAD_REQUEST', `provisioningDetails are required for this product: ${missing.join(', ')}`);
      }
      data.requestQuantity(id, body['quantity']);
    }
    if (body['price'] !== undefined) {
      if (typeof body['price'] !== 'number' || body['price'] < 0) throw new SandboxError(422, 'UNPROCESSABLE_ENTITY', 'bad price', ['price must be a non-negative number']);
      data.setPrice(id, new Decimal(String(body['price'])));
    }
    if (data.version !== version) state.webhooks.emit(subscriptionEvent(data.requireSubscription(id), 'UPDATED'));
    sendJson(res, 200, renderSubscription(data.requireSubscription(id), true));
  }));

  /** DELETE: cancels now or at `cancelDate`; inside a commitment the product's commitment record decides (422 `{errors}`). */
  r.delete('/subscriptions/:subscriptionId', handle((req, res) => {
    const id = param(req, 'subscriptionId');
    if (!data.subscriptionById.has(id)) return notFound(req, res, 'Subscription', id);
    const raw = stringParam(req, 'cancelDate');
    let at: number | undefined;
    if (raw !== undefined && raw !== '') {
      at = Date.parse(raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
      if (Number.isNaN(at)) throw new BadRequest(`invalid cancelDate ${raw}`);
    }
    state.webhooks.emit(subscriptionEvent(data.cancel(id, at, true), 'CANCELLED'));
    res.status(204).end();
  }));

  /** History: no page block; newest state first. */
  r.get('/subscriptions/:subscriptionId/history', handle((req, res) => {
    const id = param(req, 'subscriptionId');
    if (!data.subscriptionById.has(id)) return notFound(req, res, 'Subscription', id);
    sendJson(res, 200, { content: data.history(id).map((s) => renderSubscription(s, false)) });
  }));
}

/**
 * The keys of the product's provisioning details a PUT did not carry with an allowed value (empty when the product
 * needs none or the check is off).
 */
export function missingProvisioningDetails(state: SandboxState, productId: string, sent: unknown): string[] {
  const product = state.data.productById.get(productId);
  if (!product || !state.data.pending.requireProvisioningDetails) return [];
  const given = new Map<string, unknown[]>();
  if (Array.isArray(sent)) {
    for (const d of sent) {
      if (d && typeof d === 'object' && typeof (d as { key?: unknown }).key === 'string' && Array.isArray((d as { values?: unknown }).values)) {
        given.set((d as { key: string }).key, (d as { values: unknown[] }).values);
      }
    }
  }
  return product.provisioningDetails.filter((d) => {
    const values = given.get(d.key);
    if (!values || values.length === 0 || values.some((v) => typeof v !== 'string' || v === '')) return true;
    return d.possibleValues !== undefined && values.some((v) => !d.possibleValues!.includes(v as string));
  }).map((d) => d.key);
}

/** Settles the pending quantity changes that are due and delivers their webhooks (run before each partner request). */
export function settleDue(state: SandboxState, all = false): number {
  if (state.data.pendingChanges.size === 0) return 0;
  const settled = state.data.settlePending(all);
  for (const s of settled) state.webhooks.emit(subscriptionEvent(s, 'UPDATED'));
  return settled.length;
}

import type { Router } from 'express';
import { notFound } from '../http/errors.js';
import { BadRequest, pageOf, parsePage, parseSort, sortBy, stringParam } from '../http/paging.js';
import { sendJson } from '../http/send.js';
import { parseDay } from '../dates.js';
import { renderUsageLine, renderUsageSummary } from '../render.js';
import type { SandboxState } from '../state.js';
import type { SandboxUsageSummary } from '../types.js';
import { handle, param } from './handle.js';

export function usageRoutes(r: Router, state: SandboxState): void {
  const data = state.data;

  r.get('/subscriptions/:subscriptionId/usage-summaries', handle((req, res) => {
    const id = param(req, 'subscriptionId');
    if (!data.subscriptionById.has(id)) return notFound(req, res, 'Subscription', id);
    const p = parsePage(req, state.oversizePage);
    const sort = parseSort(req, ['resourceGroup', 'currentCharges', 'partnerTotal']);
    const resourceGroup = stringParam(req, 'resourceGroup');
    const companyId = stringParam(req, 'companyId');
    let list = (data.usageSummariesBySubscription.get(id) ?? []).filter((u) =>
      (resourceGroup === undefined || u.resourceGroup === resourceGroup) && (companyId === undefined || u.companyId === companyId))
      .map((u) => data.usageSummaryNow(u));
    if (sort) {
      const key = (u: SandboxUsageSummary): string | number =>
        sort.field === 'resourceGroup' ? u.resourceGroup ?? '' : sort.field === 'currentCharges' ? u.currentCharges.toNumber() : u.partnerTotal.toNumber();
      list = sortBy(list, key, sort.desc);
    }
    sendJson(res, 200, pageOf(list, p, renderUsageSummary));
  }));

  r.get('/usage-summaries/:usageSummaryId', handle((req, res) => {
    const id = param(req, 'usageSummaryId');
    const u = data.usageSummaryById.get(id);
    if (!u) return notFound(req, res, 'Usage summary', id);
    sendJson(res, 200, renderUsageSummary(data.usageSummaryNow(u)));
  }));

  /**
   * `usageDate=yyyy-MM-dd` is required; lines exist for each day of the summary's month up to the clock's (UTC) day,
   * and a later usageDate is refused (400), as Pax8 refuses usage dates in the future.
   */
  r.get('/usage-summaries/:usageSummaryId/usage-lines', handle((req, res) => {
    const id = param(req, 'usageSummaryId');
    if (!data.usageSummaryById.has(id)) return notFound(req, res, 'Usage summary', id);
    const raw = stringParam(req, 'usageDate');
    if (raw === undefined || raw === '') throw new BadRequest('usageDate is required (yyyy-MM-dd)');
    const day = parseDay(raw);
    if (day === null) throw new BadRequest(`usageDate must be yyyy-MM-dd, got ${raw}`);
    if (day > state.data.clock.nowMs()) throw new BadRequest(`usageDate ${raw} is in the future`);
    const p = parsePage(req, state.oversizePage);
    const productId = stringParam(req, 'productId');
    const lines = data.usageLines(id, day).filter((l) => productId === undefined || l.productId === productId);
    sendJson(res, 200, pageOf(lines, p, renderUsageLine));
  }));
}

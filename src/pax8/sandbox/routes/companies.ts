import type { Router } from 'express';
import { notFound } from '../http/errors.js';
import { boolParam, pageOf, parsePage, parseSort, sortBy, stringParam } from '../http/paging.js';
import { sendJson } from '../http/send.js';
import { renderCompany } from '../render.js';
import type { SandboxState } from '../state.js';
import type { SandboxCompany } from '../types.js';
import { handle, param } from './handle.js';

const SORTS = ['name', 'city', 'country', 'stateOrProvince', 'postalCode'] as const;

export function companyRoutes(r: Router, state: SandboxState): void {
  r.get('/companies', handle((req, res) => {
    const p = parsePage(req, state.oversizePage);
    const sort = parseSort(req, SORTS);
    const f = {
      city: stringParam(req, 'city'),
      country: stringParam(req, 'country'),
      stateOrProvince: stringParam(req, 'stateOrProvince'),
      postalCode: stringParam(req, 'postalCode'),
      status: stringParam(req, 'status'),
      selfServiceAllowed: boolParam(req, 'selfServiceAllowed'),
      billOnBehalfOfEnabled: boolParam(req, 'billOnBehalfOfEnabled'),
      orderApprovalRequired: boolParam(req, 'orderApprovalRequired'),
    };
    const items = state.data.cached(`companies:${JSON.stringify(f)}:${JSON.stringify(sort)}`, () => {
      let list: SandboxCompany[] = state.data.companies.filter((c) =>
        (f.city === undefined || c.address.city === f.city) &&
        (f.country === undefined || c.address.country === f.country) &&
        (f.stateOrProvince === undefined || c.address.stateOrProvince === f.stateOrProvince) &&
        (f.postalCode === undefined || c.address.postalCode === f.postalCode) &&
        (f.status === undefined || c.status === f.status) &&
        (f.selfServiceAllowed === undefined || c.selfServiceAllowed === f.selfServiceAllowed) &&
        (f.billOnBehalfOfEnabled === undefined || c.billOnBehalfOfEnabled === f.billOnBehalfOfEnabled) &&
        (f.orderApprovalRequired === undefined || c.orderApprovalRequired === f.orderApprovalRequired));
      if (sort) {
        const key = (c: SandboxCompany) => (sort.field === 'name' ? c.name : c.address[sort.field as Exclude<(typeof SORTS)[number], 'name'>]);
        list = sortBy(list, key, sort.desc);
      }
      return list;
    });
    sendJson(res, 200, pageOf(items, p, renderCompany));
  }));

  r.get('/companies/:companyId', handle((req, res) => {
    const id = param(req, 'companyId');
    const c = state.data.companyById.get(id);
    if (!c) return notFound(req, res, 'Company', id);
    sendJson(res, 200, renderCompany(c));
  }));
}

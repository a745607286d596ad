import type { Router } from 'express';
import { Decimal } from 'decimal.js';
import { notFound, sendError } from '../http/errors.js';
import { BadRequest, pageOf, parsePage, parseSort, sortBy, stringParam } from '../http/paging.js';
import { sendJson } from '../http/send.js';
import { parseDay } from '../dates.js';
import type { SandboxInvoice, SandboxInvoiceItem } from '../invoices.js';
import type { SandboxState } from '../state.js';
import { handle, param } from './handle.js';

const STATUSES = ['Unpaid', 'Paid', 'Void', 'Carried', 'Nothing Due', 'Credited'];

function renderInvoice(i: SandboxInvoice): Record<string, unknown> {
  return {
    id: i.id, invoiceDate: i.invoiceDate, dueDate: i.dueDate, status: i.status, balance: i.balance, carriedBalance: i.carriedBalance,
    total: i.total, currencyCode: i.currencyCode, partnerName: i.partnerName,
  };
}

function renderItem(x: SandboxInvoiceItem): Record<string, unknown> {
  return { ...x };
}

function dayParam(raw: string | undefined, name: string): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (parseDay(raw) === null) throw new BadRequest(`${name} must be yyyy-MM-dd`);
  return raw;
}

function moneyParam(raw: string | undefined, name: string): Decimal | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d+(\.\d+)?$/.test(raw)) throw new BadRequest(`${name} must be a number`);
  return new Decimal(raw);
}

/** Pax8's own bill to the partner (GET /invoices, /invoices/{id}, /invoices/{id}/items, /invoices/draftItems). */
export function invoiceRoutes(r: Router, state: SandboxState): void {
  const book = state.data.invoices;

  r.get('/invoices', handle((req, res) => {
    const p = parsePage(req, state.oversizePage);
    const sort = parseSort(req, ['invoiceDate', 'dueDate', 'status', 'partnerName', 'total', 'balance', 'carriedBalance']);
    const status = stringParam(req, 'status');
    if (status !== undefined && !STATUSES.includes(status)) throw new BadRequest(`invalid status ${status}`);
    const invoiceDate = dayParam(stringParam(req, 'invoiceDate'), 'invoiceDate');
    const from = dayParam(stringParam(req, 'invoiceDateRangeStart'), 'invoiceDateRangeStart');
    const to = dayParam(stringParam(req, 'invoiceDateRangeEnd'), 'invoiceDateRangeEnd');
    const dueDate = dayParam(stringParam(req, 'dueDate'), 'dueDate');
    const total = moneyParam(stringParam(req, 'total'), 'total');
    const balance = moneyParam(stringParam(req, 'balance'), 'balance');
    const companyId = stringParam(req, 'companyId');
    if (companyId !== undefined && !state.data.companyById.has(companyId)) return sendError(req, res, 404, 'NOT_FOUND', `Invalid companyId ${companyId}`);
    let list = book.invoices().filter((i) =>
      (status === undefined || i.status === status) &&
      (invoiceDate === undefined || i.invoiceDate === invoiceDate) &&
      (from === undefined || i.invoiceDate >= from) &&
      (to === undefined || i.invoiceDate <= to) &&
      (dueDate === undefined || i.dueDate === dueDate) &&
      (total === undefined || i.total.equals(total)) &&
      (balance === undefined || i.balance.equals(balance)) &&
      (companyId === undefined || i.items.some((x) => x.companyId === companyId)));
    if (sort) {
      const f = sort.field as keyof SandboxInvoice;
      list = sortBy(list, (i) => {
        const v = i[f];
        return v instanceof Decimal ? v.toNumber() : String(v);
      }, sort.desc);
    }
    sendJson(res, 200, pageOf(list, p, renderInvoice));
  }));

  r.get('/invoices/draftItems', handle((req, res) => {
    const p = parsePage(req, state.oversizePage);
    const raw = stringParam(req, 'monthOffset') ?? '1';
    if (raw !== '0' && raw !== '1') return sendError(req, res, 422, 'UNPROCESSABLE_ENTITY', 'monthOffset must be 0 or 1');
    const companyId = stringParam(req, 'companyId');
    if (companyId !== undefined && !state.data.companyById.has(companyId)) return sendError(req, res, 404, 'NOT_FOUND', `Company with id ${companyId} not found`);
    const items = book.draftItems(raw === '0' ? 0 : 1).filter((x) => companyId === undefined || x.companyId === companyId);
    sendJson(res, 200, pageOf(items, p, renderItem));
  }));

  r.get('/invoices/:invoiceId', handle((req, res) => {
    const id = param(req, 'invoiceId');
    const inv = book.invoices().find((i) => i.id === id);
    if (!inv) return notFound(req, res, 'Invoice', id);
    sendJson(res, 200, renderInvoice(inv));
  }));

  r.get('/invoices/:invoiceId/items', handle((req, res) => {
    const id = param(req, 'invoiceId');
    const inv = book.invoices().find((i) => i.id === id);
    if (!inv) return notFound(req, res, 'Invoice', id);
    sendJson(res, 200, pageOf(inv.items, parsePage(req, state.oversizePage), renderItem));
  }));
}

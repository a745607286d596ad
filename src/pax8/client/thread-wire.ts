import { Decimal } from 'decimal.js';
import { ExactNumber } from '../schemas/exact-json.js';
import type { Pax8ClientConfig } from './config.js';
import { Pax8Error, type Pax8ErrorKind } from './errors.js';
import { Pax8RecordError, type Pax8Item } from './paging.js';

/**
 * What crosses between the import and its Pax8 client thread. Messages are structured clones, which keep plain
 * data, arrays and Dates but drop prototypes: Decimals travel as tagged sign, exponent and digits, exact numbers as
 * tagged text, errors as their fields, and all are rebuilt on arrival, so the import sees exactly what the client in
 * its own thread returns.
 */

/** The client methods an import reads through (all of them reads). */
export const LIST_METHODS = ['companies', 'subscriptions', 'usageSummaries'] as const;
export const CALL_METHODS = ['product', 'productDependencies', 'usageLinesOfDays'] as const;
export type ListMethod = (typeof LIST_METHODS)[number];
export type CallMethod = (typeof CALL_METHODS)[number];

/** One thread serves every threaded client of the process; `client` names which. */
export type ToThread =
  /** `budget`: the client's request budget lives in the importing thread; the thread asks for each start. */
  | { op: 'open'; client: number; config: Pax8ClientConfig; budget: boolean }
  /** One start of the request budget granted (answer to a `budget` message). */
  | { op: 'budget'; id: number }
  | { op: 'close'; client: number }
  | { op: 'list'; client: number; id: number; method: ListMethod; args: unknown[] }
  | { op: 'call'; client: number; id: number; method: CallMethod; args: unknown[] }
  /** The consumer took a chunk: the thread may read further ahead. */
  | { op: 'ack'; id: number }
  | { op: 'cancel'; id: number };

export type FromThread =
  | { id: number; kind: 'items'; items: WireItem[] }
  | { id: number; kind: 'end' }
  | { id: number; kind: 'value'; value: unknown }
  | { id: number; kind: 'error'; error: WireError }
  /** The thread asks for one start from client `client`'s request budget; `id` is the thread's own numbering. */
  | { id: number; kind: 'budget'; client: number };

export type WireItem = { record: unknown } | { error: WireError };

export interface WireError {
  name: string;
  message: string;
  pax8?: { kind: Pax8ErrorKind; tenantId: string; tenantName: string; endpoint: string; attempts: number; status?: number; reasons: string[]; body?: unknown };
  record?: { raw: unknown; endpoint: string; page?: number; index?: number };
}

const DECIMAL = '$recurraDecimal';
const EXACT = '$recurraExactNumber';

/** A Decimal from its sign, exponent and digits as another thread's Decimal had them (NaN and infinities: no digits). */
function decimalOfParts(s: number, e: number, d: number[] | null): Decimal {
  return Object.assign(new Decimal(0), { s, e, d });
}

/**
 * Tags the Decimals and exact numbers of a value the thread is done with, in place (records are fresh from each
 * page; copying them cost the thread as much again). A Decimal travels as its sign, exponent and digits, which are
 * set on a new Decimal without parsing.
 */
export function encodeValue(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Decimal) return { [DECIMAL]: [v.s, v.e, v.d] };
  if (v instanceof ExactNumber) return { [EXACT]: v.source };
  if (v instanceof Date) return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = encodeValue(v[i]);
    return v;
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) o[k] = encodeValue(o[k]);
  return o;
}

/** Rebuilds the Decimals and exact numbers of a value that arrived, in place. */
export function decodeValue(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || v instanceof Date) return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = decodeValue(v[i]);
    return v;
  }
  const o = v as Record<string, unknown>;
  const dec = o[DECIMAL];
  if (Array.isArray(dec)) return decimalOfParts(dec[0] as number, dec[1] as number, dec[2] as number[] | null);
  if (typeof o[EXACT] === 'string') return new ExactNumber(o[EXACT]);
  for (const k of Object.keys(o)) o[k] = decodeValue(o[k]);
  return o;
}

export function encodeError(err: unknown): WireError {
  const e = err instanceof Error ? err : new Error(String(err));
  const wire: WireError = { name: e.name, message: e.message };
  if (e instanceof Pax8Error) {
    wire.pax8 = { kind: e.kind, tenantId: e.tenantId, tenantName: e.tenantName, endpoint: e.endpoint, attempts: e.attempts, status: e.status, reasons: e.reasons, body: encodeValue(e.body) };
  }
  if (e instanceof Pax8RecordError) wire.record = { raw: encodeValue(e.raw), endpoint: e.endpoint, page: e.page, index: e.index };
  return wire;
}

export function decodeError(wire: WireError): Error {
  let e: Error;
  if (wire.pax8) e = new Pax8Error({ ...wire.pax8, body: decodeValue(wire.pax8.body) });
  else if (wire.record) e = new Pax8RecordError(wire.message, decodeValue(wire.record.raw), wire.record.endpoint, wire.record.page, wire.record.index);
  else {
    e = new Error(wire.message);
    e.name = wire.name;
  }
  // The message as the client thread built it (a Pax8Error's names the attempt count, status and reasons).
  Object.defineProperty(e, 'message', { value: wire.message, writable: true, configurable: true });
  return e;
}

export function encodeItem(item: Pax8Item<unknown>): WireItem {
  return item.error ? { error: encodeError(item.error) } : { record: encodeValue(item.record) };
}

export function decodeItem(item: WireItem): Pax8Item<unknown> {
  if ('error' in item) return { error: decodeError(item.error) as Pax8RecordError };
  return { record: decodeValue(item.record) };
}

/** A call's result on the wire: items (with their record errors) for usageLinesOfDays, a record otherwise. */
export function encodeResult(method: CallMethod, value: unknown): unknown {
  return method === 'usageLinesOfDays' ? (value as Pax8Item<unknown>[][]).map((day) => day.map(encodeItem)) : encodeValue(value);
}

export function decodeResult(method: CallMethod, value: unknown): unknown {
  return method === 'usageLinesOfDays' ? (value as WireItem[][]).map((day) => day.map(decodeItem)) : decodeValue(value);
}

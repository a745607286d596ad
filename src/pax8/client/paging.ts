import type { z } from 'zod';
import { compileSchema, FAIL } from '../schemas/compiled.js';
import { envelopeSchema, type PageInfo } from '../schemas/envelope.js';
import type { CallOptions, QueryValue, Transport } from './transport.js';

/** A record that failed validation: the rest of its page still goes on. */
export class Pax8RecordError extends Error {
  override name = 'Pax8RecordError';
  constructor(
    message: string,
    /** The record exactly as parsed from the response. */
    readonly raw: unknown,
    readonly endpoint: string,
    readonly page?: number,
    readonly index?: number,
  ) {
    super(message);
  }
}

export type Pax8Item<T> = { record: T; error?: undefined } | { record?: undefined; error: Pax8RecordError };

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(record)'}: ${i.message}`).join('; ');
}

/** A record through the schema's compiled decoder (schemas/compiled.ts); zod words what a record that fails it lacks. */
export function validateRecord<S extends z.ZodType>(schema: S, raw: unknown, endpoint: string, page?: number, index?: number): Pax8Item<z.output<S>> {
  const decode = compileSchema(schema);
  if (decode !== undefined) {
    const record = decode(raw);
    if (record !== FAIL) return { record: record as z.output<S> };
  }
  const r = schema.safeParse(raw);
  if (r.success) return { record: r.data };
  return { error: new Pax8RecordError(`invalid record from ${endpoint}: ${describeIssues(r.error)}`, raw, endpoint, page, index) };
}

const envelopeProblem = (json: unknown) => {
  // The common case without zod: {content: [...], page?: {...numbers}} (what the zod schema accepts, checked in full).
  if (plainEnvelope(json)) return undefined;
  const r = envelopeSchema.safeParse(json);
  return r.success ? undefined : `not a {content, page} envelope: ${describeIssues(r.error)}`;
};

function plainEnvelope(json: unknown): boolean {
  if (typeof json !== 'object' || json === null || !Array.isArray((json as Envelope).content)) return false;
  const page = (json as Envelope).page;
  if (page === undefined || page === null) return true;
  if (typeof page !== 'object' || Array.isArray(page)) return false;
  return count(page.size) && count(page.totalElements) && count(page.totalPages) && count(page.number);
}
const count = (v: unknown) => v === undefined || v === null || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);

interface Envelope {
  content: unknown[];
  page?: PageInfo | null;
}

export interface PageOptions {
  /** Instead of the client's apiBaseUrl. */
  baseUrl?: string;
  pageSize: number;
  prefetchPages: number;
  signal?: AbortSignal;
}

/**
 * Streams a paged list: at most 1 + prefetchPages pages live at once, each
 * record validated on its own. Stops at totalPages, or at a short/empty page
 * when Pax8 leaves totalPages out.
 */
export async function* paginate<S extends z.ZodType>(
  transport: Transport,
  path: string,
  query: Record<string, QueryValue>,
  schema: S,
  opts: PageOptions,
): AsyncGenerator<Pax8Item<z.output<S>>, void, undefined> {
  const endpoint = `GET ${path}`;
  const abort = new AbortController();
  const signal = opts.signal ? AbortSignal.any([abort.signal, opts.signal]) : abort.signal;
  const callOpts: CallOptions = { signal, validate: envelopeProblem, baseUrl: opts.baseUrl };
  const fetchPage = (n: number) => {
    const p = transport.call('GET', path, { ...callOpts, query: { ...query, page: n, size: opts.pageSize } }) as Promise<Envelope>;
    p.catch(() => undefined); // awaited later; never an unhandled rejection if the consumer stops early
    return p;
  };

  const pending: Array<Promise<Envelope>> = [fetchPage(0)];
  let next = 1;
  let totalPages: number | undefined;
  try {
    for (let n = 0; pending.length > 0; n++) {
      const env = await pending.shift()!;
      if (n === 0) totalPages = env.page?.totalPages ?? undefined;
      const more = totalPages !== undefined ? next < totalPages : env.content.length >= opts.pageSize && env.content.length > 0;
      if (more) {
        const ahead = totalPages !== undefined ? Math.max(1, opts.prefetchPages) : 1;
        while (pending.length < ahead && (totalPages === undefined ? pending.length === 0 : next < totalPages)) pending.push(fetchPage(next++));
      }
      const content = env.content;
      for (let i = 0; i < content.length; i++) yield validateRecord(schema, content[i], endpoint, n, i);
    }
  } finally {
    // Cancels pages fetched ahead when the consumer stopped early. Not after a full listing: an abort builds a
    // DOMException with a stack trace, which cost more than the request of a one-page usage listing.
    if (pending.length > 0) abort.abort();
  }
}

/** Lists without a page block (pricing, history): one call, records validated one by one. */
export async function* unpaged<S extends z.ZodType>(
  transport: Transport,
  path: string,
  query: Record<string, QueryValue>,
  schema: S,
  signal?: AbortSignal,
): AsyncGenerator<Pax8Item<z.output<S>>, void, undefined> {
  const env = (await transport.call('GET', path, { query, signal, validate: envelopeProblem })) as Envelope;
  for (let i = 0; i < env.content.length; i++) yield validateRecord(schema, env.content[i], `GET ${path}`, undefined, i);
}

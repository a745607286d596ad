/**
 * The Pax8 client thread (started by threaded-client.ts): it holds one Pax8Client per open threaded client, whose
 * requests, JSON parsing and record validation run here; validated records go to the importing thread a chunk at a
 * time, and only a few chunks ahead of what it has taken.
 */
import { parentPort } from 'node:worker_threads';
import { Pax8Client } from './pax8-client.js';
import {
  CALL_METHODS, LIST_METHODS, encodeError, encodeItem, encodeResult, type CallMethod, type FromThread, type ListMethod,
  type ToThread, type WireItem,
} from './thread-wire.js';

/**
 * Chunks (about a page each) sent and not yet taken by the importer before this thread stops reading ahead: enough
 * to go on reading while the importer writes a batch (on SQLite it cannot take chunks meanwhile), ~3 MB at most.
 */
const CHUNKS_AHEAD = 16;

interface Op {
  abort: AbortController;
  credit: number;
  wake: (() => void) | null;
}

const port = parentPort!;
const clients = new Map<number, Pax8Client>();
const ops = new Map<number, Op>();
const post = (m: FromThread) => port.postMessage(m);
const grants = new Map<number, () => void>();
let nextGrant = 1;

/** A request budget kept by the importing thread: each start is asked for there and waited for here. */
function parentBudget(client: number) {
  return {
    take: () => new Promise<void>((resolve) => {
      const id = nextGrant++;
      grants.set(id, resolve);
      post({ id, kind: 'budget', client });
    }),
  };
}

function withSignal(args: unknown[], signal: AbortSignal): unknown[] {
  const last = args.at(-1);
  return last && typeof last === 'object' ? [...args.slice(0, -1), { ...(last as object), signal }] : [...args, { signal }];
}

function clientOf(id: number): Pax8Client {
  const c = clients.get(id);
  if (!c) throw new Error('this Pax8 client was closed');
  return c;
}

async function list(client: number, id: number, method: ListMethod, args: unknown[]): Promise<void> {
  const op: Op = { abort: new AbortController(), credit: CHUNKS_AHEAD, wake: null };
  ops.set(id, op);
  let buffer: WireItem[] = [];
  let flushing = false;
  // Everything a page yields in one turn goes as one chunk.
  const flush = () => {
    flushing = false;
    if (buffer.length === 0) return;
    post({ id, kind: 'items', items: buffer });
    buffer = [];
    op.credit--;
  };
  try {
    const c = clientOf(client);
    const listing = (c[method] as (...a: unknown[]) => AsyncIterable<Parameters<typeof encodeItem>[0]>).apply(c, withSignal(args, op.abort.signal));
    for await (const item of listing) {
      buffer.push(encodeItem(item));
      if (!flushing) {
        flushing = true;
        setImmediate(flush);
      }
      while (op.credit <= 0 && !op.abort.signal.aborted) await new Promise<void>((resolve) => { op.wake = resolve; });
      // A cancelled listing ends in an error, never in 'end': the importer must not take it for a complete one.
      op.abort.signal.throwIfAborted();
    }
    flush();
    post({ id, kind: 'end' });
  } catch (err) {
    flush();
    post({ id, kind: 'error', error: encodeError(err) });
  } finally {
    ops.delete(id);
  }
}

async function call(client: number, id: number, method: CallMethod, args: unknown[]): Promise<void> {
  const op: Op = { abort: new AbortController(), credit: 0, wake: null };
  ops.set(id, op);
  try {
    const c = clientOf(client);
    const value = await (c[method] as (...a: unknown[]) => Promise<unknown>).apply(c, withSignal(args, op.abort.signal));
    post({ id, kind: 'value', value: encodeResult(method, value) });
  } catch (err) {
    post({ id, kind: 'error', error: encodeError(err) });
  } finally {
    ops.delete(id);
  }
}

port.on('message', (m: ToThread) => {
  switch (m.op) {
    case 'open':
      clients.set(m.client, new Pax8Client(m.budget ? { ...m.config, requestBudget: parentBudget(m.client) } : m.config));
      return;
    case 'budget':
      grants.get(m.id)?.();
      grants.delete(m.id);
      return;
    case 'close':
      clients.delete(m.client);
      return;
    case 'list':
      if ((LIST_METHODS as readonly string[]).includes(m.method)) void list(m.client, m.id, m.method, m.args);
      else post({ id: m.id, kind: 'error', error: encodeError(new Error(`not a Pax8 client listing: ${String(m.method)}`)) });
      return;
    case 'call':
      if ((CALL_METHODS as readonly string[]).includes(m.method)) void call(m.client, m.id, m.method, m.args);
      else post({ id: m.id, kind: 'error', error: encodeError(new Error(`not a Pax8 client read: ${String(m.method)}`)) });
      return;
    case 'ack':
    case 'cancel': {
      const op = ops.get(m.id);
      if (!op) return;
      if (m.op === 'ack') op.credit++;
      else op.abort.abort();
      op.wake?.();
      op.wake = null;
    }
  }
});

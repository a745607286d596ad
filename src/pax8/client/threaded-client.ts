import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import type { Company } from '../schemas/company.js';
import type { Dependencies, Product } from '../schemas/product.js';
import type { Subscription } from '../schemas/subscription.js';
import type { UsageLine, UsageSummary } from '../schemas/usage.js';
import { resolveConfig, sharesTenantState, type Pax8ClientConfig, type RequestBudget } from './config.js';
import { tenantClientState } from './tenant-state.js';
import type { Pax8Item } from './paging.js';
import type {
  CompanyFilters, ListOptions, Pax8Client, Pax8List, SubscriptionFilters, UsageLineFilters, UsageSummaryFilters,
} from './pax8-client.js';
import { decodeError, decodeItem, decodeResult, type CallMethod, type FromThread, type ListMethod, type ToThread } from './thread-wire.js';

/** The reads an import makes; a Pax8Client and a ThreadedPax8Client both offer them. */
export type Pax8Reader = Pick<Pax8Client, 'tenantId' | 'tenantName' | 'companies' | 'product' | 'subscriptions' | 'usageSummaries' | 'usageLinesOfDays'>
  /** The product's commitment terms (read by the product sync when offered; stand-ins in tests may leave it out). */
  & Partial<Pick<Pax8Client, 'productDependencies'>>;

type Listener = (m: FromThread) => void;

/**
 * The thread's code: client-thread.ts and what it imports, bundled into one CommonJS script by esbuild (built once
 * per process, in memory). The sources are TypeScript that tsx compiles as they load, and tsx in a thread of its own
 * cost ~45 MB more memory than the bundle (and Node 20 does not apply a thread's own --import before its entry).
 */
let bundle: Promise<string> | null = null;
function threadCode(): Promise<string> {
  bundle ??= build({
    entryPoints: [fileURLToPath(new URL('./client-thread.ts', import.meta.url))],
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent',
  }).then((r) => r.outputFiles[0]!.text, (err: unknown) => {
    bundle = null; // the next threaded client tries again
    throw err;
  });
  return bundle;
}

/**
 * The one thread of the process that runs threaded clients (started on first use, restarted after a crash). It
 * holds the process open only while a read is waiting for it.
 */
class ClientThread {
  #worker: Promise<Worker> | null = null;
  #generation = 0;
  readonly #listeners = new Map<number, Listener>();
  #nextId = 1;

  /** Changes whenever a new thread starts: clients opened in an earlier one must open again. */
  get generation(): number {
    this.#start();
    return this.#generation;
  }

  /** Whether the thread that is running now is the one of `generation`. */
  runs(generation: number): boolean {
    return this.#worker !== null && this.#generation === generation;
  }

  nextId(): number {
    return this.#nextId++;
  }

  /** Messages keep their order: each waits on the same thread start. */
  post(m: ToThread): void {
    void this.#start().then((w) => w.postMessage(m), () => undefined);
  }

  listen(id: number, listener: Listener): void {
    this.#listeners.set(id, listener);
    const started = this.#start();
    void started.then((w) => { if (this.#listeners.size > 0) w.ref(); }, (err: unknown) => this.#fail(started, err as Error));
  }

  forget(id: number): void {
    this.#listeners.delete(id);
    if (this.#listeners.size === 0) void this.#worker?.then((w) => { if (this.#listeners.size === 0) w.unref(); }, () => undefined);
  }

  #start(): Promise<Worker> {
    if (this.#worker) return this.#worker;
    const started = threadCode().then((code) => {
      // Its garbage is short-lived (a page's JSON), so the young generation bounds its memory. At 12 MB the thread spent
      // a quarter of its time collecting (1/5-scale bench); 32 MB took 0.5 s of CPU off each 7 s import for ~20 MB.
      const worker = new Worker(code, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 32 } });
      worker.unref();
      worker.on('message', (m: FromThread) => {
        if (m.kind === 'budget') this.#grant(worker, m.id, m.client);
        else this.#listeners.get(m.id)?.(m);
      });
      worker.on('error', (err) => this.#fail(started, err));
      worker.on('exit', (code) => this.#fail(started, new Error(`exit code ${code}`)));
      return worker;
    });
    this.#worker = started;
    this.#generation++;
    return started;
  }

  /** Budgets of the threaded clients whose request budget is kept here, by client number. */
  readonly budgets = new Map<number, RequestBudget>();

  /** One start of a threaded client's request budget, taken here and granted to the thread. */
  #grant(worker: Worker, id: number, client: number): void {
    const budget = this.budgets.get(client);
    void (budget ? budget.take() : Promise.resolve()).then(() => worker.postMessage({ op: 'budget', id } satisfies ToThread), () => worker.postMessage({ op: 'budget', id } satisfies ToThread));
  }

  /** The thread could not start or stopped: every waiting read fails, and the next one starts a new thread. */
  #fail(thread: Promise<Worker>, err: Error): void {
    if (this.#worker !== thread) return;
    this.#worker = null;
    const error = { name: 'Error', message: `the Pax8 client thread stopped: ${err.message}` };
    for (const [id, listener] of [...this.#listeners]) listener({ id, kind: 'error', error });
  }
}

const thread = new ClientThread();
let nextClient = 1;

/**
 * A Pax8 client whose requests, JSON parsing and validation run on a thread of their own (client-thread.ts), for
 * imports: the importing thread is then free to plan and write records while the next pages are read and checked,
 * so an import uses a second core the way the database server does for MariaDB (see docs/benchmarks.md,
 * "Import"). Records and errors arrive exactly as a Pax8Client in this thread gives them. Only configurations
 * made of data can cross (no test `fetch`, clock or logger): `canRunInThread` says whether one can. Its pacing is
 * the tenant's shared pacer (its SharedArrayBuffer crosses); its token is the thread's own cache for the tenant,
 * shared by every threaded client of that tenant (so a process holds at most two tokens per tenant connection).
 * `close()` drops the client.
 */
export class ThreadedPax8Client implements Pax8Reader {
  readonly tenantId: string;
  readonly tenantName: string;
  readonly #client = nextClient++;
  readonly #config: Pax8ClientConfig;
  #openIn = 0;
  #closed = false;

  constructor(config: Pax8ClientConfig) {
    if (!canRunInThread(config)) throw new Error('a Pax8 client with a fetch, clock, sleep, random source or logger of its own cannot run in a thread');
    this.tenantId = config.tenantId;
    this.tenantName = config.tenantName;
    // The thread's client paces its requests on the same timeline as this thread's clients of the tenant.
    const pacerBuffer = sharesTenantState(config) ? tenantClientState(resolveConfig(config), config.clientSecret).pacer.buffer : undefined;
    // The request budget (a database one) stays in this thread; the thread asks it for each start.
    const { requestBudget, ...data } = config;
    if (requestBudget) thread.budgets.set(this.#client, requestBudget);
    this.#config = { ...data, pacerBuffer };
  }

  companies(filters: CompanyFilters = {}): Pax8List<Company> {
    return this.#list('companies', [], filters) as Pax8List<Company>;
  }

  subscriptions(filters: SubscriptionFilters = {}): Pax8List<Subscription> {
    return this.#list('subscriptions', [], filters) as Pax8List<Subscription>;
  }

  usageSummaries(subscriptionId: string, filters: UsageSummaryFilters = {}): Pax8List<UsageSummary> {
    return this.#list('usageSummaries', [subscriptionId], filters) as Pax8List<UsageSummary>;
  }

  usageLinesOfDays(summaryId: string, dates: readonly string[], filters: UsageLineFilters = {}): Promise<Pax8Item<UsageLine>[][]> {
    return this.#call('usageLinesOfDays', [summaryId, [...dates]], filters) as Promise<Pax8Item<UsageLine>[][]>;
  }

  product(id: string, opts: ListOptions = {}): Promise<Product> {
    return this.#call('product', [id], opts) as Promise<Product>;
  }

  productDependencies(id: string, opts: ListOptions = {}): Promise<Dependencies> {
    return this.#call('productDependencies', [id], opts) as Promise<Dependencies>;
  }

  /** Drops the client's state in the thread; later reads fail. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    thread.budgets.delete(this.#client);
    if (thread.runs(this.#openIn)) thread.post({ op: 'close', client: this.#client });
  }

  /** Opens this client in the current thread when it is not open there yet. */
  #open(): void {
    if (this.#closed) throw new Error('this Pax8 client was closed');
    const generation = thread.generation;
    if (this.#openIn === generation) return;
    thread.post({ op: 'open', client: this.#client, config: this.#config, budget: thread.budgets.has(this.#client) });
    this.#openIn = generation;
  }

  async *#list(method: ListMethod, args: unknown[], opts: ListOptions): AsyncGenerator<Pax8Item<unknown>, void, undefined> {
    const { signal, ...rest } = opts;
    signal?.throwIfAborted();
    this.#open();
    const id = thread.nextId();
    const inbox: FromThread[] = [];
    let wake: (() => void) | null = null;
    thread.listen(id, (m) => {
      inbox.push(m);
      wake?.();
      wake = null;
    });
    const cancel = () => thread.post({ op: 'cancel', id });
    signal?.addEventListener('abort', cancel, { once: true });
    let settled = false;
    try {
      thread.post({ op: 'list', client: this.#client, id, method, args: [...args, rest] });
      for (;;) {
        while (inbox.length === 0) await new Promise<void>((resolve) => { wake = resolve; });
        const m = inbox.shift()!;
        if (m.kind === 'items') {
          thread.post({ op: 'ack', id });
          for (const item of m.items) yield decodeItem(item);
        } else if (m.kind === 'end') {
          settled = true;
          return;
        } else if (m.kind === 'error') {
          settled = true;
          throw decodeError(m.error);
        }
      }
    } finally {
      signal?.removeEventListener('abort', cancel);
      thread.forget(id);
      if (!settled) cancel(); // the consumer stopped early: the thread stops reading ahead
    }
  }

  #call(method: CallMethod, args: unknown[], opts: ListOptions): Promise<unknown> {
    const { signal, ...rest } = opts;
    if (signal?.aborted) return Promise.reject(signal.reason);
    try {
      this.#open();
    } catch (err) {
      return Promise.reject(err);
    }
    const id = thread.nextId();
    const cancel = () => thread.post({ op: 'cancel', id });
    return new Promise<unknown>((resolve, reject) => {
      thread.listen(id, (m) => {
        thread.forget(id);
        signal?.removeEventListener('abort', cancel);
        if (m.kind === 'value') resolve(decodeResult(method, m.value));
        else if (m.kind === 'error') reject(decodeError(m.error));
      });
      signal?.addEventListener('abort', cancel, { once: true });
      thread.post({ op: 'call', client: this.#client, id, method, args: [...args, rest] });
    });
  }
}

/** Whether a client configuration can cross into a thread: data only, no functions. */
export function canRunInThread(config: Pax8ClientConfig): boolean {
  return config.fetch === undefined && config.random === undefined && config.now === undefined && config.sleep === undefined && config.logger === undefined;
}

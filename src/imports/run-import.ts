import type { DataSource } from 'typeorm';
import type { SecretBox } from '../crypto/secret-box.js';
import { ImportRun } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { Pax8Client } from '../pax8/client/index.js';
import { ThreadedPax8Client, canRunInThread, type Pax8Reader } from '../pax8/client/threaded-client.js';
import { TenantService, tenantSettings } from '../tenants/service.js';
import { ImportAborted, type ImportContext, type ProgressEvent } from './context.js';
import { parseEntities, type ImportEntity } from './counts.js';
import { importCustomers } from './customers-import.js';
import { tenantDate } from '../common/tenant-date.js';
import { clockFrom, systemClock } from '../common/clock.js';
import { pax8ClientConfigFor, type ClientOverrides } from '../tenants/pax8-client.js';
import { assertPartnerCompanyDecided } from '../tenants/partner-company.js';
import { ProductResolver } from './product-resolver.js';
import { RunRecorder } from './run-record.js';
import { Feed, Mutex } from './mutex.js';
import { companyScope } from './scope-companies.js';
import { importCatalog, type CatalogReader } from './catalog-import.js';
import { importSubscriptions, type UsageCarrier } from './subscriptions-import.js';
import { importUsage } from './usage-import.js';
import { viewRun, type ImportRunView } from './run-view.js';

export interface ImportDeps {
  ds: DataSource;
  secrets: SecretBox;
}

export interface ImportOptions {
  tenantId: string;
  /** Default: all of customers, products, subscriptions, usage. */
  entities?: ImportEntity[] | string;
  /**
   * Local customer ids: import subscriptions/usage of these customers only (default: the tenant's
   * imports.subscriptionCustomers, else every mapped customer).
   */
  customers?: string[];
  dryRun?: boolean;
  /** Usage: read every summary's open months in full instead of only the days that can still change (usage-plan.ts). */
  fullUsage?: boolean;
  /** 'cli', 'http', 'schedule', 'webhook'. */
  trigger: string;
  /** A user name, or the job/process that started the run. */
  startedBy: string;
  jobId?: string | null;
  onProgress?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
  /** Pax8 client settings (pacing, retries) — tests and the benchmark; credentials always come from the tenant. */
  client?: ClientOverrides;
  /** An already built client (takes precedence over `client`). */
  pax8Client?: Pax8Reader;
  /**
   * Run the Pax8 client on a thread of its own (default: yes, when its configuration is data only). Its requests,
   * parsing and validation then use a second core while this thread plans and writes the records.
   */
  clientThread?: boolean;
  /**
   * Records per write transaction (default 5,000): smaller batches commit progress sooner, larger ones write faster.
   * A commit writes every index page the batch touched, and the subscription indexes on Pax8 ids are random, so a
   * batch of 1,000 already touches most of their pages (100k rows into a table like subscriptions: commits 3.3 s -> 1.7 s).
   */
  batchSize?: number;
  /** Injectable clock (tests). */
  now?: Date;
}

/**
 * Runs one import for a tenant and returns its run record. Each record is written in a
 * transaction of its own batch, so a failure part-way (Pax8 down, process killed) leaves every
 * record fully imported or untouched; the run ends 'failed' with the reason, and the next run,
 * which writes only what differs, completes it. Record-level failures end the run 'partial'.
 */
export async function runImport(deps: ImportDeps, opts: ImportOptions): Promise<ImportRunView> {
  const entities = parseEntities(opts.entities);
  const tenants = new TenantService(deps.ds, deps.secrets);
  const tenant = await tenants.byId(opts.tenantId);
  const settings = tenantSettings(tenant).imports;
  const scope = new TenantScope(deps.ds.manager, tenant.id);
  const rec = new RunRecorder(scope, { entities, trigger: opts.trigger, startedBy: opts.startedBy, dryRun: opts.dryRun ?? false, jobId: opts.jobId }, opts.now ? clockFrom(opts.now) : systemClock);
  const now = opts.now ?? new Date();
  const today = tenantDate(now, tenant.timeZone);
  const config = opts.pax8Client ? null : pax8ClientConfigFor(tenants, tenant, opts.client);
  await rec.start();
  const threaded = config && opts.clientThread !== false && canRunInThread(config) ? new ThreadedPax8Client(config) : null;
  const client = opts.pax8Client ?? threaded ?? new Pax8Client(config!);
  const ctx: ImportContext = {
    scope, tenant, settings, client, rec, dryRun: opts.dryRun ?? false, now, today, zone: tenant.timeZone,
    signal: opts.signal, writes: new Mutex(), fullUsage: opts.fullUsage ?? false, batchSize: Math.max(1, opts.batchSize ?? 5000), progress: (e) => { opts.onProgress?.(e); rec.progress(e); },
  };
  let failure: string | undefined;
  try {
    assertPartnerCompanyDecided(tenant, settings);
    rec.progress({ entity: entities[0]!, done: 0 }, true);
    if (entities.includes('customers')) await importCustomers(ctx);
    const wantsListing = entities.some((e) => e === 'products' || e === 'subscriptions' || e === 'usage');
    if (wantsListing) {
      const companies = opts.customers?.length
        ? await companyScope(ctx, opts.customers)
        : await companyScope(ctx, settings.subscriptionCustomers ?? undefined, { skipUnmapped: true });
      const createProducts = settings.productImportMode !== 'none' && (entities.includes('products') || entities.includes('subscriptions'));
      // The product sync reads the whole Pax8 catalog with its prices first, then the products of the subscriptions.
      const catalog = entities.includes('products') ? catalogReaderOf(client) ?? (config ? new Pax8Client(config) : null) : null;
      const catalogSkus = catalog ? await importCatalog(ctx, catalog) : undefined;
      const products = await ProductResolver.load(ctx, createProducts, catalogSkus);
      // Usage runs alongside the listing, on each usage-carrying subscription as it is found: its requests wait on
      // Pax8 while the listing's batches are written.
      const carriers = new Feed<UsageCarrier>();
      const usage = entities.includes('usage') ? importUsage(ctx, companies, carriers) : null;
      usage?.catch(() => undefined); // awaited below; never an unhandled rejection while the listing runs
      try {
        rec.progress({ entity: entities.includes('subscriptions') ? 'subscriptions' : entities.includes('usage') ? 'usage' : 'products', done: 0 }, true);
        await importSubscriptions(ctx, companies, {
          writeSubscriptions: entities.includes('subscriptions'), products, onCarrier: usage ? (c) => carriers.push(c) : undefined,
        });
        carriers.close();
      } catch (err) {
        carriers.abandon();
        await usage?.catch(() => undefined); // its fetched summaries are written (each whole) before the run is recorded
        throw err;
      }
      if (usage) await usage;
    }
  } catch (err) {
    failure = err instanceof ImportAborted ? 'import aborted before it finished; the next run completes it' : (err as Error).message;
    if (!(err instanceof ImportAborted) && !isExpected(err)) rec.details.error = `${(err as Error).stack ?? failure}`.slice(0, 4000);
  }
  threaded?.close();
  const status = failure ? 'failed' : rec.errors.length > 0 ? 'partial' : 'succeeded';
  const run = await rec.finish(status, failure);
  return viewRun(run);
}

/** The client itself when it reads the catalog (a threaded client does not: the catalog step then opens one here). */
function catalogReaderOf(client: unknown): CatalogReader | null {
  const c = client as Partial<CatalogReader>;
  return typeof c.products === 'function' && typeof c.productPricing === 'function' ? (client as CatalogReader) : null;
}

function isExpected(err: unknown): boolean {
  const name = (err as Error | undefined)?.name;
  return name === 'Pax8Error' || name === 'ImportInputError' || name === 'AbortError' || name === 'PartnerCompanyNotChosen';
}

/** Runs still 'running' that started before `olderThan` were interrupted (process killed): mark them failed. */
export async function markInterruptedRuns(ds: DataSource, tenantId: string, olderThan: Date): Promise<number> {
  const scope = new TenantScope(ds.manager, tenantId);
  const stale = await scope.repo(ImportRun).query('r').andWhere('r.status = :s', { s: 'running' }).andWhere('r.startedAt < :t', { t: olderThan }).getMany();
  for (const r of stale) {
    await scope.repo(ImportRun).update({ id: r.id }, {
      status: 'failed', finishedAt: new Date(), updatedAt: new Date(),
      message: JSON.stringify({ error: 'interrupted (the process stopped before the run finished); the next run completes it' }),
    });
  }
  return stale.length;
}

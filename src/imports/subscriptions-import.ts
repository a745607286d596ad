import { setImmediate } from 'node:timers/promises';
import { inChunks } from '../db/in-chunks.js';
import { timeOrderedId } from '../db/row-ids.js';
import { Subscription, SubscriptionChange } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import type { Pax8Item } from '../pax8/client/index.js';
import type { Subscription as Pax8Subscription } from '../pax8/schemas/subscription.js';
import { writeBatch, type AfterCommit } from './batch-writer.js';
import { bulkInsert } from '../db/bulk-insert.js';
import { checkAborted, type ImportContext } from './context.js';
import type { Outcome } from './counts.js';
import { offerInvoiceLine } from './invoice-lines.js';
import type { ProductResolver } from './product-resolver.js';
import type { CompanyScope } from './scope-companies.js';
import {
  activeFromStatus, effectiveDateOf, fieldsHash, historyChanges, licenseFields, type SubscriptionFields,
} from '../subscriptions/state.js';
import { usageCarrierRule } from './usage-rules.js';
import { NOTHING_PENDING, pendingAware } from '../subscriptions/pending.js';
import { settleProvisioningRequests } from '../licensing/settle.js';
import { settleProvisioningOperations } from '../operations/settle.js';
import { Pax8IdSet } from './pax8-id-set.js';

const BATCH = 200;
/** Pax8 ids per lookup of the stored subscriptions (bound parameters of one statement). */
const LOOKUP = 1000;
/** Stored subscriptions read per page when looking for those Pax8 no longer lists. */
const PAGE = 5000;
/** Records of the listing between two turns of the event loop (about a Pax8 page). */
const YIELD_EVERY = 200;

/** A usage-carrying subscription found by the listing (input of the usage step). */
export interface UsageCarrier {
  pax8SubscriptionId: string;
  pax8CompanyId: string;
  productName: string;
  status: string;
}

/** A stored license subscription, as much as planning needs. */
interface Lite {
  id: string;
  contentHash: string;
  deletedInPax8: boolean;
}

/** A stored license subscription, as much as marking it deleted in Pax8 needs. */
interface Gone {
  id: string;
  pax8Id: string;
  active: boolean;
  activeOverride: boolean | null;
}

interface Plan {
  record: Pax8Subscription;
  fields: SubscriptionFields;
  hash: string;
  /** Set when the batch is written: the stored subscription is looked up then (never held for the whole tenant). */
  stored: Lite | undefined;
  outcome: Outcome;
}

export interface SubscriptionStepOptions {
  /** Write subscriptions (entity 'subscriptions'); off when only products or usage were asked for. */
  writeSubscriptions: boolean;
  products: ProductResolver;
  /** Told each usage-carrying subscription as the listing finds it (the usage step starts on it at once). */
  onCarrier?: (carrier: UsageCarrier) => void;
}

function changeRow(tx: TenantScope, ctx: ImportContext, sub: Pick<Subscription, 'id' | 'quantity' | 'status' | 'active' | 'price' | 'cost'>, fields: string[], effectiveDate: string, observedAt: Date): SubscriptionChange {
  // A plain row (written by bulkInsert), not an entity built by the manager: the import makes one per new subscription.
  return {
    id: timeOrderedId(), tenantId: tx.tenantId, subscriptionId: sub.id, effectiveDate, observedAt, fields: fields.join(',').slice(0, 80),
    quantity: sub.quantity, status: sub.status, active: sub.active, price: sub.price, cost: sub.cost, source: 'import',
    importRunId: ctx.rec.id, initiatedBy: null, createdAt: observedAt, updatedAt: observedAt,
  };
}

/**
 * Lists the subscriptions of the companies in scope (all mapped companies through one partner-wide
 * listing, or a chosen list company by company), creates or updates them, and records every change of
 * quantity, status, active flag, price or cost in subscription_changes. Unchanged subscriptions
 * (same content hash) are not written. After a complete listing, subscriptions Pax8 no longer returns
 * are marked deletedInPax8 and, with deactivateDeletedSubscriptions, made inactive.
 */
export async function importSubscriptions(ctx: ImportContext, companies: CompanyScope, opts: SubscriptionStepOptions): Promise<void> {
  const { scope, rec } = ctx;
  const write = opts.writeSubscriptions;
  const isCarrier = usageCarrierRule(ctx.settings);

  // Every Pax8 id the listing returned (compact: a million of them is the size this must hold).
  const seen = new Pax8IdSet();
  // Stored subscriptions known to be listed and not deleted in Pax8 after this run's writes (each counted once while
  // no id is listed twice): when they are all the tenant has, none can be gone and markDeleted reads nothing.
  let present = 0;
  let listedTwice = false;
  let batch: Plan[] = [];
  let done = 0;

  const plan = async (s: Pax8Subscription): Promise<Plan | null> => {
    if (seen.has(s.id)) listedTwice = true;
    seen.add(s.id);
    if (!companies.companies.has(s.companyId)) {
      if (write) rec.count('subscriptions', 'skipped');
      return null;
    }
    const product = await opts.products.resolve(s);
    if (isCarrier({ productName: s.productName, vendorName: product.vendorName, price: s.price, partnerCost: s.partnerCost, billingTerm: s.billingTerm })) {
      opts.onCarrier?.({ pax8SubscriptionId: s.id, pax8CompanyId: s.companyId, productName: s.productName ?? s.productId, status: s.status });
    }
    if (!write) return null;
    const fields = licenseFields(s, { customerId: companies.companies.get(s.companyId) ?? null, productId: product.productId, vendorName: product.vendorName }, ctx.zone);
    return { record: s, fields, hash: fieldsHash(fields), stored: undefined, outcome: 'created' };
  };

  const writePlans = async (tx: TenantScope, plans: Plan[]): Promise<AfterCommit[]> => {
    const observedAt = new Date();
    const inserts: Subscription[] = [];
    const changes: SubscriptionChange[] = [];
    const after: AfterCommit[] = [];
    for (const p of plans) {
      if (!p.stored) {
        const active = activeFromStatus(p.fields.status);
        const start = p.fields.startDate;
        const sub: Subscription = {
          id: timeOrderedId(), tenantId: tx.tenantId, kind: 'license', ...p.fields, active, activeOverride: null, usageSummaryId: null, deletedInPax8: false, ...NOTHING_PENDING,
          contentHash: p.hash, createdAt: observedAt, updatedAt: observedAt,
        };
        inserts.push(sub);
        // A subscription's history starts on its start date (never in the future): its state before is unknown.
        changes.push(changeRow(tx, ctx, sub, ['created'], start && start < ctx.today ? start : ctx.today, observedAt));
        after.push(() => {
          present++;
          rec.count('subscriptions', 'created');
        });
        continue;
      }
      const current = await tx.repo(Subscription).findOneBy({ id: p.stored.id });
      if (!current) throw new Error(`subscription ${p.stored.id} vanished during the import`);
      // A pending status keeps billing the provisioned state; a settled one clears the pending change (src/subscriptions/pending.ts).
      const pa = pendingAware(current, p.fields, observedAt);
      const cs = historyChanges(current, pa.fields);
      const patch: Partial<Subscription> = { ...pa.fields, ...pa.pending, active: cs.active, deletedInPax8: false, contentHash: p.hash, updatedAt: observedAt };
      await tx.repo(Subscription).update({ id: current.id }, patch);
      let changeId: string | null = null;
      if (cs.history.length > 0) {
        const last = await tx.repo(SubscriptionChange).findOne({ where: { subscriptionId: current.id }, order: { effectiveDate: 'DESC' } });
        const eff = effectiveDateOf(pa.fields.pax8UpdatedAt, ctx.now, last?.effectiveDate ?? null, ctx.zone, ctx.today);
        const row = changeRow(tx, ctx, { ...current, ...patch } as Subscription, cs.history, eff, observedAt);
        changes.push(row);
        changeId = row.id;
      }
      if (pa.settled) {
        await settleProvisioningRequests(tx, { subscriptionId: current.id, quantity: pa.fields.quantity, status: pa.fields.status, changeId }, observedAt);
        await settleProvisioningOperations(tx, { subscriptionId: current.id, changeId }, observedAt);
      }
      const outcome: Outcome = current.active && !cs.active ? 'deactivated' : 'updated';
      after.push(() => {
        present++;
        rec.count('subscriptions', outcome);
      });
    }
    await bulkInsert(tx, Subscription, inserts);
    await bulkInsert(tx, SubscriptionChange, changes);
    for (const sub of inserts) {
      const note = await offerInvoiceLine(ctx, tx, sub);
      if (note) after.push(() => rec.note('invoiceLines', note));
    }
    return after;
  };

  // A batch is written while the listing goes on reading the next pages (one batch in flight at a time).
  let inflight: Promise<void> = Promise.resolve();
  const flush = async () => {
    const items = batch;
    batch = [];
    await inflight;
    inflight = ctx.writes.run(() => writeItems(items));
  };
  const writeItems = async (items: Plan[]) => {
    // Looked up here, after the previous batch committed: a subscription listed twice is found the second time.
    const stored = await storedOf(scope, items.map((p) => p.record.id));
    for (const p of items) {
      const old = stored.get(p.record.id);
      p.stored = old;
      p.outcome = !old ? 'created' : old.contentHash === p.hash && !old.deletedInPax8 ? 'unchanged' : 'updated';
    }
    const changed = items.filter((p) => p.outcome !== 'unchanged');
    for (const p of items) {
      if (p.outcome !== 'unchanged') continue;
      present++;
      rec.count('subscriptions', 'unchanged');
    }
    if (ctx.dryRun) {
      for (const p of changed) {
        rec.count('subscriptions', p.outcome);
        rec.plan('subscriptions', p.record.id, p.outcome, p.stored ? changedFieldNames(p) : undefined);
      }
      return;
    }
    await writeBatch(scope, changed, writePlans, (p, err) =>
      rec.error('subscriptions', p.record.id, `could not save subscription ${p.record.id}: ${(err as Error).message}`, p.record));
  };

  const listings: Array<AsyncIterable<Pax8Item<Pax8Subscription>>> = companies.chosen
    ? [...companies.companies.keys()].map((companyId) => ctx.client.subscriptions({ companyId, signal: ctx.signal }))
    : [ctx.client.subscriptions({ signal: ctx.signal })];
  try {
    await readListings();
  } catch (err) {
    await inflight.catch(() => undefined); // let the batch being written finish (or roll back) before the run is recorded
    throw err;
  }
  ctx.progress({ entity: 'subscriptions', done, total: done });
  if (!write) return;
  if (!ctx.dryRun && !listedTwice && present === await notDeletedCount(scope)) return;
  await markDeleted(ctx, companies, seen);

  async function readListings(): Promise<void> {
    for (const listing of listings) {
      for await (const item of listing) {
        checkAborted(ctx);
        if (item.error) {
          const raw = item.error.raw as { id?: unknown } | null;
          const id = raw && typeof raw.id === 'string' ? raw.id : null;
          if (id) {
            if (seen.has(id)) listedTwice = true;
            seen.add(id);
          }
          rec.error(write ? 'subscriptions' : 'products', id, item.error.message, item.error.raw);
          continue;
        }
        const p = await plan(item.record);
        if (p) batch.push(p);
        if (batch.length >= ctx.batchSize) await flush();
        if (++done % 1000 === 0) ctx.progress({ entity: 'subscriptions', done });
        // Records the client thread has already sent arrive without a turn of the event loop, and SQLite's writes
        // never wait for one: without this the usage step (its answers, its next requests) waited for the listing's
        // end on SQLite (100k: 12 s of usage after it, against 0.7 s on MariaDB, whose writes do wait on the server).
        if (done % YIELD_EVERY === 0) await setImmediate();
      }
    }
    await flush();
    await inflight;
  }
}

/** The stored license subscriptions of these Pax8 ids, by Pax8 id (read raw through the unique (tenant, kind, Pax8 id) index). */
async function storedOf(scope: TenantScope, pax8Ids: string[]): Promise<Map<string, Lite>> {
  const rows = await inChunks(pax8Ids, (chunk) => scope.repo(Subscription).query('s')
    .select('s.id', 'id').addSelect('s.pax8Id', 'pax8Id').addSelect('s.contentHash', 'contentHash').addSelect('s.deletedInPax8', 'deletedInPax8')
    .andWhere('s.kind = :kind', { kind: 'license' }).andWhere('s.pax8Id IN (:...ids)', { ids: chunk })
    .getRawMany<Record<string, unknown>>(), LOOKUP);
  const stored = new Map<string, Lite>();
  for (const r of rows) stored.set(String(r.pax8Id), { id: String(r.id), contentHash: String(r.contentHash), deletedInPax8: bool(r.deletedInPax8) });
  return stored;
}

/** A boolean column read raw: 0/1 (number, or string/Buffer on some drivers), or a boolean. */
function bool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (Buffer.isBuffer(v)) return v[0] === 1;
  return Number(v) === 1;
}

/** The stored license subscriptions not marked deleted in Pax8. */
async function notDeletedCount(scope: TenantScope): Promise<number> {
  return scope.repo(Subscription).query('s').andWhere('s.kind = :kind', { kind: 'license' })
    .andWhere('s.deletedInPax8 = :deleted', { deleted: false }).getCount();
}

function changedFieldNames(p: Plan): string[] {
  return p.stored?.deletedInPax8 ? ['deletedInPax8'] : ['content'];
}

/**
 * "Deleted in Pax8" = a license subscription of a company in scope that a complete listing did not
 * return any more (Pax8 answers 404 for deleted subscriptions; cancelled ones are still listed
 * with status Cancelled and go inactive through their status).
 */
async function markDeleted(ctx: ImportContext, companies: CompanyScope, seen: Pax8IdSet): Promise<void> {
  const deactivate = ctx.settings.deactivateDeletedSubscriptions;
  const outcomeOf = (s: Gone): Outcome => (deactivate && s.active && s.activeOverride === null ? 'deactivated' : 'updated');
  // The stored subscriptions are read a page at a time, in primary-key order (the marking below does not move them).
  let after = '';
  for (;;) {
    // Planned on the primary key (see queryByPrimaryKey): through a tenant-prefixed index SQLite re-read and sorted
    // the whole tenant for every page (5 s for 100,000 subscriptions).
    const rows: Array<Record<string, unknown>> = await ctx.scope.repo(Subscription).queryByPrimaryKey('s')
      .select('s.id', 'id').addSelect('s.pax8Id', 'pax8Id').addSelect('s.deletedInPax8', 'deletedInPax8')
      .addSelect('s.pax8CompanyId', 'pax8CompanyId').addSelect('s.active', 'active').addSelect('s.activeOverride', 'activeOverride')
      .andWhere('s.kind = :kind', { kind: 'license' }).andWhere('s.id > :after', { after })
      .orderBy('s.id', 'ASC').limit(PAGE).getRawMany();
    const gone: Gone[] = [];
    for (const r of rows) {
      const pax8Id = String(r.pax8Id);
      if (bool(r.deletedInPax8) || r.pax8CompanyId === null || !companies.companies.has(String(r.pax8CompanyId)) || seen.has(pax8Id)) continue;
      gone.push({ id: String(r.id), pax8Id, active: bool(r.active), activeOverride: r.activeOverride === null ? null : bool(r.activeOverride) });
    }
    await markGone(ctx, gone, outcomeOf);
    if (rows.length < PAGE) return;
    after = String(rows[rows.length - 1]!.id);
  }
}

async function markGone(ctx: ImportContext, gone: Gone[], outcomeOf: (s: Gone) => Outcome): Promise<void> {
  if (ctx.dryRun) {
    for (const s of gone) {
      ctx.rec.count('subscriptions', outcomeOf(s));
      ctx.rec.plan('subscriptions', s.pax8Id, outcomeOf(s), ['deletedInPax8']);
    }
    return;
  }
  for (let i = 0; i < gone.length; i += BATCH) {
    await writeBatch(ctx.scope, gone.slice(i, i + BATCH), async (tx, items) => {
      const now = new Date();
      const after: AfterCommit[] = [];
      for (const s of items) {
        const outcome = outcomeOf(s);
        const patch: Partial<Subscription> = { deletedInPax8: true, updatedAt: now };
        if (outcome === 'deactivated') patch.active = false;
        await tx.repo(Subscription).update({ id: s.id }, patch);
        if (outcome === 'deactivated') {
          const current = (await tx.repo(Subscription).findOneBy({ id: s.id }))!;
          await tx.repo(SubscriptionChange).insert([changeRow(tx, ctx, current, ['active'], ctx.today, now)]);
        }
        after.push(() => ctx.rec.count('subscriptions', outcome));
      }
      return after;
    }, (s, err) => ctx.rec.error('subscriptions', s.pax8Id, `could not mark subscription ${s.pax8Id} deleted: ${(err as Error).message}`, null));
  }
}

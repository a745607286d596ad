import { randomUUID } from 'node:crypto';
import { In, IsNull, LessThanOrEqual, type DataSource } from 'typeorm';
import { addDays, type CalendarDate } from '../billing/dates.js';
import { nextPeriod, periodStartsBetween } from '../billing/periods.js';
import {
  BillingDailyProgress, Invoice, InvoiceCounter, InvoiceLine, RecurringInvoice, RecurringInvoiceAdjustment, Tenant,
} from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { bulkInsert } from '../db/bulk-insert.js';
import { timeOrderedId } from '../db/row-ids.js';
import { RunConflict, isUniqueViolation, withRetry } from '../db/errors.js';
import { runDailyPass, type DailyPassResult } from './daily-pass.js';
import { loadRecurringInvoices } from './loader.js';
import { composeInvoice, lineRow, reviewPolicyOf, type ComposedInvoice } from './compose.js';
import { termsForNewInvoices } from './terms.js';
import {
  UpcomingInvoiceChanged, checkUpcomingLines, composeFromUpcoming, issuableUpcoming, type IssuableUpcoming, type RecurringInvoiceHead,
} from './upcoming.js';
import { tenantToday } from '../common/tenant-date.js';
import { BillingDateError } from './billing-date.js';
import { systemClock, type Clock } from '../common/clock.js';

/** Takes the tenant's next `count` invoice numbers; call inside the transaction that issues them (gapless). Returns the first. */
export async function takeInvoiceNumbers(tx: TenantScope, count: number): Promise<number> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`count must be a positive integer, got ${count}`);
  const quoted = tx.manager.connection.driver.escape('lastNumber');
  const res = await tx.manager
    .createQueryBuilder()
    .update(InvoiceCounter)
    .set({ lastNumber: () => `${quoted} + ${count}` })
    .where('tenantId = :tenantId', { tenantId: tx.tenantId })
    .execute();
  if ((res.affected ?? 0) !== 1) throw new Error('invoice counter missing for tenant');
  const row = await tx.repo(InvoiceCounter).findOneBy({});
  return row!.lastNumber - count + 1;
}

export async function ensureInvoiceCounter(scope: TenantScope): Promise<void> {
  if ((await scope.repo(InvoiceCounter).count()) > 0) return;
  const now = new Date();
  try {
    await scope.repo(InvoiceCounter).insert([{ id: randomUUID(), lastNumber: 0, createdAt: now, updatedAt: now }]);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
}

export interface CreatedInvoice {
  id: string;
  recurringInvoiceId: string;
  customerId: string;
  periodStart: CalendarDate;
  status: 'draft' | 'issued';
  number: number | null;
  currency: string;
  total: string;
  review: string[];
}

export interface InvoiceRunResult {
  date: CalendarDate;
  dailyPass: DailyPassResult;
  created: CreatedInvoice[];
  /** Of `created`, those issued from an upcoming invoice the daily pass had composed (inputs unchanged since). */
  fromUpcoming: number;
  /** Periods another run (or an earlier one) already invoiced. */
  alreadyInvoiced: number;
  failed: { recurringInvoiceId: string; periodStart: CalendarDate; message: string }[];
}

export interface PendingInvoice {
  ri: RecurringInvoiceHead;
  inv: ComposedInvoice & { forwardDated?: boolean };
}

/**
 * Stores composed invoices in one transaction, each whole or not at all: invoice rows (the unique
 * (tenantId, recurringInvoiceId, periodStart) is the claim; one issued from an upcoming invoice takes its id, under
 * which its lines are stored already), their adjustments marked billed, their lines,
 * numbers for those issued, and the recurring invoices' next dates. Throws on a conflict (nothing kept).
 */
async function persistBatch(scope: TenantScope, items: readonly PendingInvoice[]): Promise<CreatedInvoice[]> {
  return scope.transaction(async (tx) => {
    const now = new Date();
    const issuedCount = items.filter((i) => i.inv.review.length === 0).length;
    let nextNumber = issuedCount > 0 ? await takeInvoiceNumbers(tx, issuedCount) : 0;
    const created: CreatedInvoice[] = items.map(({ ri, inv }) => {
      const issued = inv.review.length === 0;
      return {
        id: inv.upcoming?.id ?? timeOrderedId(), recurringInvoiceId: ri.id, customerId: ri.customerId, periodStart: inv.periodStart,
        status: issued ? 'issued' : 'draft', number: issued ? nextNumber++ : null, currency: inv.currency,
        total: inv.total.toString(), review: inv.review,
      };
    });
    const termsOf = await termsForNewInvoices(tx, items.map(({ ri }) => ri.customerId));
    // No spread: a literal that starts with one is built property by property, ~25 µs a row (V8).
    const invoiceRows = items.map(({ ri, inv }, k) => {
      const { dueDate, paymentTermsDays, sellerJson } = termsOf(ri.customerId, inv.date);
      return {
        id: created[k]!.id, recurringInvoiceId: ri.id, customerId: ri.customerId, invoiceDate: inv.date, periodStart: inv.periodStart,
        periodEnd: inv.periodEnd, currency: inv.currency, taxRate: inv.taxRate, status: created[k]!.status, number: created[k]!.number,
        subtotal: inv.subtotal, tax: inv.tax, total: inv.total, reviewJson: JSON.stringify(inv.review), issuedAt: created[k]!.status === 'issued' ? now : null,
        approvedBy: null, forwardDated: inv.forwardDated === true, lateCheckedVersion: -1, dueDate, paymentTermsDays, sellerJson, createdAt: now, updatedAt: now,
      };
    });
    await bulkInsert(tx, Invoice, invoiceRows);
    await claimAdjustments(tx, items.flatMap(({ inv }, k) => inv.adjustmentIds.map((id) => ({ id, invoiceId: created[k]!.id }))), now);
    // An upcoming invoice's lines are stored already, under its id; the composed ones (its adjustments) follow them.
    await checkUpcomingLines(tx, items.flatMap(({ inv }) => (inv.upcoming ? [inv.upcoming] : [])));
    const lineRows = items.flatMap(({ inv }, k) => inv.lines.map((l, i) => lineRow(l, (inv.upcoming?.lineCount ?? 0) + i, now, created[k]!.id)));
    await bulkInsert(tx, InvoiceLine, lineRows);
    // Advance each recurring invoice past the period it was just invoiced for (grouped by period and next start).
    const groups = new Map<string, { periodStart: string; next: string; ids: string[] }>();
    const nextOf = new Map<string, CalendarDate>(); // by schedule and period start: a few for a whole group
    for (const { ri, inv } of items) {
      const at = `${ri.frequency} ${ri.anchorDay} ${ri.anchorMonth} ${inv.periodStart}`;
      let next = nextOf.get(at);
      if (next === undefined) nextOf.set(at, (next = nextPeriod(ri, inv.periodStart).start));
      const key = `${inv.periodStart} ${next}`;
      const g = groups.get(key);
      if (g) g.ids.push(ri.id);
      else groups.set(key, { periodStart: inv.periodStart, next, ids: [ri.id] });
    }
    // By primary key (see updateByPrimaryKey). The unary plus on nextInvoiceDate (a no-op in SQL) likewise keeps
    // SQLite from walking every due recurring invoice through the (tenantId, nextInvoiceDate) index for each group.
    for (const g of groups.values()) {
      for (let i = 0; i < g.ids.length; i += 500) {
        await tx.repo(RecurringInvoice).updateByPrimaryKey({ nextInvoiceDate: g.next, updatedAt: now })
          .andWhere('id IN (:...ids)', { ids: g.ids.slice(i, i + 500) })
          .andWhere('+nextInvoiceDate <= :periodStart', { periodStart: g.periodStart })
          .execute();
      }
    }
    return created;
  });
}

/**
 * Marks pending adjustments billed by their invoices, inside the invoices' transaction: one conditional UPDATE per
 * 400 adjustments (`CASE id WHEN … THEN invoice …` so a group's invoices are claimed together) whose row count must
 * match — an adjustment another run billed first makes it a RunConflict, and the whole transaction rolls back.
 * By primary key (`+tenantId`, see TenantRepository.queryByPrimaryKey): through the tenant index SQLite walked every
 * adjustment of the tenant for each group.
 */
async function claimAdjustments(tx: TenantScope, claims: readonly { id: string; invoiceId: string }[], now: Date): Promise<void> {
  const q = (name: string) => tx.manager.connection.driver.escape(name);
  const metadata = tx.manager.connection.getMetadata(RecurringInvoiceAdjustment);
  const updatedAt = tx.manager.connection.driver.preparePersistentValue(now, metadata.findColumnWithPropertyName('updatedAt')!);
  for (let i = 0; i < claims.length; i += 400) {
    const chunk = claims.slice(i, i + 400);
    const sql = `UPDATE ${q(metadata.tableName)} SET ${q('invoicedInvoiceId')} = CASE ${q('id')} ${chunk.map(() => 'WHEN ? THEN ?').join(' ')} END, `
      + `${q('updatedAt')} = ? WHERE +${q('tenantId')} = ? AND ${q('id')} IN (${chunk.map(() => '?').join(', ')}) AND ${q('invoicedInvoiceId')} IS NULL`;
    const params = [...chunk.flatMap((c) => [c.id, c.invoiceId]), updatedAt, tx.tenantId, ...chunk.map((c) => c.id)];
    const runner = tx.manager.queryRunner;
    if (!runner) throw new Error('claimAdjustments runs inside a transaction');
    const result = await runner.query(sql, params, true) as { affected?: number };
    if ((result.affected ?? 0) !== chunk.length) throw new RunConflict('an adjustment was billed by another run');
  }
}

/** Stores one composed invoice in its own transaction; null when that period is already invoiced. */
export async function persistInvoice(scope: TenantScope, ri: RecurringInvoiceHead, inv: PendingInvoice['inv']): Promise<CreatedInvoice | null> {
  try {
    return (await withRetry(() => persistBatch(scope, [{ ri, inv }])))[0]!;
  } catch (err) {
    if (isUniqueViolation(err) || err instanceof RunConflict) return null;
    throw err;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs the daily pass until the tenant's progress reaches `date`. When another pass holds the days, waits for it
 * (reading only the progress row), and takes over if it makes no progress for 5 s (it may have died, or stopped short of `date`).
 */
async function dailyPassThrough(ds: DataSource, tenantId: string, date: CalendarDate): Promise<{ result: DailyPassResult; lastDate: CalendarDate | null }> {
  const scope = new TenantScope(ds.manager, tenantId);
  const progressDate = async () => (await scope.repo(BillingDailyProgress).findOneBy({}))?.lastDate ?? null;
  let result = await runDailyPass(ds, tenantId, date);
  let last = await progressDate();
  let idleSince = Date.now();
  const giveUpAt = Date.now() + 30 * 60_000;
  while (result.stoppedBecause && (last === null || last < date)) {
    if (Date.now() > giveUpAt) throw new Error(`the daily pass did not reach ${date}`);
    await sleep(250);
    const now = await progressDate();
    if (now !== last) {
      last = now;
      idleSince = Date.now();
    } else if (Date.now() - idleSince > 5_000) {
      const more = await runDailyPass(ds, tenantId, date);
      result = { ...more, days: [...result.days, ...more.days], problems: [...result.problems, ...more.problems] };
      last = await progressDate();
      idleSince = Date.now();
    }
  }
  return { result, lastDate: last };
}

/**
 * The invoice run: catches the daily pass up to the day before `date`, then creates every invoice due on or before `date`,
 * one transaction per invoice, exactly once per recurring invoice and period start (unique constraint), each
 * pending adjustment billed exactly once. Lines needing review hold their invoice as a draft without a number.
 */
export interface RunOptions {
  /**
   * Invoices committed together (default DEFAULT_BATCH_SIZE). Each invoice is still whole or absent; a group that meets a conflict
   * (another run, a duplicate period) is rolled back and redone one invoice per transaction. 1 = one transaction each.
   */
  batchSize?: number;
  /** "Today" (in the tenant's zone) for the checks below; default the system clock. */
  clock?: Clock;
  /**
   * A run dated after today is refused (BillingDateError `future_date`) unless this is set; its invoices dated after
   * today are then marked `forwardDated`, and all are composed afresh (never from an upcoming invoice).
   */
  allowFuture?: boolean;
}

/**
 * 1000 (a slice): each group is one commit, one numbering and one advance of its recurring invoices (SQLite rewrites
 * the same index pages at every commit; MariaDB pays a round trip per statement), and still a write lock of a
 * fraction of a second when the invoices are issued from upcoming ones.
 */
export const DEFAULT_BATCH_SIZE = 1000;

/** Recurring invoices loaded and invoiced at a time. */
const SLICE = 1000;

export async function runInvoices(ds: DataSource, tenantId: string, date: CalendarDate, opts: RunOptions = {}): Promise<InvoiceRunResult> {
  const scope = new TenantScope(ds.manager, tenantId);
  const tenant = await ds.manager.findOneBy(Tenant, { id: tenantId });
  if (!tenant) throw new Error(`tenant ${tenantId} not found`);
  const today = tenantToday(tenant, opts.clock ?? systemClock);
  const forwardDated = date > today;
  if (forwardDated && !opts.allowFuture) {
    throw new BillingDateError(`${date} is after today (${today} in ${tenant.timeZone || 'UTC'}): a run dated in the future bills `
      + 'quantities and usage not known yet; allow it explicitly (CLI --allow-future, API allowFuture: true) to mark its invoices forward-dated', 'future_date');
  }
  // Usage months not over today are billed as "charges so far" and hold their invoice for review (compose.ts).
  const policy = { ...reviewPolicyOf(tenant), today };
  // An invoice dated P bills adjustments of changes up to P − 1: it needs the daily pass through P − 1 (day D itself
  // is the daily pass's own business and bills on the next invoice).
  const { result: dailyPass, lastDate } = await dailyPassThrough(ds, tenantId, addDays(date, -1));
  const ready = lastDate === null ? null : addDays(lastDate, 1) < date ? addDays(lastDate, 1) : date;
  const out: InvoiceRunResult = { date, dailyPass, created: [], fromUpcoming: 0, alreadyInvoiced: 0, failed: [] };
  if (ready === null) return out;
  await ensureInvoiceCounter(scope);

  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? DEFAULT_BATCH_SIZE));
  // Due recurring invoices in slices, so memory stays bounded however many there are.
  const dueIds = (await scope.repo(RecurringInvoice).query('ri').select('ri.id', 'id')
    .andWhere('ri.status = :active', { active: 'active' }).andWhere('ri.nextInvoiceDate <= :ready', { ready })
    .orderBy('ri.id', 'ASC').getRawMany<{ id: string }>()).map((r) => r.id);
  for (let i = 0; i < dueIds.length; i += SLICE) {
    const ids = dueIds.slice(i, i + SLICE);
    const pendingByRi = new Map<string, RecurringInvoiceAdjustment[]>();
    for (let k = 0; k < ids.length; k += 500) {
      const pending = await scope.repo(RecurringInvoiceAdjustment).findBy({
        recurringInvoiceId: In(ids.slice(k, k + 500)), invoicedInvoiceId: IsNull(), periodEnd: LessThanOrEqual(ready),
      });
      for (const a of pending) {
        const list = pendingByRi.get(a.recurringInvoiceId);
        if (list) list.push(a);
        else pendingByRi.set(a.recurringInvoiceId, [a]);
      }
    }
    const pendingOf = (id: string) => pendingByRi.get(id) ?? [];
    // Upcoming invoices whose inputs are unchanged are issued as composed by the daily pass; the rest are read and composed.
    const upcoming = forwardDated ? new Map<string, IssuableUpcoming>() : await issuableUpcoming(scope, ids, ready, policy, new Set(pendingByRi.keys()));
    const loaded = await loadRecurringInvoices(scope, { ids: ids.filter((id) => !upcoming.has(id)) }); // by primary key
    const recompose = async (ri: RecurringInvoiceHead, periodStart: CalendarDate): Promise<PendingInvoice['inv']> => {
      const [l] = await loadRecurringInvoices(scope, { ids: [ri.id] });
      if (!l) throw new Error(`recurring invoice ${ri.id} is no longer active`);
      return { ...composeInvoice(l, periodStart, pendingOf(ri.id), policy), forwardDated: periodStart > today };
    };
    const queues: Queue[] = [
      ...loaded.map((l) => ({
        ri: l.ri, starts: periodStartsBetween(l.ctx.schedule, l.ri.nextInvoiceDate, ready),
        compose: (p: CalendarDate) => Promise.resolve({ ...composeInvoice(l, p, pendingOf(l.ri.id), policy), forwardDated: p > today }),
      })),
      ...[...upcoming.values()].map((u) => ({
        ri: u.ri, starts: [u.upcoming.periodStart],
        compose: (p: CalendarDate) => Promise.resolve(composeFromUpcoming(u, p, pendingOf(u.ri.id))),
      })),
    ].sort((a, b) => (a.ri.id < b.ri.id ? -1 : a.ri.id > b.ri.id ? 1 : 0));
    await invoiceSlice(scope, queues, pendingByRi, batchSize, recompose, out);
  }
  return out;
}

/** A recurring invoice's due period starts, in order, and how to compose the invoice of each. */
interface Queue {
  ri: RecurringInvoiceHead;
  starts: CalendarDate[];
  compose(periodStart: CalendarDate): Promise<PendingInvoice['inv']>;
}

type Recompose = (ri: RecurringInvoiceHead, periodStart: CalendarDate) => Promise<PendingInvoice['inv']>;

/** Stores one invoice in its own transaction; an upcoming invoice replaced meanwhile is composed afresh first. */
async function persistOne(scope: TenantScope, item: PendingInvoice, recompose: Recompose): Promise<CreatedInvoice | null> {
  try {
    return await persistInvoice(scope, item.ri, item.inv);
  } catch (err) {
    if (!(err instanceof UpcomingInvoiceChanged)) throw err;
    item.inv = await recompose(item.ri, item.inv.periodStart);
    return persistInvoice(scope, item.ri, item.inv);
  }
}

/** Composes and stores the due invoices of a slice of recurring invoices, in groups of `batchSize`. */
async function invoiceSlice(
  scope: TenantScope,
  queues: readonly Queue[],
  pendingByRi: ReadonlyMap<string, RecurringInvoiceAdjustment[]>,
  batchSize: number,
  recompose: Recompose,
  out: InvoiceRunResult,
): Promise<void> {
  // Invoices in order per recurring invoice: period k + 1 only after period k is stored.
  for (let round = 0; queues.some((q) => q.starts.length > round); round++) {
    const due = queues.filter((q) => q.starts.length > round);
    for (let i = 0; i < due.length; i += batchSize) {
      const items: PendingInvoice[] = [];
      for (const q of due.slice(i, i + batchSize)) {
        const periodStart = q.starts[round]!;
        try {
          items.push({ ri: q.ri, inv: await q.compose(periodStart) });
        } catch (err) {
          out.failed.push({ recurringInvoiceId: q.ri.id, periodStart, message: (err as Error).message });
          q.starts.length = round; // later periods of this recurring invoice wait for this one
        }
      }
      let created: (CreatedInvoice | null)[];
      try {
        created = items.length === 0 ? [] : items.length === 1 ? [await persistOne(scope, items[0]!, recompose)] : await withRetry(() => persistBatch(scope, items));
      } catch (err) {
        if (!(isUniqueViolation(err) || err instanceof RunConflict || err instanceof UpcomingInvoiceChanged)) throw err;
        // Another run got some of these first, or an upcoming invoice changed: redo them one invoice per transaction.
        created = [];
        for (const it of items) created.push(await persistOne(scope, it, recompose));
      }
      created.forEach((c, k) => {
        const it = items[k]!;
        if (!c) {
          out.alreadyInvoiced++;
          return;
        }
        out.created.push(c);
        if (it.inv.upcoming) out.fromUpcoming++;
        const billed = new Set(it.inv.adjustmentIds);
        for (const a of pendingByRi.get(it.ri.id) ?? []) if (billed.has(a.id)) a.invoicedInvoiceId = c.id;
      });
    }
  }
}

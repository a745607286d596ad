import { timeOrderedId } from '../db/row-ids.js';
import { Decimal } from 'decimal.js';
import { Subscription, SubscriptionChange, UsageLine, UsageMonthlyCharge, UsageSummary } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import type { UsageLine as Pax8UsageLine, UsageSummary as Pax8UsageSummary } from '../pax8/schemas/usage.js';
import { writeBatch } from './batch-writer.js';
import { checkAborted, type ImportContext } from './context.js';
import type { Outcome } from './counts.js';
import { contentHash } from './hash.js';
import { bulkInsert } from '../db/bulk-insert.js';
import { offerInvoiceLine } from './invoice-lines.js';
import { feedPool, pool, type Feed } from './mutex.js';
import { isStopping, readDays } from './usage-read.js';
import { round6 } from './rounding.js';
import type { CompanyScope } from './scope-companies.js';
import { activeFromStatus, historyChanges } from './subscription-state.js';
import type { UsageCarrier } from './subscriptions-import.js';
import { usageDates } from './usage-days.js';
import { chargeMonth, linesTotal, sameLine, toLineFields, type LineFields } from './usage-lines.js';
import { usageOwner } from './usage-rules.js';

/**
 * Usage-carrying subscriptions read at once, and summaries of each (a summary's days are read in parallel; the Pax8
 * client caps the requests in flight). Enough to keep that cap busy while each step waits on the client's thread.
 */
export const CARRIER_CONCURRENCY = 8;
export const SUMMARY_CONCURRENCY = 4;
/** Fetched summaries waiting for their write (back-pressure on the fetchers). */
const MAX_PENDING = 64;
/**
 * Summaries written per transaction (a failed group is written again summary by summary). The writer waits for a
 * full group while fetching goes on: written as they came (one each), the 2,000 summaries of the benchmark cost
 * 2,000 commits, about 10 s of SQLite's time.
 */
const GROUP = 32;

interface Fetched {
  carrier: UsageCarrier;
  summary: Pax8UsageSummary;
  customerId: string | null;
  mappedBy: string | null;
  lines: LineFields[];
}

/**
 * Imports the usage summaries below every usage-carrying subscription: the summary, its charges for
 * the calendar month they belong to (usage_monthly_charges, so a month's final figure survives
 * Pax8's reset on the 1st), its lines by day, and a subscription "<product> (Usage Summary)" with
 * quantity 1, price = current charges and cost = partner total. Ownership follows usageOwner().
 * Summaries are written GROUP to a transaction, each whole or not at all, and only what changed. The carriers come
 * as a feed, filled by the subscription listing while it runs: usage is fetched while the listing's pages are written.
 */
export async function importUsage(ctx: ImportContext, companies: CompanyScope, carriers: Feed<UsageCarrier>): Promise<void> {
  const { rec } = ctx;
  const dates = usageDates(ctx.now, ctx.today);
  const fallbackMonth = ctx.now.toISOString().slice(0, 7);
  const writes = ctx.writes;
  const queue: Fetched[] = [];
  const roomWaiters: Array<() => void> = [];
  let writer: Promise<void> | null = null;
  let fetching = true;
  let done = 0;
  const groupReady = () => queue.length >= GROUP || (!fetching && queue.length > 0);

  const fetchLines = async (summaryId: string): Promise<Pax8UsageLine[] | null> => {
    const perDay = await readDays(ctx, summaryId, dates);
    const lines: Pax8UsageLine[] = [];
    let bad = false;
    perDay.forEach((items, day) => {
      if (items instanceof Error) {
        // One day Pax8 would not answer: an error on the run; the summary stays as stored and the next run reads it again.
        rec.error('usage', summaryId, `usage lines of ${dates[day]}: ${items.message}`, errorPayload(items));
        bad = true;
        return;
      }
      for (const item of items) {
        if (item.error) {
          rec.error('usage', summaryId, `usage line of ${dates[day]}: ${item.error.message}`, item.error.raw);
          bad = true;
        } else lines.push(item.record);
      }
    });
    return bad ? null : lines;
  };

  const handleSummary = async (carrier: UsageCarrier, summary: Pax8UsageSummary): Promise<void> => {
    checkAborted(ctx);
    const owner = usageOwner({
      summaryCompanyId: summary.companyId ?? null, resourceGroup: summary.resourceGroup ?? null,
      subscriptionCompanyId: carrier.pax8CompanyId, ownCompanyId: ctx.settings.ownCompanyPax8Id, includeOwnCompany: ctx.settings.includeOwnCompany,
      customerByCompany: companies.customerByCompany, customerByResourceGroup: companies.customerByResourceGroup,
    });
    if (owner.kind === 'own_company_excluded') {
      rec.count('usage', 'skipped');
      return;
    }
    const raw = await fetchLines(summary.id);
    if (raw === null) return; // errors recorded; the summary stays untouched until its lines read cleanly
    const currency = (summary.currencyCode ?? 'USD').slice(0, 3).toUpperCase();
    const fetched: Fetched = {
      carrier, summary, lines: toLineFields(raw, currency),
      customerId: owner.kind === 'customer' ? owner.customerId : null,
      mappedBy: owner.kind === 'customer' ? owner.mappedBy : null,
    };
    if (owner.kind === 'unmapped') {
      rec.note('unmappedUsage', {
        usageSummaryId: summary.id, subscriptionId: carrier.pax8SubscriptionId, companyId: summary.companyId ?? null,
        resourceGroup: summary.resourceGroup ?? null, reason: owner.reason, productName: carrier.productName, vendorName: summary.vendorName ?? null,
        amount: round6(summary.currentCharges ?? new Decimal(0)).toFixed(), currency,
      });
    }
    // Fetched summaries queue for the writer, which writes them a group per transaction behind the fetches;
    // at most MAX_PENDING wait for the database (back-pressure on the fetchers).
    while (queue.length >= MAX_PENDING) await new Promise<void>((resolve) => roomWaiters.push(resolve));
    queue.push(fetched);
    startWriter();
  };

  const startWriter = () => {
    if (writer || !groupReady()) return;
    writer = (async () => {
      while (groupReady()) {
        const group = queue.splice(0, GROUP);
        for (const wake of roomWaiters.splice(0)) wake();
        await writes.run(() => saveGroup(ctx, group, fallbackMonth));
        done += group.length;
        if (Math.floor(done / 50) !== Math.floor((done - group.length) / 50)) ctx.progress({ entity: 'usage', done });
      }
    })().finally(() => {
      writer = null;
      for (const wake of roomWaiters.splice(0)) wake();
    });
  };

  try {
    await fetchAll();
  } finally {
    // Never leave a write running when the run is recorded (summaries already fetched are complete records: write them).
    fetching = false;
    startWriter();
    while (writer) {
      await (writer as Promise<void>).catch(() => undefined);
      startWriter();
    }
  }
  ctx.progress({ entity: 'usage', done, total: done });

  async function fetchAll(): Promise<void> {
    // A subscription whose summaries cannot be listed, or a summary that cannot be read, is an error on the run and
    // the step goes on with the others; only an abort (or the run's own stop) ends it.
    await feedPool(carriers, CARRIER_CONCURRENCY, async (carrier) => {
      const summaries: Pax8UsageSummary[] = [];
      try {
        for await (const item of ctx.client.usageSummaries(carrier.pax8SubscriptionId, { signal: ctx.signal })) {
          if (item.error) {
            const r = item.error.raw as { id?: unknown } | null;
            rec.error('usage', r && typeof r.id === 'string' ? r.id : null, item.error.message, item.error.raw);
          } else summaries.push(item.record);
        }
      } catch (err) {
        if (isStopping(ctx, err)) throw err;
        rec.error('usage', carrier.pax8SubscriptionId, `usage summaries of subscription ${carrier.pax8SubscriptionId}: ${(err as Error).message}`, errorPayload(err));
        if (summaries.length === 0) return;
      }
      await pool(summaries, SUMMARY_CONCURRENCY, async (s) => {
        try {
          await handleSummary(carrier, s);
        } catch (err) {
          if (isStopping(ctx, err)) throw err;
          rec.error('usage', s.id, `usage summary ${s.id}: ${(err as Error).message}`, errorPayload(err));
        }
      });
    });
  }
}

interface Prepared {
  f: Fetched;
  month: string;
  charges: Decimal;
  partnerTotal: Decimal;
  summaryFields: Omit<UsageSummary, 'id' | 'tenantId' | 'contentHash' | 'createdAt' | 'updatedAt'>;
  subFields: {
    name: string; pax8CompanyId: string | null; customerId: string | null; pax8ProductId: string | null; vendorName: string | null;
    quantity: Decimal; status: string; billingTerm: string; price: Decimal; cost: Decimal; currency: string;
  };
  subHash: string;
  hash: string;
}

/** Pure: the rows a fetched summary should have, and their hashes. */
function prepare(ctx: ImportContext, f: Fetched, fallbackMonth: string): Prepared {
  const s = f.summary;
  const currency = (s.currencyCode ?? 'USD').slice(0, 3).toUpperCase();
  const charges = round6(s.currentCharges ?? new Decimal(0));
  const partnerTotal = round6(s.partnerTotal ?? new Decimal(0));
  const month = chargeMonth(f.lines, fallbackMonth);
  const total = linesTotal(f.lines, month);
  const mismatch = f.lines.length > 0 && !total.eq(charges);
  if (mismatch) ctx.rec.note('linesMismatch', { usageSummaryId: s.id, charges: charges.toFixed(), linesTotal: total.toFixed(), month });

  const summaryFields = {
    pax8Id: s.id, pax8SubscriptionId: f.carrier.pax8SubscriptionId, pax8CompanyId: s.companyId ?? null, pax8ProductId: s.productId ?? null,
    resourceGroup: s.resourceGroup?.slice(0, 255) ?? null, vendorName: s.vendorName?.slice(0, 120) ?? null, customerId: f.customerId,
    mappedBy: f.mappedBy, currentCharges: charges, partnerTotal, currency, isTrial: s.isTrial ?? false, linesMismatch: mismatch,
  };
  const subFields = {
    name: `${f.carrier.productName} (Usage Summary)`.slice(0, 255), pax8CompanyId: s.companyId ?? f.carrier.pax8CompanyId, customerId: f.customerId,
    pax8ProductId: s.productId ?? null, vendorName: s.vendorName?.slice(0, 120) ?? null, quantity: new Decimal(1), status: f.carrier.status.slice(0, 40),
    billingTerm: 'Monthly', price: charges, cost: partnerTotal, currency,
  };
  const subHash = contentHash(subFields);
  // One hash over the summary, its month, its lines and its subscription: an unchanged summary costs no read of its rows.
  const hash = contentHash({ summaryFields, month, lines: f.lines, subHash });
  return { f, month, charges, partnerTotal, summaryFields, subFields, subHash, hash };
}

/** Rows of one summary to write, gathered so that a group's inserts go out as multi-row statements. */
interface Rows {
  summaries: UsageSummary[];
  months: UsageMonthlyCharge[];
  lines: UsageLine[];
  subs: Subscription[];
  changes: SubscriptionChange[];
}

/**
 * Writes a group of fetched summaries: those whose stored content hash matches are unchanged (one
 * read for the whole group); the others are written together in one transaction (summary row, month
 * charges, lines, usage subscription + history). When that transaction fails, each summary is
 * written again in a transaction of its own, so one bad summary costs only itself and every summary
 * is either fully written or untouched.
 */
async function saveGroup(ctx: ImportContext, group: Fetched[], fallbackMonth: string): Promise<void> {
  const { rec, scope } = ctx;
  let prepared: Prepared[];
  let storedByPax8: Map<string, { id: string; contentHash: string }>;
  try {
    prepared = group.map((f) => prepare(ctx, f, fallbackMonth));
    storedByPax8 = await storedSummaries(scope, prepared.map((p) => p.f.summary.id));
  } catch (err) {
    for (const f of group) rec.error('usage', f.summary.id, `could not save usage summary ${f.summary.id}: ${(err as Error).message}`, f.summary);
    return;
  }
  const toWrite: Array<{ p: Prepared; storedId: string | undefined }> = [];
  for (const p of prepared) {
    const stored = storedByPax8.get(p.f.summary.id);
    if (stored && stored.contentHash === p.hash) {
      if (ctx.dryRun) rec.plan('usage', p.f.summary.id, 'unchanged');
      rec.count('usage', 'unchanged');
    } else {
      toWrite.push({ p, storedId: stored?.id });
    }
  }
  if (toWrite.length === 0) return;
  const one = async (tx: TenantScope, items: typeof toWrite): Promise<Array<() => void>> => {
    const rows: Rows = { summaries: [], months: [], lines: [], subs: [], changes: [] };
    const after: Array<() => void> = [];
    const created: Array<{ sub: Subscription }> = [];
    for (const it of items) {
      after.push(await writeSummary(ctx, tx, it.p, it.storedId, rows, created));
    }
    await bulkInsert(tx, UsageSummary, rows.summaries);
    await bulkInsert(tx, UsageMonthlyCharge, rows.months);
    await bulkInsert(tx, UsageLine, rows.lines);
    await bulkInsert(tx, Subscription, rows.subs);
    await bulkInsert(tx, SubscriptionChange, rows.changes);
    for (const c of created) {
      const note = await offerInvoiceLine(ctx, tx, c.sub);
      if (note) after.push(() => rec.note('invoiceLines', note));
    }
    return after;
  };
  const fail = (p: Prepared, err: unknown) =>
    rec.error('usage', p.f.summary.id, `could not save usage summary ${p.f.summary.id}: ${(err as Error).message}`, p.f.summary);
  if (ctx.dryRun) {
    for (const it of toWrite) {
      try {
        for (const a of await one(scope, [it])) a();
      } catch (err) {
        fail(it.p, err);
      }
    }
    return;
  }
  await writeBatch(scope, toWrite, one, (it, err) => fail(it.p, err));
}

/** Stored summaries of the given Pax8 ids: id and content hash only. */
async function storedSummaries(scope: TenantScope, pax8Ids: string[]): Promise<Map<string, { id: string; contentHash: string }>> {
  const out = new Map<string, { id: string; contentHash: string }>();
  if (pax8Ids.length === 0) return out;
  const rows: Array<Record<string, unknown>> = await scope.repo(UsageSummary).query('u')
    .select('u.id', 'id').addSelect('u.pax8Id', 'pax8Id').addSelect('u.contentHash', 'contentHash')
    .andWhere('u.pax8Id IN (:...ids)', { ids: pax8Ids }).getRawMany();
  for (const r of rows) out.set(String(r.pax8Id), { id: String(r.id), contentHash: String(r.contentHash) });
  return out;
}

/**
 * One summary whose content changed (or that is new): updates are made at once on `tx`, inserts are
 * added to `rows` for the group's multi-row statements. In a dry run nothing is written; the outcome
 * is planned. Returns what to count once the transaction commits.
 */
async function writeSummary(
  ctx: ImportContext, tx: TenantScope, p: Prepared, storedId: string | undefined, rows: Rows, created: Array<{ sub: Subscription }>,
): Promise<() => void> {
  const s = p.f.summary;
  const { charges, partnerTotal, month, summaryFields, subFields, subHash, hash } = p;
  const stored = storedId ? await tx.repo(UsageSummary).findOneBy({ id: storedId }) : null;
  const storedMonth = stored ? await tx.repo(UsageMonthlyCharge).findOneBy({ usageSummaryId: stored.id, month }) : null;
  const storedLines = stored
    ? await tx.repo(UsageLine).query('l').andWhere('l.usageSummaryId = :sid', { sid: stored.id })
      .andWhere('l.usageDate >= :from', { from: p.f.lines.length ? minDate(p.f.lines) : '9999-12-31' }).getMany()
    : [];
  const usageSub = stored ? await tx.repo(Subscription).findOneBy({ kind: 'usage_summary', pax8Id: s.id }) : null;

  const storedByKey = new Map(storedLines.map((l) => [`${l.usageDate}|${l.lineKey}`, l]));
  const newLines = p.f.lines.filter((l) => !storedByKey.has(`${l.usageDate}|${l.lineKey}`));
  const changedLines = p.f.lines.filter((l) => {
    const old = storedByKey.get(`${l.usageDate}|${l.lineKey}`);
    return old !== undefined && !sameLine(old as unknown as LineFields, l);
  });
  const monthChanged = !storedMonth || !storedMonth.charges.eq(charges) || !storedMonth.partnerTotal.eq(partnerTotal);
  const summaryChanged = !stored || stored.contentHash !== hash;
  const subChanged = !usageSub || usageSub.contentHash !== subHash;
  const anything = summaryChanged || monthChanged || newLines.length > 0 || changedLines.length > 0 || subChanged;
  const outcome: Outcome = !stored ? 'created' : anything ? 'updated' : 'unchanged';
  const counted = () => ctx.rec.count('usage', outcome);
  if (ctx.dryRun) {
    ctx.rec.plan('usage', s.id, outcome);
    return counted;
  }
  if (!anything) return counted;

  const now = new Date();
  let summaryId = stored?.id;
  if (!stored) {
    summaryId = timeOrderedId();
    rows.summaries.push(tx.repo(UsageSummary).create({ id: summaryId, ...summaryFields, contentHash: hash, createdAt: now, updatedAt: now }));
  } else if (summaryChanged) {
    await tx.repo(UsageSummary).update({ id: stored.id }, { ...summaryFields, contentHash: hash, updatedAt: now });
  }
  if (monthChanged) {
    if (storedMonth) await tx.repo(UsageMonthlyCharge).update({ id: storedMonth.id }, { charges, partnerTotal, updatedAt: now });
    else rows.months.push(tx.repo(UsageMonthlyCharge).create({ id: timeOrderedId(), usageSummaryId: summaryId!, month, charges, partnerTotal, createdAt: now, updatedAt: now }));
  }
  for (const l of newLines) rows.lines.push(tx.repo(UsageLine).create({ id: timeOrderedId(), usageSummaryId: summaryId!, ...l, createdAt: now, updatedAt: now }));
  for (const l of changedLines) {
    const old = storedByKey.get(`${l.usageDate}|${l.lineKey}`)!;
    await tx.repo(UsageLine).update({ id: old.id }, { ...l, updatedAt: now });
  }
  if (subChanged) {
    const active = usageSub?.activeOverride ?? activeFromStatus(subFields.status);
    if (!usageSub) {
      const sub = tx.repo(Subscription).create({
        id: timeOrderedId(), kind: 'usage_summary', pax8Id: s.id, ...subFields, productId: null, active, activeOverride: null,
        commitmentTerm: null, commitmentEndDate: null, startDate: null, endDate: null, usageSummaryId: summaryId!, deletedInPax8: false,
        contentHash: subHash, pax8UpdatedAt: null, createdAt: now, updatedAt: now,
      });
      rows.subs.push(sub);
      rows.changes.push(changeOf(tx, ctx, sub, ['created'], now));
      created.push({ sub });
    } else {
      const cs = historyChanges(usageSub, subFields);
      await tx.repo(Subscription).update({ id: usageSub.id }, { ...subFields, active: cs.active, contentHash: subHash, updatedAt: now });
      if (cs.history.length > 0) {
        rows.changes.push(changeOf(tx, ctx, { ...usageSub, ...subFields, active: cs.active } as Subscription, cs.history, now));
      }
    }
  }
  return counted;
}

function changeOf(tx: TenantScope, ctx: ImportContext, sub: Subscription, fields: string[], now: Date): SubscriptionChange {
  return tx.repo(SubscriptionChange).create({
    id: timeOrderedId(), subscriptionId: sub.id, effectiveDate: ctx.today, observedAt: now, fields: fields.join(','), quantity: sub.quantity,
    status: sub.status, active: sub.active, price: sub.price, cost: sub.cost, source: 'import', importRunId: ctx.rec.id, initiatedBy: null,
    createdAt: now, updatedAt: now,
  });
}

/** What an import error row keeps of a failed read: Pax8's endpoint, status and error body (never credentials). */
function errorPayload(err: unknown): unknown {
  const e = err as { kind?: unknown; endpoint?: unknown; status?: unknown; body?: unknown };
  return { kind: e.kind ?? null, endpoint: e.endpoint ?? null, status: e.status ?? null, body: e.body ?? null };
}

function minDate(lines: LineFields[]): string {
  let m = '9999-12-31';
  for (const l of lines) if (l.usageDate < m) m = l.usageDate;
  return m;
}

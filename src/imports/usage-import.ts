import { timeOrderedId } from '../db/row-ids.js';
import { Decimal } from 'decimal.js';
import { Subscription, SubscriptionChange, UsageLine, UsageMonthlyCharge, UsageSummary } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import type { UsageLine as Pax8UsageLine, UsageSummary as Pax8UsageSummary } from '../pax8/schemas/usage.js';
import { writeBatch } from './batch-writer.js';
import { checkAborted, type ImportContext } from './context.js';
import type { Outcome } from './counts.js';
import { contentHash } from '../common/content-hash.js';
import { bulkInsert } from '../db/bulk-insert.js';
import { offerInvoiceLine } from './invoice-lines.js';
import { feedPool, pool, type Feed } from './mutex.js';
import { isStopping, readDays } from './usage-read.js';
import { round6 } from '../common/rounding.js';
import type { CompanyScope } from './scope-companies.js';
import { activeFromStatus, historyChanges } from '../subscriptions/state.js';
import type { UsageCarrier } from './subscriptions-import.js';
import { planUsageDays, usageToday, type StoredUsageState, type UsagePlan, type UsagePlanSettings } from './usage-plan.js';
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
  /** Which days were read (plan.days), and the lines Pax8 answered for them. */
  plan: UsagePlan;
  lines: LineFields[];
}

/** What is stored of a summary: its row's id, hash, flag and what its last clean import read. */
interface StoredSummary extends StoredUsageState {
  id: string;
  contentHash: string;
  linesMismatch: boolean;
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
  const today = usageToday(ctx.now, ctx.today);
  const planSettings: UsagePlanSettings = {
    revisionDays: ctx.settings.usageRevisionDays, monthCloseDays: ctx.settings.usageMonthCloseDays, fullRefreshDays: ctx.settings.usageFullRefreshDays,
  };
  const fallbackMonth = ctx.now.toISOString().slice(0, 7);
  const writes = ctx.writes;
  // What each stored summary's last import read decides which of its days are asked for (usage-plan.ts).
  const known = await writes.run(() => storedSummaries(ctx.scope));
  const reads = { reasons: {} as Record<string, number>, days: 0 };
  rec.details.usageReads = reads;
  const queue: Fetched[] = [];
  const roomWaiters: Array<() => void> = [];
  let writer: Promise<void> | null = null;
  let fetching = true;
  let done = 0;
  const groupReady = () => queue.length >= GROUP || (!fetching && queue.length > 0);

  const fetchLines = async (summaryId: string, dates: string[]): Promise<Pax8UsageLine[] | null> => {
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
    const plan = planUsageDays({
      today, stored: known.get(summary.id) ?? null, charges: round6(summary.currentCharges ?? new Decimal(0)),
      partnerTotal: round6(summary.partnerTotal ?? new Decimal(0)), full: ctx.fullUsage, settings: planSettings,
    });
    reads.reasons[plan.reason] = (reads.reasons[plan.reason] ?? 0) + 1;
    reads.days += plan.days.length;
    const raw = plan.days.length > 0 ? await fetchLines(summary.id, plan.days) : [];
    if (raw === null) return; // errors recorded; the summary stays untouched until its lines read cleanly
    const currency = (summary.currencyCode ?? 'USD').slice(0, 3).toUpperCase();
    const fetched: Fetched = {
      carrier, summary, plan, lines: toLineFields(raw, currency),
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
  charges: Decimal;
  partnerTotal: Decimal;
  summaryFields: Omit<UsageSummary, 'id' | 'tenantId' | 'contentHash' | 'createdAt' | 'updatedAt' | 'linesMismatch' | 'linesFinalThrough' | 'lastFullRead' | 'closedMonth'>;
  subFields: {
    name: string; pax8CompanyId: string | null; customerId: string | null; pax8ProductId: string | null; vendorName: string | null;
    quantity: Decimal; status: string; billingTerm: string; price: Decimal; cost: Decimal; currency: string;
  };
  subHash: string;
}

/** Pure: the rows a fetched summary should have (its lines and month are settled against the stored ones when written). */
function prepare(f: Fetched): Prepared {
  const s = f.summary;
  const currency = (s.currencyCode ?? 'USD').slice(0, 3).toUpperCase();
  const charges = round6(s.currentCharges ?? new Decimal(0));
  const partnerTotal = round6(s.partnerTotal ?? new Decimal(0));
  const summaryFields = {
    pax8Id: s.id, pax8SubscriptionId: f.carrier.pax8SubscriptionId, pax8CompanyId: s.companyId ?? null, pax8ProductId: s.productId ?? null,
    resourceGroup: s.resourceGroup?.slice(0, 255) ?? null, vendorName: s.vendorName?.slice(0, 120) ?? null, customerId: f.customerId,
    mappedBy: f.mappedBy, currentCharges: charges, partnerTotal, currency, isTrial: s.isTrial ?? false,
  };
  const subFields = {
    name: `${f.carrier.productName} (Usage Summary)`.slice(0, 255), pax8CompanyId: s.companyId ?? f.carrier.pax8CompanyId, customerId: f.customerId,
    pax8ProductId: s.productId ?? null, vendorName: s.vendorName?.slice(0, 120) ?? null, quantity: new Decimal(1), status: f.carrier.status.slice(0, 40),
    billingTerm: 'Monthly', price: charges, cost: partnerTotal, currency,
  };
  return { f, charges, partnerTotal, summaryFields, subFields, subHash: contentHash(subFields) };
}

/** The summary row's hash: its fields, its lines-mismatch flag and its usage subscription (not its lines, read a few days at a time). */
function summaryHash(p: Prepared, linesMismatch: boolean): string {
  return contentHash({ summaryFields: p.summaryFields, linesMismatch, subHash: p.subHash });
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
  let storedByPax8: Map<string, StoredSummary>;
  try {
    prepared = group.map((f) => prepare(f));
    storedByPax8 = await storedSummaries(scope, prepared.map((p) => p.f.summary.id));
  } catch (err) {
    for (const f of group) rec.error('usage', f.summary.id, `could not save usage summary ${f.summary.id}: ${(err as Error).message}`, f.summary);
    return;
  }
  const toWrite: Array<{ p: Prepared; stored: StoredSummary | undefined }> = [];
  for (const p of prepared) {
    const stored = storedByPax8.get(p.f.summary.id);
    // A summary whose lines were not read and whose fields are as stored costs no further read.
    if (stored && p.f.plan.days.length === 0 && stored.contentHash === summaryHash(p, stored.linesMismatch)) {
      if (ctx.dryRun) rec.plan('usage', p.f.summary.id, 'unchanged');
      rec.count('usage', 'unchanged');
    } else {
      toWrite.push({ p, stored });
    }
  }
  if (toWrite.length === 0) return;
  const one = async (tx: TenantScope, items: typeof toWrite): Promise<Array<() => void>> => {
    const rows: Rows = { summaries: [], months: [], lines: [], subs: [], changes: [] };
    const after: Array<() => void> = [];
    const created: Array<{ sub: Subscription }> = [];
    for (const it of items) {
      after.push(await writeSummary(ctx, tx, it.p, it.stored, fallbackMonth, rows, created));
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

/** Stored summaries (of the given Pax8 ids, or all of the tenant's): what saving and planning a read compare against. */
async function storedSummaries(scope: TenantScope, pax8Ids?: string[]): Promise<Map<string, StoredSummary>> {
  const out = new Map<string, StoredSummary>();
  if (pax8Ids?.length === 0) return out;
  const q = scope.repo(UsageSummary).query('u')
    .select('u.id', 'id').addSelect('u.pax8Id', 'pax8Id').addSelect('u.contentHash', 'contentHash').addSelect('u.linesMismatch', 'linesMismatch')
    .addSelect('u.currentCharges', 'currentCharges').addSelect('u.partnerTotal', 'partnerTotal').addSelect('u.linesFinalThrough', 'linesFinalThrough')
    .addSelect('u.lastFullRead', 'lastFullRead').addSelect('u.closedMonth', 'closedMonth');
  if (pax8Ids) q.andWhere('u.pax8Id IN (:...ids)', { ids: pax8Ids });
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  for (const r of await q.getRawMany<Record<string, unknown>>()) {
    out.set(String(r.pax8Id), {
      id: String(r.id), contentHash: String(r.contentHash), linesMismatch: r.linesMismatch === true || Number(r.linesMismatch) === 1,
      currentCharges: new Decimal(String(r.currentCharges)), partnerTotal: new Decimal(String(r.partnerTotal)),
      finalThrough: text(r.linesFinalThrough), lastFullRead: text(r.lastFullRead), closedMonth: text(r.closedMonth),
    });
  }
  return out;
}

/**
 * One summary that was read (or whose fields changed, or that is new): updates are made at once on `tx`, inserts are
 * added to `rows` for the group's multi-row statements. The days read replace the stored lines of those days; the
 * charges' month and the lines-mismatch check see the stored lines of the open months' other days, as a read of every
 * day would. In a dry run nothing is written; the outcome is planned. Returns what to count once the transaction commits.
 */
async function writeSummary(
  ctx: ImportContext, tx: TenantScope, p: Prepared, stored: StoredSummary | undefined, fallbackMonth: string, rows: Rows,
  created: Array<{ sub: Subscription }>,
): Promise<() => void> {
  const s = p.f.summary;
  const { plan } = p.f;
  const { charges, partnerTotal, summaryFields, subFields, subHash } = p;
  const read = plan.days.length > 0;
  let linesMismatch = stored?.linesMismatch ?? false;
  let month: string | null = null;
  let storedMonth: UsageMonthlyCharge | null = null;
  let newLines: LineFields[] = [];
  let changedLines: Array<{ old: UsageLine; line: LineFields }> = [];
  let mismatch: { usageSummaryId: string; charges: string; linesTotal: string; month: string } | null = null;
  if (read) {
    const loadFrom = plan.days[0]! < plan.openFrom ? plan.days[0]! : plan.openFrom;
    const storedLines = stored
      ? await tx.repo(UsageLine).query('l').andWhere('l.usageSummaryId = :sid', { sid: stored.id }).andWhere('l.usageDate >= :from', { from: loadFrom }).getMany()
      : [];
    const readDays = new Set(plan.days);
    const current = [...storedLines.filter((l) => !readDays.has(l.usageDate)), ...p.f.lines]
      .filter((l) => l.usageDate >= plan.openFrom);
    month = chargeMonth(current, fallbackMonth);
    const total = linesTotal(current, month);
    linesMismatch = current.length > 0 && !total.eq(charges);
    if (linesMismatch) mismatch = { usageSummaryId: s.id, charges: charges.toFixed(), linesTotal: total.toFixed(), month };
    storedMonth = stored ? await tx.repo(UsageMonthlyCharge).findOneBy({ usageSummaryId: stored.id, month }) : null;
    const storedByKey = new Map(storedLines.map((l) => [`${l.usageDate}|${l.lineKey}`, l]));
    newLines = p.f.lines.filter((l) => !storedByKey.has(`${l.usageDate}|${l.lineKey}`));
    changedLines = p.f.lines.flatMap((line) => {
      const old = storedByKey.get(`${line.usageDate}|${line.lineKey}`);
      return old !== undefined && !sameLine(old, line) ? [{ old, line }] : [];
    });
  }
  const hash = summaryHash(p, linesMismatch);
  const state = read ? plan.next : { finalThrough: stored?.finalThrough ?? null, lastFullRead: stored?.lastFullRead ?? null, closedMonth: stored?.closedMonth ?? null };
  const usageSub = stored ? await tx.repo(Subscription).findOneBy({ kind: 'usage_summary', pax8Id: s.id }) : null;

  const monthChanged = month !== null && (!storedMonth || !storedMonth.charges.eq(charges) || !storedMonth.partnerTotal.eq(partnerTotal));
  const summaryChanged = !stored || stored.contentHash !== hash;
  const stateChanged = !stored || stored.finalThrough !== state.finalThrough || stored.lastFullRead !== state.lastFullRead || stored.closedMonth !== state.closedMonth;
  const subChanged = !usageSub || usageSub.contentHash !== subHash;
  const anything = summaryChanged || monthChanged || newLines.length > 0 || changedLines.length > 0 || subChanged;
  const outcome: Outcome = !stored ? 'created' : anything ? 'updated' : 'unchanged';
  const counted = () => {
    ctx.rec.count('usage', outcome);
    if (mismatch) ctx.rec.note('linesMismatch', mismatch);
  };
  if (ctx.dryRun) {
    ctx.rec.plan('usage', s.id, outcome);
    return counted;
  }
  if (!anything && !stateChanged) return counted;

  const now = new Date();
  const readState = { linesFinalThrough: state.finalThrough, lastFullRead: state.lastFullRead, closedMonth: state.closedMonth };
  let summaryId = stored?.id;
  if (!stored) {
    summaryId = timeOrderedId();
    rows.summaries.push(tx.repo(UsageSummary).create({
      id: summaryId, ...summaryFields, linesMismatch, ...readState, contentHash: hash, createdAt: now, updatedAt: now,
    }));
  } else if (summaryChanged || stateChanged) {
    // What was read is recorded with what it changed; a read that changed nothing moves only the read state.
    await tx.repo(UsageSummary).update({ id: stored.id }, summaryChanged
      ? { ...summaryFields, linesMismatch, ...readState, contentHash: hash, updatedAt: now }
      : readState);
  }
  if (monthChanged) {
    if (storedMonth) await tx.repo(UsageMonthlyCharge).update({ id: storedMonth.id }, { charges, partnerTotal, updatedAt: now });
    else rows.months.push(tx.repo(UsageMonthlyCharge).create({ id: timeOrderedId(), usageSummaryId: summaryId!, month: month!, charges, partnerTotal, createdAt: now, updatedAt: now }));
  }
  // Plain rows for bulkInsert (an entity built by the manager per line cost more than its insert).
  for (const l of newLines) rows.lines.push({ id: timeOrderedId(), tenantId: tx.tenantId, usageSummaryId: summaryId!, ...l, createdAt: now, updatedAt: now });
  for (const { old, line } of changedLines) await tx.repo(UsageLine).update({ id: old.id }, { ...line, updatedAt: now });
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

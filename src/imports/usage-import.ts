import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { Subscription, SubscriptionChange, UsageLine, UsageMonthlyCharge, UsageSummary } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import type { UsageLine as Pax8UsageLine, UsageSummary as Pax8UsageSummary } from '../pax8/schemas/usage.js';
import { checkAborted, type ImportContext } from './context.js';
import type { Outcome } from './counts.js';
import { contentHash } from './hash.js';
import { offerInvoiceLine } from './invoice-lines.js';
import { pool } from './mutex.js';
import { round6 } from './rounding.js';
import type { CompanyScope } from './scope-companies.js';
import { activeFromStatus, historyChanges } from './subscription-state.js';
import type { UsageCarrier } from './subscriptions-import.js';
import { usageDates } from './usage-days.js';
import { chargeMonth, linesTotal, sameLine, toLineFields, type LineFields } from './usage-lines.js';
import { usageOwner } from './usage-rules.js';

/** Summaries fetched at once (each fetches its days in parallel; the Pax8 client caps requests in flight). */
const SUMMARY_CONCURRENCY = 4;
/** Fetched summaries waiting for their write (back-pressure on the fetchers). */
const MAX_PENDING = 16;

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
 * Each summary is written in one transaction, and only what changed.
 */
export async function importUsage(ctx: ImportContext, companies: CompanyScope, carriers: UsageCarrier[]): Promise<void> {
  const { rec } = ctx;
  const dates = usageDates(ctx.now);
  const fallbackMonth = ctx.now.toISOString().slice(0, 7);
  const writes = ctx.writes;
  const pending = new Set<Promise<void>>();
  let done = 0;

  const fetchLines = async (summaryId: string): Promise<Pax8UsageLine[] | null> => {
    const perDay = await Promise.all(dates.map(async (date) => {
      const out: Pax8UsageLine[] = [];
      let bad = false;
      for await (const item of ctx.client.usageLines(summaryId, date, { signal: ctx.signal })) {
        if (item.error) {
          rec.error('usage', summaryId, `usage line of ${date}: ${item.error.message}`, item.error.raw);
          bad = true;
        } else out.push(item.record);
      }
      return bad ? null : out;
    }));
    if (perDay.some((d) => d === null)) return null;
    return perDay.flat() as Pax8UsageLine[];
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
        resourceGroup: summary.resourceGroup ?? null, reason: owner.reason,
      });
    }
    // Writes run one at a time behind the fetches; at most MAX_PENDING fetched summaries wait for the database.
    while (pending.size >= MAX_PENDING) await Promise.race(pending);
    const write = writes.run(async () => {
      try {
        const outcome = await saveSummary(ctx, fetched, fallbackMonth);
        rec.count('usage', outcome);
      } catch (err) {
        rec.error('usage', summary.id, `could not save usage summary ${summary.id}: ${(err as Error).message}`, summary);
      }
      if (++done % 50 === 0) ctx.progress({ entity: 'usage', done });
    });
    pending.add(write);
    void write.finally(() => pending.delete(write));
  };

  try {
    await fetchAll();
  } finally {
    await Promise.allSettled(pending); // never leave a write running when the run is recorded
  }
  ctx.progress({ entity: 'usage', done, total: done });

  async function fetchAll(): Promise<void> {
    await pool(carriers, 2, async (carrier) => {
      const summaries: Pax8UsageSummary[] = [];
      for await (const item of ctx.client.usageSummaries(carrier.pax8SubscriptionId, { signal: ctx.signal })) {
        if (item.error) {
          const r = item.error.raw as { id?: unknown } | null;
          rec.error('usage', r && typeof r.id === 'string' ? r.id : null, item.error.message, item.error.raw);
        } else summaries.push(item.record);
      }
      await pool(summaries, SUMMARY_CONCURRENCY, (s) => handleSummary(carrier, s));
    });
    await Promise.all(pending);
  }
}

/** Writes one summary (summary row, month charges, lines, usage subscription + history) in one transaction. */
async function saveSummary(ctx: ImportContext, f: Fetched, fallbackMonth: string): Promise<Outcome> {
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
  // One hash over the summary, its month, its lines and its subscription: an unchanged summary costs one read.
  const hash = contentHash({ summaryFields, month, lines: f.lines, subHash });
  const scope = ctx.scope;
  const stored = await scope.repo(UsageSummary).findOneBy({ pax8Id: s.id });
  if (stored && stored.contentHash === hash) {
    if (ctx.dryRun) ctx.rec.plan('usage', s.id, 'unchanged');
    return 'unchanged';
  }
  const storedMonth = stored ? await scope.repo(UsageMonthlyCharge).findOneBy({ usageSummaryId: stored.id, month }) : null;
  const storedLines = stored
    ? await scope.repo(UsageLine).query('l').andWhere('l.usageSummaryId = :sid', { sid: stored.id })
      .andWhere('l.usageDate >= :from', { from: f.lines.length ? minDate(f.lines) : '9999-12-31' }).getMany()
    : [];
  const usageSub = stored ? await scope.repo(Subscription).findOneBy({ kind: 'usage_summary', pax8Id: s.id }) : null;

  const storedByKey = new Map(storedLines.map((l) => [`${l.usageDate}|${l.lineKey}`, l]));
  const newLines = f.lines.filter((l) => !storedByKey.has(`${l.usageDate}|${l.lineKey}`));
  const changedLines = f.lines.filter((l) => {
    const old = storedByKey.get(`${l.usageDate}|${l.lineKey}`);
    return old !== undefined && !sameLine(old as unknown as LineFields, l);
  });
  const monthChanged = !storedMonth || !storedMonth.charges.eq(charges) || !storedMonth.partnerTotal.eq(partnerTotal);
  const summaryChanged = !stored || stored.contentHash !== hash;
  const subChanged = !usageSub || usageSub.contentHash !== subHash;
  const anything = summaryChanged || monthChanged || newLines.length > 0 || changedLines.length > 0 || subChanged;
  const outcome: Outcome = !stored ? 'created' : anything ? 'updated' : 'unchanged';
  if (ctx.dryRun) {
    ctx.rec.plan('usage', s.id, outcome);
    return outcome;
  }
  if (!anything) return outcome;

  let lineNote: Awaited<ReturnType<typeof offerInvoiceLine>> = null;
  await scope.transaction(async (tx) => {
    const now = new Date();
    let summaryId = stored?.id;
    if (!stored) {
      summaryId = randomUUID();
      await tx.repo(UsageSummary).insert([{ id: summaryId, ...summaryFields, contentHash: hash, createdAt: now, updatedAt: now }]);
    } else if (summaryChanged) {
      await tx.repo(UsageSummary).update({ id: stored.id }, { ...summaryFields, contentHash: hash, updatedAt: now });
    }
    if (monthChanged) {
      if (storedMonth) await tx.repo(UsageMonthlyCharge).update({ id: storedMonth.id }, { charges, partnerTotal, updatedAt: now });
      else await tx.repo(UsageMonthlyCharge).insert([{ id: randomUUID(), usageSummaryId: summaryId!, month, charges, partnerTotal, createdAt: now, updatedAt: now }]);
    }
    const inserts = newLines.map((l) => ({ id: randomUUID(), usageSummaryId: summaryId!, ...l, createdAt: now, updatedAt: now }));
    for (let i = 0; i < inserts.length; i += 200) await tx.repo(UsageLine).insert(inserts.slice(i, i + 200));
    for (const l of changedLines) {
      const old = storedByKey.get(`${l.usageDate}|${l.lineKey}`)!;
      await tx.repo(UsageLine).update({ id: old.id }, { ...l, updatedAt: now });
    }
    if (subChanged) {
      const active = usageSub?.activeOverride ?? activeFromStatus(subFields.status);
      if (!usageSub) {
        const sub = tx.repo(Subscription).create({
          id: randomUUID(), kind: 'usage_summary', pax8Id: s.id, ...subFields, productId: null, active, activeOverride: null,
          commitmentTerm: null, commitmentEndDate: null, startDate: null, endDate: null, usageSummaryId: summaryId!, deletedInPax8: false,
          contentHash: subHash, pax8UpdatedAt: null, createdAt: now, updatedAt: now,
        });
        await tx.repo(Subscription).insert([sub]);
        await tx.repo(SubscriptionChange).insert([changeOf(tx, ctx, sub, ['created'], now)]);
        lineNote = await offerInvoiceLine(ctx, tx, sub);
      } else {
        const cs = historyChanges(usageSub, subFields);
        await tx.repo(Subscription).update({ id: usageSub.id }, { ...subFields, active: cs.active, contentHash: subHash, updatedAt: now });
        if (cs.history.length > 0) {
          await tx.repo(SubscriptionChange).insert([changeOf(tx, ctx, { ...usageSub, ...subFields, active: cs.active } as Subscription, cs.history, now)]);
        }
      }
    }
  });
  if (lineNote) ctx.rec.note('invoiceLines', lineNote);
  return outcome;
}

function changeOf(tx: TenantScope, ctx: ImportContext, sub: Subscription, fields: string[], now: Date): SubscriptionChange {
  return tx.repo(SubscriptionChange).create({
    id: randomUUID(), subscriptionId: sub.id, effectiveDate: ctx.today, observedAt: now, fields: fields.join(','), quantity: sub.quantity,
    status: sub.status, active: sub.active, price: sub.price, cost: sub.cost, source: 'import', importRunId: ctx.rec.id, initiatedBy: null,
    createdAt: now, updatedAt: now,
  });
}

function minDate(lines: LineFields[]): string {
  let m = '9999-12-31';
  for (const l of lines) if (l.usageDate < m) m = l.usageDate;
  return m;
}

import { randomUUID } from 'node:crypto';
import type { Decimal } from 'decimal.js';
import { In, IsNull, LessThanOrEqual, type DataSource } from 'typeorm';
import { addDays, type CalendarDate } from '../billing/dates.js';
import { dec, sum } from '../billing/decimal.js';
import { buildInvoice } from '../billing/invoice.js';
import { lineTax, roundMoney, type Exact } from '../billing/money.js';
import { nextPeriod, periodStartsBetween } from '../billing/periods.js';
import {
  BillingDailyProgress, Invoice, InvoiceCounter, InvoiceLine, RecurringInvoice, RecurringInvoiceAdjustment, Tenant,
} from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { tenantSettings } from '../tenants/service.js';
import { RunConflict, isUniqueViolation, withRetry } from './db-errors.js';
import { runDailyPass, type DailyPassResult } from './daily-pass.js';
import { loadRecurringInvoices, type LoadedRecurringInvoice } from './loader.js';
import { describeProrata } from './words.js';

export interface ComposedLine {
  recurringInvoiceLineId: string | null;
  adjustmentId: string | null;
  kind: string;
  description: string;
  from: CalendarDate;
  to: CalendarDate;
  quantity: Decimal;
  unitPrice: Decimal;
  amount: Decimal;
  tax: Decimal;
  review: string[];
  provenance: Record<string, unknown>;
}

export interface ComposedInvoice {
  date: CalendarDate;
  periodStart: CalendarDate;
  periodEnd: CalendarDate;
  currency: string;
  taxRate: Decimal;
  lines: ComposedLine[];
  subtotal: Decimal;
  tax: Decimal;
  total: Decimal;
  review: string[];
  adjustmentIds: string[];
}

export interface ReviewPolicy {
  /** Tenant setting imports.reviewUsageLines: usage lines hold the invoice for review. */
  reviewUsageLines: boolean;
}

function exactJson(e: Exact): { numerator: string; denominator: number } {
  return { numerator: e.numerator.toString(), denominator: e.denominator };
}

/**
 * The invoice dated `date` for one recurring invoice: the engine's recurring, arrears and usage lines, then the
 * pending pro-rata adjustments billed on it (those of periods ending on or before `date`), by change date.
 * Each amount is rounded once, from its exact value.
 */
export function composeInvoice(
  loaded: LoadedRecurringInvoice,
  date: CalendarDate,
  pending: readonly RecurringInvoiceAdjustment[],
  policy: ReviewPolicy,
): ComposedInvoice {
  const { ri, ctx } = loaded;
  const engine = buildInvoice(ctx, date);
  const rows = new Map(loaded.lines.map((l) => [l.id, l]));
  const userReview = (lineId: string): string[] => (rows.get(lineId)?.reviewRequired ? ['line flagged for review by a user'] : []);

  const main: ComposedLine[] = engine.lines.filter((l) => l.kind !== 'prorata').map((l) => {
    const review = [...l.review, ...userReview(l.line)];
    if (l.kind === 'usage' && policy.reviewUsageLines) review.push('usage line: check the month\'s final charges before issuing');
    return {
      recurringInvoiceLineId: l.line, adjustmentId: null, kind: l.kind, description: rows.get(l.line)?.description ?? l.line,
      from: l.from, to: l.to, quantity: l.quantity, unitPrice: l.unitPrice, amount: l.amount, tax: l.tax, review,
      provenance: { ...l.provenance, exact: exactJson(l.exact) },
    };
  });

  const position = new Map(loaded.lines.map((l) => [l.id, l.position]));
  const due = pending
    .filter((a) => a.recurringInvoiceId === ri.id && a.invoicedInvoiceId === null && a.periodEnd <= date)
    .sort((a, b) => (a.changeDate < b.changeDate ? -1 : a.changeDate > b.changeDate ? 1 : (position.get(a.lineId) ?? 0) - (position.get(b.lineId) ?? 0)));
  const adjustments: ComposedLine[] = due.map((a) => {
    const quantity = dec(a.quantity.toString());
    const unitPrice = dec(a.unitPrice.toString());
    const exact: Exact = { numerator: quantity.mul(unitPrice).mul(a.days), denominator: a.periodDays };
    const amount = roundMoney(exact, ctx.currency);
    const provenance = JSON.parse(a.provenanceJson) as Record<string, unknown> & { review?: string[] };
    const description = rows.get(a.lineId)?.description ?? a.lineId;
    return {
      recurringInvoiceLineId: a.lineId, adjustmentId: a.id, kind: 'prorata',
      description: describeProrata({
        description, rule: a.rule, quantity, quantityBefore: a.quantityBefore.toString(), quantityAfter: a.quantityAfter.toString(),
        unitPrice, currency: ctx.currency, from: a.changeDate, to: a.periodEnd, days: a.days, periodDays: a.periodDays,
      }),
      from: a.changeDate, to: a.periodEnd, quantity, unitPrice, amount, tax: lineTax(amount, ctx.taxRate, ctx.currency),
      review: [...(provenance.review ?? []), ...userReview(a.lineId)],
      provenance: { ...provenance, exact: exactJson(exact), billedPeriod: { start: a.periodStart, end: a.periodEnd } },
    };
  });

  const lines = [...main, ...adjustments];
  const subtotal = sum(lines.map((l) => l.amount));
  const tax = sum(lines.map((l) => l.tax));
  return {
    date, periodStart: engine.periodStart, periodEnd: engine.periodEnd, currency: ctx.currency, taxRate: ctx.taxRate,
    lines, subtotal, tax, total: subtotal.add(tax),
    review: [...new Set(lines.flatMap((l) => l.review.map((r) => `${l.description.split(':')[0]}: ${r}`)))],
    adjustmentIds: due.map((a) => a.id),
  };
}

/** Takes the tenant's next invoice number; call inside the transaction that issues the invoice (gapless). */
export async function takeInvoiceNumber(tx: TenantScope): Promise<number> {
  const quoted = tx.manager.connection.driver.escape('lastNumber');
  const res = await tx.manager
    .createQueryBuilder()
    .update(InvoiceCounter)
    .set({ lastNumber: () => `${quoted} + 1` })
    .where('tenantId = :tenantId', { tenantId: tx.tenantId })
    .execute();
  if ((res.affected ?? 0) !== 1) throw new Error('invoice counter missing for tenant');
  const row = await tx.repo(InvoiceCounter).findOneBy({});
  return row!.lastNumber;
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
  /** Periods another run (or an earlier one) already invoiced. */
  alreadyInvoiced: number;
  failed: { recurringInvoiceId: string; periodStart: CalendarDate; message: string }[];
}

/** Stores one composed invoice in one transaction; null when that period is already invoiced. */
export async function persistInvoice(scope: TenantScope, ri: RecurringInvoice, inv: ComposedInvoice): Promise<CreatedInvoice | null> {
  const id = randomUUID();
  const status: 'draft' | 'issued' = inv.review.length > 0 ? 'draft' : 'issued';
  try {
    return await scope.transaction(async (tx) => {
      const now = new Date();
      // The unique (tenantId, recurringInvoiceId, periodStart) makes this the claim: a second run fails here.
      await tx.repo(Invoice).insert([{
        id, recurringInvoiceId: ri.id, customerId: ri.customerId, invoiceDate: inv.date, periodStart: inv.periodStart,
        periodEnd: inv.periodEnd, currency: inv.currency, taxRate: inv.taxRate, status, number: null, subtotal: inv.subtotal,
        tax: inv.tax, total: inv.total, reviewJson: JSON.stringify(inv.review), issuedAt: null, approvedBy: null, createdAt: now, updatedAt: now,
      }]);
      if (inv.adjustmentIds.length > 0) {
        const claimed = await tx.repo(RecurringInvoiceAdjustment).update(
          { id: In(inv.adjustmentIds), invoicedInvoiceId: IsNull() },
          { invoicedInvoiceId: id, updatedAt: now },
        );
        if (claimed !== inv.adjustmentIds.length) throw new RunConflict('an adjustment was billed by another run');
      }
      await tx.repo(InvoiceLine).insert(inv.lines.map((l, position) => ({
        id: randomUUID(), invoiceId: id, position, recurringInvoiceLineId: l.recurringInvoiceLineId, adjustmentId: l.adjustmentId,
        kind: l.kind, description: l.description.slice(0, 255), fromDate: l.from, toDate: l.to, quantity: l.quantity,
        unitPrice: l.unitPrice, amount: l.amount, tax: l.tax, reviewJson: JSON.stringify(l.review),
        provenanceJson: JSON.stringify(l.provenance), createdAt: now, updatedAt: now,
      })));
      let number: number | null = null;
      if (status === 'issued') {
        number = await takeInvoiceNumber(tx);
        await tx.repo(Invoice).update({ id }, { number, issuedAt: now });
      }
      const next = nextPeriod({ frequency: ri.frequency, anchorDay: ri.anchorDay, anchorMonth: ri.anchorMonth }, inv.periodStart).start;
      await tx.repo(RecurringInvoice).update({ id: ri.id, nextInvoiceDate: LessThanOrEqual(inv.periodStart) }, { nextInvoiceDate: next, updatedAt: now });
      return {
        id, recurringInvoiceId: ri.id, customerId: ri.customerId, periodStart: inv.periodStart, status, number,
        currency: inv.currency, total: inv.total.toString(), review: inv.review,
      };
    });
  } catch (err) {
    if (isUniqueViolation(err) || err instanceof RunConflict) return null;
    throw err;
  }
}

/** Runs the daily pass until the tenant's progress reaches `date` (another pass may be running). */
async function dailyPassThrough(ds: DataSource, tenantId: string, date: CalendarDate): Promise<{ result: DailyPassResult; lastDate: CalendarDate | null }> {
  const scope = new TenantScope(ds.manager, tenantId);
  let result = await runDailyPass(ds, tenantId, date);
  for (let attempt = 0; attempt < 600; attempt++) {
    const progress = await scope.repo(BillingDailyProgress).findOneBy({});
    if (progress && progress.lastDate >= date) return { result, lastDate: progress.lastDate };
    if (!result.stoppedBecause) return { result, lastDate: progress?.lastDate ?? null };
    await new Promise((r) => setTimeout(r, 100));
    const more = await runDailyPass(ds, tenantId, date);
    result = { ...more, days: [...result.days, ...more.days], problems: [...result.problems, ...more.problems] };
  }
  throw new Error(`the daily pass did not reach ${date}`);
}

/**
 * The invoice run: catches the daily pass up to `date`, then creates every invoice due on or before `date`,
 * one transaction per invoice, exactly once per recurring invoice and period start (unique constraint), each
 * pending adjustment billed exactly once. Lines needing review hold their invoice as a draft without a number.
 */
export async function runInvoices(ds: DataSource, tenantId: string, date: CalendarDate): Promise<InvoiceRunResult> {
  const scope = new TenantScope(ds.manager, tenantId);
  const tenant = await ds.manager.findOneBy(Tenant, { id: tenantId });
  if (!tenant) throw new Error(`tenant ${tenantId} not found`);
  const policy: ReviewPolicy = { reviewUsageLines: tenantSettings(tenant).imports.reviewUsageLines };
  const { result: dailyPass, lastDate } = await dailyPassThrough(ds, tenantId, date);
  // An invoice dated P bills adjustments of changes up to P − 1: it needs the daily pass through P − 1.
  const ready = lastDate === null ? null : addDays(lastDate, 1) < date ? addDays(lastDate, 1) : date;
  const out: InvoiceRunResult = { date, dailyPass, created: [], alreadyInvoiced: 0, failed: [] };
  if (ready === null) return out;
  await ensureInvoiceCounter(scope);

  const loaded = await loadRecurringInvoices(scope, { dueBy: ready });
  if (loaded.length === 0) return out;
  const pending = await scope.repo(RecurringInvoiceAdjustment).findBy({ invoicedInvoiceId: IsNull(), periodEnd: LessThanOrEqual(ready) });
  const pendingByRi = new Map<string, RecurringInvoiceAdjustment[]>();
  for (const a of pending) pendingByRi.set(a.recurringInvoiceId, [...(pendingByRi.get(a.recurringInvoiceId) ?? []), a]);

  for (const l of loaded) {
    for (const periodStart of periodStartsBetween(l.ctx.schedule, l.ri.nextInvoiceDate, ready)) {
      try {
        const composed = composeInvoice(l, periodStart, pendingByRi.get(l.ri.id) ?? [], policy);
        const created = await withRetry(() => persistInvoice(scope, l.ri, composed));
        if (created) {
          out.created.push(created);
          for (const a of pendingByRi.get(l.ri.id) ?? []) if (composed.adjustmentIds.includes(a.id)) a.invoicedInvoiceId = created.id;
        } else out.alreadyInvoiced++;
      } catch (err) {
        out.failed.push({ recurringInvoiceId: l.ri.id, periodStart, message: (err as Error).message });
        break;
      }
    }
  }
  return out;
}

import { In } from 'typeorm';
import type { CalendarDate } from '../billing/dates.js';
import { dec, sum } from '../billing/decimal.js';
import { periodStartsBetween } from '../billing/periods.js';
import { InvoiceLine, type RecurringInvoice, type RecurringInvoiceAdjustment, UpcomingInvoice } from '../db/entities/index.js';
import { bulkInsert } from '../db/bulk-insert.js';
import { timeOrderedId } from '../db/row-ids.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { isUniqueViolation, withRetry } from '../db/errors.js';
import {
  composeAdjustmentLines, composeMainLines, invoiceReview, lineInfoOf, lineRow, type ComposedInvoice, type LineInfo, type ReviewPolicy,
} from './compose.js';
import { inChunks, recurringInvoicesByIds, scheduleOf, type LoadedRecurringInvoice } from './loader.js';

/*
 * Upcoming invoices: the daily pass reads every active recurring invoice anyway; from what it read it composes each
 * one's next invoice (recurring, arrears and usage lines, as the run would) and stores it with the version of its
 * inputs (RecurringInvoice.inputsVersion, kept by database triggers). Its lines are written once, where they stay: in
 * invoice_lines, under the id its invoice will have; no invoice row exists for them until the run issues it (every
 * reader of invoice_lines goes through invoices). The invoice run issues an upcoming invoice whose version is still the
 * recurring invoice's by inserting its invoice row, adds the pending adjustments, and composes every other invoice as
 * before. So a run reads and composes only what changed since the last daily pass, and the lines are composed and
 * written once either way.
 */

/** The lines of an upcoming invoice were replaced or removed while a run was issuing it: compose it afresh. */
export class UpcomingInvoiceChanged extends Error {
  override name = 'UpcomingInvoiceChanged';
  constructor() {
    super('an upcoming invoice changed while it was being issued');
  }
}

/** Upcoming invoices written per transaction. */
const GROUP = 250;

export interface PreparedUpcoming {
  /** Composed and stored (new or replaced). */
  prepared: number;
  /** Already stored with the same inputs. */
  unchanged: number;
}

/**
 * Composes and stores the next invoice of each loaded recurring invoice due by `dueBy` (the daily pass passes the next
 * day: an invoice is prepared on the eve of its date, once its inputs are as complete as they will be before the run)
 * whose stored upcoming invoice is missing, for another period, for another review policy or composed at another
 * version of its inputs; removes those of recurring invoices no longer loaded (not active). Each is stored with the
 * inputsVersion loaded with its recurring invoice. The loader reads that row before the rows the version counts, so a
 * change committed in between leaves the stored version behind the inputs and the run composes afresh: a stored
 * version never claims inputs the lines were not composed from. A recurring invoice whose next invoice cannot be
 * composed gets none (the run reports the reason).
 */
export async function prepareUpcomingInvoices(
  scope: TenantScope,
  loaded: readonly LoadedRecurringInvoice[],
  dueBy: CalendarDate,
  policy: ReviewPolicy,
  /** Active recurring invoices the pass left out as quiet (not due): their stored upcoming invoices stay. */
  skipped: readonly string[] = [],
): Promise<PreparedUpcoming> {
  const stored = await scope.repo(UpcomingInvoice).query('u')
    .select(['u.id', 'u.recurringInvoiceId', 'u.periodStart', 'u.inputsVersion', 'u.reviewUsageLines']).getMany();
  const byRi = new Map(stored.map((u) => [u.recurringInvoiceId, u]));
  const kept = new Set<string>();
  const stale: LoadedRecurringInvoice[] = [];
  for (const l of loaded) {
    if (l.ri.nextInvoiceDate > dueBy) continue;
    const u = byRi.get(l.ri.id);
    if (u && isCurrent(u, l.ri, policy)) kept.add(u.id);
    else stale.push(l);
  }
  let prepared = 0;
  for (let i = 0; i < stale.length; i += GROUP) {
    const now = new Date();
    const heads: UpcomingInvoice[] = [];
    const lines: Partial<InvoiceLine>[] = [];
    for (const l of stale.slice(i, i + GROUP)) {
      let main: ReturnType<typeof composeMainLines>;
      try {
        main = composeMainLines(l, l.ri.nextInvoiceDate, policy);
      } catch {
        continue; // the run composes it itself and reports why it cannot be invoiced
      }
      const id = timeOrderedId();
      const subtotal = sum(main.lines.map((x) => x.amount));
      heads.push(scope.repo(UpcomingInvoice).create({
        id, recurringInvoiceId: l.ri.id, periodStart: main.periodStart, periodEnd: main.periodEnd, currency: l.ctx.currency,
        taxRate: l.ctx.taxRate, subtotal, tax: sum(main.lines.map((x) => x.tax)), reviewJson: JSON.stringify(invoiceReview(main.lines)),
        linesJson: JSON.stringify(lineInfoOf(l, l.ri.nextInvoiceDate)), lineCount: main.lines.length, inputsVersion: l.ri.inputsVersion,
        reviewUsageLines: policy.reviewUsageLines, createdAt: now, updatedAt: now,
      }));
      main.lines.forEach((x, position) => lines.push(Object.assign(lineRow(x, position, now), { invoiceId: id })));
    }
    const replaced = stale.slice(i, i + GROUP).flatMap((l) => (byRi.has(l.ri.id) ? [byRi.get(l.ri.id)!.id] : []));
    try {
      await withRetry(() => scope.transaction(async (tx) => {
        await removeUpcoming(tx, replaced);
        await bulkInsert(tx, UpcomingInvoice, heads);
        await bulkInsert(tx, InvoiceLine, lines);
      }));
      prepared += heads.length;
    } catch (err) {
      // A concurrent daily pass stored some of these first; theirs serve as well (the run checks every hash).
      if (!isUniqueViolation(err)) throw err;
    }
  }
  const active = new Set([...loaded.map((l) => l.ri.id), ...skipped]);
  const gone = stored.filter((u) => !active.has(u.recurringInvoiceId)).map((u) => u.id);
  if (gone.length > 0) await withRetry(() => scope.transaction((tx) => removeUpcoming(tx, gone)));
  return { prepared, unchanged: kept.size };
}

/** MariaDB: a locking read (waits for a run issuing the same invoice, and keeps it from starting until we commit). */
function lockingRead(tx: TenantScope): string {
  return tx.manager.connection.options.type === 'better-sqlite3' ? '' : ' LOCK IN SHARE MODE';
}

/**
 * Removes upcoming invoices and the lines of those not issued. The invoices are read with a locking read, so a run
 * issuing one at the same time either has committed it (its lines stay) or waits for this transaction (and then finds
 * its lines gone and composes the invoice afresh).
 */
async function removeUpcoming(tx: TenantScope, ids: readonly string[]): Promise<void> {
  const q = (n: string) => tx.manager.connection.driver.escape(n);
  await inChunks(ids, async (chunk) => {
    const issued = new Set((await tx.manager.query(
      `SELECT ${q('id')} AS id FROM ${q('invoices')} WHERE ${q('tenantId')} = ? AND ${q('id')} IN (${chunk.map(() => '?').join(', ')})${lockingRead(tx)}`,
      [tx.tenantId, ...chunk],
    ) as { id: string }[]).map((r) => r.id));
    const drafts = chunk.filter((id) => !issued.has(id));
    if (drafts.length > 0) await tx.repo(InvoiceLine).delete({ invoiceId: In(drafts) });
    await tx.repo(UpcomingInvoice).delete({ id: In(chunk) });
    return [];
  });
}

/** An upcoming invoice the run may issue, with its recurring invoice. */
export interface IssuableUpcoming {
  ri: RecurringInvoice;
  upcoming: UpcomingInvoice;
  lines: LineInfo[];
}

/** Whether an upcoming invoice is still what composing the recurring invoice's next invoice would give. */
function isCurrent(u: Pick<UpcomingInvoice, 'periodStart' | 'inputsVersion' | 'reviewUsageLines'>, ri: RecurringInvoice, policy: ReviewPolicy): boolean {
  return u.periodStart === ri.nextInvoiceDate && u.inputsVersion === ri.inputsVersion && u.reviewUsageLines === policy.reviewUsageLines;
}

/**
 * Of these due recurring invoices, those whose stored upcoming invoice the run may issue as it is: for the one period
 * due by `ready` (a recurring invoice behind by several periods is composed period by period), for the same review
 * policy, and composed at the recurring invoice's current inputsVersion. Reads no input: the version is on the
 * recurring invoice's row.
 */
export async function issuableUpcoming(
  scope: TenantScope,
  ids: readonly string[],
  ready: CalendarDate,
  policy: ReviewPolicy,
): Promise<Map<string, IssuableUpcoming>> {
  const out = new Map<string, IssuableUpcoming>();
  const stored = await inChunks(ids, (chunk) => scope.repo(UpcomingInvoice).findBy({ recurringInvoiceId: In(chunk) }));
  if (stored.length === 0) return out;
  const ris = new Map((await recurringInvoicesByIds(scope, stored.map((u) => u.recurringInvoiceId), ['active'])).map((r) => [r.id, r]));
  for (const u of stored) {
    const ri = ris.get(u.recurringInvoiceId);
    if (!ri || !isCurrent(u, ri, policy)) continue;
    const due = periodStartsBetween(scheduleOf(ri), ri.nextInvoiceDate, ready);
    if (due.length !== 1 || due[0] !== u.periodStart) continue;
    out.set(u.recurringInvoiceId, { ri, upcoming: u, lines: JSON.parse(u.linesJson) as LineInfo[] });
  }
  return out;
}

/** The invoice dated `date` issued from an upcoming invoice: its stored lines, then the pending adjustments. */
export function composeFromUpcoming(item: IssuableUpcoming, date: CalendarDate, pending: readonly RecurringInvoiceAdjustment[]): ComposedInvoice {
  const { ri, upcoming: u } = item;
  const taxRate = dec(u.taxRate.toString());
  const adjustments = composeAdjustmentLines(ri.id, item.lines, u.currency, taxRate, date, pending);
  const subtotal = sum([dec(u.subtotal.toString()), ...adjustments.lines.map((l) => l.amount)]);
  const tax = sum([dec(u.tax.toString()), ...adjustments.lines.map((l) => l.tax)]);
  return {
    upcoming: { id: u.id, lineCount: u.lineCount },
    date, periodStart: u.periodStart, periodEnd: u.periodEnd, currency: u.currency, taxRate, lines: adjustments.lines,
    subtotal, tax, total: subtotal.add(tax), review: invoiceReview(adjustments.lines, JSON.parse(u.reviewJson) as string[]),
    adjustmentIds: adjustments.adjustmentIds,
  };
}

/**
 * Inside the transaction that inserted the invoices of these upcoming invoices (same ids): checks that each still has
 * its lines (a daily pass may have replaced it meanwhile), with a locking read on MariaDB so that none can be removed
 * before the invoices commit. Throws UpcomingInvoiceChanged otherwise.
 */
export async function checkUpcomingLines(tx: TenantScope, upcoming: readonly { id: string; lineCount: number }[]): Promise<void> {
  const q = (n: string) => tx.manager.connection.driver.escape(n);
  const expected = new Map(upcoming.map((u) => [u.id, u.lineCount]));
  const found = new Map<string, number>();
  await inChunks([...expected.keys()], async (chunk) => {
    const rows = await tx.manager.query(
      `SELECT ${q('invoiceId')} AS id FROM ${q('invoice_lines')} `
        + `WHERE ${q('tenantId')} = ? AND ${q('invoiceId')} IN (${chunk.map(() => '?').join(', ')})${lockingRead(tx)}`,
      [tx.tenantId, ...chunk],
    ) as { id: string }[];
    for (const r of rows) found.set(r.id, (found.get(r.id) ?? 0) + 1);
    return [];
  });
  for (const [id, n] of expected) if ((found.get(id) ?? 0) !== n) throw new UpcomingInvoiceChanged();
}

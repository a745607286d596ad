import { In } from 'typeorm';
import type { CalendarDate } from '../billing/dates.js';
import { dec, sum } from '../billing/decimal.js';
import { periodStartsBetween } from '../billing/periods.js';
import type { Decimal } from 'decimal.js';
import { InvoiceLine, RecurringInvoice, type RecurringInvoiceAdjustment, UpcomingInvoice } from '../db/entities/index.js';
import { bulkInsert } from '../db/bulk-insert.js';
import { timeOrderedId } from '../db/row-ids.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { isUniqueViolation, withRetry } from '../db/errors.js';
import {
  composeAdjustmentLines, composeMainLines, invoiceReview, lineInfoOf, lineRow, type ComposedInvoice, type LineInfo, type ReviewPolicy,
} from './compose.js';
import { inChunks } from '../db/in-chunks.js';
import { type LoadedRecurringInvoice } from './loader.js';

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
  for (let i = 0; i < stale.length; i += GROUP) prepared += await writeGroup(scope, composeGroup(scope, stale.slice(i, i + GROUP), byRi, policy));
  const active = new Set([...loaded.map((l) => l.ri.id), ...skipped]);
  const gone = stored.filter((u) => !active.has(u.recurringInvoiceId)).map((u) => u.id);
  if (gone.length > 0) await withRetry(() => scope.transaction((tx) => removeUpcoming(tx, gone)));
  return { prepared, unchanged: kept.size };
}

interface ComposedGroup {
  heads: UpcomingInvoice[];
  lines: ReturnType<typeof lineRow>[];
  /** Stored upcoming invoices these replace. */
  replaced: string[];
}

/** Composes the upcoming invoices of a group. */
function composeGroup(
  scope: TenantScope, group: readonly LoadedRecurringInvoice[], byRi: ReadonlyMap<string, Pick<UpcomingInvoice, 'id'>>, policy: ReviewPolicy,
): ComposedGroup {
  const out: ComposedGroup = { heads: [], lines: [], replaced: [] };
  const now = new Date();
  for (const l of group) {
    const u = byRi.get(l.ri.id);
    if (u) out.replaced.push(u.id);
    composeOne(scope, l, policy, now, out);
  }
  return out;
}

function composeOne(scope: TenantScope, l: LoadedRecurringInvoice, policy: ReviewPolicy, now: Date, out: ComposedGroup): void {
  let main: ReturnType<typeof composeMainLines>;
  try {
    main = composeMainLines(l, l.ri.nextInvoiceDate, policy);
  } catch {
    return; // the run composes it itself and reports why it cannot be invoiced
  }
  const id = timeOrderedId();
  const subtotal = sum(main.lines.map((x) => x.amount));
  out.heads.push(scope.repo(UpcomingInvoice).create({
    id, recurringInvoiceId: l.ri.id, periodStart: main.periodStart, periodEnd: main.periodEnd, currency: l.ctx.currency,
    taxRate: l.ctx.taxRate, subtotal, tax: sum(main.lines.map((x) => x.tax)), reviewJson: JSON.stringify(invoiceReview(main.lines)),
    linesJson: JSON.stringify(lineInfoOf(l, l.ri.nextInvoiceDate)), lineCount: main.lines.length, inputsVersion: l.ri.inputsVersion,
    reviewUsageLines: policy.reviewUsageLines, createdAt: now, updatedAt: now,
  }));
  for (let position = 0; position < main.lines.length; position++) out.lines.push(lineRow(main.lines[position]!, position, now, id));
}

/** Writes a composed group in one transaction; 0 when a concurrent daily pass stored some of these first (theirs serve as well). */
async function writeGroup(scope: TenantScope, g: ComposedGroup): Promise<number> {
  try {
    await withRetry(() => scope.transaction(async (tx) => {
      await removeUpcoming(tx, g.replaced);
      await bulkInsert(tx, UpcomingInvoice, g.heads);
      await bulkInsert(tx, InvoiceLine, g.lines as Partial<InvoiceLine>[]);
    }));
    return g.heads.length;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    return 0;
  }
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

/** What the run needs of a recurring invoice it issues an invoice of: its customer and schedule. */
export type RecurringInvoiceHead = Pick<RecurringInvoice, 'id' | 'customerId' | 'frequency' | 'anchorDay' | 'anchorMonth'>;

/** An upcoming invoice the run may issue, with its recurring invoice. */
export interface IssuableUpcoming {
  ri: RecurringInvoiceHead;
  upcoming: {
    id: string; periodStart: CalendarDate; periodEnd: CalendarDate; currency: string; taxRate: Decimal; subtotal: Decimal; tax: Decimal;
    review: string[]; lineCount: number;
  };
  /** The recurring invoice's lines as composed, to describe its adjustments: read only when it has pending ones (null otherwise). */
  lines: LineInfo[] | null;
}

/** Whether an upcoming invoice is still what composing the recurring invoice's next invoice would give. */
function isCurrent(u: Pick<UpcomingInvoice, 'periodStart' | 'inputsVersion' | 'reviewUsageLines'>, ri: Pick<RecurringInvoice, 'nextInvoiceDate' | 'inputsVersion'>, policy: ReviewPolicy): boolean {
  return u.periodStart === ri.nextInvoiceDate && u.inputsVersion === ri.inputsVersion && u.reviewUsageLines === policy.reviewUsageLines;
}

/** What issuableUpcoming reads of an upcoming invoice and its recurring invoice (not the stored lines, `linesJson`). */
const HEAD_COLUMNS = ['u.id', 'u.recurringInvoiceId', 'u.periodStart', 'u.periodEnd', 'u.currency', 'u.taxRate', 'u.subtotal', 'u.tax', 'u.reviewJson',
  'u.lineCount', 'u.inputsVersion', 'u.reviewUsageLines', 'ri.customerId', 'ri.frequency', 'ri.anchorDay', 'ri.anchorMonth', 'ri.nextInvoiceDate'];

/**
 * Of these due recurring invoices, those whose stored upcoming invoice the run may issue as it is: for the one period
 * due by `ready` (a recurring invoice behind by several periods is composed period by period), for the same review
 * policy, and composed at the recurring invoice's current inputsVersion. Reads no input: the version is on the
 * recurring invoice's row, read with the upcoming invoice's head (plain columns, one join); the stored lines
 * (`linesJson`) only of those in `withPending`, the recurring invoices with pending adjustments to describe.
 */
export async function issuableUpcoming(
  scope: TenantScope,
  ids: readonly string[],
  ready: CalendarDate,
  policy: ReviewPolicy,
  withPending: ReadonlySet<string>,
): Promise<Map<string, IssuableUpcoming>> {
  const out = new Map<string, IssuableUpcoming>();
  const rows = await inChunks(ids, (chunk) => {
    // `+ri.tenantId`: the recurring invoice is found by primary key (see TenantRepository.queryByPrimaryKey).
    const qb = scope.repo(UpcomingInvoice).query('u').innerJoin(RecurringInvoice, 'ri', 'ri.id = u.recurringInvoiceId AND +ri.tenantId = u.tenantId')
      .select('ri.inputsVersion', 'riInputsVersion');
    for (const c of HEAD_COLUMNS) qb.addSelect(c, c.slice(c.indexOf('.') + 1));
    return qb.andWhere('u.recurringInvoiceId IN (:...ids)', { ids: chunk }).andWhere('ri.status = :active', { active: 'active' })
      .getRawMany<Record<string, string | number | boolean>>();
  });
  const dueOf = new Map<string, CalendarDate[]>(); // by schedule and next date: a few for a whole run
  for (const r of rows) {
    const ri = {
      id: String(r.recurringInvoiceId), customerId: String(r.customerId), frequency: String(r.frequency) as RecurringInvoice['frequency'],
      anchorDay: Number(r.anchorDay), anchorMonth: Number(r.anchorMonth),
    };
    const nextInvoiceDate = String(r.nextInvoiceDate);
    const periodStart = String(r.periodStart);
    const stored = { periodStart, inputsVersion: Number(r.inputsVersion), reviewUsageLines: Number(r.reviewUsageLines) === 1 };
    if (!isCurrent(stored, { nextInvoiceDate, inputsVersion: Number(r.riInputsVersion) }, policy)) continue;
    const at = `${ri.frequency} ${ri.anchorDay} ${ri.anchorMonth} ${nextInvoiceDate}`;
    let due = dueOf.get(at);
    if (due === undefined) dueOf.set(at, (due = periodStartsBetween(ri, nextInvoiceDate, ready)));
    if (due.length !== 1 || due[0] !== periodStart) continue;
    out.set(ri.id, {
      ri,
      upcoming: {
        id: String(r.id), periodStart, periodEnd: String(r.periodEnd), currency: String(r.currency), taxRate: dec(String(r.taxRate)),
        subtotal: dec(String(r.subtotal)), tax: dec(String(r.tax)), review: JSON.parse(String(r.reviewJson)) as string[], lineCount: Number(r.lineCount),
      },
      lines: null,
    });
  }
  const described = [...out.values()].filter((i) => withPending.has(i.ri.id));
  const linesOf = new Map((await inChunks(described.map((i) => i.upcoming.id), (chunk) => scope.repo(UpcomingInvoice).queryByPrimaryKey('u')
    .select('u.id', 'id').addSelect('u.linesJson', 'linesJson').andWhere('u.id IN (:...ids)', { ids: chunk })
    .getRawMany<{ id: string; linesJson: string }>())).map((r) => [r.id, r.linesJson]));
  for (const i of described) {
    const json = linesOf.get(i.upcoming.id);
    if (json === undefined) out.delete(i.ri.id); // replaced by a daily pass meanwhile: composed afresh
    else i.lines = JSON.parse(json) as LineInfo[];
  }
  return out;
}

/** The invoice dated `date` issued from an upcoming invoice: its stored lines, then the pending adjustments. */
export function composeFromUpcoming(item: IssuableUpcoming, date: CalendarDate, pending: readonly RecurringInvoiceAdjustment[]): ComposedInvoice {
  const { ri, upcoming: u } = item;
  if (pending.length > 0 && item.lines === null) throw new Error(`the lines of upcoming invoice ${u.id} were not read`);
  const adjustments = composeAdjustmentLines(ri.id, item.lines ?? [], u.currency, u.taxRate, date, pending);
  const subtotal = sum([u.subtotal, ...adjustments.lines.map((l) => l.amount)]);
  const tax = sum([u.tax, ...adjustments.lines.map((l) => l.tax)]);
  return {
    upcoming: { id: u.id, lineCount: u.lineCount },
    date, periodStart: u.periodStart, periodEnd: u.periodEnd, currency: u.currency, taxRate: u.taxRate, lines: adjustments.lines,
    subtotal, tax, total: subtotal.add(tax), review: invoiceReview(adjustments.lines, u.review), adjustmentIds: adjustments.adjustmentIds,
  };
}

/**
 * Inside the transaction that inserted the invoices of these upcoming invoices (same ids): checks that each still has
 * its lines (a daily pass may have replaced it meanwhile), counting them with a locking read on MariaDB so that none
 * can be removed before the invoices commit. Throws UpcomingInvoiceChanged otherwise.
 */
export async function checkUpcomingLines(tx: TenantScope, upcoming: readonly { id: string; lineCount: number }[]): Promise<void> {
  const q = (n: string) => tx.manager.connection.driver.escape(n);
  const expected = new Map(upcoming.map((u) => [u.id, u.lineCount]));
  const found = new Map<string, number>();
  await inChunks([...expected.keys()], async (chunk) => {
    const rows = await tx.manager.query(
      `SELECT ${q('invoiceId')} AS id, COUNT(*) AS n FROM ${q('invoice_lines')} `
        + `WHERE ${q('tenantId')} = ? AND ${q('invoiceId')} IN (${chunk.map(() => '?').join(', ')}) GROUP BY ${q('invoiceId')}${lockingRead(tx)}`,
      [tx.tenantId, ...chunk],
    ) as { id: string; n: number | string }[];
    for (const r of rows) found.set(r.id, Number(r.n));
    return [];
  });
  for (const [id, n] of expected) if ((found.get(id) ?? 0) !== n) throw new UpcomingInvoiceChanged();
}

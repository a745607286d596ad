import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { In, IsNull, LessThan, LessThanOrEqual, Or } from 'typeorm';
import { AppError } from '../common/app-error.js';
import { systemClock } from '../common/clock.js';
import { contentHash } from '../common/content-hash.js';
import { AccountingConnection, AccountingPush, Invoice, InvoiceLine, Tenant, type AccountingPushStatus } from '../db/entities/index.js';
import { isUniqueViolation } from '../db/errors.js';
import { TenantScope } from '../db/tenant-scope.js';
import { invoiceNumberText } from '../invoices/queries.js';
import { tenantSettings } from '../tenants/service.js';
import type { AccountingDeps, OpenConnection } from './access.js';
import { AccountingError, ACCOUNTING_VENDORS, type AccountingVendor, type ExternalDocument, type ExternalStatus } from './connector.js';
import { buildDocument } from './document.js';
import { vendorName } from './push-error.js';

/**
 * Pushes issued invoices to the books, each once per vendor. A push row is queued (unique per vendor and invoice, so two
 * processes queueing the same invoice insert one row), then claimed by one worker with a conditional UPDATE (queued →
 * pushing). Before creating, the worker asks the vendor for a document of that number: a worker that died after the
 * vendor created the document but before the id was stored leaves a row `pushing`, taken up again after STALE_PUSHING_MS,
 * and the rerun finds and links that document instead of creating a second. The hash of what was sent decides the rest:
 * unchanged → nothing to do; changed → the vendor's copy is updated while it is draft or open, refused once it is paid
 * (even partly) or voided. Temporary failures (rate limits, the vendor unreachable, a concurrent change) are tried
 * again later, up to MAX_PUSH_ATTEMPTS; a refusal that needs a person (a missing mapping, the vendor's validation, a
 * revoked connection) fails the row with the reason and waits to be pushed again.
 */

export const MAX_PUSH_ATTEMPTS = 5;
export const STALE_PUSHING_MS = 15 * 60_000;
const BATCH = 100;

export type PushQueueOutcome = 'queued' | 'already_queued' | 'not_issued' | 'not_found';

export interface PushQueueResult {
  invoiceId: string;
  outcome: PushQueueOutcome;
  /** In words, for the page and the CLI. */
  message: string;
}

export async function queuePushes(
  scope: TenantScope, vendor: AccountingVendor, invoiceIds: readonly string[], opts: { by: string; now: Date },
): Promise<PushQueueResult[]> {
  const ids = [...new Set(invoiceIds)];
  const invoices = new Map((ids.length ? await scope.repo(Invoice).findBy({ id: In(ids) }) : []).map((i) => [i.id, i]));
  const repo = scope.repo(AccountingPush);
  const out: PushQueueResult[] = [];
  const v = vendorName(vendor);
  for (const invoiceId of ids) {
    const invoice = invoices.get(invoiceId);
    if (!invoice) {
      out.push({ invoiceId, outcome: 'not_found', message: 'invoice not found' });
      continue;
    }
    const number = invoiceNumberText(invoice);
    if (invoice.status !== 'issued') {
      out.push({ invoiceId, outcome: 'not_issued', message: `${number} is a draft: approve it before pushing it to ${v}` });
      continue;
    }
    const queued = { invoiceId, outcome: 'queued' as const, message: `${number} queued for ${v}` };
    const waiting = { invoiceId, outcome: 'already_queued' as const, message: `${number} is already waiting to be pushed to ${v}` };
    const row = await repo.findOneBy({ vendor, invoiceId });
    if (row) {
      if (row.status === 'queued' || row.status === 'pushing') {
        out.push(waiting);
        continue;
      }
      const requeued = await repo.update({ id: row.id, status: row.status }, {
        status: 'queued', attempts: 0, nextAttemptAt: null, queuedBy: opts.by.slice(0, 255), updatedAt: opts.now,
      });
      out.push(requeued === 1 ? queued : waiting);
      continue;
    }
    try {
      await repo.insert([{
        id: randomUUID(), vendor, invoiceId, status: 'queued', externalId: null, externalType: null, externalNumber: null, externalUrl: null,
        contentHash: null, attempts: 0, lastError: null, queuedBy: opts.by.slice(0, 255), nextAttemptAt: null, claimedAt: null, pushedAt: null,
        externalStatus: null, amountPaid: null, amountDue: null, dueDate: null, paymentCheckedAt: null, createdAt: opts.now, updatedAt: opts.now,
      }]);
      out.push(queued);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      out.push(waiting);
    }
  }
  return out;
}

/** The vendors the tenant is connected to (status connected). */
export async function connectedVendors(scope: TenantScope): Promise<AccountingVendor[]> {
  const rows = await scope.repo(AccountingConnection).findBy({ status: 'connected' });
  return ACCOUNTING_VENDORS.filter((v) => rows.some((r) => r.vendor === v));
}

/** After invoices were issued: queues them for every connected vendor when the tenant pushes automatically (accounting.autoPush). */
export async function queueIssuedForAccounting(scope: TenantScope, tenant: Tenant, invoiceIds: readonly string[], now: Date): Promise<PushQueueResult[]> {
  if (invoiceIds.length === 0 || !tenantSettings(tenant).accounting.autoPush) return [];
  const out: PushQueueResult[] = [];
  for (const vendor of await connectedVendors(scope)) out.push(...(await queuePushes(scope, vendor, invoiceIds, { by: 'auto', now })));
  return out;
}

export interface PushRunOutcome {
  /** Created in the books, updated there, or linked to the document found there by number. */
  pushed: number;
  /** Already there as it is: nothing sent. */
  unchanged: number;
  failed: number;
  refused: number;
  retrying: number;
  /** When the earliest push waiting for another attempt is due (null: none waits). */
  nextAttemptAt: Date | null;
}

/** The vendor's copy may no longer change: refused with the reason (and what the vendor said of the copy). */
class Refused extends Error {
  constructor(message: string, readonly patch: Partial<AccountingPush> = {}) {
    super(message);
  }
}
class Permanent extends Error {}

const LOCKED_WORDS: Record<ExternalStatus, string> = { draft: 'a draft', open: 'open', partly_paid: 'partly paid', paid: 'paid', voided: 'voided' };

function retryDelayMs(attempt: number): number {
  return Math.min(60, 2 ** (attempt - 1)) * 60_000;
}

function paymentPatch(d: ExternalDocument, now: Date): Partial<AccountingPush> {
  return {
    externalId: d.id, externalType: d.type, externalNumber: d.number.slice(0, 100), externalUrl: d.url?.slice(0, 500) ?? null,
    externalStatus: d.status, amountPaid: new Decimal(d.amountPaid.toString()), amountDue: new Decimal(d.amountDue.toString()),
    dueDate: d.dueDate, paymentCheckedAt: now,
  };
}

/**
 * Works through the tenant's queued pushes (those of `opts.invoiceIds` only, when given). Each is claimed first, so two
 * workers never push one invoice at once.
 */
export async function runPushes(deps: AccountingDeps, tenantId: string, opts: { invoiceIds?: readonly string[]; vendor?: AccountingVendor } = {}): Promise<PushRunOutcome> {
  const now = (deps.clock ?? systemClock)();
  const tenant = await deps.ds.manager.findOneByOrFail(Tenant, { id: tenantId });
  const postAs = tenantSettings(tenant).accounting.postAs;
  const scope = new TenantScope(deps.ds.manager, tenantId);
  const repo = scope.repo(AccountingPush);
  const outcome: PushRunOutcome = { pushed: 0, unchanged: 0, failed: 0, refused: 0, retrying: 0, nextAttemptAt: null };
  const only = opts.invoiceIds ? { invoiceId: In([...opts.invoiceIds]) } : {};
  const vendorOnly = opts.vendor ? { vendor: opts.vendor } : {};

  // A push left `pushing` by a worker that stopped: queued again (the vendor is asked by number before creating anything).
  for (const s of await repo.find({ where: { status: 'pushing', claimedAt: LessThan(new Date(now.getTime() - STALE_PUSHING_MS)), ...only, ...vendorOnly } })) {
    await repo.update({ id: s.id, status: 'pushing', attempts: s.attempts }, {
      status: 'queued', nextAttemptAt: null, updatedAt: now,
      lastError: 'the worker stopped while pushing; pushed again (the document found by its number is linked, not created twice)',
    });
  }

  const due = await repo.find({
    where: { status: 'queued', nextAttemptAt: Or(IsNull(), LessThanOrEqual(now)), ...only, ...vendorOnly }, order: { createdAt: 'ASC', id: 'ASC' }, take: BATCH,
  });
  const connections = new Map<AccountingVendor, OpenConnection | Error>();
  for (const row of due) {
    const vendor = row.vendor as AccountingVendor;
    const claimed = await repo.update({ id: row.id, status: 'queued', attempts: row.attempts }, { status: 'pushing', attempts: row.attempts + 1, claimedAt: now, updatedAt: now });
    if (claimed !== 1) continue;
    const finish = async (status: AccountingPushStatus, patch: Partial<AccountingPush>) => {
      await repo.update({ id: row.id, status: 'pushing' }, { status, updatedAt: new Date(), ...patch } as Partial<AccountingPush>);
    };
    try {
      let conn = connections.get(vendor);
      if (!conn) {
        try {
          conn = await deps.open(tenantId, vendor, now);
        } catch (err) {
          conn = err instanceof Error ? err : new Error(String(err));
        }
        connections.set(vendor, conn);
      }
      if (conn instanceof Error) throw conn;
      const result = await pushOne(scope, conn, vendor, row, postAs, now);
      await finish('pushed', { ...result.patch, lastError: null, nextAttemptAt: null, pushedAt: result.sent ? new Date() : row.pushedAt ?? new Date() });
      if (result.sent) outcome.pushed++;
      else outcome.unchanged++;
    } catch (err) {
      const reason = (err as Error).message.slice(0, 2000);
      if (err instanceof Refused) {
        await finish('refused', { lastError: reason, ...err.patch });
        outcome.refused++;
      } else if (isPermanent(err) || row.attempts + 1 >= MAX_PUSH_ATTEMPTS) {
        await finish('failed', { lastError: reason });
        outcome.failed++;
      } else {
        await finish('queued', { lastError: reason, nextAttemptAt: new Date(now.getTime() + retryDelayMs(row.attempts + 1)) });
        outcome.retrying++;
      }
    }
  }
  const waiting = await repo.findOne({ where: { status: 'queued', ...vendorOnly }, order: { nextAttemptAt: 'ASC' } });
  if (waiting) outcome.nextAttemptAt = waiting.nextAttemptAt && waiting.nextAttemptAt > now ? waiting.nextAttemptAt : now;
  return outcome;
}

function isPermanent(err: unknown): boolean {
  if (err instanceof Permanent) return true;
  if (err instanceof AccountingError) return err.kind === 'invalid' || err.kind === 'unauthorized' || err.kind === 'not_found';
  // "connect Xero first" and the like: waiting does not mend them.
  if (err instanceof AppError) return err.kind !== 'unavailable' && err.kind !== 'rate_limited' && err.kind !== 'upstream';
  return false;
}

async function pushOne(
  scope: TenantScope, conn: OpenConnection, vendor: AccountingVendor, row: AccountingPush, postAs: 'approved' | 'draft', now: Date,
): Promise<{ sent: boolean; patch: Partial<AccountingPush> }> {
  const v = vendorName(vendor);
  const invoice = await scope.repo(Invoice).findOneBy({ id: row.invoiceId });
  if (!invoice) throw new Permanent('the invoice no longer exists');
  const number = invoiceNumberText(invoice);
  if (invoice.status !== 'issued') throw new Refused(`${number} is a draft: approve it before pushing it to ${v}`);
  const lines = await scope.repo(InvoiceLine).find({ where: { invoiceId: invoice.id }, order: { position: 'ASC' } });
  const built = await buildDocument(scope, vendor, invoice, lines, postAs);
  if (!built.ok) throw new Permanent(`${number} cannot go to ${v} yet: ${built.problems.join('; ')}`);
  const doc = built.doc;
  const hash = contentHash(doc);
  const { connector, session } = conn;
  if (row.externalId && row.externalType === doc.type && row.contentHash === hash) return { sent: false, patch: {} };

  let existing: ExternalDocument | null = null;
  if (row.externalId && row.externalType === doc.type) existing = (await connector.documents(session, [{ type: doc.type, id: row.externalId }]))[0] ?? null;
  existing ??= await connector.findDocument(session, doc.type, doc.number);

  if (!existing) {
    const created = await connector.createDocument(session, doc);
    return { sent: true, patch: { ...paymentPatch(created, now), contentHash: hash } };
  }
  // Found by number without a record of what was sent (a worker died after the vendor created it): the same totals are ours.
  const ours = !row.contentHash && new Decimal(existing.total.toString()).eq(doc.total);
  if (ours) return { sent: true, patch: { ...paymentPatch(existing, now), contentHash: hash } };
  if (existing.status === 'draft' || existing.status === 'open') {
    try {
      const updated = await connector.updateDocument(session, existing, doc);
      return { sent: true, patch: { ...paymentPatch(updated, now), contentHash: hash } };
    } catch (err) {
      if (err instanceof AccountingError && err.kind === 'locked') {
        throw new Refused(`${number} can no longer change in ${v}: ${err.message}`, paymentPatch(existing, now));
      }
      throw err;
    }
  }
  throw new Refused(
    `${number} is ${LOCKED_WORDS[existing.status]} in ${v}, so its changed content cannot replace it there; `
      + `record the difference in ${v} (e.g. a credit note) or in Recurra as a correction on the next invoice`,
    paymentPatch(existing, now),
  );
}

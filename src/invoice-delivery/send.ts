import type { Transporter } from 'nodemailer';
import { IsNull, LessThan, LessThanOrEqual, Or, type DataSource } from 'typeorm';
import { systemClock, type Clock } from '../common/clock.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { InvoiceDelivery, Tenant } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { htmlToPdf, pdfAvailable } from '../invoices/pdf.js';
import { loadInvoiceDocument } from '../invoices/queries.js';
import { renderInvoiceDocument } from '../invoices/render.js';
import { openSmtpTransport, smtpProblem } from '../mail/smtp.js';
import { tenantSettings } from '../tenants/service.js';
import { invoiceMail } from './message.js';

/**
 * Sends the tenant's queued invoice e-mails, each with its PDF. A delivery is claimed with a conditional update
 * (queued → sending) before anything is sent, so two workers never send it twice. A failure the server calls
 * temporary is tried again later (up to MAX_ATTEMPTS, waiting longer each time); a permanent one, or a missing
 * SMTP server or PDF renderer, fails the delivery with the reason. A delivery left `sending` by a worker that
 * stopped is failed, never sent again by itself: the e-mail may have gone out, so a person decides to resend.
 */

export const MAX_ATTEMPTS = 5;
/** A sending claimed longer ago than this belongs to a worker that stopped. */
export const STALE_SENDING_MS = 15 * 60_000;
const BATCH = 100;

export interface SendDeps {
  ds: DataSource;
  secrets: SecretBox;
  clock?: Clock;
}

export interface SendOutcome {
  sent: number;
  failed: number;
  retrying: number;
  /** When the earliest delivery waiting for another attempt is due (null: none waits). */
  nextAttemptAt: Date | null;
}

/** A failure that waiting cannot mend: no retries. */
class PermanentFailure extends Error {}

function retryDelayMs(attempt: number): number {
  return Math.min(60, 2 ** (attempt - 1)) * 60_000;
}

function isPermanent(err: unknown): boolean {
  if (err instanceof PermanentFailure) return true;
  const code = (err as { responseCode?: number }).responseCode;
  return typeof code === 'number' && code >= 500;
}

function replyToOf(tenant: Tenant): { replyTo?: string } {
  const replyTo = tenantSettings(tenant).invoiceDelivery.replyTo;
  return replyTo ? { replyTo } : {};
}

export async function sendQueuedInvoices(deps: SendDeps, tenantId: string): Promise<SendOutcome> {
  const now = (deps.clock ?? systemClock)();
  const tenant = await deps.ds.manager.findOneByOrFail(Tenant, { id: tenantId });
  const scope = new TenantScope(deps.ds.manager, tenantId);
  const repo = scope.repo(InvoiceDelivery);
  const outcome: SendOutcome = { sent: 0, failed: 0, retrying: 0, nextAttemptAt: null };

  const stale = await repo.find({ where: { status: 'sending', claimedAt: LessThan(new Date(now.getTime() - STALE_SENDING_MS)) } });
  for (const d of stale) {
    const failed = await repo.update({ id: d.id, status: 'sending', attempts: d.attempts }, {
      status: 'failed', updatedAt: now,
      lastError: 'the worker stopped while sending: the e-mail may or may not have gone out; check with the customer, then resend',
    });
    outcome.failed += failed;
  }

  const due = await repo.find({
    where: { status: 'queued', nextAttemptAt: Or(IsNull(), LessThanOrEqual(now)) }, order: { createdAt: 'ASC', id: 'ASC' }, take: BATCH,
  });
  let mail: { transport: Transporter; from: string } | null = null;
  try {
    for (const d of due) {
      const claimed = await repo.update({ id: d.id, status: 'queued', attempts: d.attempts }, { status: 'sending', attempts: d.attempts + 1, claimedAt: now, updatedAt: now });
      if (claimed !== 1) continue;
      const messageId = `<invoice-delivery-${d.id}@recurra>`;
      try {
        const problem = smtpProblem(tenant);
        if (problem) throw new PermanentFailure(problem);
        if (!pdfAvailable()) throw new PermanentFailure('the invoice PDF needs Chromium on the server (apt-get install chromium)');
        const doc = await loadInvoiceDocument(deps.ds, tenantId, d.invoiceId);
        const message = invoiceMail(doc);
        const pdf = await htmlToPdf(renderInvoiceDocument(doc));
        mail ??= await openSmtpTransport(deps.ds, deps.secrets, tenant);
        await mail.transport.sendMail({
          from: mail.from, to: JSON.parse(d.toJson) as string[], cc: JSON.parse(d.ccJson) as string[], subject: message.subject, text: message.text,
          messageId, ...replyToOf(tenant),
          attachments: [{ filename: message.attachmentName, content: pdf, contentType: 'application/pdf' }],
        });
        await repo.update({ id: d.id }, { status: 'sent', sentAt: new Date(), messageId, lastError: null, updatedAt: new Date() });
        outcome.sent++;
      } catch (err) {
        const reason = (err as Error).message.slice(0, 1000);
        if (isPermanent(err) || d.attempts + 1 >= MAX_ATTEMPTS) {
          await repo.update({ id: d.id }, { status: 'failed', lastError: reason, updatedAt: new Date() });
          outcome.failed++;
        } else {
          const retryAt = new Date(now.getTime() + retryDelayMs(d.attempts + 1));
          await repo.update({ id: d.id }, { status: 'queued', lastError: reason, nextAttemptAt: retryAt, updatedAt: new Date() });
          outcome.retrying++;
        }
      }
    }
  } finally {
    mail?.transport.close();
  }
  const waiting = await repo.findOne({ where: { status: 'queued' }, order: { nextAttemptAt: 'ASC' } });
  if (waiting) outcome.nextAttemptAt = waiting.nextAttemptAt && waiting.nextAttemptAt > now ? waiting.nextAttemptAt : now;
  return outcome;
}

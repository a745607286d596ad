import type { Transporter } from 'nodemailer';
import { In, type DataSource } from 'typeorm';
import type { SecretBox } from '../crypto/secret-box.js';
import { ChangeNotice, NoticeDelivery, Tenant, type NoticeChannel } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { tenantSettings } from '../tenants/service.js';
import { adminUsers } from './detect.js';
import { outboundUrlProblem } from '../common/outbound-url.js';
import { openSmtpTransport } from '../mail/smtp.js';

/**
 * Sends queued notice deliveries (the outbox written by detection): e-mail through the tenant's SMTP
 * server, and a JSON POST to the tenant's Microsoft Teams / Slack incoming-webhook URL. A delivery is
 * claimed with a conditional update before it is sent, so two workers never send it twice; failures are
 * retried up to MAX_ATTEMPTS times, then left 'failed' with the last error.
 */

export const MAX_ATTEMPTS = 5;

export function noticeText(n: ChangeNotice): string {
  return `${n.message}\n\nNext invoice: ${n.invoiceEffect}`;
}

export function teamsPayload(n: ChangeNotice): unknown {
  return {
    '@type': 'MessageCard', '@context': 'https://schema.org/extensions', summary: n.subject, title: n.subject,
    sections: [{ text: n.message }, { title: 'Next invoice', text: n.invoiceEffect }],
  };
}

export function slackPayload(n: ChangeNotice): unknown {
  return {
    text: `${n.subject}\n${noticeText(n)}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: n.subject.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: n.message } },
      { type: 'section', text: { type: 'mrkdwn', text: `*Next invoice:* ${n.invoiceEffect}` } },
    ],
  };
}

async function postJson(url: string, body: unknown): Promise<void> {
  const refused = outboundUrlProblem(url);
  if (refused) throw new Error(refused);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
  if (!res.ok) throw new Error(`${new URL(url).host} answered ${res.status}`);
}

export interface DeliverResult {
  sent: number;
  failed: number;
  retrying: number;
}

/** Sends every pending delivery of one tenant (or of all tenants). */
export async function deliverPending(ds: DataSource, secrets: SecretBox, tenantId?: string): Promise<DeliverResult> {
  const result: DeliverResult = { sent: 0, failed: 0, retrying: 0 };
  const tenants = tenantId ? [await ds.manager.findOneByOrFail(Tenant, { id: tenantId })] : await ds.manager.find(Tenant);
  for (const tenant of tenants) {
    const scope = new TenantScope(ds.manager, tenant.id);
    const pending = await scope.repo(NoticeDelivery).find({ where: { status: 'pending' }, order: { createdAt: 'ASC' }, take: 200 });
    if (pending.length === 0) continue;
    const notices = new Map((await scope.repo(ChangeNotice).findBy({ id: In([...new Set(pending.map((p) => p.noticeId))]) })).map((n) => [n.id, n]));
    const settings = tenantSettings(tenant).notices;
    const mail: { smtp: { transport: Transporter; from: string } | null } = { smtp: null };
    let recipients: string[] | null = null;
    try {
      for (const d of pending) {
        // Claim: only the worker whose conditional update succeeds sends it.
        const claimed = await scope.repo(NoticeDelivery).update({ id: d.id, status: 'pending', attempts: d.attempts }, { attempts: d.attempts + 1, updatedAt: new Date() });
        if (claimed !== 1) continue;
        const n = notices.get(d.noticeId);
        try {
          if (!n) throw new Error('notice not found');
          await send(d.channel, n);
          await scope.repo(NoticeDelivery).update({ id: d.id }, { status: 'sent', sentAt: new Date(), lastError: null, updatedAt: new Date() });
          result.sent++;
        } catch (err) {
          const last = d.attempts + 1 >= MAX_ATTEMPTS;
          await scope.repo(NoticeDelivery).update({ id: d.id }, { status: last ? 'failed' : 'pending', lastError: (err as Error).message.slice(0, 1000), updatedAt: new Date() });
          if (last) result.failed++;
          else result.retrying++;
        }
      }
    } finally {
      mail.smtp?.transport.close();
    }

    async function send(channel: NoticeChannel, n: ChangeNotice): Promise<void> {
      if (channel === 'teams') {
        if (!settings.teamsWebhookUrl) throw new Error('no Teams webhook URL configured');
        return postJson(settings.teamsWebhookUrl, teamsPayload(n));
      }
      if (channel === 'slack') {
        if (!settings.slackWebhookUrl) throw new Error('no Slack webhook URL configured');
        return postJson(settings.slackWebhookUrl, slackPayload(n));
      }
      mail.smtp ??= await openSmtpTransport(ds, secrets, tenant);
      recipients ??= settings.adminRecipients.length ? settings.adminRecipients : (await adminUsers(scope, tenant)).map((u) => u.email);
      if (recipients.length === 0) throw new Error('no recipients: set notices.adminRecipients or add an admin user');
      await mail.smtp.transport.sendMail({ from: mail.smtp.from, to: recipients.join(', '), subject: n.subject, text: noticeText(n) });
    }
  }
  return result;
}

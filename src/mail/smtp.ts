import { randomUUID } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { DataSource } from 'typeorm';
import type { SecretBox } from '../crypto/secret-box.js';
import { NoticeSecret, type Tenant } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { tenantSettings } from '../tenants/service.js';

/**
 * The tenant's SMTP server (settings `notices.smtp*`, password sealed in notice_secrets): used by change notices and by
 * invoices sent to customers. The password is never returned or logged.
 */

function secretContext(tenantId: string): string {
  return `tenant:${tenantId}:smtpPassword`;
}

/** Stores (or with null removes) the tenant's SMTP password, sealed. */
export async function setSmtpPassword(ds: DataSource, secrets: SecretBox, tenantId: string, password: string | null): Promise<void> {
  const scope = new TenantScope(ds.manager, tenantId);
  const sealed = password === null ? null : secrets.encrypt(password, secretContext(tenantId));
  const now = new Date();
  const row = await scope.repo(NoticeSecret).findOneBy({});
  if (row) await scope.repo(NoticeSecret).update({ id: row.id }, { smtpPasswordSealed: sealed, updatedAt: now });
  else await scope.repo(NoticeSecret).insert([{ id: randomUUID(), smtpPasswordSealed: sealed, createdAt: now, updatedAt: now }]);
}

export async function hasSmtpPassword(ds: DataSource, tenantId: string): Promise<boolean> {
  const row = await new TenantScope(ds.manager, tenantId).repo(NoticeSecret).findOneBy({});
  return !!row?.smtpPasswordSealed;
}

async function smtpPassword(ds: DataSource, secrets: SecretBox, tenantId: string): Promise<string | null> {
  const row = await new TenantScope(ds.manager, tenantId).repo(NoticeSecret).findOneBy({});
  return row?.smtpPasswordSealed ? secrets.decrypt(row.smtpPasswordSealed, secretContext(tenantId)) : null;
}

/** The configured sender address, or why mail cannot be sent. */
export function smtpProblem(tenant: Tenant): string | null {
  const s = tenantSettings(tenant).notices;
  if (!s.smtpHost || !s.smtpFrom) return 'no SMTP server configured (settings notices.smtpHost and notices.smtpFrom)';
  return null;
}

/** A transport to the tenant's SMTP server; the caller closes it. Throws when none is configured. */
export async function openSmtpTransport(ds: DataSource, secrets: SecretBox, tenant: Tenant): Promise<{ transport: Transporter; from: string }> {
  const problem = smtpProblem(tenant);
  if (problem) throw new Error(problem);
  const s = tenantSettings(tenant).notices;
  const pass = s.smtpUser ? await smtpPassword(ds, secrets, tenant.id) : null;
  const transport = nodemailer.createTransport({
    host: s.smtpHost!, port: s.smtpPort, secure: s.smtpSecure,
    ...(s.smtpUser ? { auth: { user: s.smtpUser, pass: pass ?? '' } } : {}),
    connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000,
  });
  return { transport, from: s.smtpFrom! };
}

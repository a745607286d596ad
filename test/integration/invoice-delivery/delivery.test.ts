import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import { InvoiceDelivery } from '../../../src/db/entities/index.js';
import { setBillingContacts, billingContacts } from '../../../src/invoice-delivery/contacts.js';
import { InvoiceDeliveryError } from '../../../src/invoice-delivery/errors.js';
import { queueInvoiceDeliveries, queueIssuedInvoices } from '../../../src/invoice-delivery/queue.js';
import { MAX_ATTEMPTS, sendQueuedInvoices, STALE_SENDING_MS } from '../../../src/invoice-delivery/send.js';
import { invoiceDeliveries } from '../../../src/invoice-delivery/status.js';
import { runInvoices } from '../../../src/invoices/run.js';
import { setSmtpPassword } from '../../../src/mail/smtp.js';
import { TenantService } from '../../../src/tenants/service.js';
import type { SecretBox } from '../../../src/crypto/secret-box.js';
import { freshDatabase, insertTenant, testSecretBox } from '../../support/database.js';
import { smtpSink } from '../notices/sinks.js';
import { scopeOf } from '../invoices/fixtures.js';
import { loadScenarioIntoDb, type ScenarioJson } from '../invoices/scenario-db.js';

const seats: ScenarioJson = {
  currency: 'USD', frequency: 'monthly', anchorDay: 1, startDate: '2026-01-01', through: '2026-02-01', taxRate: '0.10',
  lines: [{ id: 'm365', description: 'Microsoft 365 Business Premium', timing: 'advance', unitPrice: '22.00', links: [{ subscription: 's1' }] }],
  subscriptions: [{ id: 's1', changes: [{ date: '2026-01-01', quantity: 10 }] }],
};

/** The MIME text of a mail with its soft line breaks undone (quoted-printable). */
const unfolded = (raw: string) => raw.replace(/=\r?\n/g, '');

describe('invoice delivery by e-mail (a real SMTP server on 127.0.0.1)', function () {
  this.timeout(120_000);
  let ds: DataSource;
  let secrets: SecretBox;
  let tenantId: string;
  let customerId: string;
  let invoiceIds: string[];
  let smtp: Awaited<ReturnType<typeof smtpSink>>;

  beforeEach(async () => {
    ds = await freshDatabase();
    secrets = testSecretBox();
    tenantId = (await insertTenant(ds, 'acme')).id;
    smtp = await smtpSink({ user: 'mailer', pass: 'pw-s3cret' });
    await new TenantService(ds, secrets).updateSettings(tenantId, {
      notices: { smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpUser: 'mailer', smtpFrom: 'billing@msp.example' },
    });
    await setSmtpPassword(ds, secrets, tenantId, 'pw-s3cret');
    const loaded = await loadScenarioIntoDb(scopeOf(ds, tenantId), seats, 'Seats & Co');
    customerId = loaded.customerId;
    const run = await runInvoices(ds, tenantId, '2026-02-01');
    invoiceIds = run.created.filter((c) => c.status === 'issued').map((c) => c.id);
    expect(invoiceIds).to.have.length(2);
  });
  afterEach(async () => {
    await smtp.close();
    await ds.destroy();
  });

  it('keeps a customer\'s billing contacts (to and cc), refuses a bad address and loses nothing', async () => {
    const scope = scopeOf(ds, tenantId);
    const now = new Date('2026-02-01T09:00:00Z');
    expect(await setBillingContacts(scope, customerId, { to: ['AP@Seats.example', ' ap@seats.example '], cc: ['cfo@seats.example', 'ap@seats.example'] }, now))
      .to.deep.equal({ to: ['ap@seats.example'], cc: ['cfo@seats.example'] });
    const refused = await setBillingContacts(scope, customerId, { to: ['not an address'], cc: [] }, now).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(InvoiceDeliveryError).and.include({ kind: 'invalid' });
    expect((refused as InvoiceDeliveryError).fields?.[0]?.path).to.equal('to');
    expect(await billingContacts(scope, customerId)).to.deep.equal({ to: ['ap@seats.example'], cc: ['cfo@seats.example'] });
    const other = await billingContacts(scopeOf(ds, (await insertTenant(ds, 'other')).id), customerId).catch((e: unknown) => e);
    expect(other).to.be.instanceOf(InvoiceDeliveryError).and.include({ kind: 'not_found' });
  });

  it('sends each queued invoice once with its PDF and the tenant\'s template; a rerun and a second queueing send nothing more', async () => {
    const scope = scopeOf(ds, tenantId);
    await setBillingContacts(scope, customerId, { to: ['ap@seats.example'], cc: ['cfo@seats.example'] }, new Date());
    await new TenantService(ds, secrets).updateSettings(tenantId, {
      invoiceDelivery: { subjectTemplate: '{{seller}}: invoice {{number}} ({{total}})', bodyTemplate: 'Hello {{customer}},\nfor {{period}} you owe {{total}}.' },
    });
    const queued = await queueInvoiceDeliveries(scope, invoiceIds, { by: 'ann@msp.example', now: new Date() });
    expect(queued.map((q) => q.outcome)).to.deep.equal(['queued', 'queued']);
    expect((await queueInvoiceDeliveries(scope, invoiceIds, { by: 'ann@msp.example', now: new Date() })).map((q) => q.outcome))
      .to.deep.equal(['already_queued', 'already_queued']);

    // Two workers at once: each delivery is claimed by one of them.
    const [a, b] = await Promise.all([sendQueuedInvoices({ ds, secrets }, tenantId), sendQueuedInvoices({ ds, secrets }, tenantId)]);
    expect(a.sent + b.sent).to.equal(2);
    expect(smtp.mails).to.have.length(2);
    const mail = smtp.mails[0]!;
    expect(mail.to).to.have.members(['ap@seats.example', 'cfo@seats.example']);
    expect(mail.user).to.equal('mailer');
    const raw = unfolded(mail.raw);
    expect(raw).to.match(/^Subject: acme: invoice INV-00000\d \(USD 242\.00\)/m);
    expect(raw).to.match(/Hello Seats & Co,\r?\nfor 1 /);
    expect(raw).to.match(/you owe USD 242\.00\./);
    expect(raw).to.match(/Content-Type: application\/pdf; name=INV-00000\d\.pdf/);
    expect(raw).to.match(/^Message-ID: <invoice-delivery-[0-9a-f-]+@recurra>/m);

    expect((await sendQueuedInvoices({ ds, secrets }, tenantId)).sent).to.equal(0);
    const again = await queueInvoiceDeliveries(scope, [invoiceIds[0]!], { by: 'ann@msp.example', now: new Date() });
    expect(again[0]).to.include({ outcome: 'already_sent' });
    expect(smtp.mails).to.have.length(2);

    const resent = await queueInvoiceDeliveries(scope, [invoiceIds[0]!], { by: 'ann@msp.example', resend: true, now: new Date() });
    expect(resent[0]).to.include({ outcome: 'queued' });
    await sendQueuedInvoices({ ds, secrets }, tenantId);
    expect(smtp.mails).to.have.length(3);
    const history = await invoiceDeliveries(scope, invoiceIds[0]!);
    expect(history.map((h) => [h.sequence, h.status])).to.deep.equal([[2, 'sent'], [1, 'sent']]);
  });

  it('refuses drafts and customers without a contact, with the reason', async () => {
    const scope = scopeOf(ds, tenantId);
    const results = await queueInvoiceDeliveries(scope, [invoiceIds[0]!, 'nope'], { by: 'ann', now: new Date() });
    expect(results.map((r) => r.outcome)).to.deep.equal(['no_contacts', 'not_found']);
    expect(results[0]!.message).to.match(/Seats & Co has no billing contact/);
  });

  it('retries a temporary failure later, fails for good after the last attempt, and fails a permanent one at once', async () => {
    const scope = scopeOf(ds, tenantId);
    await setBillingContacts(scope, customerId, { to: ['ap@seats.example'], cc: [] }, new Date());
    await queueInvoiceDeliveries(scope, [invoiceIds[0]!], { by: 'ann', now: new Date() });
    await smtp.close();
    let now = new Date('2026-02-01T10:00:00Z');
    const first = await sendQueuedInvoices({ ds, secrets, clock: () => now }, tenantId);
    expect(first).to.include({ sent: 0, retrying: 1 });
    expect(first.nextAttemptAt!.getTime()).to.be.greaterThan(now.getTime());
    // Not due yet: nothing is tried.
    expect(await sendQueuedInvoices({ ds, secrets, clock: () => now }, tenantId)).to.include({ retrying: 0, failed: 0 });
    for (let i = 2; i <= MAX_ATTEMPTS; i++) {
      now = new Date(now.getTime() + 2 * 3600_000);
      await sendQueuedInvoices({ ds, secrets, clock: () => now }, tenantId);
    }
    const [failed] = await invoiceDeliveries(scope, invoiceIds[0]!);
    expect(failed).to.include({ status: 'failed', attempts: MAX_ATTEMPTS });
    expect(failed!.lastError).to.match(/ECONNREFUSED|connect/i);

    // No SMTP server configured: failed at once, with the reason; a new queueing after the fix sends it.
    await new TenantService(ds, secrets).updateSettings(tenantId, { notices: { smtpHost: null } });
    await queueInvoiceDeliveries(scope, [invoiceIds[1]!], { by: 'ann', now: new Date() });
    await setBillingContacts(scope, customerId, { to: ['ap@seats.example'], cc: [] }, new Date());
    expect(await sendQueuedInvoices({ ds, secrets, clock: () => now }, tenantId)).to.include({ failed: 1, retrying: 0 });
    const [noServer] = await invoiceDeliveries(scope, invoiceIds[1]!);
    expect(noServer).to.include({ status: 'failed', attempts: 1 });
    expect(noServer!.lastError).to.match(/no SMTP server configured/);
  });

  it('fails a sending its worker abandoned instead of sending it again', async () => {
    const scope = scopeOf(ds, tenantId);
    await setBillingContacts(scope, customerId, { to: ['ap@seats.example'], cc: [] }, new Date());
    const [q] = await queueInvoiceDeliveries(scope, [invoiceIds[0]!], { by: 'ann', now: new Date() });
    const claimedAt = new Date('2026-02-01T10:00:00Z');
    await scope.repo(InvoiceDelivery).update({ id: q!.deliveryId! }, { status: 'sending', attempts: 1, claimedAt });
    const later = new Date(claimedAt.getTime() + STALE_SENDING_MS + 1000);
    expect(await sendQueuedInvoices({ ds, secrets, clock: () => later }, tenantId)).to.include({ sent: 0, failed: 1 });
    expect(smtp.mails).to.have.length(0);
    const [d] = await invoiceDeliveries(scope, invoiceIds[0]!);
    expect(d!.lastError).to.match(/may or may not have gone out/);
  });

  it('queues issued invoices by itself only when the tenant sends automatically', async () => {
    const scope = scopeOf(ds, tenantId);
    await setBillingContacts(scope, customerId, { to: ['ap@seats.example'], cc: [] }, new Date());
    const svc = new TenantService(ds, secrets);
    expect(await queueIssuedInvoices(scope, await svc.byId(tenantId), invoiceIds, new Date())).to.deep.equal([]);
    await svc.updateSettings(tenantId, { invoiceDelivery: { autoSend: true } });
    const auto = await queueIssuedInvoices(scope, await svc.byId(tenantId), invoiceIds, new Date());
    expect(auto.map((r) => r.outcome)).to.deep.equal(['queued', 'queued']);
    expect((await invoiceDeliveries(scope, invoiceIds[0]!))[0]!.queuedBy).to.equal('auto');
  });

  it('refuses a template with an unknown placeholder or a helper, naming the placeholders', async () => {
    const svc = new TenantService(ds, secrets);
    const unknown = await svc.updateSettings(tenantId, { invoiceDelivery: { bodyTemplate: 'Dear {{custmer}}' } }).catch((e: unknown) => e as Error);
    expect((unknown as Error).message).to.match(/unknown placeholder \{\{custmer\}\}.*\{\{customer\}\}/);
    const helper = await svc.updateSettings(tenantId, { invoiceDelivery: { subjectTemplate: '{{#each x}}y{{/each}}' } }).catch((e: unknown) => e as Error);
    expect((helper as Error).message).to.match(/only \{\{variable\}\} placeholders/);
  });
});

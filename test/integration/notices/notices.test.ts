import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { roundMoney } from '../../../src/billing/index.js';
import {
  ChangeNotice, EventLogEntry, LicensingNotice, NoticeDelivery, NoticeSecret, RecurringInvoiceAdjustment, Subscription, User,
} from '../../../src/db/entities/index.js';
import { runDailyPass } from '../../../src/invoices/daily-pass.js';
import { deliverPending } from '../../../src/notices/deliver.js';
import { setSmtpPassword } from '../../../src/mail/smtp.js';
import { detectChanges } from '../../../src/notices/detect.js';
import { afterSubscriptionSync } from '../../../src/notices/after-sync.js';
import { TenantService } from '../../../src/tenants/service.js';
import { mappedCompanies, opsWorld, pickSubscription, recurringLine, type OpsWorld } from '../operations/setup.js';
import { httpReceiver, smtpSink } from './sinks.js';

describe('change notices: detection and delivery (SMTP sink, local Teams/Slack receiver)', function () {
  this.timeout(180_000);
  let w: OpsWorld;
  let smtp: Awaited<ReturnType<typeof smtpSink>>;
  let hooks: Awaited<ReturnType<typeof httpReceiver>>;
  beforeEach(async () => {
    w = await opsWorld();
    smtp = await smtpSink({ user: 'mailer', pass: 'pw-s3cret' });
    hooks = await httpReceiver();
    await new TenantService(w.h.ds, w.h.secrets).updateSettings(w.h.tenant.id, {
      notices: {
        smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpUser: 'mailer', smtpFrom: 'recurra@msp.example', adminRecipients: ['ops@msp.example'],
        teamsWebhookUrl: `${hooks.url}/teams`, slackWebhookUrl: `${hooks.url}/slack`,
      },
    });
    await setSmtpPassword(w.h.ds, w.h.secrets, w.h.tenant.id, 'pw-s3cret');
    w.h.tenant = await w.h.tenants.byId(w.h.tenant.id);
  });
  afterEach(async () => {
    await smtp.close();
    await hooks.close();
    await w.close();
  });

  it('detects seats added/removed, cancellation, a plan upgrade and a new subscription; notifies in-app, by e-mail, Teams and Slack, once', async () => {
    const now = new Date();
    const admin = w.h.ds.manager.create(User, {
      id: randomUUID(), email: 'admin@msp.example', displayName: null, passwordHash: 'x', role: 'admin', tenantId: null, customerId: null,
      mustChangePassword: false, disabled: false, lastLoginAt: null, createdAt: now, updatedAt: now,
    });
    await w.h.ds.manager.insert(User, admin);
    const sb = w.h.sandbox.data;
    const companies = await mappedCompanies(w);
    const basicProduct = sb.products.find((p) => p.name === 'Microsoft 365 Business Basic')!;
    const premiumProduct = sb.products.find((p) => p.name === 'Microsoft 365 Business Premium')!;
    const dropbox = sb.products.find((p) => p.name === 'Dropbox Business Standard')!;
    const planCo = companies[0]!;
    const basic = (await w.h.admin('POST', '/subscriptions', { companyId: planCo.companyId, productId: basicProduct.id, quantity: 12 })) as { id: string };
    await w.h.run({ entities: 'subscriptions' });

    const added = await pickSubscription(w, true);
    const { line } = await recurringLine(w, added.customerId!, [{ id: added.id }]);
    const others = (await w.scope.repo(Subscription).find({ where: { status: 'Active', kind: 'license' } }))
      .filter((s) => s.customerId && s.customerId !== planCo.customer.id && s.id !== added.id && s.quantity.gte(3));
    const removed = others[0]!;
    const cancelled = others.find((s) => s.customerId !== removed.customerId)!;

    expect((await detectChanges(w.scope, w.h.tenant)).baseline).to.equal(true);
    expect((await detectChanges(w.scope, w.h.tenant)).notices).to.deep.equal([]);

    await w.h.admin('POST', `/subscriptions/${added.pax8Id}/quantity`, { quantity: added.quantity.toNumber() + 4 });
    await w.h.admin('POST', `/subscriptions/${removed.pax8Id}/quantity`, { quantity: removed.quantity.toNumber() - 2 });
    await w.h.admin('POST', `/subscriptions/${cancelled.pax8Id}/cancel`, {});
    await w.h.admin('POST', `/subscriptions/${basic.id}/cancel`, {});
    await w.h.admin('POST', '/subscriptions', { companyId: planCo.companyId, productId: premiumProduct.id, quantity: 12 });
    await w.h.admin('POST', '/subscriptions', { companyId: companies[1]!.companyId, productId: dropbox.id, quantity: 5 });
    await w.h.run({ entities: 'subscriptions' });

    const { notices } = await detectChanges(w.scope, w.h.tenant);
    const kinds = notices.map((n) => `${n.kind}:${n.productName}`).sort();
    expect(kinds).to.deep.equal([
      `cancelled:${cancelled.name}`, 'new_subscription:Dropbox Business Standard', 'plan_upgraded:Microsoft 365 Business Premium',
      `seats_added:${added.name}`, `seats_removed:${removed.name}`,
    ].sort());
    const upgrade = notices.find((n) => n.kind === 'plan_upgraded')!;
    expect(upgrade.message).to.include('Microsoft 365 Business Basic → Microsoft 365 Business Premium');
    expect(upgrade.customerName).to.equal(planCo.customer.name);

    // What the seats added do to the next invoice: the same pro-rata amount the daily pass bills.
    const seats = notices.find((n) => n.kind === 'seats_added')!;
    const detail = JSON.parse(seats.detail!) as { effectiveDate: string; invoice: Array<{ prorataAmount: string; lineId: string }> };
    await runDailyPass(w.h.ds, w.h.tenant.id, detail.effectiveDate);
    const adj = (await w.scope.repo(RecurringInvoiceAdjustment).findBy({ lineId: line.id, changeDate: detail.effectiveDate }))[0]!;
    const billed = roundMoney({ numerator: new Decimal(adj.quantity.toString()).mul(adj.unitPrice.toString()).mul(adj.days), denominator: adj.periodDays }, 'USD').toFixed(2);
    expect(detail.invoice[0]!.prorataAmount).to.equal(billed);
    expect(seats.invoiceEffect).to.include(`pro-rata ${billed} USD`);
    expect(seats.message).to.match(new RegExp(`4 seat\\(s\\) added \\(${added.quantity.toString()} → ${added.quantity.toNumber() + 4}\\)`));

    // Once: detection again finds nothing new.
    expect((await detectChanges(w.scope, w.h.tenant)).notices).to.deep.equal([]);
    expect(await w.scope.repo(ChangeNotice).count()).to.equal(5);
    expect(await w.scope.repo(EventLogEntry).count({ where: { refKind: 'notice' } })).to.equal(5);
    const inApp = await w.scope.repo(LicensingNotice).findBy({ userId: admin.id });
    expect(inApp).to.have.length(5);
    expect(inApp.every((n) => n.customerId === null)).to.equal(true);

    const r = await deliverPending(w.h.ds, w.h.secrets, w.h.tenant.id);
    expect(r).to.deep.equal({ sent: 15, failed: 0, retrying: 0 });
    expect(smtp.mails).to.have.length(5);
    expect(smtp.mails.every((m) => m.user === 'mailer' && m.from === 'recurra@msp.example' && m.to.join() === 'ops@msp.example')).to.equal(true);
    const mail = smtp.mails.find((m) => m.raw.includes('Seats added'))!;
    expect(mail.raw).to.include(added.name.slice(0, 20)).and.to.include('Next invoice:');
    expect(hooks.received.filter((x) => x.path === '/teams')).to.have.length(5);
    expect(hooks.received.filter((x) => x.path === '/slack')).to.have.length(5);
    const teams = hooks.received.find((x) => x.path === '/teams' && JSON.stringify(x.body).includes('Plan upgraded'))!.body as { title: string; sections: Array<{ text: string }> };
    expect(teams.title).to.include(planCo.customer.name);
    expect((hooks.received.find((x) => x.path === '/slack')!.body as { text: string }).text).to.include('Next invoice:');
    expect(await deliverPending(w.h.ds, w.h.secrets, w.h.tenant.id)).to.deep.equal({ sent: 0, failed: 0, retrying: 0 });
  });

  it('after a scheduled subscriptions sync: logs the changes, notifies and delivers (the jobs hook)', async () => {
    const sub = await pickSubscription(w, false);
    await afterSubscriptionSync({ ds: w.h.ds, secrets: w.h.secrets }, w.h.tenant.id); // baseline
    expect(await w.scope.repo(ChangeNotice).count()).to.equal(0);
    await w.h.admin('POST', `/subscriptions/${sub.pax8Id}/cancel`, {});
    await w.h.run({ entities: 'subscriptions' });
    await afterSubscriptionSync({ ds: w.h.ds, secrets: w.h.secrets }, w.h.tenant.id);
    await afterSubscriptionSync({ ds: w.h.ds, secrets: w.h.secrets }, w.h.tenant.id);
    const notices = await w.scope.repo(ChangeNotice).find();
    expect(notices.map((n) => [n.kind, n.subscriptionId])).to.deep.equal([['cancelled', sub.id]]);
    expect(await w.scope.repo(EventLogEntry).count({ where: { type: 'import_status', subscriptionId: sub.id } })).to.equal(1);
    expect(smtp.mails).to.have.length(1);
    expect(smtp.mails[0]!.raw).to.include('Subscription cancelled');
  });

  it('keeps the SMTP password sealed; a failing receiver is retried, then left failed with the reason', async () => {
    const secret = (await w.scope.repo(NoticeSecret).findOneBy({}))!;
    expect(secret.smtpPasswordSealed).to.be.a('string').and.not.include('pw-s3cret');
    expect(JSON.stringify(w.h.tenant)).to.not.include('pw-s3cret');
    const sub = await pickSubscription(w, false);
    await detectChanges(w.scope, w.h.tenant);
    await w.h.admin('POST', `/subscriptions/${sub.pax8Id}/quantity`, { quantity: sub.quantity.toNumber() + 1 });
    await w.h.run({ entities: 'subscriptions' });
    expect((await detectChanges(w.scope, w.h.tenant)).notices).to.have.length(1);
    hooks.status.code = 500;
    for (let i = 0; i < 4; i++) expect((await deliverPending(w.h.ds, w.h.secrets, w.h.tenant.id)).retrying).to.equal(2);
    expect(await deliverPending(w.h.ds, w.h.secrets, w.h.tenant.id)).to.deep.equal({ sent: 0, failed: 2, retrying: 0 });
    const rows = await w.scope.repo(NoticeDelivery).find();
    expect(rows.map((d) => `${d.channel}:${d.status}`).sort()).to.deep.equal(['email:sent', 'slack:failed', 'teams:failed']);
    expect(rows.find((d) => d.channel === 'teams')!.lastError).to.match(/answered 500/);
    expect(smtp.mails).to.have.length(1);
  });
});

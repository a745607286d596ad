import { existsSync } from 'node:fs';
import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { clockFrom } from '../../../src/common/clock.js';
import { loadConfig } from '../../../src/config/index.js';
import { AccountingContactLink, Customer, Invoice, InvoiceLine, Subscription, Tenant } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { startDemo, type Demo } from '../../../src/http/demo.js';
import { CHROMIUM_PATH } from '../../../src/invoices/pdf.js';
import { billingContacts } from '../../../src/invoice-delivery/contacts.js';
import { sendQueuedInvoices } from '../../../src/invoice-delivery/send.js';
import { accountingOpener } from '../../../src/accounting/open.js';
import { runPushes } from '../../../src/accounting/push.js';
import { refreshAllPayments } from '../../../src/accounting/payments.js';
import { setSmtpPassword } from '../../../src/mail/smtp.js';
import { startQuickBooksSandbox, type RunningQuickBooksSandbox } from '../../../src/quickbooks/sandbox/index.js';
import { TenantService } from '../../../src/tenants/service.js';
import { smtpSink } from '../notices/sinks.js';
import { addUser, call, startApp, type TestApp, type TestUser } from '../http/support.js';
import { adapterAvailable } from './sandbox-books.js';

/** The MIME parts of a message (one level of multipart), each with its headers (lower case) and its body. */
function mimeParts(raw: string): Array<{ headers: string; body: string }> {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(raw)?.[1];
  if (!boundary) return [];
  return raw.split(`--${boundary}`).slice(1, -1).map((part) => {
    const at = part.indexOf('\r\n\r\n');
    return { headers: part.slice(0, at).toLowerCase().replace(/\r\n\s+/g, ' '), body: part.slice(at + 4) };
  });
}

const fixed = (v: unknown) => new Decimal(String(v ?? '0')).toFixed(2);
const ref = (v: unknown) => String((v as { value?: unknown } | undefined)?.value ?? '');

/**
 * Issue 27's "Done when", over the demo (`npm start`'s data and its local Xero, set up by the demo itself) with an SMTP
 * server and a local QuickBooks connected through Connect and the callback and mapped through the API: one approved
 * demo invoice reaches the customer's mailbox with its PDF, appears once in each vendor with the linked contact, the
 * mapped account or item, tax and Recurra's totals; a payment recorded in each reads back as paid (API and invoice
 * page); the push job run again creates nothing.
 */
(adapterAvailable('xero') && adapterAvailable('quickbooks') ? describe : describe.skip)(
  `issue 27 done: an approved demo invoice by e-mail and in Xero and QuickBooks (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, function () {
    this.timeout(300_000);
    /** Not today (tests pass on any day): a Wednesday. */
    const clock = clockFrom('2027-03-10T10:00:00Z');
    let app: TestApp;
    let demo: Demo | null = null;
    let qbo: RunningQuickBooksSandbox | null = null;
    let smtp: Awaited<ReturnType<typeof smtpSink>> | null = null;
    /** What the jobs invoices:deliver, accounting:push and accounting:payments run (src/jobs/wiring.ts), as a worker runs them. */
    let jobs: { deliverInvoices(t: string): ReturnType<typeof sendQueuedInvoices>; pushAccounting(t: string): ReturnType<typeof runPushes>; accountingPayments(t: string): ReturnType<typeof refreshAllPayments> };
    let tenantId: string;
    let admin: TestUser;
    let finance: TestUser;
    let invoiceId: string;
    let customerId: string;
    let currency: string;

    before(async function () {
      if (!existsSync(CHROMIUM_PATH)) {
        console.log(`    (skipped: no Chromium at ${CHROMIUM_PATH} for the PDF)`);
        this.skip();
      }
      app = await startApp({ demo: { ...loadConfig({ RECURRA_ENV: 'test' }).demo, sandbox: true, sandboxPort: 0, sandboxCompanies: 6, xeroSandboxPort: 0 } }, { clock });
      const out: string[] = [];
      demo = await startDemo(app.rt, (s) => out.push(s), clock);
      expect(demo?.xero, out.join('')).to.not.equal(null);
      await demo!.books;
      expect(out.join(''), 'the demo set up its Xero').to.match(/local Xero ready to push to/);
      tenantId = demo!.tenantId;
      const deps = { ds: app.ds, secrets: app.rt.secrets, clock };
      const books = { ds: app.ds, open: accountingOpener(app.ds, app.rt.secrets), clock };
      jobs = {
        deliverInvoices: (t) => sendQueuedInvoices(deps, t), pushAccounting: (t) => runPushes(books, t), accountingPayments: (t) => refreshAllPayments(books, t),
      };
      const tenant = (await app.ds.manager.findOneBy(Tenant, { id: tenantId }))!;
      admin = await addUser(app, 'admin', { tenant });
      finance = await addUser(app, 'finance', { tenant });

      // The tenant's SMTP server, and invoices sent and pushed as soon as they are approved.
      smtp = await smtpSink({ user: 'mailer', pass: 'pw-demo' });
      await new TenantService(app.ds, app.rt.secrets).updateSettings(tenantId, {
        notices: { smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpUser: 'mailer', smtpFrom: 'billing@demo-msp.example' },
        invoiceDelivery: { autoSend: true }, accounting: { autoPush: true },
      });
      await setSmtpPassword(app.ds, app.rt.secrets, tenantId, 'pw-demo');
    });
    after(async () => {
      await demo?.close();
      await qbo?.close();
      await smtp?.close();
      await app?.close();
    });

    const api = (user: TestUser, method: string, p: string, body?: unknown) => call(app, method, `/api/v1/tenants/${tenantId}${p}`, { token: user.token, body });

    async function session(user: TestUser): Promise<{ cookie: string; csrf: string }> {
      const login = await call(app, 'post', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
      return { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: login.body.csrfToken as string };
    }
    const web = (s: { cookie: string }, p: string, form?: Record<string, string>) => fetch(p.startsWith('http') ? p : `${app.url}${p}`, {
      method: form ? 'POST' : 'GET', redirect: 'manual', body: form ? new URLSearchParams(form) : undefined,
      headers: { cookie: s.cookie, ...(form ? { 'content-type': 'application/x-www-form-urlencoded', referer: `${app.url}/t/${tenantId}/accounting` } : {}) },
    });

    it('a draft of the demo data: a customer\'s priced monthly licence and managed services', async () => {
      expect((await api(admin, 'POST', '/mappings/generate', {})).status).to.equal(200);
      const subs = await app.ds.manager.find(Subscription, { where: { tenantId, kind: 'license', status: 'Active', billingTerm: 'Monthly' }, order: { name: 'ASC' } });
      const sub = subs.find((s) => s.customerId && s.price?.gt(0) && s.quantity.gt(1) && !/azure/i.test(s.name))!;
      expect(sub, 'a priced monthly licence in the demo data').to.not.equal(undefined);
      customerId = sub.customerId!;
      currency = sub.currency ?? 'USD';
      const ri = await api(admin, 'POST', '/recurring-invoices', { customerId, name: 'Monthly licences', frequency: 'monthly', startDate: '2027-03-10', currency, taxRate: '0.2' });
      expect(ri.status, ri.text).to.equal(201);
      const line = (body: object) => api(admin, 'POST', `/recurring-invoices/${ri.body.id}/lines`, body);
      expect((await line({ description: sub.name, subscriptionId: sub.id, freeQuantity: '1', reviewRequired: true })).status).to.equal(201);
      expect((await line({ description: 'Managed services', priceMode: 'own', unitPrice: '1250.00', prorata: 'none' })).status).to.equal(201);
      const run = await api(admin, 'POST', '/invoices/run', {});
      expect(run.status, run.text).to.equal(200);
      expect(run.body.created).to.have.length(1);
      expect(run.body.created[0].status).to.equal('draft');
      invoiceId = run.body.created[0].id;
      // The demo gave the customer a billing contact.
      expect((await billingContacts(new TenantScope(app.ds.manager, tenantId), customerId)).to).to.have.length(1);
    });

    it('the tenant connects a local QuickBooks through Connect and the callback, and maps it through the API', async () => {
      qbo = await startQuickBooksSandbox({ host: '127.0.0.1', port: 0, autoApprove: true, realms: [{ name: 'Demo Books Inc', homeCurrency: currency }] });
      const saved = await call(app, 'put', `/api/v1/tenants/${tenantId}/accounting/connections/quickbooks`, { token: admin.token, body: { clientId: qbo.clientId, clientSecret: qbo.clientSecret, ...qbo.endpoints } });
      expect(saved.status, saved.text).to.equal(200);
      const s = await session(admin);
      const connect = await web(s, `/t/${tenantId}/accounting/quickbooks/connect`, { _csrf: s.csrf });
      expect(connect.status).to.equal(303);
      const consent = await fetch(connect.headers.get('location')!, { redirect: 'manual' });
      const callback = consent.headers.get('location')!;
      expect(callback.startsWith(`${app.url}/accounting/quickbooks/callback?`), callback).to.equal(true);
      const back = await web(s, callback);
      expect(new URL(back.headers.get('location')!, app.url).searchParams.get('notice')).to.contain('Connected to');

      const created = await api(admin, 'POST', '/accounting/quickbooks/contacts/create-missing', {});
      expect(created.status, created.text).to.equal(200);
      expect(created.body.results.find((r: { customerId: string }) => r.customerId === customerId)?.outcome).to.be.oneOf(['created', 'linked']);
      const choices = await api(admin, 'GET', '/accounting/quickbooks/mappings');
      expect(choices.body.connected).to.equal(true);
      const services = (choices.body.ledgerTargets as Array<{ ref: string; name: string }>).find((t) => /services/i.test(t.name)) ?? choices.body.ledgerTargets[0];
      const tax20 = (choices.body.taxRates as Array<{ code: string; rate: string }>).find((r) => new Decimal(r.rate).eq('0.2'))!;
      expect(tax20, 'QuickBooks has a 20 % code').to.not.equal(undefined);
      for (const body of [{ kind: 'default_ledger', key: '', target: services.ref }, { kind: 'tax_rate', key: '0.2', target: tax20.code }]) {
        const r = await api(admin, 'PUT', '/accounting/quickbooks/mappings', body);
        expect(r.status, r.text).to.equal(200);
      }
    });

    it('approved: it reaches the customer\'s mailbox with its PDF, and appears once in Xero and once in QuickBooks as Recurra has it', async () => {
      const approved = await api(finance, 'POST', `/invoices/${invoiceId}/approve`, {});
      expect(approved.status, approved.text).to.equal(200);
      const scope = new TenantScope(app.ds.manager, tenantId);
      const inv = (await scope.repo(Invoice).findOneBy({ id: invoiceId }))!;
      const number = approved.body.number as string;
      const lines = await scope.repo(InvoiceLine).find({ where: { invoiceId }, order: { position: 'ASC' } });
      const customer = (await scope.repo(Customer).findOneBy({ id: customerId }))!;

      // The jobs the approval queued (invoices:deliver, accounting:push), run as the worker runs them.
      expect(await jobs.deliverInvoices(tenantId)).to.include({ sent: 1 });
      const pushed = await jobs.pushAccounting(tenantId);
      const rows = (await api(finance, 'GET', `/accounting/statuses?invoiceIds=${invoiceId}`)).body.items as Array<{ label: string }>;
      expect(pushed, rows.map((r) => r.label).join('; ')).to.include({ pushed: 2, failed: 0, retrying: 0 });

      const address = (await billingContacts(scope, customerId)).to[0]!;
      const mails = smtp!.mails.filter((m) => m.to.includes(address));
      expect(mails).to.have.length(1);
      const pdf = mimeParts(mails[0]!.raw).find((p) => p.headers.includes('content-type: application/pdf'));
      expect(pdf, 'a PDF part').to.not.equal(undefined);
      expect(pdf!.headers).to.contain(`${number.toLowerCase()}.pdf`).and.contain('content-disposition: attachment');
      const bytes = Buffer.from(pdf!.body.replace(/\s+/g, ''), 'base64');
      expect(bytes.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
      expect(bytes.length).to.be.greaterThan(1000);

      // Xero: the demo's own contact and mappings (account 200, 20 % on income).
      const xeroLink = (await scope.repo(AccountingContactLink).findOneBy({ vendor: 'xero', customerId }))!;
      const inXero = demo!.xero!.invoices().filter((d) => d['InvoiceNumber'] === number);
      expect(inXero).to.have.length(1);
      const x = inXero[0]!;
      expect(x['Contact']).to.include({ ContactID: xeroLink.externalContactId, Name: customer.name });
      expect([fixed(x['SubTotal']), fixed(x['TotalTax']), fixed(x['Total']), x['CurrencyCode']]).to.deep.equal([inv.subtotal.toFixed(2), inv.tax.toFixed(2), inv.total.toFixed(2), inv.currency]);
      expect((x['LineItems'] as Array<Record<string, unknown>>).map((l) => [l['AccountCode'], l['TaxType'], fixed(l['LineAmount']), fixed(l['TaxAmount'])]))
        .to.deep.equal(lines.map((l) => ['200', 'OUTPUT2', l.amount.toFixed(2), l.tax.toFixed(2)]));

      // QuickBooks: the created customer, the mapped item and 20 % code.
      const qbLink = (await scope.repo(AccountingContactLink).findOneBy({ vendor: 'quickbooks', customerId }))!;
      const maps = (await api(admin, 'GET', '/accounting/quickbooks/mappings')).body.mappings as Array<{ kind: string; target: string }>;
      const item = maps.find((m) => m.kind === 'default_ledger')!.target;
      const code = maps.find((m) => m.kind === 'tax_rate')!.target;
      const inQbo = qbo!.invoices().filter((d) => d['DocNumber'] === number);
      expect(inQbo).to.have.length(1);
      const q = inQbo[0]!;
      expect(ref(q['CustomerRef'])).to.equal(qbLink.externalContactId);
      expect([fixed(q['TotalAmt']), fixed((q['TxnTaxDetail'] as { TotalTax?: unknown } | undefined)?.TotalTax), ref(q['CurrencyRef'])]).to.deep.equal([inv.total.toFixed(2), inv.tax.toFixed(2), inv.currency]);
      const qLines = (q['Line'] as Array<Record<string, unknown>>).filter((l) => l['DetailType'] === 'SalesItemLineDetail');
      expect(qLines.map((l) => [ref((l['SalesItemLineDetail'] as Record<string, unknown>)['ItemRef']), ref((l['SalesItemLineDetail'] as Record<string, unknown>)['TaxCodeRef']), fixed(l['Amount'])]))
        .to.deep.equal(lines.map((l) => [item, code, l.amount.toFixed(2)]));
    });

    it('a payment recorded in each reads back as paid (API and invoice page); the push job run again creates nothing', async () => {
      const number = (await api(admin, 'GET', `/invoices/${invoiceId}`)).body.number as string;
      const total = (await app.ds.manager.findOneBy(Invoice, { id: invoiceId }))!.total.toFixed(2);
      const x = demo!.xero!.invoices().find((d) => d['InvoiceNumber'] === number)!;
      const q = qbo!.invoices().find((d) => d['DocNumber'] === number)!;
      demo!.xero!.recordPayment(String(x['InvoiceID']), total);
      qbo!.recordPayment(String(q['Id']), total);

      const read = await jobs.accountingPayments(tenantId);
      expect(read.problems).to.deep.equal([]);
      const statuses = await api(finance, 'GET', `/accounting/statuses?invoiceIds=${invoiceId}`);
      expect(statuses.status, statuses.text).to.equal(200);
      expect((statuses.body.items as Array<{ vendor: string; payment: string; amountDue: string; label: string }>).map((s) => [s.vendor, s.payment, new Decimal(s.amountDue).toFixed(2), s.label]).sort())
        .to.deep.equal([['quickbooks', 'paid', '0.00', 'paid in QuickBooks'], ['xero', 'paid', '0.00', 'paid in Xero']]);
      const page = await (await web(await session(finance), `/t/${tenantId}/invoices/${invoiceId}`)).text();
      const books = /<table id="invoice-books">([\s\S]*?)<\/table>/.exec(page)?.[1] ?? '';
      expect(books).to.contain('paid in Xero').and.contain('paid in QuickBooks');

      const counts = () => [demo!.xero!.invoices().length, demo!.xero!.creditNotes().length, qbo!.invoices().length, qbo!.creditMemos().length];
      const before = counts();
      for (const vendor of ['xero', 'quickbooks']) {
        const again = await api(admin, 'POST', `/accounting/${vendor}/push`, { invoiceIds: [invoiceId] });
        expect(again.status, again.text).to.equal(202);
      }
      const rerun = await jobs.pushAccounting(tenantId);
      expect(rerun).to.include({ pushed: 0, unchanged: 2, failed: 0, refused: 0 });
      expect(counts()).to.deep.equal(before);
      expect(demo!.xero!.invoices().filter((d) => d['InvoiceNumber'] === number)).to.have.length(1);
      expect(qbo!.invoices().filter((d) => d['DocNumber'] === number)).to.have.length(1);
    });
  },
);

import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { XeroApiError, XeroClient, amount, xeroDate, type XeroClientOptions, type XeroInvoiceInput, type XeroSession } from '../../../src/xero/client/index.js';
import { startXeroSandbox, type RunningXeroSandbox, type XeroSandboxOptions } from '../../../src/xero/sandbox/index.js';

/**
 * The Xero client against the local Xero sandbox over real HTTP: OAuth (consent page, code, refresh rotation,
 * expiry on an injected clock, revocation), contacts, accounts, tax rates, invoices and credit notes, Xero's
 * validation words, and the limits (pacing, 429 Retry-After, the daily cap).
 */
const REDIRECT = 'http://127.0.0.1:3999/integrations/xero/callback';
const START = Date.parse('2026-11-15T12:00:00Z');

async function rejection(p: Promise<unknown>): Promise<XeroApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(XeroApiError);
    return e as XeroApiError;
  }
  expect.fail('expected a XeroApiError');
}

interface Rig {
  sb: RunningXeroSandbox;
  client: XeroClient;
  clock: { t: number };
  session: XeroSession;
  refreshToken: string;
  connectionKey: string;
}

async function rig(sandbox: XeroSandboxOptions = {}, client: Partial<XeroClientOptions> = {}): Promise<Rig> {
  const clock = { t: START };
  const sb = await startXeroSandbox({ autoApprove: true, rateLimits: null, now: () => clock.t, ...sandbox });
  const connectionKey = client.connectionKey ?? `test-${randomUUID()}`;
  const c = new XeroClient({
    clientId: sb.clientId, clientSecret: sb.clientSecret, redirectUri: REDIRECT, endpoints: sb.endpoints,
    connectionKey, now: () => clock.t, backoffBaseMs: 5,
    // The functional tests run against an unlimited sandbox; the limits tests set both sides.
    pacing: { perMinute: 100_000, windowMs: 60_000, concurrent: 5 }, ...client,
  });
  const code = await authorize(c);
  const tokens = await c.exchangeCode(code);
  return { sb, client: c, clock, session: { accessToken: tokens.accessToken, tenantId: sb.tenantId }, refreshToken: tokens.refreshToken, connectionKey };
}

/** Follows an auto-approving authorize URL to the callback and reads the code (checking the state came back). */
async function authorize(c: XeroClient, state = 'st-1'): Promise<string> {
  const res = await fetch(c.authorizeUrl(state), { redirect: 'manual' });
  expect(res.status).to.equal(302);
  const back = new URL(res.headers.get('location')!);
  expect(`${back.origin}${back.pathname}`).to.equal(REDIRECT);
  expect(back.searchParams.get('state')).to.equal(state);
  return back.searchParams.get('code')!;
}

function invoiceInput(contactId: string, number: string, over: Partial<XeroInvoiceInput> = {}): XeroInvoiceInput {
  return {
    Type: 'ACCREC', InvoiceNumber: number, Reference: number, Contact: { ContactID: contactId }, Date: '2026-11-01', DueDate: '2026-11-15',
    Status: 'AUTHORISED', LineAmountTypes: 'Exclusive', CurrencyCode: 'GBP',
    LineItems: [
      { Description: 'Microsoft 365 Business Premium × 12', Quantity: 12, UnitAmount: '18.1000', LineAmount: '217.20', AccountCode: '200', TaxType: 'OUTPUT2', TaxAmount: '43.44' },
      { Description: 'Support (exempt)', Quantity: 1, UnitAmount: '50.00', LineAmount: '50.00', AccountCode: '260', TaxType: 'EXEMPTOUTPUT', TaxAmount: '0.00' },
    ],
    ...over,
  };
}

describe('Xero client against the Xero sandbox', function () {
  this.timeout(60_000);

  describe('OAuth 2.0', () => {
    let r: Rig;
    before(async () => {
      r = await rig();
    });
    after(() => r.sb.close());

    it('the authorize URL carries the scopes, state, client and redirect; the consent page redirects with a code on "Allow access"', async () => {
      const sb = await startXeroSandbox({ redirectUris: [REDIRECT] });
      try {
        const c = new XeroClient({ clientId: sb.clientId, clientSecret: sb.clientSecret, redirectUri: REDIRECT, endpoints: sb.endpoints, connectionKey: randomUUID() });
        const url = new URL(c.authorizeUrl('xyz 1'));
        expect(url.searchParams.get('scope')).to.equal('offline_access accounting.transactions accounting.contacts accounting.settings');
        expect(url.searchParams.get('response_type')).to.equal('code');
        const page = await fetch(url);
        const html = await page.text();
        expect(html).to.contain('Allow access').and.to.contain('Demo Company (UK)');
        const form = new URLSearchParams([...url.searchParams.entries(), ['decision', 'allow']]);
        const allowed = await fetch(`${sb.baseUrl}/identity/connect/authorize`, { method: 'POST', body: form, redirect: 'manual' });
        expect(allowed.status).to.equal(302);
        const back = new URL(allowed.headers.get('location')!);
        expect(back.searchParams.get('state')).to.equal('xyz 1');
        const tokens = await c.exchangeCode(back.searchParams.get('code')!);
        expect(tokens.accessToken).to.be.a('string');
        // A redirect URI that is not registered is refused on the page, before any code exists.
        const other = new XeroClient({ clientId: sb.clientId, clientSecret: sb.clientSecret, redirectUri: 'http://127.0.0.1:9/not-registered', endpoints: sb.endpoints, connectionKey: randomUUID() });
        expect((await fetch(other.authorizeUrl('s'), { redirect: 'manual' })).status).to.equal(400);
        const denied = await fetch(`${sb.baseUrl}/identity/connect/authorize`, { method: 'POST', body: new URLSearchParams([...url.searchParams.entries(), ['decision', 'deny']]), redirect: 'manual' });
        expect(new URL(denied.headers.get('location')!).searchParams.get('error')).to.equal('access_denied');
      } finally {
        await sb.close();
      }
    });

    it('a code works once; connections name the organisation', async () => {
      const code = await authorize(r.client);
      const tokens = await r.client.exchangeCode(code);
      expect(tokens.accessExpiresAt).to.equal(START + 30 * 60_000);
      const again = await rejection(r.client.exchangeCode(code));
      expect(again.kind).to.equal('unauthorized');
      expect(again.reasons).to.deep.equal(['invalid_grant']);
      const connections = await r.client.connections(tokens.accessToken);
      expect(connections).to.have.length(1);
      expect(connections[0]).to.include({ tenantId: r.sb.tenantId, tenantName: 'Demo Company (UK)', tenantType: 'ORGANISATION' });
    });

    it('refresh rotates the refresh token: the new one works, the old one is refused', async () => {
      const first = await r.client.refresh(r.refreshToken);
      expect(first.refreshToken).to.not.equal(r.refreshToken);
      const old = await rejection(r.client.refresh(r.refreshToken));
      expect(old.kind).to.equal('unauthorized');
      const second = await r.client.refresh(first.refreshToken);
      expect((await r.client.accounts({ accessToken: second.accessToken, tenantId: r.sb.tenantId })).length).to.be.greaterThan(5);
      r.refreshToken = second.refreshToken;
      r.session = { accessToken: second.accessToken, tenantId: r.sb.tenantId };
    });

    it('with a grace period (Xero documents 30 minutes) the old refresh token may be retried until it ends', async () => {
      const g = await rig({ refreshGraceMs: 30 * 60_000 });
      try {
        const a = await g.client.refresh(g.refreshToken);
        const retried = await g.client.refresh(g.refreshToken);
        expect(retried.accessToken).to.not.equal(a.accessToken);
        g.clock.t += 31 * 60_000;
        expect((await rejection(g.client.refresh(g.refreshToken))).kind).to.equal('unauthorized');
        await g.client.refresh(retried.refreshToken);
      } finally {
        await g.sb.close();
      }
    });

    it('the access token expires after 30 minutes of the (injected) clock; a refresh brings a working one', async () => {
      r.clock.t += 29 * 60_000;
      await r.client.taxRates(r.session);
      r.clock.t += 2 * 60_000;
      const expired = await rejection(r.client.taxRates(r.session));
      expect(expired.kind).to.equal('unauthorized');
      expect(expired.status).to.equal(401);
      expect(expired.reasons.join(' ')).to.match(/^TokenExpired/);
      const fresh = await r.client.refresh(r.refreshToken);
      r.refreshToken = fresh.refreshToken;
      r.session = { accessToken: fresh.accessToken, tenantId: r.sb.tenantId };
      expect((await r.client.taxRates(r.session)).length).to.be.greaterThan(3);
    });

    it('a wrong tenant id is 403 (unauthorized); revoke ends both tokens', async () => {
      expect((await rejection(r.client.accounts({ ...r.session, tenantId: randomUUID() }))).status).to.equal(403);
      await r.client.revoke(r.refreshToken);
      expect((await rejection(r.client.accounts(r.session))).kind).to.equal('unauthorized');
      expect((await rejection(r.client.refresh(r.refreshToken))).kind).to.equal('unauthorized');
    });

    it('a wrong client secret is refused at the token endpoint', async () => {
      const bad = new XeroClient({ clientId: r.sb.clientId, clientSecret: 'nope', redirectUri: REDIRECT, endpoints: r.sb.endpoints, connectionKey: randomUUID() });
      const e = await rejection(bad.exchangeCode(await authorize(r.client)));
      expect(e.kind).to.equal('unauthorized');
      expect(e.reasons).to.deep.equal(['invalid_client']);
    });
  });

  describe('contacts, accounts, tax rates, invoices and credit notes', () => {
    let r: Rig;
    let contactId: string;
    before(async () => {
      r = await rig();
    });
    after(() => r.sb.close());

    it('accounts: the default chart has 200 Sales and 260 Other Revenue; tax rates include OUTPUT2 at 20 %', async () => {
      const accounts = await r.client.accounts(r.session);
      expect(accounts.find((a) => a.Code === '200')).to.include({ Name: 'Sales', Class: 'REVENUE', Status: 'ACTIVE' });
      expect(accounts.find((a) => a.Code === '260')).to.include({ Name: 'Other Revenue', Class: 'REVENUE' });
      const revenue = await r.client.accounts(r.session, 'Class=="REVENUE" AND Status=="ACTIVE"');
      expect(revenue.map((a) => a.Code)).to.deep.equal(['200', '250', '260', '270']);
      const rates = await r.client.taxRates(r.session);
      expect(rates.find((t) => t.TaxType === 'OUTPUT2')).to.include({ EffectiveRate: 20, Status: 'ACTIVE' });
      expect(rates.map((t) => t.TaxType)).to.include.members(['ZERORATEDOUTPUT', 'EXEMPTOUTPUT', 'NONE']);
    });

    it('contacts: create, a duplicate name refused in Xero\'s words, every page listed, where filters', async () => {
      const c = await r.client.createContact(r.session, { Name: 'Contoso Ltd', EmailAddress: 'accounts@contoso.example' });
      contactId = c.ContactID;
      const dup = await rejection(r.client.createContact(r.session, { Name: 'contoso ltd' }));
      expect(dup.kind).to.equal('invalid');
      expect(dup.reasons).to.deep.equal(['The contact name contoso ltd is already assigned to another contact. The contact name must be unique across all active contacts.']);
      for (let i = 0; i < 104; i++) await r.client.createContact(r.session, { Name: `Customer ${String(i).padStart(3, '0')}` });
      const all = await r.client.contacts(r.session);
      expect(all).to.have.length(105);
      const page2 = await r.client.contactsPage(r.session, 2);
      expect(page2.pagination).to.deep.equal({ page: 2, pageSize: 100, pageCount: 2, itemCount: 105 });
      expect(page2.contacts).to.have.length(5);
      const byEmail = await r.client.contacts(r.session, { where: 'EmailAddress=="accounts@contoso.example"' });
      expect(byEmail.map((x) => x.ContactID)).to.deep.equal([contactId]);
      expect(r.sb.counters().contactsCreated).to.equal(105);
    });

    it('invoice: create, find by number, update, then paid in Xero: an update is refused with Xero\'s reason', async () => {
      const created = await r.client.createInvoice(r.session, invoiceInput(contactId, 'INV-000101'));
      expect(created).to.include({ InvoiceNumber: 'INV-000101', Status: 'AUTHORISED', Type: 'ACCREC', Reference: 'INV-000101' });
      expect(amount(created.Total).toFixed(2)).to.equal('310.64');
      expect(amount(created.TotalTax).toFixed(2)).to.equal('43.44');
      expect(xeroDate(created.DueDate)).to.equal('2026-11-15');

      const [found] = await r.client.invoices(r.session, { InvoiceNumbers: ['INV-000101'] });
      expect(found!.InvoiceID).to.equal(created.InvoiceID);
      expect(await r.client.invoices(r.session, { InvoiceNumbers: ['INV-404'] })).to.deep.equal([]);

      r.clock.t += 60_000;
      const updated = await r.client.updateInvoice(r.session, created.InvoiceID, invoiceInput(contactId, 'INV-000101', {
        LineItems: [{ Description: 'Microsoft 365 Business Premium × 13', Quantity: 13, UnitAmount: '18.10', LineAmount: '235.30', AccountCode: '200', TaxType: 'OUTPUT2', TaxAmount: '47.06' }],
      }));
      expect(amount(updated.Total).toFixed(2)).to.equal('282.36');
      expect(updated.UpdatedDateUTC).to.not.equal(created.UpdatedDateUTC);
      expect(r.sb.counters()).to.include({ invoicesCreated: 1, invoicesUpdated: 1 });

      r.sb.recordPayment(created.InvoiceID, '100.00');
      const part = (await r.client.invoice(r.session, created.InvoiceID))!;
      expect(part).to.include({ Status: 'AUTHORISED', AmountPaid: 100, AmountDue: 182.36 });
      r.sb.recordPayment(created.InvoiceID, '182.36');
      const paid = (await r.client.invoices(r.session, { IDs: [created.InvoiceID] }))[0]!;
      expect(paid).to.include({ Status: 'PAID', AmountPaid: 282.36, AmountDue: 0 });

      const refused = await rejection(r.client.updateInvoice(r.session, created.InvoiceID, invoiceInput(contactId, 'INV-000101')));
      expect(refused.kind).to.equal('locked');
      expect(refused.reasons).to.deep.equal(['This document cannot be edited as it has a payment or credit note allocated to it.']);
      expect(refused.message).to.contain('cannot be edited as it has a payment');
    });

    it('a voided invoice cannot be updated either; a second invoice with the same number is refused', async () => {
      const inv = await r.client.createInvoice(r.session, invoiceInput(contactId, 'INV-000102'));
      r.sb.voidInvoice(inv.InvoiceID);
      const refused = await rejection(r.client.updateInvoice(r.session, inv.InvoiceID, invoiceInput(contactId, 'INV-000102')));
      expect(refused.kind).to.equal('locked');
      expect(refused.reasons).to.deep.equal(['Invoice not of valid status for modification']);
      const again = await rejection(r.client.createInvoice(r.session, invoiceInput(contactId, 'INV-000101')));
      expect(again.reasons).to.deep.equal(['Invoice # must be unique.']);
    });

    it('validation errors come back in Xero\'s words: unknown account code, unknown tax type, archived account, wrong tax', async () => {
      const e = await rejection(r.client.createInvoice(r.session, invoiceInput(contactId, 'INV-000103', {
        LineItems: [
          { Description: 'a', Quantity: 1, UnitAmount: 10, AccountCode: '999', TaxType: 'OUTPUT2', TaxAmount: 2 },
          { Description: 'b', Quantity: 1, UnitAmount: 10, AccountCode: '200', TaxType: 'OUTPUT9' },
          { Description: 'c', Quantity: 1, UnitAmount: 10, AccountCode: '280', TaxType: 'OUTPUT2', TaxAmount: 2 },
          { Description: 'd', Quantity: 1, UnitAmount: 10, AccountCode: '200', TaxType: 'OUTPUT2', TaxAmount: 5 },
        ],
      })));
      expect(e.kind).to.equal('invalid');
      expect(e.status).to.equal(400);
      expect(e.reasons).to.deep.equal([
        "Account code '999' is not a valid code for this document.",
        'The TaxType code OUTPUT9 does not exist or cannot be used for this type of transaction.',
        "Account code '280' has been archived, or has been deleted. Each line item must reference a valid account.",
        'Line item 4: the TaxAmount differs from the tax rate applied to the LineAmount by more than the rounding allowed.',
      ]);
      const noContact = await rejection(r.client.createInvoice(r.session, invoiceInput(randomUUID(), 'INV-000104')));
      expect(noContact.reasons[0]).to.match(/^The contact with ContactID .* could not be found\.$/);
      expect(r.sb.invoices().map((i) => i['InvoiceNumber'])).to.not.include('INV-000103');
    });

    it('credit note: create (ACCRECCREDIT), find by CreditNoteNumber, read its remaining credit', async () => {
      const cn = await r.client.createCreditNote(r.session, {
        Type: 'ACCRECCREDIT', CreditNoteNumber: 'INV-000110', Reference: 'INV-000110', Contact: { ContactID: contactId }, Date: '2026-11-02',
        Status: 'AUTHORISED', LineAmountTypes: 'Exclusive', CurrencyCode: 'GBP',
        LineItems: [{ Description: 'Licence decrease credit', Quantity: 2, UnitAmount: '18.10', LineAmount: '36.20', AccountCode: '200', TaxType: 'OUTPUT2', TaxAmount: '7.24' }],
      });
      expect(cn).to.include({ CreditNoteNumber: 'INV-000110', Type: 'ACCRECCREDIT', Status: 'AUTHORISED', Total: 43.44, RemainingCredit: 43.44 });
      const found = await r.client.creditNotes(r.session, { where: 'CreditNoteNumber=="INV-000110"' });
      expect(found.map((c) => c.CreditNoteID)).to.deep.equal([cn.CreditNoteID]);
      r.sb.recordPayment(cn.CreditNoteID, '43.44');
      expect(await r.client.creditNote(r.session, cn.CreditNoteID)).to.include({ Status: 'PAID', RemainingCredit: 0 });
      expect(await r.client.creditNote(r.session, randomUUID())).to.equal(null);
    });
  });

  describe('limits', () => {
    it('a burst of 70 calls is paced to the limits: the sandbox answers no 429 and never sees more than 5 at once', async () => {
      const limits = { perMinute: 20, windowMs: 1000, concurrent: 5 };
      const r = await rig({ rateLimits: { ...limits, daily: 5000 }, latencyMs: 25 }, { pacing: limits });
      try {
        r.sb.resetCounters();
        const answers = await Promise.all(Array.from({ length: 70 }, () => r.client.accounts(r.session)));
        expect(answers.every((a) => a.length > 5)).to.equal(true);
        const c = r.sb.counters();
        expect(c.apiCalls).to.equal(70);
        expect(c.rateLimited).to.deep.equal({ minute: 0, day: 0, concurrent: 0 });
        expect(c.maxInFlight).to.be.at.most(5);
        expect(r.client.maxInFlight).to.equal(5);
      } finally {
        await r.sb.close();
      }
    });

    it('two clients of one connection in one process share its limiter', async () => {
      const limits = { perMinute: 15, windowMs: 1000, concurrent: 5 };
      const r = await rig({ rateLimits: { ...limits, daily: 5000 }, latencyMs: 20 }, { pacing: limits, connectionKey: `shared-${randomUUID()}` });
      try {
        const second = new XeroClient({
          clientId: r.sb.clientId, clientSecret: r.sb.clientSecret, redirectUri: REDIRECT, endpoints: r.sb.endpoints,
          connectionKey: r.connectionKey, pacing: limits,
        });
        r.sb.resetCounters();
        await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? second : r.client).taxRates(r.session)));
        const c = r.sb.counters();
        expect(c.apiCalls).to.equal(40);
        expect(c.rateLimited).to.deep.equal({ minute: 0, day: 0, concurrent: 0 });
        expect(c.maxInFlight).to.be.at.most(5);
      } finally {
        await r.sb.close();
      }
    });

    it('without pacing, Xero\'s minute 429s are outwaited through Retry-After and every call still succeeds', async () => {
      const r = await rig({ rateLimits: { perMinute: 10, windowMs: 1000, concurrent: 50, daily: 5000 } }, { pacing: { perMinute: 1000, windowMs: 1000, concurrent: 50 } });
      try {
        r.sb.resetCounters();
        const answers = await Promise.all(Array.from({ length: 15 }, () => r.client.taxRates(r.session)));
        expect(answers).to.have.length(15);
        const c = r.sb.counters();
        expect(c.rateLimited.minute).to.be.greaterThan(0);
        expect(c.apiCalls - c.rateLimited.minute).to.equal(15);
      } finally {
        await r.sb.close();
      }
    });

    it('the daily limit is rate_limited at once (no retry), later calls fail fast, and a day later calls go through', async () => {
      const r = await rig({ rateLimits: { perMinute: 60, windowMs: 60_000, concurrent: 5, daily: 3 } });
      try {
        for (let i = 0; i < 3; i++) await r.client.taxRates(r.session);
        const e = await rejection(r.client.taxRates(r.session));
        expect(e.kind).to.equal('rate_limited');
        expect(e.message).to.contain('daily call limit');
        expect(r.sb.counters().rateLimited.day).to.equal(1);
        const before = r.sb.counters().apiCalls;
        expect((await rejection(r.client.accounts(r.session))).kind).to.equal('rate_limited');
        expect(r.sb.counters().apiCalls).to.equal(before);
        r.clock.t += 24 * 3_600_000;
        // The access token expired meanwhile: refresh, then the day's calls are back.
        const fresh = await r.client.refresh(r.refreshToken);
        expect((await r.client.taxRates({ accessToken: fresh.accessToken, tenantId: r.sb.tenantId })).length).to.be.greaterThan(3);
      } finally {
        await r.sb.close();
      }
    });

    it('a 5xx or a lost answer is retried a bounded number of times; the Idempotency-Key keeps a retried create single', async () => {
      let mode: 'drop-first-answer' | 'fail-always' | 'pass' = 'drop-first-answer';
      let dropped = 0;
      const flaky: typeof fetch = async (input, init) => {
        if (mode === 'fail-always') {
          dropped++;
          return new Response('upstream broke', { status: 503 });
        }
        const res = await fetch(input, init);
        if (mode === 'drop-first-answer' && init?.method === 'PUT' && dropped === 0) {
          dropped++;
          await res.text();
          throw new TypeError('fetch failed: socket hang up');
        }
        return res;
      };
      const r = await rig({}, { fetch: flaky });
      try {
        const contact = await r.client.createContact(r.session, { Name: 'Fabrikam' });
        expect(dropped).to.equal(1);
        expect(contact.Name).to.equal('Fabrikam');
        expect(r.sb.counters().contactsCreated).to.equal(1);
        mode = 'pass';
        const inv = await r.client.createInvoice(r.session, invoiceInput(contact.ContactID, 'INV-000200'));
        expect(inv.InvoiceNumber).to.equal('INV-000200');
        mode = 'fail-always';
        dropped = 0;
        const e = await rejection(r.client.invoices(r.session, { InvoiceNumbers: ['INV-000200'] }));
        expect(e.kind).to.equal('unavailable');
        expect(dropped).to.equal(3);
      } finally {
        await r.sb.close();
      }
    });
  });
});

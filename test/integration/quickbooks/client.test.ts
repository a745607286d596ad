import { expect } from 'chai';
import { QuickBooksClient, QuickBooksError, whereEq, whereIn, type QuickBooksSession } from '../../../src/quickbooks/client/index.js';
import { startQuickBooksSandbox, type RunningQuickBooksSandbox } from '../../../src/quickbooks/sandbox/index.js';

const REDIRECT = 'http://127.0.0.1:9/accounting/quickbooks/callback';
const PACED = 2;
const T0 = Date.parse('2026-11-20T09:00:00Z');

/** Follows the sandbox's consent: the page, then its Connect button; answers the callback's query. */
async function consent(url: string): Promise<URLSearchParams> {
  const page = await fetch(url, { redirect: 'manual' });
  if (page.status === 302) return new URL(page.headers.get('location')!).searchParams;
  expect(page.status).to.equal(200);
  const html = await page.text();
  expect(html).to.contain('>Connect</button>');
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';
  const realm = /<option value="([^"]+)"/.exec(html)![1]!;
  const action = new URL('/connect/oauth2/decision', url);
  const res = await fetch(action, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ redirect_uri: field('redirect_uri').replace(/&#38;/g, '&'), state: field('state'), client_id: field('client_id'), realmId: realm, decision: 'connect' }).toString(),
  });
  expect(res.status).to.equal(302);
  return new URL(res.headers.get('location')!).searchParams;
}

describe('QuickBooks client against the local QuickBooks Online sandbox (real HTTP)', function () {
  let sb: RunningQuickBooksSandbox;
  let clock = T0;
  let client: QuickBooksClient;
  let session: QuickBooksSession;
  let refreshToken: string;
  let attempts: number[] = [];

  const newClient = (extra: Partial<ConstructorParameters<typeof QuickBooksClient>[0]> = {}) =>
    new QuickBooksClient({
      clientId: sb.clientId,
      clientSecret: sb.clientSecret,
      redirectUri: REDIRECT,
      endpoints: sb.endpoints,
      now: () => clock,
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
      limits: { perMinute: null, concurrent: 10 },
      onAttempt: (status) => attempts.push(status),
      ...extra,
    });

  before(async () => {
    sb = await startQuickBooksSandbox({ now: () => clock });
    client = newClient();
  });
  after(async () => {
    await sb.close();
  });
  beforeEach(() => {
    attempts = [];
  });

  it('connects through the consent page: the callback carries code, state and realmId; the code buys tokens once', async () => {
    const url = client.authorizationUrl('st-123');
    const u = new URL(url);
    expect(u.searchParams.get('scope')).to.equal('com.intuit.quickbooks.accounting');
    expect(u.searchParams.get('response_type')).to.equal('code');
    const cb = await consent(url);
    expect(cb.get('state')).to.equal('st-123');
    expect(cb.get('realmId')).to.equal(sb.realmId);
    const tokens = await client.exchangeCode(cb.get('code')!);
    expect(tokens.accessExpiresAt.getTime()).to.equal(T0 + 3600_000);
    expect(tokens.refreshExpiresAt!.getTime()).to.equal(T0 + 8_726_400_000);
    session = { accessToken: tokens.accessToken, realmId: cb.get('realmId')! };
    refreshToken = tokens.refreshToken;
    const again = await client.exchangeCode(cb.get('code')!).catch((e: unknown) => e);
    expect(again).to.be.instanceOf(QuickBooksError);
    expect((again as QuickBooksError).kind).to.equal('unauthorized');
  });

  it('the access token stops after 60 minutes of the sandbox clock; a refresh answers a new pair and the old refresh token no longer works', async () => {
    clock += 61 * 60_000;
    const expired = await client.query(session, 'Item').catch((e: unknown) => e);
    expect((expired as QuickBooksError).kind).to.equal('unauthorized');
    expect((expired as QuickBooksError).status).to.equal(401);
    expect((expired as QuickBooksError).message).to.contain('Token expired');
    const fresh = await client.refresh(refreshToken);
    expect(fresh.refreshToken).to.not.equal(refreshToken);
    expect(fresh.accessExpiresAt.getTime()).to.equal(clock + 3600_000);
    const reused = await client.refresh(refreshToken).catch((e: unknown) => e);
    expect((reused as QuickBooksError).kind).to.equal('unauthorized');
    session = { ...session, accessToken: fresh.accessToken };
    refreshToken = fresh.refreshToken;
    expect((await client.query(session, 'Item')).items.map((i) => i.Name)).to.include.members(['Services', 'Hours']);
  });

  it('reads items with their income accounts, and tax codes with their rates', async () => {
    const items = await client.queryAll(session, 'Item');
    expect(items.find((i) => i.Name === 'Services')!.IncomeAccountRef!.value).to.be.a('string');
    const codes = await client.queryAll(session, 'TaxCode');
    expect(codes.map((c) => c.Id)).to.include.members(['TAX', 'NON']);
    const standard = codes.find((c) => c.Name === '20.0% S')!;
    const rates = await client.queryAll(session, 'TaxRate');
    const rate = rates.find((r) => r.Id === standard.SalesTaxRateList!.TaxRateDetail[0]!.TaxRateRef.value)!;
    expect(rate.RateValue).to.equal(20);
  });

  it('creates customers (a duplicate name is refused in Intuit\'s words) and pages through them with STARTPOSITION/MAXRESULTS', async () => {
    for (let i = 0; i < 5; i++) await client.createCustomer(session, { DisplayName: `Paging Customer ${i}`, PrimaryEmailAddr: { Address: `p${i}@example.com` } });
    const dup = await client.createCustomer(session, { DisplayName: 'Paging Customer 0' }).catch((e: unknown) => e);
    expect((dup as QuickBooksError).kind).to.equal('invalid');
    expect((dup as QuickBooksError).message).to.contain('Duplicate Name Exists Error');
    sb.resetStats();
    const all = await client.queryAll(session, 'Customer', undefined, 2);
    expect(all.map((c) => c.DisplayName)).to.include.members(['Paging Customer 0', 'Paging Customer 4']);
    expect(all).to.have.length(7); // the two the sandbox starts with, and five
    expect(sb.stats().byOperation['query Customer']).to.equal(4); // 2 + 2 + 2 + 1
    const page2 = await client.query(session, 'Customer', { startPosition: 3, maxResults: 2 });
    expect(page2.items.map((c) => c.DisplayName)).to.deep.equal([all[2]!.DisplayName, all[3]!.DisplayName]);
    const byName = await client.query(session, 'Customer', { where: whereEq('DisplayName', "Paging Customer 3") });
    expect(byName.items).to.have.length(1);
  });

  let invoiceId: string;
  let syncToken: string;
  let customerId: string;

  it('creates an invoice, finds it by DocNumber, updates it with its SyncToken, and refuses a stale SyncToken as a conflict', async () => {
    customerId = (await client.query(session, 'Customer', { where: whereEq('DisplayName', 'Northwind Traders') })).items[0]!.Id;
    const created = await client.saveInvoice(session, {
      DocNumber: 'INV-000101',
      TxnDate: '2026-11-01',
      DueDate: '2026-12-01',
      CustomerRef: { value: customerId },
      GlobalTaxCalculation: 'TaxExcluded',
      Line: [
        { DetailType: 'SalesItemLineDetail', Amount: 100, Description: 'Licences', SalesItemLineDetail: { ItemRef: { value: '3' }, Qty: 10, UnitPrice: 10, TaxCodeRef: { value: '2' }, ServiceDate: '2026-11-01' } },
      ],
    });
    expect(created.TotalAmt).to.equal(120);
    expect(created.Balance).to.equal(120);
    expect(created.SyncToken).to.equal('0');
    invoiceId = created.Id;

    const found = await client.query(session, 'Invoice', { where: whereEq('DocNumber', 'INV-000101') });
    expect(found.items.map((i) => i.Id)).to.deep.equal([invoiceId]);
    const byIds = await client.query(session, 'Invoice', { where: whereIn('Id', [invoiceId, '999']) });
    expect(byIds.items).to.have.length(1);

    const updated = await client.saveInvoice(session, {
      Id: invoiceId,
      SyncToken: created.SyncToken,
      sparse: true,
      Line: [{ DetailType: 'SalesItemLineDetail', Amount: 150, SalesItemLineDetail: { ItemRef: { value: '3' }, Qty: 15, UnitPrice: 10, TaxCodeRef: { value: '2' } } }],
      TxnTaxDetail: { TotalTax: 30 },
    });
    expect(updated.SyncToken).to.equal('1');
    expect(updated.TotalAmt).to.equal(180);
    expect(updated.DocNumber).to.equal('INV-000101');
    syncToken = updated.SyncToken;

    const stale = await client.saveInvoice(session, { Id: invoiceId, SyncToken: '0', sparse: true, PrivateNote: 'late' }).catch((e: unknown) => e);
    expect(stale).to.be.instanceOf(QuickBooksError);
    expect((stale as QuickBooksError).kind).to.equal('conflict');
    expect((stale as QuickBooksError).codes).to.deep.equal(['5010']);
    expect((stale as QuickBooksError).message).to.contain('Stale Object Error');
  });

  it('refuses a second invoice with the same DocNumber (Fault 6140), a DocNumber over 21 characters and an unknown item, in Intuit\'s words', async () => {
    const line = { DetailType: 'SalesItemLineDetail' as const, Amount: 5, SalesItemLineDetail: { ItemRef: { value: '1' } } };
    const dup = await client.saveInvoice(session, { DocNumber: 'INV-000101', CustomerRef: { value: customerId }, Line: [line] }).catch((e: unknown) => e);
    expect((dup as QuickBooksError).kind).to.equal('duplicate');
    expect((dup as QuickBooksError).message).to.contain('Duplicate Document Number Error');
    const long = await client.saveInvoice(session, { DocNumber: 'X'.repeat(22), CustomerRef: { value: customerId }, Line: [line] }).catch((e: unknown) => e);
    expect((long as QuickBooksError).kind).to.equal('invalid');
    expect((long as QuickBooksError).faults[0]!.Detail).to.contain('Max:21');
    const badItem = await client.saveInvoice(session, { CustomerRef: { value: customerId }, Line: [{ ...line, SalesItemLineDetail: { ItemRef: { value: '404' } } }] }).catch((e: unknown) => e);
    expect((badItem as QuickBooksError).kind).to.equal('invalid');
    expect((badItem as QuickBooksError).message).to.contain('Invalid Reference Id');
    const badAmount = await client
      .saveInvoice(session, { CustomerRef: { value: customerId }, Line: [{ ...line, Amount: 7, SalesItemLineDetail: { ItemRef: { value: '1' }, Qty: 2, UnitPrice: 3 } }] })
      .catch((e: unknown) => e);
    expect((badAmount as QuickBooksError).message).to.contain('Amount is not equal to UnitPrice * Qty');
  });

  it('reads payments back (Balance falls, LinkedTxn names the Payment), and a paid invoice refuses an update with a clear reason', async () => {
    const { paymentId } = sb.recordPayment(invoiceId, '80');
    let inv = await client.read(session, 'Invoice', invoiceId);
    expect(inv.Balance).to.equal(100);
    expect(inv.LinkedTxn).to.deep.include({ TxnId: paymentId, TxnType: 'Payment' });
    expect(Number(inv.SyncToken)).to.be.greaterThan(Number(syncToken)); // the payment moved the SyncToken
    sb.recordPayment(invoiceId, '100');
    inv = await client.read(session, 'Invoice', invoiceId);
    expect(inv.Balance).to.equal(0);
    const refused = await client.saveInvoice(session, { Id: invoiceId, SyncToken: inv.SyncToken, sparse: true, PrivateNote: 'edit' }).catch((e: unknown) => e);
    expect((refused as QuickBooksError).kind).to.equal('invalid');
    expect((refused as QuickBooksError).message).to.match(/paid in full/);
  });

  it('voids an invoice (amounts zeroed, "Voided" in PrivateNote) and refuses to change it', async () => {
    const created = await client.saveInvoice(session, {
      DocNumber: 'INV-000102',
      CustomerRef: { value: customerId },
      Line: [{ DetailType: 'SalesItemLineDetail', Amount: 40, SalesItemLineDetail: { ItemRef: { value: '1' }, TaxCodeRef: { value: 'NON' } } }],
    });
    sb.voidInvoice(created.Id);
    const inv = await client.read(session, 'Invoice', created.Id);
    expect(inv.TotalAmt).to.equal(0);
    expect(inv.PrivateNote).to.match(/^Voided/);
    const refused = await client.saveInvoice(session, { Id: inv.Id, SyncToken: inv.SyncToken, sparse: true, DueDate: '2027-01-01' }).catch((e: unknown) => e);
    expect((refused as QuickBooksError).message).to.contain('voided');
  });

  it('creates and updates a credit memo (its own DocNumber space), found by DocNumber', async () => {
    const memo = await client.saveCreditMemo(session, {
      DocNumber: 'INV-000101',
      CustomerRef: { value: customerId },
      Line: [{ DetailType: 'SalesItemLineDetail', Amount: 25, SalesItemLineDetail: { ItemRef: { value: '1' }, Qty: 1, UnitPrice: 25, TaxCodeRef: { value: '3' } } }],
    });
    expect(memo.TotalAmt).to.equal(26.25);
    expect(memo.Balance).to.equal(26.25);
    const found = await client.query(session, 'CreditMemo', { where: whereEq('DocNumber', 'INV-000101') });
    expect(found.items.map((m) => m.Id)).to.deep.equal([memo.Id]);
    const full = await client.saveCreditMemo(session, {
      Id: memo.Id,
      SyncToken: memo.SyncToken,
      DocNumber: 'INV-000101',
      CustomerRef: { value: customerId },
      Line: [{ DetailType: 'SalesItemLineDetail', Amount: 30, SalesItemLineDetail: { ItemRef: { value: '1' }, Qty: 1, UnitPrice: 30, TaxCodeRef: { value: 'NON' } } }],
    });
    expect(full.TotalAmt).to.equal(30);
    expect(full.SyncToken).to.equal('1');
  });

  it('waits out 429s (ThrottleExceeded) and succeeds; fails as rate_limited after its retries', async () => {
    sb.resetStats();
    sb.throttleNext(2);
    const page = await client.query(session, 'Item');
    expect(page.items.length).to.be.greaterThan(0);
    expect(attempts).to.deep.equal([429, 429, 200]);
    expect(sb.stats().throttled).to.equal(2);

    attempts = [];
    sb.throttleNext(100);
    const stingy = newClient({ retry: { baseDelayMs: 1, maxDelayMs: 2, rateLimitRetries: 2 } });
    const err = await stingy.query(session, 'Item').catch((e: unknown) => e);
    sb.throttleNext(0);
    expect((err as QuickBooksError).kind).to.equal('rate_limited');
    expect((err as QuickBooksError).attempts).to.equal(3);
    expect((err as QuickBooksError).message).to.contain('ThrottleExceeded');
    expect(attempts).to.deep.equal([429, 429, 429]);
  });

  it('throttles per realm per minute on the sandbox clock', async () => {
    sb.setRateLimit(3);
    const once = newClient({ retry: { rateLimitRetries: 0, baseDelayMs: 1, maxDelayMs: 1 } });
    clock += 120_000; // a fresh window
    for (let i = 0; i < 3; i++) await once.query(session, 'TaxCode');
    const fourth = await once.query(session, 'TaxCode').catch((e: unknown) => e);
    expect((fourth as QuickBooksError).kind).to.equal('rate_limited');
    clock += 60_000;
    await once.query(session, 'TaxCode');
    sb.setRateLimit(null);
  });

  it('paces one connection to at most N requests in flight, so the sandbox never sees more', async () => {
    const slow = await startQuickBooksSandbox({ now: () => clock, autoApprove: true, latencyMs: 30, maxConcurrent: 2 });
    try {
      const c = new QuickBooksClient({ clientId: slow.clientId, clientSecret: slow.clientSecret, redirectUri: REDIRECT, endpoints: slow.endpoints, now: () => clock, connectionKey: `test-${Math.random()}`, limits: { perMinute: null, concurrent: PACED }, retry: { rateLimitRetries: 0 } });
      const cb = await consent(c.authorizationUrl('s'));
      const t = await c.exchangeCode(cb.get('code')!);
      const s = { accessToken: t.accessToken, realmId: cb.get('realmId')! };
      const results = await Promise.all(Array.from({ length: 8 }, () => c.query(s, 'Item')));
      expect(results).to.have.length(8);
      expect(slow.stats().throttled).to.equal(0);
      expect(slow.stats().requests).to.equal(8);
    } finally {
      await slow.close();
    }
  });

  it('retries a server that cannot be reached a bounded number of times, then fails as unavailable', async () => {
    const gone = newClient({ endpoints: { ...sb.endpoints, apiUrl: 'http://127.0.0.1:9' }, retry: { transientRetries: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    const err = await gone.query(session, 'Item').catch((e: unknown) => e);
    expect((err as QuickBooksError).kind).to.equal('unavailable');
    expect((err as QuickBooksError).attempts).to.equal(3);
  });

  it('retries a 5xx and succeeds; a 5xx that lasts is unavailable with Intuit\'s words', async () => {
    let failures = 2;
    const flaky: typeof fetch = async (input, init) => {
      if (failures-- > 0) return new Response(JSON.stringify({ Fault: { Error: [{ Message: 'An application error has occurred while processing your request', Detail: 'System Failure Error', code: '10000' }], type: 'SystemFault' } }), { status: 503 });
      return fetch(input, init);
    };
    const c = newClient({ fetch: flaky, retry: { transientRetries: 3, baseDelayMs: 1, maxDelayMs: 2 } });
    expect((await c.query(session, 'Item')).items.length).to.be.greaterThan(0);
    expect(attempts).to.deep.equal([503, 503, 200]);
    failures = 100;
    attempts = [];
    const err = await c.query(session, 'Item').catch((e: unknown) => e);
    expect((err as QuickBooksError).kind).to.equal('unavailable');
    expect((err as QuickBooksError).attempts).to.equal(4);
    expect((err as QuickBooksError).message).to.contain('System Failure Error');
  });

  it('revokes the grant: its tokens stop working', async () => {
    await client.revoke(refreshToken);
    const err = await client.query(session, 'Item').catch((e: unknown) => e);
    expect((err as QuickBooksError).kind).to.equal('unauthorized');
    const r = await client.refresh(refreshToken).catch((e: unknown) => e);
    expect((r as QuickBooksError).kind).to.equal('unauthorized');
  });
});

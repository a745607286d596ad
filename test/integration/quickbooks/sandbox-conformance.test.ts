import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { expect } from 'chai';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { QuickBooksClient, whereEq, whereIn, type QuickBooksSession } from '../../../src/quickbooks/client/index.js';
import { startQuickBooksSandbox, type RunningQuickBooksSandbox } from '../../../src/quickbooks/sandbox/index.js';

/**
 * Every body the sandbox answers in a scenario that meets each endpoint and each refusal is validated against the
 * schemas in reference/quickbooks (derived from Intuit's API reference; see reference/quickbooks/SOURCE.md). Object
 * schemas are closed, so a field the sandbox invents fails the check; every schema must be used at least once.
 */
const addFormats = addFormatsModule.default;
const DIR = fileURLToPath(new URL('../../../reference/quickbooks/', import.meta.url));
const ENTITY_SCHEMA: Record<string, string> = {
  Invoice: 'quickbooks/invoice', CreditMemo: 'quickbooks/credit-memo', Customer: 'quickbooks/customer', Item: 'quickbooks/item',
  TaxCode: 'quickbooks/tax-code', TaxRate: 'quickbooks/tax-rate', CompanyInfo: 'quickbooks/company-info',
};

describe('QuickBooks sandbox conforms to the reference schemas (reference/quickbooks)', function () {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/);
  for (const f of readdirSync(DIR).filter((n) => n.endsWith('.schema.json'))) ajv.addSchema(JSON.parse(readFileSync(path.join(DIR, f), 'utf8')));
  const used = new Set<string>();
  const failures: string[] = [];
  let checked = 0;

  const check = (id: string, body: unknown, where: string) => {
    const v: ValidateFunction = ajv.getSchema(id)!;
    expect(v, `schema ${id}`).to.not.equal(undefined);
    used.add(id);
    checked++;
    if (!v(body)) failures.push(`${where} against ${id}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(body).slice(0, 400)}`);
  };

  const recorder: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const url = new URL(String(input));
    const text = await res.clone().text();
    const where = `${init?.method ?? 'GET'} ${url.pathname} → ${res.status}`;
    if (!text) return res;
    const body = JSON.parse(text) as Record<string, unknown>;
    if (url.pathname.endsWith('/tokens/bearer') || url.pathname.endsWith('/tokens/revoke')) {
      check(res.ok ? 'quickbooks/token-response' : 'quickbooks/oauth-error', body, where);
    } else if (!res.ok) {
      check('quickbooks/fault', body, where);
    } else if (body.QueryResponse) {
      check('quickbooks/query-response', body, where);
      for (const [key, rows] of Object.entries(body.QueryResponse as Record<string, unknown>)) {
        if (Array.isArray(rows)) rows.forEach((r, i) => check(ENTITY_SCHEMA[key]!, r, `${where} ${key}[${i}]`));
      }
    } else {
      const key = Object.keys(body).find((k) => k !== 'time')!;
      check(ENTITY_SCHEMA[key]!, body[key], `${where} ${key}`);
    }
    return res;
  };

  let sb: RunningQuickBooksSandbox;
  let clock = Date.parse('2026-11-20T09:00:00Z');
  before(async () => {
    sb = await startQuickBooksSandbox({ now: () => clock, autoApprove: true });
  });
  after(() => sb.close());

  it('answers every call and every refusal in the reference shapes', async () => {
    const c = new QuickBooksClient({
      clientId: sb.clientId, clientSecret: sb.clientSecret, redirectUri: 'http://127.0.0.1:9/cb', endpoints: sb.endpoints,
      fetch: recorder, now: () => clock, retry: { rateLimitRetries: 0, transientRetries: 0, baseDelayMs: 1 }, limits: { perMinute: null, concurrent: 10 },
    });
    const wrong = new QuickBooksClient({ clientId: sb.clientId, clientSecret: 'wrong', redirectUri: 'http://127.0.0.1:9/cb', endpoints: sb.endpoints, fetch: recorder });
    const swallow = (p: Promise<unknown>) => p.catch(() => undefined);

    const cb = new URL((await fetch(c.authorizationUrl('s'), { redirect: 'manual' })).headers.get('location')!).searchParams;
    const t = await c.exchangeCode(cb.get('code')!);
    await swallow(c.exchangeCode(cb.get('code')!)); // invalid_grant
    await swallow(wrong.refresh(t.refreshToken)); // invalid_client
    const t2 = await c.refresh(t.refreshToken);
    const s: QuickBooksSession = { accessToken: t2.accessToken, realmId: cb.get('realmId')! };

    await c.companyInfo(s);
    for (const e of ['Customer', 'Item', 'TaxCode', 'TaxRate'] as const) await c.queryAll(s, e);
    await c.query(s, 'Invoice', { where: whereEq('DocNumber', 'none') }); // empty answer
    const cust = await c.createCustomer(s, { DisplayName: 'Schema Check Ltd', PrimaryEmailAddr: { Address: 'a@b.example' }, CompanyName: 'Schema Check Ltd' });
    await c.read(s, 'Customer', cust.Id);
    await swallow(c.createCustomer(s, { DisplayName: 'Schema Check Ltd' })); // 6240
    const line = (amount: number, tax = '2') => ({ DetailType: 'SalesItemLineDetail' as const, Amount: amount, Description: 'x', SalesItemLineDetail: { ItemRef: { value: '1' }, Qty: 1, UnitPrice: amount, TaxCodeRef: { value: tax }, ServiceDate: '2026-11-01' } });
    const inv = await c.saveInvoice(s, { DocNumber: 'S-1', TxnDate: '2026-11-01', DueDate: '2026-12-01', CustomerRef: { value: cust.Id }, CurrencyRef: { value: 'USD' }, GlobalTaxCalculation: 'TaxExcluded', Line: [line(10)], TxnTaxDetail: { TotalTax: 2 } });
    const inv2 = await c.saveInvoice(s, { Id: inv.Id, SyncToken: inv.SyncToken, sparse: true, Line: [line(20, 'TAX')], TxnTaxDetail: { TxnTaxCodeRef: { value: '5' } } });
    await swallow(c.saveInvoice(s, { Id: inv.Id, SyncToken: '0', sparse: true, PrivateNote: 'x' })); // 5010
    await swallow(c.saveInvoice(s, { DocNumber: 'S-1', CustomerRef: { value: cust.Id }, Line: [line(1)] })); // 6140
    await swallow(c.saveInvoice(s, { DocNumber: 'S-2'.padEnd(30, '0'), CustomerRef: { value: cust.Id }, Line: [line(1)] })); // 2050
    await swallow(c.saveInvoice(s, { CustomerRef: { value: '999' }, Line: [line(1)] })); // 2500
    await swallow(c.saveInvoice(s, { CustomerRef: { value: cust.Id } })); // 2020
    await swallow(c.saveInvoice(s, { CustomerRef: { value: cust.Id }, CurrencyRef: { value: 'EUR' }, Line: [line(1)] })); // 6000
    await swallow(c.read(s, 'Invoice', '4040')); // 610
    sb.recordPayment(inv2.Id, '5');
    await c.query(s, 'Invoice', { where: whereIn('Id', [inv.Id]) });
    const paid = await c.read(s, 'Invoice', inv.Id);
    sb.recordPayment(inv.Id, String(paid.Balance));
    await swallow(c.saveInvoice(s, { Id: inv.Id, SyncToken: (await c.read(s, 'Invoice', inv.Id)).SyncToken, sparse: true, PrivateNote: 'x' })); // paid
    const v = await c.saveInvoice(s, { DocNumber: 'S-3', CustomerRef: { value: cust.Id }, Line: [line(3, 'NON')] });
    sb.voidInvoice(v.Id);
    await c.read(s, 'Invoice', v.Id);
    const memo = await c.saveCreditMemo(s, { DocNumber: 'S-1', CustomerRef: { value: cust.Id }, Line: [line(4)] });
    await c.saveCreditMemo(s, { Id: memo.Id, SyncToken: memo.SyncToken, DocNumber: 'S-1', CustomerRef: { value: cust.Id }, Line: [line(6, '3')] });
    await c.queryAll(s, 'CreditMemo');
    await swallow(fetchQuery(sb, s, 'SELECT Id FROM Invoice')); // 4000 parse error
    sb.throttleNext(1);
    await swallow(c.query(s, 'Item')); // 429
    clock += 3601_000;
    await swallow(c.query(s, 'Item')); // 401 lower-case fault
    await c.revoke(t2.refreshToken);

    expect(failures, failures.join('\n\n')).to.deep.equal([]);
    const all = readdirSync(DIR).filter((n) => n.endsWith('.schema.json')).map((f) => (JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as { $id: string }).$id);
    expect([...used].sort()).to.deep.equal(all.sort());
    expect(checked).to.be.greaterThan(40);
  });

  async function fetchQuery(box: RunningQuickBooksSandbox, s: QuickBooksSession, q: string) {
    const res = await recorder(`${box.baseUrl}/v3/company/${s.realmId}/query?query=${encodeURIComponent(q)}`, { headers: { authorization: `Bearer ${s.accessToken}` } });
    return res.status;
  }
});

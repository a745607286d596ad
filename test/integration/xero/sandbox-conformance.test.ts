import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { startXeroSandbox, type RunningXeroSandbox } from '../../../src/xero/sandbox/index.js';

/**
 * Every sandbox answer the client reads is validated against Xero's published OpenAPI (the excerpts in
 * reference/xero/, see SOURCE.md there). Object schemas are closed (additionalProperties: false) so a field the spec
 * does not know fails, except for what Xero's own examples in the same files show beyond the schemas:
 *   - the Accounting API envelope carries Id, Status, ProviderName and DateTimeUTC (every 200 example);
 *   - Invoice and CreditNote carry DateString (and DueDateString) beside Date (the GET examples);
 *   - an error Element is the submitted document with its ValidationErrors (the 400 examples), so Element stays open;
 *   - the token answer carries `scope` (not in the AccessToken schema);
 *   - connection dates are `2019-12-07T18:46:19.5165400`, without a zone (the /Connections example).
 */
const addFormats = addFormatsModule.default;
const ref = (name: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`../../../reference/xero/${name}`, import.meta.url)), 'utf8'));
const accounting = ref('xero_accounting.excerpt.json');
const identity = ref('xero-identity.excerpt.json');

const ENVELOPE = { Id: { type: 'string', format: 'uuid' }, Status: { type: 'string', enum: ['OK'] }, ProviderName: { type: 'string' }, DateTimeUTC: { type: 'string', pattern: '^/Date\\(\\d+\\)/$|^/Date\\(\\d+\\+0000\\)/$' } };
const DRIFT: Record<string, Record<string, unknown>> = {
  Invoices: ENVELOPE, Contacts: ENVELOPE, Accounts: ENVELOPE, TaxRates: ENVELOPE, CreditNotes: ENVELOPE,
  Invoice: { DateString: { type: 'string' }, DueDateString: { type: 'string' } },
  CreditNote: { DateString: { type: 'string' } },
};

function rewrite(node: unknown, prefix: string): unknown {
  if (Array.isArray(node)) return node.map((n) => rewrite(n, prefix));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string') out[k] = v.replace('#/components/schemas/', `${prefix}#/definitions/`);
    else out[k] = rewrite(v, prefix);
  }
  if (out['properties'] && out['additionalProperties'] === undefined) out['additionalProperties'] = false;
  return out;
}

function buildAjv() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:?\d{2})?$/);
  const schemas = structuredClone(accounting.components.schemas) as Record<string, { properties: Record<string, unknown> }>;
  for (const [name, extra] of Object.entries(DRIFT)) Object.assign(schemas[name]!.properties, extra);
  const defs = rewrite(schemas, 'acc') as Record<string, Record<string, unknown>>;
  defs['Element']!['additionalProperties'] = true;
  ajv.addSchema({ $id: 'acc', definitions: defs });
  const idSchemas = structuredClone(identity.components.schemas) as Record<string, { properties: Record<string, unknown> }>;
  idSchemas['AccessToken']!.properties['scope'] = { type: 'string' };
  ajv.addSchema({ $id: 'id', definitions: rewrite(idSchemas, 'id') });
  const cache = new Map<string, ValidateFunction>();
  const responseValidator = (spec: 'acc' | 'id', path: string, method: string, status: string): ValidateFunction => {
    const key = `${spec} ${method} ${path} ${status}`;
    let v = cache.get(key);
    if (!v) {
      const doc = spec === 'acc' ? accounting : identity;
      const schema = doc.paths[path]?.[method]?.responses?.[status]?.content?.['application/json']?.schema;
      if (!schema) throw new Error(`the spec has no JSON schema for ${key}`);
      v = ajv.compile(rewrite(schema, spec) as object);
      cache.set(key, v);
    }
    return v;
  };
  return { ajv, responseValidator };
}

describe('Xero sandbox conforms to Xero\'s published OpenAPI (reference/xero)', function () {
  this.timeout(30_000);
  let sb: RunningXeroSandbox;
  let token: string;
  let checked = 0;
  const { ajv, responseValidator } = buildAjv();
  const REDIRECT = 'http://127.0.0.1:3999/cb';

  async function check(specPath: string, url: string, status = '200', method = 'get', body?: unknown): Promise<any> {
    const res = await fetch(`${sb.baseUrl}/api.xro/2.0${url}`, {
      method: method.toUpperCase(),
      headers: { authorization: `Bearer ${token}`, 'xero-tenant-id': sb.tenantId, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, `${method} ${url}`).to.equal(Number(status));
    expect(res.headers.get('content-type')).to.match(/^application\/json/);
    const json = await res.json();
    const v = responseValidator('acc', specPath, method, status);
    if (!v(json)) expect.fail(`${method} ${url} → ${ajv.errorsText(v.errors, { separator: '\n' })}\n${JSON.stringify(json).slice(0, 600)}`);
    checked++;
    return json;
  }

  before(async () => {
    sb = await startXeroSandbox({ autoApprove: true, rateLimits: null });
    const auth = new URL(sb.endpoints.authorizeUrl);
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: sb.clientId, redirect_uri: REDIRECT, scope: 'offline_access accounting.transactions accounting.contacts accounting.settings', state: 's' })) auth.searchParams.set(k, v);
    const code = new URL((await fetch(auth, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
    const res = await fetch(sb.endpoints.tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${sb.clientId}:${sb.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }),
    });
    const tokens = (await res.json()) as { access_token: string; token_type: string; expires_in: number };
    const v = ajv.compile({ $ref: 'id#/definitions/AccessToken' });
    if (!v(tokens)) expect.fail(ajv.errorsText(v.errors));
    expect(tokens).to.include({ token_type: 'Bearer', expires_in: 1800 });
    token = tokens.access_token;
  });
  after(async () => {
    await sb.close();
    expect(checked).to.be.greaterThan(20);
  });

  it('GET /connections answers Connection objects', async () => {
    const res = await fetch(`${sb.baseUrl}/connections`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as Array<Record<string, unknown>>;
    const v = responseValidator('id', '/Connections', 'get', '200');
    if (!v(body)) expect.fail(ajv.errorsText(v.errors));
    expect(body[0]).to.include({ tenantId: sb.tenantId, tenantType: 'ORGANISATION' });
    checked++;
  });

  it('the closed schemas reject unknown fields, wrong types and bad enums (the check can fail)', async () => {
    const body = await check('/Accounts', '/Accounts');
    const v = responseValidator('acc', '/Accounts', 'get', '200');
    const acc = body.Accounts[0];
    expect(v({ ...body, Accounts: [{ ...acc, Colour: 'red' }] })).to.equal(false);
    expect(v({ ...body, Accounts: [{ ...acc, Class: 'INCOME' }] })).to.equal(false);
    expect(v({ ...body, Accounts: [{ ...acc, EnablePaymentsToAccount: 'no' }] })).to.equal(false);
    expect(v({ ...body, Extra: 1 })).to.equal(false);
    expect(v(body)).to.equal(true);
  });

  it('contacts: create, list (paged and not), get one, and the 400 of a duplicate name', async () => {
    const created = await check('/Contacts', '/Contacts', '200', 'put', { Contacts: [{ Name: 'Tailspin Toys', EmailAddress: 'ar@tailspin.example' }] });
    for (let i = 0; i < 3; i++) await check('/Contacts', '/Contacts', '200', 'post', { Contacts: [{ Name: `Conformance ${i}` }] });
    await check('/Contacts', '/Contacts');
    const page = await check('/Contacts', '/Contacts?page=1&pageSize=2&where=ContactStatus%3D%3D%22ACTIVE%22');
    expect(page.pagination).to.deep.equal({ page: 1, pageSize: 2, pageCount: 2, itemCount: 4 });
    await check('/Contacts', `/Contacts?IDs=${created.Contacts[0].ContactID}`);
    await check('/Contacts', '/Contacts', '400', 'put', { Contacts: [{ Name: 'Tailspin Toys' }] });
  });

  it('accounts and tax rates, with and without where', async () => {
    await check('/Accounts', '/Accounts?where=Class%3D%3D%22REVENUE%22');
    const rates = await check('/TaxRates', '/TaxRates');
    expect(rates.TaxRates.map((t: { TaxType: string }) => t.TaxType)).to.include('OUTPUT2');
    await check('/TaxRates', '/TaxRates?where=Status%3D%3D%22ACTIVE%22');
  });

  it('invoices: create (draft and approved), list by number, IDs and status, get, update, paid, refused update, 400s', async () => {
    const contact = (await check('/Contacts', '/Contacts', '200', 'put', { Contacts: [{ Name: 'Invoice Contact' }] })).Contacts[0].ContactID;
    const line = { Description: 'Licences', Quantity: 3, UnitAmount: 12.5, LineAmount: 37.5, AccountCode: '200', TaxType: 'OUTPUT2', TaxAmount: 7.5 };
    const base = { Type: 'ACCREC', Contact: { ContactID: contact }, Date: '2026-11-01', DueDate: '2026-11-30', LineAmountTypes: 'Exclusive', CurrencyCode: 'GBP', LineItems: [line] };
    const draft = (await check('/Invoices', '/Invoices', '200', 'put', { Invoices: [{ ...base, InvoiceNumber: 'C-1', Reference: 'C-1', Status: 'DRAFT' }] })).Invoices[0];
    const inv = (await check('/Invoices', '/Invoices?unitdp=4', '200', 'put', { Invoices: [{ ...base, InvoiceNumber: 'C-2', Reference: 'C-2', Status: 'AUTHORISED' }] })).Invoices[0];
    await check('/Invoices', '/Invoices?InvoiceNumbers=C-1,C-2');
    await check('/Invoices', `/Invoices?IDs=${draft.InvoiceID},${inv.InvoiceID}&page=1&pageSize=100`);
    await check('/Invoices', '/Invoices?Statuses=DRAFT');
    const one = await check('/Invoices/{InvoiceID}', `/Invoices/${inv.InvoiceID}`);
    const v = responseValidator('acc', '/Invoices/{InvoiceID}', 'get', '200');
    const i0 = one.Invoices[0];
    expect(v({ ...one, Invoices: [{ ...i0, Paid: true }] })).to.equal(false);
    expect(v({ ...one, Invoices: [{ ...i0, Status: 'OPEN' }] })).to.equal(false);
    expect(v({ ...one, Invoices: [{ ...i0, LineItems: [{ ...i0.LineItems[0], Amount: 1 }] }] })).to.equal(false);
    expect(v({ ...one, Invoices: [{ ...i0, Contact: { ...i0.Contact, Id: 'x' } }] })).to.equal(false);
    await check('/Invoices/{InvoiceID}', `/Invoices/${draft.InvoiceID}`, '200', 'post', { Invoices: [{ ...base, InvoiceNumber: 'C-1', Status: 'AUTHORISED' }] });
    await check('/Invoices', '/Invoices', '200', 'post', { Invoices: [{ ...base, InvoiceNumber: 'C-3', Status: 'DRAFT' }] });
    sb.recordPayment(inv.InvoiceID, '10.00');
    const part = await check('/Invoices/{InvoiceID}', `/Invoices/${inv.InvoiceID}`);
    expect(part.Invoices[0].Payments).to.have.length(1);
    sb.recordPayment(inv.InvoiceID, '35.00');
    const paid = await check('/Invoices/{InvoiceID}', `/Invoices/${inv.InvoiceID}`);
    expect(paid.Invoices[0]).to.include({ Status: 'PAID', AmountDue: 0 });
    const refused = await check('/Invoices/{InvoiceID}', `/Invoices/${inv.InvoiceID}`, '400', 'post', { Invoices: [{ ...base, Status: 'AUTHORISED' }] });
    expect(refused).to.include({ ErrorNumber: 10, Type: 'ValidationException', Message: 'A validation exception occurred' });
    await check('/Invoices', '/Invoices', '400', 'put', { Invoices: [{ ...base, InvoiceNumber: 'C-4', Status: 'AUTHORISED', LineItems: [{ ...line, AccountCode: '999' }] }] });
    const summarised = await check('/Invoices', '/Invoices?summarizeErrors=false', '200', 'put', { Invoices: [{ ...base, InvoiceNumber: 'C-2', Status: 'AUTHORISED' }] });
    expect(summarised.Invoices[0].ValidationErrors).to.deep.equal([{ Message: 'Invoice # must be unique.' }]);
  });

  it('credit notes: create, list by where, get, update, 400', async () => {
    const contact = (await check('/Contacts', '/Contacts', '200', 'put', { Contacts: [{ Name: 'Credit Contact' }] })).Contacts[0].ContactID;
    const base = { Type: 'ACCRECCREDIT', Contact: { ContactID: contact }, Date: '2026-11-01', LineAmountTypes: 'Exclusive', LineItems: [{ Description: 'Credit', Quantity: 1, UnitAmount: 10, AccountCode: '260', TaxType: 'ZERORATEDOUTPUT', TaxAmount: 0 }] };
    const cn = (await check('/CreditNotes', '/CreditNotes', '200', 'put', { CreditNotes: [{ ...base, CreditNoteNumber: 'CN-C1', Status: 'AUTHORISED' }] })).CreditNotes[0];
    await check('/CreditNotes', '/CreditNotes?where=CreditNoteNumber%3D%3D%22CN-C1%22');
    await check('/CreditNotes', '/CreditNotes?page=1');
    await check('/CreditNotes/{CreditNoteID}', `/CreditNotes/${cn.CreditNoteID}`);
    await check('/CreditNotes/{CreditNoteID}', `/CreditNotes/${cn.CreditNoteID}`, '200', 'post', { CreditNotes: [{ ...base, Reference: 'changed' }] });
    await check('/CreditNotes', '/CreditNotes', '200', 'post', { CreditNotes: [{ ...base, CreditNoteNumber: 'CN-C2', Status: 'DRAFT' }] });
    await check('/CreditNotes', '/CreditNotes', '400', 'put', { CreditNotes: [{ ...base, Contact: { ContactID: randomUUID() } }] });
  });
});

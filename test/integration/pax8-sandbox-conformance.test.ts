import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { startSandbox, type RunningSandbox } from '../../src/pax8/sandbox/index.js';

/**
 * Every sandbox response body is validated against Pax8's published OpenAPI, kept in the repository
 * (test/fixtures/pax8-openapi, or PAX8_OPENAPI_DIR for a newer download). To make the check bite, object schemas are closed
 * (additionalProperties: false) except for the documented live drift:
 *   - Subscription carries `commitment{id, term, endDate}` (not the spec's `commitmentTerm`);
 *   - UsageSummary carries `subscriptionId` (in the spec's own example, not its schema);
 *   - date-time fields arrive as `2020-12-03`, `2020-12-01T13:20:13.153-0700` or ISO `Z`;
 *   - Invoice carries `status` (a filter and in the spec's examples, not in its schema);
 *   - InvoiceItem.rateType is the short word (`single`, as in the spec's examples), where the
 *     schema's enum holds the long descriptions.
 */
const addFormats = addFormatsModule.default;
const SPEC_DIR = process.env.PAX8_OPENAPI_DIR
  ? path.resolve(process.env.PAX8_OPENAPI_DIR)
  : fileURLToPath(new URL('../fixtures/pax8-openapi/', import.meta.url));
const partner = JSON.parse(readFileSync(path.join(SPEC_DIR, 'pax8-partner-endpoints-openapi.json'), 'utf8'));
const auth = JSON.parse(readFileSync(path.join(SPEC_DIR, 'pax8-authentication-openapi.json'), 'utf8'));

const DRIFT: Record<string, Record<string, unknown>> = {
  Subscription: { commitment: { $ref: '#/components/schemas/SubscriptionCommitment' } },
  UsageSummary: { subscriptionId: { type: 'string', format: 'uuid' } },
  Invoice: { status: { type: 'string', enum: ['Unpaid', 'Paid', 'Void', 'Carried', 'Nothing Due', 'Credited'] } },
  InvoiceItem: { rateType: { type: 'string', enum: ['markup', 'single', 'flat', 'volume', 'tiered'] } },
};

function rewrite(node: unknown, prefix: string): unknown {
  if (Array.isArray(node)) return node.map((n) => rewrite(n, prefix));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string') out[k] = v.replace('#/components/schemas/', `${prefix}#/definitions/`);
    else if (k === 'example' || k === 'examples') continue;
    else out[k] = rewrite(v, prefix);
  }
  if (out['properties'] && out['additionalProperties'] === undefined) out['additionalProperties'] = false;
  return out;
}

function buildAjv(): { ajv: Ajv; responseValidator: (path: string, method: string, status: string) => ValidateFunction } {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2}))?$/);
  ajv.addFormat('yyyy-MM-dd', /^\d{4}-\d{2}-\d{2}$/);
  ajv.addFormat('phone', true);
  const schemas = structuredClone(partner.components.schemas) as Record<string, { properties: Record<string, unknown> }>;
  for (const [name, extra] of Object.entries(DRIFT)) Object.assign(schemas[name]!.properties, extra);
  ajv.addSchema({ $id: 'pax8', definitions: rewrite(schemas, 'pax8') });
  ajv.addSchema({ $id: 'auth', definitions: rewrite(auth.components.schemas, 'auth') });
  const cache = new Map<string, ValidateFunction>();
  return {
    ajv,
    responseValidator(path, method, status) {
      const key = `${method} ${path} ${status}`;
      let v = cache.get(key);
      if (!v) {
        const schema = partner.paths[path]?.[method]?.responses?.[status]?.content?.['application/json']?.schema;
        if (!schema) throw new Error(`the spec has no JSON schema for ${key}`);
        v = ajv.compile(rewrite(schema, 'pax8') as object);
        cache.set(key, v);
      }
      return v;
    },
  };
}

describe('Pax8 sandbox conforms to the published OpenAPI', function () {
  this.timeout(120_000);
  let sb: RunningSandbox;
  let tok: string;
  const { ajv, responseValidator } = buildAjv();
  let checked = 0;

  async function check(specPath: string, url: string, status = '200', method = 'get', init?: RequestInit): Promise<any> {
    const res = await fetch(`${sb.baseUrl}${url}`, { method: method.toUpperCase(), ...init, headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json', ...(init?.headers ?? {}) } });
    expect(res.status, `${method} ${url}`).to.equal(Number(status));
    expect(res.headers.get('content-type')).to.match(/^application\/json/);
    const body = await res.json();
    const validate = responseValidator(specPath, method, status);
    if (!validate(body)) expect.fail(`${method} ${url} → ${ajv.errorsText(validate.errors, { separator: '\n' })}`);
    checked++;
    return body;
  }

  async function allPages(specPath: string, url: string): Promise<any[]> {
    const out: any[] = [];
    for (let page = 0; ; page++) {
      const body = await check(specPath, `${url}${url.includes('?') ? '&' : '?'}page=${page}&size=200`);
      out.push(...body.content);
      if (page + 1 >= body.page.totalPages) return out;
    }
  }

  before(async () => {
    sb = await startSandbox({ seed: 11, companies: 120, rateLimitPerMinute: null });
    const res = await fetch(sb.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: sb.clientId, client_secret: sb.clientSecret, audience: sb.audience, grant_type: 'client_credentials' }),
    });
    const body = (await res.json()) as { access_token: string };
    const v = ajv.compile({ $ref: 'auth#/definitions/TokenResponse' });
    if (!v(body)) expect.fail(ajv.errorsText(v.errors));
    tok = body.access_token;
  });
  after(async () => sb.close());
  after(() => {
    expect(checked).to.be.greaterThan(100);
  });

  it('the closed schemas reject unknown fields, wrong types and bad enums (the check can fail)', async () => {
    const sub = await check('/subscriptions/{subscriptionId}', `/subscriptions/${sb.data.subscriptions[0]!.id}`);
    const v = responseValidator('/subscriptions/{subscriptionId}', 'get', '200');
    expect(v({ ...sub, commitmentTerms: {} })).to.equal(false);
    expect(v({ ...sub, quantity: '3' })).to.equal(false);
    expect(v({ ...sub, status: 'Suspended' })).to.equal(false);
    expect(v({ ...sub, startDate: '03/12/2020' })).to.equal(false);
    expect(v({ ...sub, commitment: { term: 'Monthly', endDate: 'soon' } })).to.equal(false);
    const list = responseValidator('/companies', 'get', '200');
    expect(list({ content: [{ name: 'x' }], page: { size: 10 } })).to.equal(false);
  });

  it('token error body matches the spec example', async () => {
    const res = await fetch(sb.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'x', client_secret: 'y', audience: sb.audience, grant_type: 'client_credentials' }),
    });
    expect(res.status).to.equal(401);
    expect(await res.json()).to.deep.equal(auth.components.examples['token-error-auth-example'].value);
  });

  it('companies: list (every page) and get', async () => {
    const all = await allPages('/companies', '/companies');
    expect(all).to.have.length(120);
    for (const c of all.slice(0, 40)) await check('/companies/{companyId}', `/companies/${c.id}`);
    await check('/companies', '/companies?status=Active&sort=name,desc&size=5');
    await check('/companies/{companyId}', '/companies/does-not-exist', '404');
  });

  it('products: list, get and pricing for every product', async () => {
    const all = await allPages('/products', '/products');
    for (const p of all) {
      await check('/products/{productId}', `/products/${p.id}`);
      await check('/products/{productId}/pricing', `/products/${p.id}/pricing`);
      await check('/products/{productId}/provision-details', `/products/${p.id}/provision-details`);
      await check('/products/{productId}/dependencies', `/products/${p.id}/dependencies`);
    }
    await check('/products/{productId}/dependencies', '/products/nope/dependencies', '404');
    await check('/products', '/products?search=Microsoft&sort=name');
    await check('/products/{productId}', '/products/nope', '404');
  });

  it('subscriptions: list (every page), get, history, PUT, DELETE and errors', async () => {
    const all = await allPages('/subscriptions', '/subscriptions');
    expect(all.some((s) => s.commitment)).to.equal(true);
    for (const s of all.slice(0, 150)) await check('/subscriptions/{subscriptionId}', `/subscriptions/${s.id}`);
    for (const s of all.slice(0, 50)) await check('/subscriptions/{subscriptionId}/history', `/subscriptions/${s.id}/history`);
    const target = sb.data.subscriptions.find((s) => s.status === 'Active' && !sb.data.productById.get(s.productId)!.usageBased)!;
    await check('/subscriptions/{subscriptionId}', `/subscriptions/${target.id}`, '200', 'put', { body: JSON.stringify({ quantity: target.quantity + 1 }) });
    await check('/subscriptions/{subscriptionId}/history', `/subscriptions/${target.id}/history`);
    await check('/subscriptions', `/subscriptions?companyId=${sb.data.partnerCompanyId}&status=Active&billingTerm=Monthly`);
    await check('/subscriptions/{subscriptionId}', '/subscriptions/nope', '404');
    await check('/subscriptions/{subscriptionId}', '/subscriptions/nope', '404', 'put', { body: JSON.stringify({ quantity: 3 }) });
    await check('/subscriptions', '/subscriptions?companyId=00000000-0000-4000-8000-000000000000', '403');
    // Inside a commitment that forbids leaving early, Pax8 takes a cancellation dated at the term's end.
    const at = target.commitment ? `?cancelDate=${new Date(target.commitment.endMs).toISOString()}` : '';
    const del = await fetch(`${sb.baseUrl}/subscriptions/${target.id}${at}`, { method: 'DELETE', headers: { authorization: `Bearer ${tok}` } });
    expect(del.status).to.equal(204);
    await check('/subscriptions/{subscriptionId}', `/subscriptions/nope`, '404', 'delete');
  });

  it('invoices: list, get, items of every invoice, draft items and errors', async () => {
    const invoices = await allPages('/invoices', '/invoices');
    expect(invoices.length).to.be.greaterThan(0);
    for (const i of invoices) {
      await check('/invoices/{invoiceId}', `/invoices/${i.id}`);
      await allPages('/invoices/{invoiceId}/items', `/invoices/${i.id}/items`);
    }
    await check('/invoices', '/invoices?status=Paid&sort=total,desc&invoiceDateRangeStart=2026-09-01');
    await allPages('/invoices/draftItems', '/invoices/draftItems?monthOffset=0');
    await check('/invoices/draftItems', '/invoices/draftItems');
    await check('/invoices/draftItems', '/invoices/draftItems?monthOffset=3', '422');
    await check('/invoices/draftItems', '/invoices/draftItems?companyId=00000000-0000-4000-8000-000000000000', '404');
    await check('/invoices/{invoiceId}/items', '/invoices/nope/items', '404');
  });

  it('error bodies (401, 400, rate limit, injected 429/500/503) are Pax8 Error objects', async () => {
    const v = ajv.compile({ $ref: 'pax8#/definitions/Error' });
    const bodies: unknown[] = [];
    bodies.push(await (await fetch(`${sb.baseUrl}/companies`)).json());
    bodies.push(await (await fetch(`${sb.baseUrl}/companies?size=0`, { headers: { authorization: `Bearer ${tok}` } })).json());
    for (const kind of ['429', '500', '503'] as const) {
      sb.setFaults({ rate: 1, kinds: [kind] });
      try {
        bodies.push(await (await fetch(`${sb.baseUrl}/products`, { headers: { authorization: `Bearer ${tok}` } })).json());
      } finally {
        sb.setFaults(null);
      }
    }
    sb.setRateLimit(1);
    try {
      const t = (await (await fetch(sb.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: sb.clientId, client_secret: sb.clientSecret, audience: sb.audience, grant_type: 'client_credentials' }) })).json()) as { access_token: string };
      await fetch(`${sb.baseUrl}/products`, { headers: { authorization: `Bearer ${t.access_token}` } });
      const limited = await fetch(`${sb.baseUrl}/products`, { headers: { authorization: `Bearer ${t.access_token}` } });
      expect(limited.status).to.equal(429);
      bodies.push(await limited.json());
    } finally {
      sb.setRateLimit(null);
    }
    expect(bodies).to.have.length(6);
    for (const b of bodies) if (!v(b)) expect.fail(`${JSON.stringify(b)}: ${ajv.errorsText(v.errors)}`);
    checked += bodies.length;
  });

  it('usage: summaries of every usage subscription, each summary, and its lines', async () => {
    const subs = new Set(sb.data.usageSummaries.map((u) => u.subscriptionId));
    for (const id of subs) {
      const page = await check('/subscriptions/{subscriptionId}/usage-summaries', `/subscriptions/${id}/usage-summaries?size=200`);
      for (const u of page.content) {
        await check('/usage-summaries/{usageSummaryId}', `/usage-summaries/${u.id}`);
        // Days up to the clock's (the 15th): a later usageDate is refused with a 400 the spec does not list (sandbox README).
        for (const day of ['2026-11-01', '2026-11-08', '2026-11-15']) {
          const lines = await check('/usage-summaries/{usageSummaryId}/usage-lines', `/usage-summaries/${u.id}/usage-lines?usageDate=${day}`);
          expect(lines.content.length).to.be.greaterThan(0);
        }
      }
    }
    await check('/usage-summaries/{usageSummaryId}/usage-lines', '/usage-summaries/nope/usage-lines?usageDate=2026-11-01', '404');
    await check('/subscriptions/{subscriptionId}/usage-summaries', '/subscriptions/nope/usage-summaries', '404');
  });
});

/**
 * The webhooks API (pax8-webhooks-api-openapi.json, base /api/v2): every answer validated against the spec with
 * closed objects. The spec writes its error bodies as `properties` plus an `allOf` of more properties; those are
 * merged before closing (so `type` and `message` are allowed, anything else is not). No drift is allowed here.
 */
const webhooksSpec = JSON.parse(readFileSync(path.join(SPEC_DIR, 'pax8-webhooks-api-openapi.json'), 'utf8'));

function mergeAllOf(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(mergeAllOf);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = mergeAllOf(v);
  const all = out['allOf'] as Array<Record<string, unknown>> | undefined;
  if (out['properties'] && Array.isArray(all) && all.every((a) => a['properties'] && !a['$ref'])) {
    for (const a of all) {
      Object.assign(out['properties'] as object, a['properties']);
      out['required'] = [...((out['required'] as string[]) ?? []), ...((a['required'] as string[]) ?? [])];
    }
    delete out['allOf'];
  }
  return out;
}

describe('Pax8 sandbox webhooks API conforms to the published OpenAPI', function () {
  this.timeout(60_000);
  let sb: RunningSandbox;
  let tok: string;
  let checked = 0;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'wh', definitions: rewrite(mergeAllOf(webhooksSpec.components.schemas), 'wh') });
  const validators = new Map<string, ValidateFunction>();
  const receiver: Array<{ auth: string | undefined; body: any }> = [];
  let receiverServer: import('node:http').Server;
  let receiverUrl: string;

  async function check(specPath: string, url: string, status = '200', method = 'get', body?: unknown, token: string | null = tok): Promise<any> {
    const res = await fetch(`${sb.webhooksApiUrl}${url}`, {
      method: method.toUpperCase(), body: body === undefined ? undefined : JSON.stringify(body),
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    });
    expect(res.status, `${method} ${url}`).to.equal(Number(status));
    if (status === '204') return null;
    expect(res.headers.get('content-type')).to.match(/^application\/json/);
    const json = await res.json();
    const key = `${method} ${specPath} ${status}`;
    let v = validators.get(key);
    if (!v) {
      const schema = webhooksSpec.paths[specPath]?.[method]?.responses?.[status]?.content?.['application/json']?.schema;
      if (!schema) throw new Error(`the spec has no JSON schema for ${key}`);
      v = ajv.compile(rewrite(mergeAllOf(schema), 'wh') as object);
      validators.set(key, v);
    }
    if (!v(json)) expect.fail(`${method} ${url} → ${ajv.errorsText(v.errors, { separator: '\n' })}\n${JSON.stringify(json).slice(0, 400)}`);
    checked++;
    return json;
  }

  before(async () => {
    const http = await import('node:http');
    receiverServer = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => { text += c.toString('utf8'); });
      req.on('end', () => {
        receiver.push({ auth: req.headers.authorization, body: JSON.parse(text) });
        res.statusCode = receiver.length === 1 ? 500 : 200; // the first delivery fails once: retried
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiverServer.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiverServer.address() as import('node:net').AddressInfo).port}/hook`;
    sb = await startSandbox({ seed: 5, companies: 10, rateLimitPerMinute: null, webhookRetryDelayMs: 10 });
    const res = await fetch(sb.tokenUrl, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: sb.clientId, client_secret: sb.clientSecret, audience: sb.audience, grant_type: 'client_credentials' }),
    });
    tok = ((await res.json()) as { access_token: string }).access_token;
  });
  after(async () => {
    await sb.close();
    await new Promise<void>((resolve) => receiverServer.close(() => resolve()));
    expect(checked).to.be.greaterThan(15);
  });

  it('topic definitions, create, get, list, configuration, status, topics, test, logs, delete and errors', async () => {
    const defs = await check('/webhooks/topic-definitions', '/webhooks/topic-definitions?size=50');
    const topics = defs.content.map((d: { topic: string }) => d.topic);
    expect(topics).to.include('SUBSCRIPTION');
    await check('/webhooks/topic-definitions', '/webhooks/topic-definitions?topic=SUBSCRIPTION');
    const created = await check('/webhooks', '/webhooks', '200', 'post', {
      displayName: 'Conformance', url: receiverUrl, authorization: 'Secret abc', active: true, errorThreshold: 2,
      webhookTopics: [{ topic: 'SUBSCRIPTION', filters: [{ action: 'UPDATED', conditions: [] }] }],
    });
    expect(created).to.not.have.property('authorization');
    // The closed schemas bite: an unknown field, a bad enum, a missing required field.
    expect(ajv.validate({ $ref: 'wh#/definitions/Webhook' }, { ...created, secret: 'x' })).to.equal(false);
    expect(ajv.validate({ $ref: 'wh#/definitions/Webhook' }, { ...created, lastDeliveryStatus: 'OK' })).to.equal(false);
    expect(ajv.validate({ $ref: 'wh#/definitions/Webhook' }, { ...created, accountId: undefined })).to.equal(false);
    expect(ajv.validate({ $ref: 'wh#/definitions/Webhook' }, created)).to.equal(true);
    await check('/webhooks/{id}', `/webhooks/${created.id}`);
    const list = await check('/webhooks', '/webhooks?active=true&topic=SUBSCRIPTION&sort=createdAt:desc&size=5');
    expect(list.content.map((w: { id: string }) => w.id)).to.deep.equal([created.id]);
    await check('/webhooks/{id}/configuration', `/webhooks/${created.id}/configuration`, '200', 'post', { displayName: 'Renamed', errorThreshold: 3 });
    await check('/webhooks/{id}/status', `/webhooks/${created.id}/status`, '200', 'post', { active: true });
    const replaced = await check('/webhooks/{id}/topics', `/webhooks/${created.id}/topics`, '200', 'put', {
      webhookTopics: [{ topic: 'SUBSCRIPTION', filters: [{ action: 'UPDATED', conditions: [] }, { action: 'CANCELLED', conditions: [] }] }],
    });
    const added = await check('/webhooks/{id}/topics', `/webhooks/${created.id}/topics`, '200', 'post', { topic: 'COMPANY', filters: [] });
    const companyTopic = added.webhookTopics.find((t: { topic: string }) => t.topic === 'COMPANY');
    await check('/webhooks/{id}/topics/{topicId}', `/webhooks/${created.id}/topics/${companyTopic.id}`, '204', 'delete');
    expect(replaced.webhookTopics).to.have.length(1);

    // A mutation through the admin API is delivered (the first attempt fails and is retried), with the Authorization value.
    const sub = sb.data.subscriptions.find((s) => s.status === 'Active')!;
    const admin = { 'content-type': 'application/json', 'x-sandbox-client-id': sb.clientId, 'x-sandbox-client-secret': sb.clientSecret };
    await fetch(`${sb.adminUrl}/subscriptions/${sub.id}/quantity`, { method: 'POST', headers: admin, body: JSON.stringify({ quantity: sub.quantity + 2 }) });
    await sb.webhooks.flush();
    expect(receiver).to.have.length(2);
    const v = ajv.compile({ $ref: 'wh#/definitions/WebhookPayload' });
    for (const r of receiver) {
      expect(r.auth).to.equal('Secret abc');
      if (!v(r.body)) expect.fail(ajv.errorsText(v.errors));
      expect((r.body as { payloadData: object }).payloadData).to.include({ action: 'UPDATED', subscriptionId: sub.id, quantity: sub.quantity });
    }
    const logs = await check('/webhooks/{webhookId}/logs', `/webhooks/${created.id}/logs`);
    expect(logs.content[0].finalStatus).to.equal('SUCCESS');
    expect(logs.content[0].callHistory.map((c: { status: string }) => c.status)).to.deep.equal(['FAILED', 'SUCCESS']);
    await check('/webhooks/{id}/topics/{topic}/test', `/webhooks/${created.id}/topics/SUBSCRIPTION/test`, '200', 'post');
    await sb.webhooks.flush();

    await check('/webhooks', '/webhooks', '400', 'post', { displayName: 'x', webhookTopics: [{ topic: 'NO_SUCH_TOPIC', filters: [] }] });
    await check('/webhooks', '/webhooks', '400', 'post', { url: receiverUrl });
    await check('/webhooks/{id}', `/webhooks/${created.id}`, '204', 'delete');
    await check('/webhooks/{id}', `/webhooks/${created.id}`, '404');
    await check('/webhooks/{id}', `/webhooks/${created.id}`, '404', 'delete');
    await check('/webhooks', '/webhooks', '401', 'get', undefined, null);
    await check('/webhooks', '/webhooks?size=0', '400');
  });
});

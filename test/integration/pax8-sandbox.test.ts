import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { startSandbox, type RunningSandbox } from '../../src/pax8/sandbox/index.js';
import { REVISION_DAYS, revisesLate, usageLinesFor, usageToDate } from '../../src/pax8/sandbox/generator/usage.js';

interface Page<T> {
  content: T[];
  page: { size: number; totalElements: number; totalPages: number; number: number };
}
type Json = Record<string, any>;

async function tokenFor(sb: RunningSandbox, secret = sb.clientSecret, audience = sb.audience): Promise<Response> {
  return fetch(sb.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: sb.clientId, client_secret: secret, audience, grant_type: 'client_credentials' }),
  });
}

async function token(sb: RunningSandbox): Promise<string> {
  const res = await tokenFor(sb);
  expect(res.status).to.equal(200);
  return ((await res.json()) as Json)['access_token'];
}

function api(sb: RunningSandbox, tok: string) {
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> => {
    const res = await fetch(`${sb.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${tok}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  return { get: (p: string) => call('GET', p), put: (p: string, b: unknown) => call('PUT', p, b), del: (p: string) => call('DELETE', p) };
}

function admin(sb: RunningSandbox) {
  const auth = `Basic ${Buffer.from(`${sb.clientId}:${sb.clientSecret}`).toString('base64')}`;
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${sb.adminUrl}${path}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

describe('Pax8 sandbox (HTTP)', function () {
  let sb: RunningSandbox;
  let tok: string;
  let a: ReturnType<typeof api>;

  before(async () => {
    sb = await startSandbox({ seed: 42, companies: 200, rateLimitPerMinute: null });
    tok = await token(sb);
    a = api(sb, tok);
  });
  after(async () => sb.close());

  describe('authentication', () => {
    it('issues a bearer token with Pax8 response shape', async () => {
      const res = await tokenFor(sb);
      expect(res.status).to.equal(200);
      const body = (await res.json()) as Json;
      expect(body).to.have.keys('access_token', 'token_type', 'expires_in');
      expect(body['token_type']).to.equal('Bearer');
      expect(body['expires_in']).to.equal(86400);
    });

    it('accepts the older audience value', async () => {
      expect((await tokenFor(sb, sb.clientSecret, 'api://p8p.client')).status).to.equal(200);
    });

    it('answers bad credentials with 401 access_denied', async () => {
      const res = await tokenFor(sb, 'wrong');
      expect(res.status).to.equal(401);
      expect(await res.json()).to.deep.equal({ error: 'access_denied', error_description: 'Unauthorized' });
    });

    it('rejects requests without a token or with an unknown one (401, Pax8 error body)', async () => {
      const res = await fetch(`${sb.baseUrl}/companies`);
      expect(res.status).to.equal(401);
      const body = (await res.json()) as Json;
      expect(body).to.include({ status: 401, type: 'UNAUTHORIZED', instance: '/v1/companies' });
      expect(body['details']).to.deep.equal([]);
      expect((await api(sb, 'not-a-token').get('/companies')).status).to.equal(401);
    });

    it('expires tokens after their lifetime (measured on the sandbox clock too)', async () => {
      const short = await startSandbox({ companies: 3, tokenLifetimeSeconds: 60 });
      try {
        const t = await token(short);
        expect((await api(short, t).get('/companies')).status).to.equal(200);
        expect((await admin(short)('POST', '/clock/advance', { seconds: 61 })).status).to.equal(200);
        expect((await api(short, t).get('/companies')).status).to.equal(401);
        expect((await api(short, await token(short)).get('/companies')).status).to.equal(200);
      } finally {
        await short.close();
      }
    });

    it('expireTokens() invalidates every issued token', async () => {
      const t = await token(sb);
      sb.expireTokens();
      expect((await api(sb, t).get('/companies')).status).to.equal(401);
      tok = await token(sb);
      a = api(sb, tok);
      expect((await a.get('/companies')).status).to.equal(200);
    });
  });

  describe('paging and filters', () => {
    it('pages companies with the Pax8 envelope (0-based, default size 10)', async () => {
      const r = await a.get('/companies');
      expect(r.status).to.equal(200);
      expect(r.body.page).to.deep.equal({ size: 10, totalElements: 200, totalPages: 20, number: 0 });
      expect(r.body.content).to.have.length(10);
      const last = await a.get('/companies?page=19&size=10');
      expect(last.body.content).to.have.length(10);
      expect((await a.get('/companies?page=20')).body.content).to.have.length(0);
    });

    it('walks all subscriptions at size 200 exactly once', async () => {
      const seen = new Set<string>();
      let total = -1;
      for (let page = 0; ; page++) {
        const r = await a.get(`/subscriptions?page=${page}&size=200`);
        total = r.body.page.totalElements;
        for (const s of r.body.content) seen.add(s.id);
        if (page + 1 >= r.body.page.totalPages) break;
      }
      expect(total).to.equal(sb.data.subscriptions.length);
      expect(seen.size).to.equal(total);
    });

    it('clamps size above 200 to 200 and refuses size 0 or a bad page with 400', async () => {
      expect((await a.get('/subscriptions?size=500')).body.page.size).to.equal(200);
      const bad = await a.get('/subscriptions?size=0');
      expect(bad.status).to.equal(400);
      expect(bad.body).to.include({ status: 400, type: 'BAD_REQUEST' });
      expect((await a.get('/subscriptions?page=x')).status).to.equal(400);
    });

    it('can refuse oversize pages instead (oversizePage: reject)', async () => {
      const strict = await startSandbox({ companies: 2, oversizePage: 'reject' });
      try {
        expect((await api(strict, await token(strict)).get('/companies?size=201')).status).to.equal(400);
      } finally {
        await strict.close();
      }
    });

    it('filters subscriptions by companyId, productId and status', async () => {
      const partner = sb.data.partnerCompanyId;
      const byCompany = await a.get(`/subscriptions?companyId=${partner}&size=200`);
      expect(byCompany.body.content.length).to.be.greaterThan(0);
      expect(byCompany.body.content.every((s: Json) => s['companyId'] === partner)).to.equal(true);
      expect(byCompany.body.page.totalElements).to.equal(sb.data.subscriptions.filter((s) => s.companyId === partner).length);

      const productId = sb.data.subscriptions[5]!.productId;
      const byProduct = await a.get(`/subscriptions?productId=${productId}&status=Active&size=200`);
      const expected = sb.data.subscriptions.filter((s) => s.productId === productId && s.status === 'Active').length;
      expect(byProduct.body.page.totalElements).to.equal(expected);
      expect(byProduct.body.content.every((s: Json) => s['productId'] === productId && s['status'] === 'Active')).to.equal(true);

      expect((await a.get('/subscriptions?status=Bogus')).status).to.equal(400);
      expect((await a.get('/subscriptions?companyId=00000000-0000-4000-8000-000000000000')).status).to.equal(403);
    });

    it('filters companies by status and products by vendorName', async () => {
      const inactive = await a.get('/companies?status=Inactive&size=200');
      expect(inactive.body.page.totalElements).to.equal(sb.data.companies.filter((c) => c.status === 'Inactive').length);
      expect(inactive.body.content.every((c: Json) => c['status'] === 'Inactive')).to.equal(true);
      const ms = await a.get('/products?vendorName=Microsoft&size=200');
      expect(ms.body.content.length).to.be.greaterThan(10);
      expect(ms.body.content.every((p: Json) => p['vendorName'] === 'Microsoft')).to.equal(true);
    });

    it('sorts subscriptions by quantity', async () => {
      const r = await a.get('/subscriptions?sort=quantity,desc&size=50');
      const q = r.body.content.map((s: Json) => s['quantity'] as number);
      expect(q).to.deep.equal([...q].sort((x, y) => y - x));
    });
  });

  describe('single resources', () => {
    it('gets a company, product (with pricing) and subscription by id', async () => {
      const c = sb.data.companies[1]!;
      expect((await a.get(`/companies/${c.id}`)).body).to.include({ id: c.id, name: c.name });
      const p = sb.data.products.find((x) => x.vendorSku === 'CFQ7TTC0LCHC:0002')!;
      const prod = await a.get(`/products/${p.id}`);
      expect(prod.body).to.include({ name: 'Microsoft 365 Business Premium', vendorName: 'Microsoft', sku: 'MST-NCE-103-C100', requiresCommitment: true });
      const pricing = await a.get(`/products/${p.id}/pricing?companyId=${c.id}`);
      expect(pricing.body).to.have.keys('content');
      expect(pricing.body.content.map((x: Json) => x['commitmentTerm'])).to.include.members(['Monthly', '1-Year', '3-Year']);
      expect(pricing.body.content[0].unitOfMeasurement).to.equal('User');
      const withCommitment = sb.data.subscriptions.find((s) => s.commitment)!;
      const sub = await a.get(`/subscriptions/${withCommitment.id}`);
      expect(sub.body.commitment).to.have.keys('id', 'term', 'endDate');
      expect(sub.body).to.have.property('vendorSkuId');
    });

    it('answers unknown ids with 404 and the Pax8 error body', async () => {
      for (const path of ['/companies/nope', '/products/nope', '/subscriptions/nope', '/usage-summaries/nope', '/subscriptions/nope/history']) {
        const r = await a.get(path);
        expect(r.status, path).to.equal(404);
        expect(r.body).to.deep.include({ type: 'NOT_FOUND', status: 404, instance: `/v1${path}`, details: [] });
        expect(r.body.message).to.be.a('string');
      }
    });
  });

  describe('subscription changes', () => {
    it('allows a quantity increase and records the previous state in history', async () => {
      const s = sb.data.subscriptions.find((x) => x.status === 'Active' && x.commitment && x.quantity < 50 && !sb.data.productById.get(x.productId)!.usageBased)!;
      const before = s.quantity;
      const r = await a.put(`/subscriptions/${s.id}`, { quantity: before + 2 });
      expect(r.status).to.equal(200);
      expect(r.body.quantity).to.equal(before + 2);
      expect((await a.get(`/subscriptions/${s.id}`)).body.quantity).to.equal(before + 2);
      const h = await a.get(`/subscriptions/${s.id}/history`);
      expect(h.body).to.have.keys('content');
      expect(h.body.content[0].quantity).to.equal(before + 2);
      expect(h.body.content[1].quantity).to.equal(before);
    });

    it('refuses a decrease during a commitment with 422 {errors}', async () => {
      const s = sb.data.subscriptions.find((x) => x.status === 'Active' && x.quantity > 1 && sb.data.inCommitment(x))!;
      const r = await a.put(`/subscriptions/${s.id}`, { quantity: s.quantity - 1 });
      expect(r.status).to.equal(422);
      expect(r.body).to.have.keys('errors');
      expect(r.body.errors[0]).to.match(/commitment/);
      expect((await a.get(`/subscriptions/${s.id}`)).body.quantity).to.equal(s.quantity);
    });

    it('allows a decrease without a commitment', async () => {
      const s = sb.data.subscriptions.find((x) => x.status === 'Active' && x.quantity > 1 && !x.commitment)!;
      const r = await a.put(`/subscriptions/${s.id}`, { quantity: s.quantity - 1 });
      expect(r.status).to.equal(200);
    });

    it('cancels with DELETE (future cancelDate → PendingCancel)', async () => {
      const s = sb.data.subscriptions.find((x) => x.status === 'Active' && !x.commitment)!;
      const r = await a.del(`/subscriptions/${s.id}?cancelDate=2026-12-31T00:00:00.000-05:00`);
      expect(r.status).to.equal(204);
      const after = await a.get(`/subscriptions/${s.id}`);
      expect(after.body.status).to.equal('PendingCancel');
      expect(after.body.endDate).to.be.a('string');
    });
  });

  describe('usage', () => {
    it('lists summaries per subscription, and the lines up to the clock\'s day sum exactly to the running totals', async () => {
      const u = sb.data.usageSummaries[0]!;
      const list = await a.get(`/subscriptions/${u.subscriptionId}/usage-summaries`);
      expect(list.body.content.map((x: Json) => x['id'])).to.include(u.id);
      const one = await a.get(`/usage-summaries/${u.id}`);
      const today = sb.data.clock.nowIso().slice(0, 10);
      expect(today.slice(0, 7)).to.equal('2026-11');
      let charges = new Decimal(0);
      let partner = new Decimal(0);
      let lines = 0;
      for (let day = 1; day <= Number(today.slice(8)); day++) {
        const date = `2026-11-${String(day).padStart(2, '0')}`;
        const r = await a.get(`/usage-summaries/${u.id}/usage-lines?usageDate=${date}`);
        expect(r.status).to.equal(200);
        for (const l of r.body.content) {
          expect(l.usageDate).to.equal(date);
          charges = charges.plus(String(l.currentCharges));
          partner = partner.plus(String(l.partnerTotal));
          lines++;
        }
      }
      expect(lines).to.be.greaterThanOrEqual(Number(today.slice(8)));
      expect(charges.equals(String(one.body.currentCharges))).to.equal(true);
      expect(partner.equals(String(one.body.partnerTotal))).to.equal(true);
      // Running totals: the month so far, below the month's final charges.
      expect(new Decimal(String(one.body.currentCharges)).lessThan(u.currentCharges)).to.equal(true);
    });

    it('refuses a usageDate after the clock\'s day with Pax8\'s error body (400)', async () => {
      const u = sb.data.usageSummaries[0]!;
      const today = sb.data.clock.nowIso().slice(0, 10);
      expect((await a.get(`/usage-summaries/${u.id}/usage-lines?usageDate=${today}`)).status).to.equal(200);
      const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      const r = await a.get(`/usage-summaries/${u.id}/usage-lines?usageDate=${tomorrow}`);
      expect(r.status).to.equal(400);
      expect(r.body).to.include({ type: 'BAD_REQUEST', status: 400, instance: `/v1/usage-summaries/${u.id}/usage-lines` });
      expect(r.body.message).to.match(/future/);
      expect(r.body.details).to.deep.equal([]);
    });

    it('keeps every summary consistent once its month and revisions are over (in memory, all days)', () => {
      const after = Date.parse('2026-12-10T00:00:00Z');
      for (const u of sb.data.usageSummaries) {
        let sum = new Decimal(0);
        for (let d = 0; d < u.days; d++) for (const l of usageLinesFor(u, u.monthStartMs + d * 86_400_000, after)) sum = sum.plus(l.currentCharges);
        expect(sum.equals(u.currentCharges), u.id).to.equal(true);
        expect(usageToDate(u, after).currentCharges.equals(u.currentCharges), u.id).to.equal(true);
      }
    });

    it('revises recent days of some summaries later (seeded): a day read again after REVISION_DAYS has its final value', () => {
      const revising = sb.data.usageSummaries.filter(revisesLate);
      expect(revising.length).to.be.greaterThan(0);
      expect(revising.length).to.be.lessThan(sb.data.usageSummaries.length);
      const u = revising[0]!;
      const day = u.monthStartMs + 9 * 86_400_000; // the 10th
      const sum = (ls: Array<{ currentCharges: Decimal }>) => ls.reduce((t, l) => t.plus(l.currentCharges), new Decimal(0));
      const onTheDay = sum(usageLinesFor(u, day, day + 3_600_000));
      const later = sum(usageLinesFor(u, day, day + REVISION_DAYS * 86_400_000));
      expect(later.greaterThan(onTheDay)).to.equal(true);
      expect(sum(usageLinesFor(u, day, day + 30 * 86_400_000)).equals(later)).to.equal(true);
      const steady = sb.data.usageSummaries.find((x) => !revisesLate(x))!;
      const steadyDay = steady.monthStartMs + 9 * 86_400_000;
      expect(sum(usageLinesFor(steady, steadyDay, steadyDay + 3_600_000)).equals(sum(usageLinesFor(steady, steadyDay)))).to.equal(true);
    });

    it('serves usage of products other than Azure by default (AWS, Wasabi, Acronis)', () => {
      const vendors = new Set(sb.data.usageSummaries.map((u) => u.vendorName));
      for (const v of ['Microsoft', 'Amazon Web Services', 'Wasabi', 'Acronis']) expect([...vendors], v).to.include(v);
    });

    it('requires usageDate (400) and has no lines outside the month', async () => {
      const u = sb.data.usageSummaries[0]!;
      expect((await a.get(`/usage-summaries/${u.id}/usage-lines`)).status).to.equal(400);
      expect((await a.get(`/usage-summaries/${u.id}/usage-lines?usageDate=2026-13-01`)).status).to.equal(400);
      expect((await a.get(`/usage-summaries/${u.id}/usage-lines?usageDate=2026-10-31`)).body.content).to.have.length(0);
    });
  });

  describe('generated data', () => {
    it('is deterministic for a seed and differs between seeds', async () => {
      const x = await startSandbox({ seed: 7, companies: 30 });
      const y = await startSandbox({ seed: 7, companies: 30 });
      const z = await startSandbox({ seed: 8, companies: 30 });
      try {
        const page = async (s: RunningSandbox, p: string) => (await api(s, await token(s)).get(p)).body;
        for (const p of ['/companies?size=200', '/subscriptions?size=200', '/products?size=200']) {
          expect(await page(x, p)).to.deep.equal(await page(y, p));
        }
        expect(await page(x, '/companies?size=200')).to.not.deep.equal(await page(z, '/companies?size=200'));
        const u = x.data.usageSummaries[0]!;
        expect(await page(x, `/usage-summaries/${u.id}/usage-lines?usageDate=2026-11-07`)).to.deep.equal(
          await page(y, `/usage-summaries/${u.id}/usage-lines?usageDate=2026-11-07`));
      } finally {
        await Promise.all([x.close(), y.close(), z.close()]);
      }
    });

    it('honours the configured counts', async () => {
      const s = await startSandbox({ companies: 50, subscriptions: 321, usageSummaries: 17 });
      try {
        expect(s.data.companies).to.have.length(50);
        expect(s.data.subscriptions).to.have.length(321);
        expect(s.data.usageSummaries).to.have.length(17);
      } finally {
        await s.close();
      }
    });

    it('has equal and near-equal company names, a partner company with usage, all statuses, terms and several currencies', () => {
      const names = sb.data.companies.map((c) => c.name);
      const dupes = names.filter((n, i) => names.indexOf(n) !== i);
      expect(dupes.length).to.be.greaterThan(0);
      const norm = (n: string) => n.toLowerCase().replace(/[^a-z0-9 ]/g, '').replace(/\b(inc|llc)\b/g, '').trim();
      const nearOnly = names.filter((n, i) => names.some((m, j) => j !== i && m !== n && norm(m) === norm(n)));
      expect(nearOnly.length).to.be.greaterThan(0);

      const partner = sb.data.partnerCompanyId;
      expect(sb.data.subscriptions.some((s) => s.companyId === partner)).to.equal(true);
      const partnerSubs = new Set(sb.data.subscriptions.filter((s) => s.companyId === partner).map((s) => s.id));
      expect(sb.data.usageSummaries.some((u) => partnerSubs.has(u.subscriptionId))).to.equal(true);

      const statuses = new Set(sb.data.subscriptions.map((s) => s.status));
      for (const st of ['Active', 'Cancelled', 'PendingManual', 'PendingAutomated', 'PendingCancel', 'WaitingForDetails', 'Trial', 'Converted', 'PendingActivation', 'Activated']) {
        expect(statuses.has(st as never), st).to.equal(true);
      }
      const terms = new Set(sb.data.subscriptions.map((s) => s.billingTerm));
      for (const t of ['Monthly', 'Annual', '2-Year', '3-Year', 'One-Time', 'Trial', 'Activation']) expect(terms.has(t as never), t).to.equal(true);
      expect(new Set(sb.data.subscriptions.map((s) => s.currencyCode)).size).to.be.greaterThanOrEqual(3);
      const us = sb.data.usageSummaries;
      expect(us.some((u) => u.resourceGroup && !u.companyId)).to.equal(true);
      expect(us.some((u) => !u.resourceGroup && u.companyId)).to.equal(true);
      expect(us.some((u) => !u.resourceGroup && !u.companyId)).to.equal(true);
      const azure = sb.data.products.find((p) => p.name === 'Azure plan' && p.vendorName === 'Microsoft')!;
      expect(us.some((u) => u.productId === azure.id)).to.equal(true);
    });
  });

  describe('admin API', () => {
    const ad = () => admin(sb);

    it('requires the client credentials', async () => {
      const res = await fetch(`${sb.adminUrl}/state`);
      expect(res.status).to.equal(401);
      expect((await ad()('GET', '/state')).body.partnerCompanyId).to.equal(sb.data.partnerCompanyId);
    });

    it('renames companies, changes quantities, cancels, deletes and adds subscriptions', async () => {
      const c = sb.data.companies[2]!;
      expect((await ad()('POST', `/companies/${c.id}/rename`, { name: 'Renamed Co' })).status).to.equal(200);
      expect((await a.get(`/companies/${c.id}`)).body.name).to.equal('Renamed Co');

      const s = sb.data.subscriptions.find((x) => sb.data.inCommitment(x) && x.quantity > 2)!;
      expect((await ad()('POST', `/subscriptions/${s.id}/quantity`, { quantity: 1 })).status).to.equal(200);
      expect((await a.get(`/subscriptions/${s.id}`)).body.quantity).to.equal(1);

      const t = sb.data.subscriptions.find((x) => x.status === 'Active' && x.id !== s.id)!;
      expect((await ad()('POST', `/subscriptions/${t.id}/cancel`, {})).status).to.equal(200);
      expect((await a.get(`/subscriptions/${t.id}`)).body.status).to.equal('Cancelled');

      const before = (await a.get('/subscriptions')).body.page.totalElements;
      expect((await ad()('DELETE', `/subscriptions/${t.id}`)).status).to.equal(204);
      expect((await a.get(`/subscriptions/${t.id}`)).status).to.equal(404);
      expect((await a.get('/subscriptions')).body.page.totalElements).to.equal(before - 1);

      const product = sb.data.products[0]!;
      const added = await ad()('POST', '/subscriptions', { companyId: c.id, productId: product.id, quantity: 4 });
      expect(added.status).to.equal(201);
      const listed = await a.get(`/subscriptions?companyId=${c.id}&size=200`);
      expect(listed.body.content.map((x: Json) => x['id'])).to.include(added.body.id);
    });

    it('completes pending cancellations and renews ended commitments when the clock passes them', async () => {
      const s = await startSandbox({ companies: 40, now: '2026-11-15T12:00:00Z' });
      try {
        const c = api(s, await token(s));
        const pending = s.data.subscriptions.find((x) => x.status === 'Active' && !x.commitment)!;
        expect((await c.del(`/subscriptions/${pending.id}?cancelDate=2026-11-20`)).status).to.equal(204);
        expect((await c.get(`/subscriptions/${pending.id}`)).body.status).to.equal('PendingCancel');
        const monthly = s.data.subscriptions.find((x) => x.status === 'Active' && x.commitment?.term === 'Monthly')!;
        const oldEnd = monthly.commitment!.endMs;
        expect((await admin(s)('POST', '/clock/advance', { to: '2026-12-20T00:00:00Z' })).status).to.equal(200);
        const c2 = api(s, await token(s));
        expect((await c2.get(`/subscriptions/${pending.id}`)).body.status).to.equal('Cancelled');
        const renewed = (await c2.get(`/subscriptions/${monthly.id}`)).body;
        expect(Date.parse(renewed.commitment.endDate.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))).to.be.greaterThan(Date.parse('2026-12-20T00:00:00Z'));
        expect(monthly.commitment!.endMs).to.be.greaterThan(oldEnd);
      } finally {
        await s.close();
      }
    });

    it('advances the clock', async () => {
      const before = Date.parse((await ad()('GET', '/state')).body.now);
      const r = await ad()('POST', '/clock/advance', { days: 2 });
      expect(Date.parse(r.body.now) - before).to.equal(2 * 86_400_000);
      // two sandbox days outlive a one-day token
      expect((await a.get('/companies')).status).to.equal(401);
      tok = await token(sb);
      a = api(sb, tok);
      expect((await a.get('/companies')).status).to.equal(200);
    });

    it('sets faults and rate limits and expires tokens over HTTP', async () => {
      expect((await ad()('PUT', '/rate-limit', { perMinute: 1 })).status).to.equal(200);
      const t = await token(sb);
      expect((await api(sb, t).get('/companies')).status).to.equal(200);
      expect((await api(sb, t).get('/companies')).status).to.equal(429);
      await ad()('PUT', '/rate-limit', { perMinute: null });
      await ad()('PUT', '/faults', { rate: 1, kinds: ['503'] });
      expect((await a.get('/companies')).status).to.equal(503);
      await ad()('DELETE', '/faults');
      expect((await a.get('/companies')).status).to.equal(200);
      await ad()('POST', '/tokens/expire');
      expect((await a.get('/companies')).status).to.equal(401);
      tok = await token(sb);
      a = api(sb, tok);
    });
  });

  describe('invoices (Pax8 bill to the partner)', () => {
    let inv: RunningSandbox;
    let c: ReturnType<typeof api>;
    before(async () => {
      inv = await startSandbox({ seed: 3, companies: 150, rateLimitPerMinute: null });
      c = api(inv, await token(inv));
    });
    after(async () => inv.close());

    async function allItems(path: string): Promise<Json[]> {
      const out: Json[] = [];
      for (let page = 0; ; page++) {
        const r = await c.get(`${path}${path.includes('?') ? '&' : '?'}page=${page}&size=200`);
        expect(r.status, path).to.equal(200);
        out.push(...r.body.content);
        if (page + 1 >= r.body.page.totalPages) return out;
      }
    }

    it('lists the published months newest first, dated the 1st and due the 15th', async () => {
      const r = await c.get('/invoices?size=200');
      expect(r.status).to.equal(200);
      const dates = [...new Set(r.body.content.map((i: Json) => i['invoiceDate']))];
      expect(dates).to.deep.equal(['2026-11-01', '2026-10-01', '2026-09-01']);
      for (const i of r.body.content) expect(i.dueDate).to.equal(`${i.invoiceDate.slice(0, 8)}15`);
      expect(r.body.content.filter((i: Json) => i['invoiceDate'] === '2026-11-01').every((i: Json) => i['status'] === 'Unpaid')).to.equal(true);
      const filtered = await c.get('/invoices?invoiceDateRangeStart=2026-10-01&status=Paid&size=200');
      expect(filtered.body.content.every((i: Json) => i['invoiceDate'] === '2026-10-01')).to.equal(true);
    });

    it('has totals equal to the sum of the items, items matching their subscriptions', async () => {
      const invoices = (await c.get('/invoices?size=200')).body.content as Json[];
      const types = new Set<string>();
      for (const i of invoices) {
        const items = await allItems(`/invoices/${i['id']}/items`);
        const sum = items.reduce((s, x) => s.plus(String(x['amountDue'])), new Decimal(0));
        expect(sum.equals(String(i['total'])), i['id']).to.equal(true);
        for (const x of items) {
          types.add(x['type']);
          expect(x['currencyCode']).to.equal(i['currencyCode']);
          if (x['type'] !== 'subscription' || x['term'] === 'Arrears') continue;
          const sub = inv.data.subscriptionById.get(x['subscriptionId'])!;
          expect(new Decimal(String(x['costTotal'])).equals(sub.partnerCost.mul(sub.quantity))).to.equal(true);
        }
      }
      for (const t of ['subscription', 'prorate', 'one-time', 'service-credit']) expect(types.has(t), t).to.equal(true);
    });

    it('drafts the current month with usage at the summaries\' partner totals so far; 422 for a bad monthOffset', async () => {
      const items = await allItems('/invoices/draftItems?monthOffset=0');
      const usage = items.filter((x) => x['term'] === 'Arrears');
      expect(usage).to.have.length(inv.data.usageSummaries.length);
      // Mid-month a draft holds the running totals (below the month's final partner totals, which the published invoice holds).
      const expected = inv.data.usageSummaries.reduce((s, u) => s.plus(inv.data.usageSummaryNow(u).partnerTotal), new Decimal(0));
      expect(expected.lessThan(inv.data.usageSummaries.reduce((s, u) => s.plus(u.partnerTotal), new Decimal(0)))).to.equal(true);
      expect(usage.reduce((s, x) => s.plus(String(x['amountDue'])), new Decimal(0)).equals(expected)).to.equal(true);
      const next = await allItems('/invoices/draftItems');
      expect(next.some((x) => x['term'] === 'Arrears')).to.equal(false);
      expect((await c.get('/invoices/draftItems?monthOffset=2')).status).to.equal(422);
      const partner = await allItems(`/invoices/draftItems?monthOffset=0&companyId=${inv.data.partnerCompanyId}`);
      expect(partner.length).to.be.greaterThan(0);
      expect(partner.every((x) => x['companyId'] === inv.data.partnerCompanyId)).to.equal(true);
    });

    it('publishes the month\'s invoice once the clock passes the 5th of the next month', async () => {
      const auth = admin(inv);
      await auth('POST', '/clock/advance', { to: '2026-12-04T12:00:00Z' });
      c = api(inv, await token(inv));
      expect((await c.get('/invoices?invoiceDate=2026-12-01')).body.content).to.have.length(0);
      await auth('POST', '/clock/advance', { to: '2026-12-05T00:00:00Z' });
      c = api(inv, await token(inv));
      const dec1 = (await c.get('/invoices?invoiceDate=2026-12-01&size=200')).body.content as Json[];
      expect(dec1.length).to.be.greaterThan(0);
      let usage = new Decimal(0);
      for (const i of dec1) for (const x of await allItems(`/invoices/${i['id']}/items`)) if (x['term'] === 'Arrears') usage = usage.plus(String(x['amountDue']));
      expect(usage.equals(inv.data.usageSummaries.reduce((s, u) => s.plus(u.partnerTotal), new Decimal(0)))).to.equal(true);
      expect((await c.get('/invoices/nope/items')).status).to.equal(404);
    });
  });

  describe('limits and faults', () => {
    it('rate limits the partner account (all its tokens together) with 429 and no Retry-After by default', async () => {
      sb.setRateLimit(3);
      try {
        const t1 = api(sb, await token(sb));
        const t2 = api(sb, await token(sb));
        const before = sb.stats().rateLimited;
        for (let i = 0; i < 2; i++) expect((await t1.get('/products')).status).to.equal(200);
        expect((await t2.get('/products')).status).to.equal(200);
        const limited = await t1.get('/products');
        expect(limited.status).to.equal(429);
        expect(limited.body).to.include({ status: 429, type: 'TOO_MANY_REQUESTS' });
        expect(limited.headers.get('retry-after')).to.equal(null);
        // A fresh token does not get a budget of its own (issue 22: the limit is the partner's).
        expect((await t2.get('/products')).status).to.equal(429);
        expect(sb.stats().rateLimited).to.equal(before + 2);
      } finally {
        sb.setRateLimit(null);
      }
    });

    it('sends Retry-After when enabled', async () => {
      const s = await startSandbox({ companies: 2, rateLimitPerMinute: 1, rateLimitRetryAfter: true });
      try {
        const c = api(s, await token(s));
        await c.get('/companies');
        const r = await c.get('/companies');
        expect(r.status).to.equal(429);
        expect(Number(r.headers.get('retry-after'))).to.be.greaterThan(0);
      } finally {
        await s.close();
      }
    });

    it('limits token issuance per minute (30 by default): the next token request answers 429 and is counted', async () => {
      const s = await startSandbox({ companies: 2 });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 31; i++) statuses.push((await tokenFor(s)).status);
        expect(statuses.slice(0, 30).every((st) => st === 200)).to.equal(true);
        const refused = await tokenFor(s);
        expect(statuses[30]).to.equal(429);
        expect(refused.status).to.equal(429);
        expect(await refused.json()).to.include({ error: 'too_many_requests' });
        expect(s.stats()).to.include({ tokensIssued: 30, tokensRefused: 2 });
      } finally {
        await s.close();
      }
    });

    for (const kind of ['429', '500', '503'] as const) {
      it(`injects ${kind} with the Pax8 error body`, async () => {
        sb.setFaults({ rate: 1, kinds: [kind] });
        try {
          const r = await a.get('/companies');
          expect(r.status).to.equal(Number(kind));
          expect(r.body).to.include({ status: Number(kind) });
          expect(r.body.details).to.deep.equal([]);
        } finally {
          sb.setFaults(null);
        }
      });
    }

    it('never faults the token endpoint unless includeToken', async () => {
      sb.setFaults({ rate: 1, kinds: ['500'] });
      try {
        expect((await tokenFor(sb)).status).to.equal(200);
        sb.setFaults({ rate: 1, kinds: ['500'], includeToken: true });
        expect((await tokenFor(sb)).status).to.equal(500);
      } finally {
        sb.setFaults(null);
      }
    });

    it('resets connections', async () => {
      sb.setFaults({ rate: 1, kinds: ['reset'] });
      try {
        let failed: unknown = null;
        await fetch(`${sb.baseUrl}/companies`, { headers: { authorization: `Bearer ${tok}` } }).catch((e: unknown) => (failed = e));
        expect(failed).to.be.instanceOf(Error);
      } finally {
        sb.setFaults(null);
      }
    });

    it('answers slowly, past a client timeout', async () => {
      sb.setFaults({ rate: 1, kinds: ['slow'], slowMs: 10_000 });
      try {
        let failed: unknown = null;
        await fetch(`${sb.baseUrl}/companies`, { headers: { authorization: `Bearer ${tok}` }, signal: AbortSignal.timeout(200) }).catch((e: unknown) => (failed = e));
        expect(failed).to.be.instanceOf(Error);
        expect((failed as Error).name).to.equal('TimeoutError');
      } finally {
        sb.setFaults(null);
      }
    });

    for (const kind of ['truncated', 'malformed'] as const) {
      it(`sends ${kind} JSON pages`, async () => {
        sb.setFaults({ rate: 1, kinds: [kind] });
        try {
          const res = await fetch(`${sb.baseUrl}/subscriptions?size=50`, { headers: { authorization: `Bearer ${tok}` } });
          expect(res.status).to.equal(200);
          const text = await res.text();
          expect(text.length).to.be.greaterThan(0);
          expect(() => JSON.parse(text)).to.throw(SyntaxError);
        } finally {
          sb.setFaults(null);
        }
      });
    }

    it('injects faults at roughly the configured rate, deterministically per seed, and counts them', async () => {
      const run = async (): Promise<number[]> => {
        sb.setFaults({ rate: 0.3, kinds: ['500', '503'], seed: 5 });
        const codes: number[] = [];
        for (let i = 0; i < 40; i++) codes.push((await a.get('/products')).status);
        sb.setFaults(null);
        return codes;
      };
      const before = sb.stats().faultsInjected;
      const first = await run();
      const faulted = first.filter((c) => c !== 200).length;
      expect(faulted).to.be.greaterThan(3).and.lessThan(25);
      expect(sb.stats().faultsInjected - before).to.equal(faulted);
      expect(await run()).to.deep.equal(first);
    });
  });
});

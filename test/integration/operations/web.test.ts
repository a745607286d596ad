import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Runtime } from '../../../src/app/runtime.js';
import { loadConfig } from '../../../src/config/index.js';
import { createHttpApp } from '../../../src/http/app.js';
import { listen, type RunningServer } from '../../../src/http/server.js';
import { createLogger } from '../../../src/logging/logger.js';
import { UserService } from '../../../src/users/service.js';
import { mappedCompanies, opsWorld, pickSubscription, twinSubscriptions, type OpsWorld } from './setup.js';

describe('licence management pages', function () {
  this.timeout(180_000);
  let w: OpsWorld;
  let server: RunningServer;
  let token: string;
  before(async () => {
    w = await opsWorld();
    const rt: Runtime = { config: loadConfig({ RECURRA_ENV: 'test' }), logger: createLogger('silent'), ds: w.h.ds, secrets: w.h.secrets, close: async () => {} };
    server = await listen(createHttpApp(rt), '127.0.0.1', 0);
    const users = new UserService(w.h.ds);
    const { user } = await users.create({ email: 'boss@msp.example', role: 'admin', password: 'tundra-Falcon-31-ribbon', tenantId: w.h.tenant.id, customerId: null });
    token = (await users.createToken(user.id, 'pages')).token;
  });
  after(async () => {
    await server.close();
    await w.close();
  });

  const get = (path: string) => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
  const post = (path: string, form: Record<string, string>) => fetch(`${server.url}${path}`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString(), redirect: 'manual',
  });
  const cells = (html: string, tableId: string) => {
    const table = html.split(`id="${tableId}"`)[1]!.split('</table>')[0]!;
    const body = table.split('<tbody>')[1]!;
    return [...body.matchAll(/<tr>(.*?)<\/tr>/gs)].map((m) => [...m[1]!.matchAll(/<td>(.*?)<\/td>/gs)].map((c) => c[1]!));
  };

  type J = any; // JSON answers, checked field by field below
  const json = async (r: Response): Promise<J> => r.json();
  const api = (method: string, path: string, body?: unknown) => fetch(`${server.url}/api/v1/tenants/${w.h.tenant.id}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

  it('API: licences in use, previews with problems, a cross-customer transfer needs confirmation (409)', async () => {
    const sub = await pickSubscription(w, false);
    expect((await json(await api('GET', `/subscriptions/${sub.id}/licences-in-use`))).inUse).to.equal('0');
    const set = await api('PUT', `/subscriptions/${sub.id}/licences-in-use`, { inUse: sub.quantity.toNumber() + 1, note: 'devices enrolled' });
    expect(set.status).to.equal(200);
    expect(await json(set)).to.deep.include({ inUse: String(sub.quantity.toNumber() + 1), note: 'devices enrolled', updatedBy: 'boss@msp.example' });
    const preview = await json(await api('POST', '/licences/purchase/preview', { subscriptionId: sub.id, add: '1' }));
    expect([preview.minimumToAdd, preview.problems]).to.deep.equal(['1', []]);
    const dec = await json(await api('POST', '/licences/decrease/preview', { subscriptionId: sub.id, remove: 1 }));
    expect(dec.problems.join()).to.match(/licences are in use/);
    const cs = await mappedCompanies(w);
    const [a, b] = await twinSubscriptions(w, [cs[0]!.companyId, cs[1]!.companyId], 4);
    const r = await api('POST', '/licences/transfer', { fromSubscriptionId: a!.id, toSubscriptionId: b!.id, quantity: 1 });
    expect(r.status).to.equal(409);
    expect((await json(r)).error.code).to.equal('confirmation_required');
    const ok = await api('POST', '/licences/transfer', { fromSubscriptionId: a!.id, toSubscriptionId: b!.id, quantity: 1, confirmCrossCustomer: true });
    expect(ok.status).to.equal(200);
    expect((await json(ok)).operation).to.deep.include({ status: 'applied', sourceAfter: '3', targetAfter: '5' });
    expect((await api('GET', `/subscriptions/${randomUUID()}/licences-in-use`)).status).to.equal(404);
  });

  it('previews and completes a purchase, then the event log shows it and exports exactly what it shows', async () => {
    const sub = await pickSubscription(w, false);
    const index = await get(`/t/${w.h.tenant.id}/licences`);
    expect(index.status).to.equal(200);
    const html = await index.text();
    expect(html).to.include('Purchase licences').and.include(`value="${sub.id}"`);

    const preview = await post(`/t/${w.h.tenant.id}/licences/purchase/preview`, { subscriptionId: sub.id, add: '2' });
    expect(preview.status).to.equal(200);
    const p = await preview.text();
    expect(p).to.include('Licences after purchase').and.include('Complete purchase');
    expect(w.h.sandbox.data.subscriptionById.get(sub.pax8Id)!.quantity).to.equal(sub.quantity.toNumber());

    const done = await post(`/t/${w.h.tenant.id}/licences/purchase`, { subscriptionId: sub.id, add: '2' });
    expect(done.status).to.equal(303);
    // The confirmation says what changed: whose subscription, from how many to how many.
    const before = sub.quantity.toNumber();
    expect(decodeURIComponent(done.headers.get('location')!)).to.include('notice=purchase applied: ').and.match(new RegExp(` from ${before} to ${before + 2} licences\\.`));
    expect(w.h.sandbox.data.subscriptionById.get(sub.pax8Id)!.quantity).to.equal(sub.quantity.toNumber() + 2);

    const refused = await post(`/t/${w.h.tenant.id}/licences/decrease`, { subscriptionId: sub.id, remove: String(sub.quantity.toNumber() + 2) });
    expect(refused.status).to.equal(303);
    const back = await (await get(refused.headers.get('location')!)).text();
    expect(back).to.match(/error-summary[\s\S]*no licences left/);

    const log = await get(`/t/${w.h.tenant.id}/licences/events?columns=initiatedBy,type,licenceCount&sort=type&search=purch`);
    expect(log.status).to.equal(200);
    const page = await log.text();
    const shown = cells(page, 'events');
    expect(shown).to.deep.equal([['boss@msp.example', 'purchase', '2']]);
    const href = /id="export-view" href="([^"]+)"|href="([^"]+)" id="export-view"/.exec(page)!;
    const csv = await (await get((href[1] ?? href[2])!.replace(/&amp;/g, '&').replace(/&#x3D;/g, '='))).text(); // HTML entities as a browser decodes them
    expect(csv).to.equal('Initiated by,Event type,Licence count\nboss@msp.example,purchase,2\n');
  });

  it('a refused preview or Complete comes back to its form, filled in, with the reason in plain words next to the field', async () => {
    const sub = await pickSubscription(w, false);
    const t = `/t/${w.h.tenant.id}/licences`;
    const formOf = (html: string, id: string) => new RegExp(`<form[^>]*id="${id}"[\\s\\S]*?</form>`).exec(html)![0];
    // Not a whole number: the preview is refused and the purchase form shows what was typed and why.
    for (const typed of ['2.5', 'two', '']) {
      const r = await post(`${t}/purchase/preview`, { subscriptionId: sub.id, add: typed });
      expect(r.status, typed).to.equal(303);
      expect(r.headers.get('location')).to.match(new RegExp(`^${t}\\?form=[\\w-]+#error-summary$`));
      const page = await (await get(r.headers.get('location')!)).text();
      const form = formOf(page, 'purchase-form');
      expect(form, typed).to.contain(`value="${typed}"`).and.contain('aria-invalid="true"').and.contain('class="field-error"');
      expect(form).to.match(new RegExp(`<option value="${sub.id}" selected>`));
      expect(/<span class="field-error"[^>]*>([^<]*)</.exec(form)![1]).to.equal('Licences to add must be a whole number');
      expect(page).to.contain('This form has a problem');
      expect(formOf(page, 'decrease-form')).not.to.contain('field-error');
    }
    // A Complete refused by the rules (more than there are) comes back to the decrease form with the quantity kept.
    const tooMany = String(sub.quantity.toNumber() + 50);
    const r = await post(`${t}/decrease`, { subscriptionId: sub.id, remove: tooMany });
    const page = await (await get(r.headers.get('location')!)).text();
    const form = formOf(page, 'decrease-form');
    expect(form).to.contain(`value="${tooMany}"`).and.match(new RegExp(`<option value="${sub.id}" selected>`));
    expect(form).to.match(/aria-invalid="true"[^>]*>\s*<span class="field-error"[^>]*>[^<]*no licences left/);
    expect(/id="error-summary"[\s\S]*?<\/div>/.exec(page)![0]).to.contain('nothing was saved').and.contain('no licences left');
    expect(w.h.sandbox.data.subscriptionById.get(sub.pax8Id)!.quantity).to.equal(sub.quantity.toNumber());
    // The form state is used once: a reload shows the page as usual.
    expect(await (await get(r.headers.get('location')!)).text()).not.to.contain('error-summary');

    // A preview with problems (fewer than in use) says them; "Change the request" goes back to the form, filled in, with them next to the quantity.
    const inUse = String(sub.quantity.toNumber() - 1);
    expect((await api('PUT', `/subscriptions/${sub.id}/licences-in-use`, { inUse: Number(inUse), note: 'enrolled' })).status).to.equal(200);
    const problems = await (await post(`${t}/decrease/preview`, { subscriptionId: sub.id, remove: '2' })).text();
    expect(problems).to.contain('id="problems"').and.contain('licences are in use').and.contain('id="change-form"');
    expect(problems).to.match(/<td class="num">[\d,]+<\/td>/);
    const change = await post(`${t}/decrease/preview`, { subscriptionId: sub.id, remove: '2', change: '1' });
    expect(change.status).to.equal(303);
    const changed = formOf(await (await get(change.headers.get('location')!)).text(), 'decrease-form');
    expect(changed).to.contain('value="2"').and.match(/class="field-error"[^>]*>[^<]*licences are in use/);
    expect(changed).to.match(new RegExp(`<option value="${sub.id}" selected>`));
    await api('PUT', `/subscriptions/${sub.id}/licences-in-use`, { inUse: 0, note: null });
    // A transfer: a quantity that is not a number comes back with both subscriptions chosen; a confirmed one says both changes.
    const cs = await mappedCompanies(w);
    const [from, to] = await twinSubscriptions(w, [cs[0]!.companyId, cs[1]!.companyId], 4);
    const bad = await post(`${t}/transfer/preview`, { fromSubscriptionId: from!.id, toSubscriptionId: to!.id, quantity: 'a few' });
    const transfer = formOf(await (await get(bad.headers.get('location')!)).text(), 'transfer-form');
    expect(transfer).to.contain('value="a few"').and.contain('Licences to move must be a whole number');
    expect(transfer).to.match(new RegExp(`name="fromSubscriptionId"[^>]*>[\\s\\S]*?<option value="${from!.id}" selected>`));
    expect(transfer.split('name="toSubscriptionId"')[1]).to.match(new RegExp(`<option value="${to!.id}" selected>`));
    const moved = await post(`${t}/transfer`, { fromSubscriptionId: from!.id, toSubscriptionId: to!.id, quantity: '1', confirmCrossCustomer: 'on' });
    expect(decodeURIComponent(moved.headers.get('location')!)).to.include('notice=transfer applied: ').and.include(' from 4 to 3 licences; ').and.match(/ from 4 to 5 licences\.$/);
  });

  it('a purchase Pax8 answers pending (issue 22) is shown provisioning on the page and in the API, then applied after the next sync', async () => {
    const sb = w.h.sandbox.data;
    sb.pending.mode = 'pending';
    sb.pending.failureRate = 0;
    try {
      const sub = await pickSubscription(w, false);
      const done = await post(`/t/${w.h.tenant.id}/licences/purchase`, { subscriptionId: sub.id, add: '1' });
      expect(decodeURIComponent(done.headers.get('location')!.replace(/\+/g, ' ')))
        .to.include('notice=purchase accepted by Pax8, which is provisioning it: billing keeps the current quantity until Pax8 confirms it');
      const row = async () => cells(await (await get(`/t/${w.h.tenant.id}/licences`)).text(), 'operations')[0]!;
      const shown = await row(); // when, type, status, by, reason (the licence count cell has a class)
      expect([shown[1], shown[2], shown[4]]).to.deep.equal(['purchase', 'provisioning', 'Pax8 is provisioning it: billed at the last provisioned quantity until Pax8 confirms']);
      const listed = async () => (await json(await api('GET', '/licences/operations'))).items[0];
      expect(await listed()).to.deep.include({ type: 'purchase', status: 'provisioning', targetAfter: String(sub.quantity.toNumber() + 1) });
      w.h.sandbox.settlePending();
      await w.h.run({ entities: 'subscriptions' });
      expect(await listed()).to.deep.include({ status: 'applied' });
      expect((await row()).filter((_, i) => i === 2 || i === 4)).to.deep.equal(['applied', '']);
    } finally {
      sb.pending.mode = 'instant';
    }
  });
});

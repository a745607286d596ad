import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { Tenant } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { recordEvent } from '../../../src/events/log.js';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, startApp, webSessionCookie, type TestApp } from './support.js';

/** The event log page: columns chosen by ticking their names in words, reordered by arrows, values as people read them. */
describe('http: the event log page (issue 24)', function () {
  this.timeout(60_000);
  let app: TestApp;
  let A: SeededTenant;
  let cookie: string;

  before(async () => {
    app = await startApp();
    A = await seedTenant(app.ds, 'event-log-page');
    await app.ds.manager.update(Tenant, { id: A.tenant.id }, { timeZone: 'Australia/Sydney' });
    const scope = new TenantScope(app.ds.manager, A.tenant.id);
    await recordEvent(scope, {
      occurredAt: new Date('2026-11-30T22:15:00Z'), type: 'licence_purchase', source: 'Contoso / Microsoft 365', target: 'Microsoft 365 Business Premium',
      licenceCount: new Decimal('1250'), initiatedBy: 'boss@msp.example', refKind: 'licence_operation', refId: 'op-1',
    });
    await recordEvent(scope, {
      occurredAt: new Date('2026-11-29T10:00:00Z'), type: 'import_quantity', source: 'Pax8 sync', target: 'Exchange Online (Plan 1)',
      licenceCount: new Decimal('3'), initiatedBy: 'scheduler', refKind: 'subscription', refId: 'sub-1',
    });
    cookie = await webSessionCookie(app.url, await addUser(app, 'finance', { tenant: A.tenant }));
  });
  after(async () => { await app?.close(); });

  const page = async (query: string) => {
    const res = await fetch(`${app.url}/t/${A.tenant.id}/licences/events?${query}`, { headers: { cookie } });
    const html = await res.text();
    expect(res.status, html.slice(0, 400)).to.equal(200);
    return html;
  };
  const table = (html: string) => {
    const t = html.split('id="events"')[1]!.split('</table>')[0]!;
    const heads = [...t.split('</thead>')[0]!.matchAll(/<th>(?:<a [^>]*>)?([^<]+)/g)].map((m) => m[1]!.trim());
    const rows = [...t.split('<tbody>')[1]!.matchAll(/<tr>(.*?)<\/tr>/gs)].map((m) => [...m[1]!.matchAll(/<td>(.*?)<\/td>/gs)].map((c) => c[1]!));
    return { heads, rows };
  };

  it('offers every column as a labelled checkbox in words (no camelCase names to type), the default ones ticked', async () => {
    const html = await page('');
    expect(html).to.not.match(/name="columns" value="[^"]*"[^>]*size=/, 'no text box of column names');
    expect(html).to.match(/<input type="checkbox" name="col" value="occurredAt" checked> Event date<\/label>/);
    expect(html).to.match(/<input type="checkbox" name="col" value="customerId" > Customer id<\/label>/);
    expect(html).to.not.include('Available columns');
  });

  it('shows the date in the tenant\'s zone, the type in words and the count as a quantity', async () => {
    const { heads, rows } = table(await page(''));
    expect(heads).to.deep.equal(['Event date', 'Event type', 'Source', 'Target', 'Licence count', 'Initiated by']);
    expect(rows[0]).to.deep.equal(['1 Dec 2026, 09:15 Australia/Sydney', 'licence purchase', 'Contoso / Microsoft 365', 'Microsoft 365 Business Premium', '1250', 'boss@msp.example']);
    expect(rows).to.have.length(2);
  });

  it('filters by event type, chosen in words from the types the log holds', async () => {
    const html = await page('type=licence_purchase');
    expect(html).to.match(/<select name="type"><option value="">every type<\/option><option value="import_quantity">import quantity<\/option><option value="licence_purchase" selected>licence purchase<\/option><\/select>/);
    expect(table(html).rows.map((r) => r[1])).to.deep.equal(['licence purchase']);
    const csv = await (await fetch(app.url + /href="([^"]+)" id="export-view"/.exec(html)![1]!.replace(/&amp;/g, '&').replace(/&#x3D;/g, '='), { headers: { cookie } })).text();
    expect(csv.trim().split('\n'), 'the export keeps the filter').to.have.length(2);
  });

  it('ticking boxes keeps the order of the view, adds new ones after it, and the arrows move a column', async () => {
    const ticked = await page('columns=initiatedBy,type,occurredAt&col=type&col=initiatedBy&col=refKind');
    expect(table(ticked).heads).to.deep.equal(['Initiated by', 'Event type', 'Record kind']);
    expect(table(ticked).rows[0]).to.deep.equal(['boss@msp.example', 'licence purchase', 'licence operation']);
    const right = /href="([^"]+)" aria-label="Move Initiated by right"/.exec(ticked)![1]!.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
    expect(table(await page(right.slice(1))).heads).to.deep.equal(['Event type', 'Initiated by', 'Record kind']);
    expect(table(await page('col=')).heads, 'nothing ticked: the default view').to.have.length(6);
  });

  it('the CSV of the current view keeps the raw values for other tools', async () => {
    const html = await page('columns=occurredAt,licenceCount');
    const href = /href="([^"]+)" id="export-view"/.exec(html)![1]!.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
    const csv = await (await fetch(app.url + href, { headers: { cookie } })).text();
    expect(csv).to.equal('Event date,Licence count\n2026-11-30T22:15:00.000Z,1250\n2026-11-29T10:00:00.000Z,3\n');
  });
});

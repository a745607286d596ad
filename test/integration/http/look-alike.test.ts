import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { Customer, Invoice, Subscription, UsageMonthlyCharge, UsageSummary } from '../../../src/db/entities/index.js';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, startApp, webSessionCookie, type TestApp } from './support.js';

/** Rows that would read the same on a page are told apart (issue 24): subscriptions, usage summaries, same-name customers. */
describe('http: look-alike rows told apart on the pages', function () {
  this.timeout(60_000);
  let app: TestApp;
  let A: SeededTenant;
  let cookie: string;
  const annual = randomUUID();
  const twinA = randomUUID();
  const twinB = randomUUID();
  let twinSummary: string;

  before(async () => {
    app = await startApp();
    A = await seedTenant(app.ds, 'look-alike', 'Apex Engineering Ltd');
    const m = app.ds.manager;
    // The customer's Business Premium three times: monthly (the seed's), annual with a commitment, and one more annual one.
    const seeded = await m.findOneByOrFail(Subscription, { id: A.ids.subscriptionId! });
    const copy = (id: string, pax8Id: string, startDate: string) => ({ ...seeded, id, pax8Id, billingTerm: 'Annual', commitmentTerm: '1-Year', startDate });
    await m.insert(Subscription, [copy(annual, `pax8-${randomUUID()}`, '2026-03-01'), copy(randomUUID(), `pax8-${randomUUID()}-a1b2c3`, '2026-03-01')]);
    // Two usage summaries of the customer with the same resource group and vendor (two Azure subscriptions at Pax8).
    const u = await m.findOneByOrFail(UsageSummary, { id: A.ids.summaryId! });
    await m.update(UsageSummary, { id: u.id }, { pax8SubscriptionId: `${twinA}` });
    twinSummary = randomUUID();
    await m.insert(UsageSummary, { ...u, id: twinSummary, pax8Id: randomUUID(), pax8SubscriptionId: twinB });
    // November's charges of the twin and of the other customer's summary (same resource group and vendor): the review queue.
    const charge = (usageSummaryId: string) => ({ id: randomUUID(), tenantId: A.tenant.id, createdAt: new Date(), updatedAt: new Date(), usageSummaryId,
      month: '2026-11', charges: new Decimal('7.5'), partnerTotal: new Decimal('6') });
    await m.insert(UsageMonthlyCharge, [charge(twinSummary), charge(A.otherCustomer.summaryId!)]);
    // The other customer has the same name: on the invoice list both read "Apex Engineering Ltd".
    await m.update(Customer, { id: A.otherCustomer.customerId }, { name: 'Apex Engineering Ltd' });
    await m.update(Invoice, { id: A.otherCustomer.invoiceId }, { invoiceDate: '2026-10-01' });
    cookie = await webSessionCookie(app.url, await addUser(app, 'admin', { tenant: A.tenant }));
  });
  after(async () => { await app?.close(); });

  const html = async (path: string) => {
    const res = await fetch(`${app.url}/t/${A.tenant.id}${path}`, { headers: { cookie } });
    const text = await res.text();
    expect(res.status, text.slice(0, 300)).to.equal(200);
    return text;
  };
  const options = (page: string, selectName: string) => {
    const select = page.split(`name="${selectName}"`)[1]!.split('</select>')[0]!;
    return [...select.matchAll(/<option value="[^"]+"[^>]*>([^<]+)<\/option>/g)].map((o) => o[1]!.replace(/&#x27;/g, "'"));
  };

  it('a recurring invoice\'s subscription choices say the term, then the commitment, start or Pax8 id where names repeat', async () => {
    const page = await html(`/recurring-invoices/${A.ids.recurringInvoiceId}`);
    const shown = options(page.split('id="add-line"')[1]!, 'subscriptionId');
    expect(shown).to.have.length(3);
    expect(new Set(shown).size, shown.join(' | ')).to.equal(3);
    expect(shown).to.include('Microsoft 365 Business Premium (monthly, qty 5, Active)');
    const annuals = shown.filter((s) => s.includes('(annual, qty 5, Active), 1-year commitment, since 1 Mar 2026'));
    expect(annuals, shown.join(' | ')).to.have.length(2);
    expect(annuals.some((s) => s.endsWith(', …a1b2c3')), annuals.join(' | ')).to.equal(true);
  });

  it('usage summaries that read the same name their Pax8 subscription', async () => {
    const page = await html('/usage');
    const notes = [...page.matchAll(/<span class="muted twin">([^<]+)<\/span>/g)].map((m) => m[1]!);
    expect(notes.sort()).to.deep.equal([`Pax8 subscription …${twinA.slice(-6)}`, `Pax8 subscription …${twinB.slice(-6)}`].sort());
  });

  it('the usage review queue tells two customers of one name and two summaries of one customer apart', async () => {
    const page = await html('/usage-review?month=2026-11&status=all');
    const rows = [...page.split('id="usage-review"')[1]!.split('</table>')[0]!.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!)
      .filter((r) => r.includes('Apex Engineering Ltd'));
    expect(rows).to.have.length(3);
    const mine = rows.filter((r) => r.includes(`Apex Engineering Ltd (…${A.ids.customerId!.slice(-6)})`));
    const theirs = rows.filter((r) => r.includes(`Apex Engineering Ltd (…${A.otherCustomer.customerId!.slice(-6)})`));
    expect([mine.length, theirs.length]).to.deep.equal([2, 1]);
    expect(mine.map((r) => /<span class="muted twin">([^<]+)<\/span>/.exec(r)?.[1]).sort())
      .to.deep.equal([`usage summary …${A.ids.summaryId!.slice(-6)}`, `usage summary …${twinSummary.slice(-6)}`].sort());
    expect(theirs[0]).to.not.include('class="muted twin"');
  });

  it('Pax8 statuses read as words on the subscriptions list and the customer\'s page', async () => {
    await app.ds.manager.update(Subscription, { id: annual }, { status: 'WaitingForDetails' });
    expect(await html('/subscriptions?q=business')).to.include('<td>Waiting for details').and.not.include('WaitingForDetails');
    expect(await html('/subscriptions?status=PendingCancel')).to.include('<option value="PendingCancel" selected>Pending cancel</option>');
    expect(await html(`/customers/${A.ids.customerId}`)).to.include('<td>Waiting for details').and.not.include('WaitingForDetails');
  });

  it('two customers of one name on a list end with the end of their id; a single one keeps its plain name', async () => {
    const page = await html('/invoices');
    expect(page).to.include(`<td>Apex Engineering Ltd (…${A.ids.customerId!.slice(-6)})</td>`);
    expect(page).to.include(`<td>Apex Engineering Ltd (…${A.otherCustomer.customerId!.slice(-6)})</td>`);
    const one = await html('/invoices?from=2026-11-01');
    expect(one).to.include('<td>Apex Engineering Ltd</td>');
  });
});

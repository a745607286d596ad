import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { formatMoney, roundMoney } from '../../../src/billing/index.js';
import {
  InvoiceLine, LeakageNotice, LicensingNotice, Pax8Company, RecurringInvoiceLine, RecurringInvoiceLink, Subscription, UsageSummary,
} from '../../../src/db/entities/index.js';
import type { ReconcileReport } from '../../../src/reconcile/model.js';
import { listFindings } from '../../../src/reconcile/findings-list.js';
import { applyFix, notifyLeakage, viewReport } from '../../../src/reconcile/service.js';
import { UserService } from '../../../src/users/service.js';
import { MONTH, reconcileHarness, type ReconcileHarness } from './harness.js';

const money = (v: Decimal.Value, currency: string) => formatMoney(new Decimal(v), currency);

/** Totals per currency equal the sum of their customers, which equal the sum of their rows and findings. */
export function checkTotals(r: ReconcileReport): void {
  const view = viewReport(r);
  for (const t of r.totals) {
    const cs = r.customers.filter((c) => c.currency === t.currency);
    const sum = (xs: { cost: Decimal; billed: Decimal; leakage: Decimal }[], k: 'cost' | 'billed' | 'leakage') => xs.reduce((s, x) => s.plus(x[k]), new Decimal(0));
    expect(t.cost.equals(sum(cs, 'cost')), `${t.currency} cost`).to.equal(true);
    expect(t.billed.equals(sum(cs, 'billed')), `${t.currency} billed`).to.equal(true);
    expect(t.leakage.equals(sum(cs, 'leakage')), `${t.currency} leakage`).to.equal(true);
    expect(t.margin.equals(t.billed.minus(t.cost))).to.equal(true);
    expect(t.findings).to.equal(cs.reduce((s, c) => s + c.findings, 0));
    const rows = r.rows.filter((x) => x.currency === t.currency);
    expect(t.cost.equals(rows.reduce((s, x) => s.plus(x.cost), new Decimal(0))), `${t.currency} rows cost`).to.equal(true);
    expect(t.billed.equals(rows.reduce((s, x) => s.plus(x.billed), new Decimal(0))), `${t.currency} rows billed`).to.equal(true);
    const fs = r.findings.filter((f) => f.currency === t.currency);
    expect(t.leakage.equals(fs.reduce((s, f) => s.plus(f.amount), new Decimal(0))), `${t.currency} findings`).to.equal(true);
  }
  for (const c of r.customers) {
    const rows = r.rows.filter((x) => x.customerId === c.customerId && x.currency === c.currency);
    expect(c.cost.equals(rows.reduce((s, x) => s.plus(x.cost), new Decimal(0))), `${c.customerName} cost`).to.equal(true);
    expect(c.billed.equals(rows.reduce((s, x) => s.plus(x.billed), new Decimal(0))), `${c.customerName} billed`).to.equal(true);
  }
  expect(view.totals.length).to.equal(r.totals.length);
}

describe('reconcile: a clean sandbox data set', function () {
  this.timeout(120_000);
  let h: ReconcileHarness;
  before(async () => {
    h = await reconcileHarness();
    const imported = await h.importBilling();
    expect(imported.errors).to.deep.equal([]);
    expect(imported.draftMonths).to.deep.equal([MONTH]);
  });
  after(async () => { await h?.close(); });

  it('shows no finding, and the month totals equal the sum of their customers', async () => {
    const r = await h.report();
    expect(r.pax8Source).to.equal('draft');
    expect(r.findings.map((f) => `${f.kind} ${f.subject}: ${f.detail}`)).to.deep.equal([]);
    expect(r.rows.length).to.be.greaterThan(50);
    expect(r.totals.every((t) => t.leakage.isZero())).to.equal(true);
    checkTotals(r);
  });

  it('counts as cost exactly what Pax8 bills for the customers (the partner\'s own company aside)', async () => {
    const r = await h.report();
    const own = h.sandbox.data.partnerCompanyId;
    const items = h.sandbox.data.invoices.draftItems(0).filter((x) => x.companyId !== own);
    for (const t of r.totals) {
      const expected = items.filter((x) => x.currencyCode === t.currency).reduce((s, x) => s.plus(x.amountDue.toString()), new Decimal(0));
      expect(t.cost.toString(), t.currency).to.equal(expected.toString());
    }
  });

  it('reads a month Pax8 has invoiced from the invoice, and estimates a month with no Pax8 bill yet', async () => {
    const oct = await h.report('2026-10');
    expect(oct.pax8Source).to.equal('invoice');
    const own = h.sandbox.data.partnerCompanyId;
    const octItems = h.sandbox.data.invoices.invoices().flatMap((i) => i.items).filter((x) => x.startPeriod.startsWith('2026-10') && x.companyId !== own);
    const octCost = oct.totals.reduce((s, t) => s.plus(t.cost), new Decimal(0));
    expect(octCost.toString()).to.equal(octItems.reduce((s, x) => s.plus(x.amountDue.toString()), new Decimal(0)).toString());
    expect(oct.rows.some((x) => x.costSource === 'pax8_invoice')).to.equal(true);
    checkTotals(oct);

    const dec = await h.report('2026-12');
    expect(dec.pax8Source).to.equal('none');
    const estimated = dec.rows.filter((x) => x.costSource === 'estimate' && x.subscriptionId);
    expect(estimated.length).to.be.greaterThan(10);
    const subs = new Map((await h.scope.repo(Subscription).find()).map((s) => [s.id, s]));
    for (const row of estimated) {
      const s = subs.get(row.subscriptionId!)!;
      if (s.kind === 'usage_summary') continue;
      expect(row.cost.toString()).to.equal(new Decimal(s.cost!.toString()).mul(s.quantity.toString()).toString());
    }
    checkTotals(dec);
  });
});

interface Picked { sub: Subscription; lineId: string }

describe('reconcile: every kind of leakage, built on sandbox data', function () {
  this.timeout(180_000);
  let h: ReconcileHarness;
  const picked: Record<'unbilled' | 'under' | 'below' | 'cancelled', Picked> = {} as never;
  let usage: UsageSummary;
  let report: ReconcileReport;

  before(async () => {
    h = await reconcileHarness({
      // Inactive Pax8 companies are not imported, so their Pax8 items belong to no customer.
      importInactiveCompanies: false,
      beforeBilling: async (hh) => {
        const scope = hh.scope;
        const links = await scope.repo(RecurringInvoiceLink).find();
        const linksBySub = new Map<string, RecurringInvoiceLink[]>();
        for (const l of links) linksBySub.set(l.subscriptionId, [...(linksBySub.get(l.subscriptionId) ?? []), l]);
        const lineLinks = new Map<string, number>();
        for (const l of links) lineLinks.set(l.lineId, (lineLinks.get(l.lineId) ?? 0) + 1);
        const candidates = (await scope.repo(Subscription).find({ order: { pax8Id: 'ASC' } })).filter((s) => {
          const sb = hh.sandbox.data.subscriptionById.get(s.pax8Id);
          const product = sb && hh.sandbox.data.productById.get(sb.productId);
          const ls = linksBySub.get(s.id) ?? [];
          return sb && product && !product.usageBased && sb.status === 'Active' && s.active && s.kind === 'license' && s.billingTerm === 'Monthly'
            && s.quantity.greaterThanOrEqualTo(3) && sb.partnerCost.greaterThan(2) && s.price !== null && ls.length === 1 && lineLinks.get(ls[0]!.lineId) === 1
            && sb.billingStartMs < Date.parse(`${MONTH}-01T00:00:00Z`) && product.pricing.find((p) => p.billingTerm === sb.billingTerm)?.type !== 'Tiered';
        });
        expect(candidates.length).to.be.greaterThanOrEqual(4);
        const [a, b, c, e] = candidates;
        for (const [k, s] of [['unbilled', a], ['under', b], ['below', c], ['cancelled', e]] as const) {
          picked[k] = { sub: s!, lineId: linksBySub.get(s!.id)![0]!.lineId };
        }
        // Unbilled: the subscription's line is removed.
        await scope.repo(RecurringInvoiceLink).delete({ lineId: picked.unbilled.lineId });
        await scope.repo(RecurringInvoiceLine).delete({ id: picked.unbilled.lineId });
        // Fewer licences: one given free (shown apart), and Pax8 will bill 2 more than Recurra knows.
        await scope.repo(RecurringInvoiceLink).update({ lineId: picked.under.lineId }, { freeQuantity: new Decimal(1) });
        // Below cost: billed at Pax8's unit cost − 1.00.
        const cCost = hh.sandbox.data.subscriptionById.get(picked.below.sub.pax8Id)!.partnerCost;
        await scope.repo(RecurringInvoiceLine).update({ id: picked.below.lineId }, { priceMode: 'own', unitPrice: new Decimal(cCost.toString()).minus(1) });
        // Cancelled in Pax8 on 20 October, kept active here by an admin override: still billed in November.
        hh.sandbox.data.cancel(picked.cancelled.sub.pax8Id, Date.parse('2026-10-20T00:00:00Z'));
        await scope.repo(Subscription).update({ id: picked.cancelled.sub.id }, { status: 'Cancelled', endDate: '2026-10-20', activeOverride: true, active: true });
        // Usage mapped to no customer.
        usage = (await scope.repo(UsageSummary).find({ order: { pax8Id: 'ASC' } })).find((u) => u.customerId !== null)!;
        await scope.repo(UsageSummary).update({ id: usage.id }, { customerId: null, mappedBy: null });
        await scope.repo(Subscription).update({ kind: 'usage_summary', usageSummaryId: usage.id }, { customerId: null });
        await scope.repo(RecurringInvoiceLine).delete({ usageSummaryId: usage.id });
      },
    });
    h.sandbox.data.setQuantity(picked.under.sub.pax8Id, picked.under.sub.quantity.toNumber() + 2, true);
    await h.importBilling();
    report = await h.report();
  });
  after(async () => { await h?.close(); });

  async function issuedLineFor(subscriptionId: string): Promise<InvoiceLine> {
    const lines = (await h.scope.repo(InvoiceLine).find()).filter((l) => l.kind === 'recurring' && l.fromDate === `${MONTH}-01` && l.provenanceJson.includes(subscriptionId));
    expect(lines).to.have.length(1);
    return lines[0]!;
  }

  function finding(key: string) {
    const f = report.findings.find((x) => x.key === key);
    expect(f, `${key} among ${report.findings.map((x) => x.key).join(', ')}`).to.not.equal(undefined);
    return f!;
  }

  it('unbilled: an active subscription on no recurring-invoice line, at price × quantity a month, with a one-click fix', () => {
    const s = picked.unbilled.sub;
    const f = finding(`unbilled:${s.id}`);
    expect(f.subscriptionId).to.equal(s.id);
    expect(f.customerId).to.equal(s.customerId);
    expect(money(f.amount, f.currency)).to.equal(money(roundMoney(new Decimal(s.price!.toString()).mul(s.quantity.toString()), s.currency!), s.currency!));
    expect(f.fix?.action).to.equal('add_to_recurring_invoice');
  });

  it('fewer licences billed than held: the shortfall beyond the free licences, at the line\'s unit price', async () => {
    const s = picked.under.sub;
    const f = finding(`under_quantity:${s.id}`);
    const line = await issuedLineFor(s.id);
    expect(line.quantity.toString()).to.equal(s.quantity.minus(1).toString());
    expect(money(f.amount, f.currency)).to.equal(money(new Decimal(line.unitPrice.toString()).mul(2), f.currency));
    const row = report.rows.find((r) => r.subscriptionId === s.id)!;
    expect(row.freeQuantity.toString()).to.equal('1');
    expect(row.heldQuantity!.toString()).to.equal(s.quantity.plus(2).toString());
    expect(row.explanation.join('\n')).to.match(/1 licence\(s\) given free/);
  });

  it('priced below cost: (unit cost − unit price) × quantity', () => {
    const s = picked.below.sub;
    const f = finding(`below_cost:${s.id}`);
    expect(money(f.amount, f.currency)).to.equal(money(s.quantity.toString(), f.currency));
  });

  it('usage mapped to no customer: the month\'s Pax8 usage charge', () => {
    const f = finding(`unmapped_usage:${usage.id}`);
    const sb = h.sandbox.data.usageSummaryById.get(usage.pax8Id)!;
    // Pax8's partner total so far this month (its running total at the sandbox clock), as its draft bill shows it.
    expect(f.amount.toString()).to.equal(h.sandbox.data.usageSummaryNow(sb).partnerTotal.toString());
    expect(f.customerId).to.equal(null);
  });

  it('Pax8 items of companies mapped to no customer: what Pax8 bills for each such company', async () => {
    const own = h.sandbox.data.partnerCompanyId;
    const companies = await h.scope.repo(Pax8Company).find();
    const skipped = companies.filter((c) => c.status !== 'Active' && c.pax8Id !== own);
    expect(skipped.length).to.be.greaterThan(0);
    const items = h.sandbox.data.invoices.draftItems(0);
    let checked = 0;
    for (const c of skipped) {
      const mine = items.filter((x) => x.companyId === c.pax8Id);
      if (mine.length === 0) continue;
      const f = finding(`unmapped_company:${c.pax8Id}:${mine[0]!.currencyCode}`);
      expect(f.amount.toString()).to.equal(mine.reduce((s, x) => s.plus(x.amountDue.toString()), new Decimal(0)).toString());
      expect(f.fix?.action).to.equal('map_company');
      checked++;
    }
    expect(checked).to.be.greaterThan(0);
  });

  it('cancelled in Pax8 but still billed: what Recurra billed for dates after the cancellation', async () => {
    const s = picked.cancelled.sub;
    const f = finding(`cancelled_billed:${s.id}`);
    const line = await issuedLineFor(s.id);
    expect(f.amount.toString()).to.equal(new Decimal(line.amount.toString()).toString());
    expect(f.amount.greaterThan(0)).to.equal(true);
  });

  it('finds nothing else, lists findings newest first, and its totals add up', () => {
    const expectedKeys = new Set([
      `unbilled:${picked.unbilled.sub.id}`, `under_quantity:${picked.under.sub.id}`, `below_cost:${picked.below.sub.id}`,
      `unmapped_usage:${usage.id}`, `cancelled_billed:${picked.cancelled.sub.id}`,
    ]);
    const others = report.findings.filter((f) => !expectedKeys.has(f.key) && f.kind !== 'unmapped_company');
    expect(others.map((f) => `${f.key}: ${f.detail}`)).to.deep.equal([]);
    const since = report.findings.map((f) => f.since).filter((x): x is string => x !== null);
    expect(since).to.deep.equal([...since].sort().reverse());
    checkTotals(report);
  });

  it('lists the findings a page at a time by kind and customer, or largest amount first (what the Margin page shows)', () => {
    const all = report.findings;
    const kinds = new Set(all.map((f) => f.kind));
    expect(kinds.size).to.be.greaterThan(2);
    const newest = { field: 'since', dir: 'DESC' } as const;
    for (const kind of kinds) {
      const r = listFindings(all, { kind, sort: newest, page: 0, size: 200 });
      expect(r.items.map((f) => f.key)).to.deep.equal(all.filter((f) => f.kind === kind).map((f) => f.key));
      expect(r.total).to.equal(r.items.length);
    }
    const customerId = picked.unbilled.sub.customerId!;
    const mine = listFindings(all, { customerId, sort: newest, page: 0, size: 200 }).items;
    expect(mine.map((f) => f.key)).to.include(`unbilled:${picked.unbilled.sub.id}`);
    expect(mine.every((f) => f.customerId === customerId)).to.equal(true);
    expect(mine.length).to.be.lessThan(all.length);
    const pages = [0, 1, 2].map((page) => listFindings(all, { sort: newest, page, size: 2 }));
    expect(pages.flatMap((p) => p.items.map((f) => f.key))).to.deep.equal(all.slice(0, 6).map((f) => f.key));
    expect(pages[0]!.total).to.equal(all.length);
    const byAmount = listFindings(all, { sort: { field: 'amount', dir: 'DESC' }, page: 0, size: 200 }).items.map((f) => f.amount);
    expect(byAmount.map(String)).to.deep.equal([...all.map((f) => f.amount)].sort((a, b) => b.comparedTo(a)).map(String));
    expect(byAmount[0]!.greaterThanOrEqualTo(byAmount[byAmount.length - 1]!)).to.equal(true);
  });

  it('sends admins one notice when the month\'s leakage exceeds the tenant\'s threshold, and not again for the same leakage', async () => {
    const users = new UserService(h.ds);
    const { user: admin } = await users.create({ email: 'boss@example.test', role: 'admin', password: 'pw-very-long-secret-1', tenantId: h.tenant.id, customerId: null });
    await users.create({ email: 'money@example.test', role: 'finance', password: 'pw-very-long-secret-2', tenantId: h.tenant.id, customerId: null });
    const currency = picked.unbilled.sub.currency!;
    const leakage = report.totals.find((t) => t.currency === currency)!.leakage;
    await h.tenants.updateSettings(h.tenant.id, { leakageNoticeThreshold: leakage.toString() });
    expect(await notifyLeakage(h.ds, await h.tenants.byId(h.tenant.id), report)).to.deep.equal(
      report.totals.filter((t) => t.leakage.greaterThan(leakage)).map((t) => ({ currency: t.currency, leakage: money(t.leakage, t.currency), threshold: money(leakage, t.currency), recipients: 1 })),
    );
    await h.tenants.updateSettings(h.tenant.id, { leakageNoticeThreshold: leakage.minus('0.01').toString() });
    const sent = await notifyLeakage(h.ds, await h.tenants.byId(h.tenant.id), report);
    expect(sent.map((n) => n.currency)).to.include(currency);
    const notices = await h.scope.repo(LicensingNotice).findBy({ kind: 'leakage_threshold' });
    expect(notices.every((n) => n.userId === admin.id)).to.equal(true);
    expect(notices.some((n) => n.message.includes(money(leakage, currency)))).to.equal(true);
    const again = await notifyLeakage(h.ds, await h.tenants.byId(h.tenant.id), report);
    expect(again).to.deep.equal([]);
    expect(await h.scope.repo(LeakageNotice).count()).to.equal(new Set(notices.map((n) => n.message.match(/in (\d{4}-\d{2}): [\d.]+ (\w+)/)?.[2])).size);
  });

  it('the one-click fix adds the unbilled subscription to the customer\'s recurring invoice, and the finding is gone', async () => {
    const key = `unbilled:${picked.unbilled.sub.id}`;
    const r = await applyFix(h.ds, await h.tenants.byId(h.tenant.id), MONTH, key);
    expect(r.applied, r.message).to.equal(true);
    expect(await h.scope.repo(RecurringInvoiceLink).count({ where: { subscriptionId: picked.unbilled.sub.id } })).to.equal(1);
    const after = await h.report();
    expect(after.findings.map((f) => f.key)).to.not.include(key);
  });
});

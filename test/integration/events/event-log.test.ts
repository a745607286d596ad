import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { EventLogEntry, Subscription } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { logImportChanges, recordEvent } from '../../../src/events/log.js';
import { exportEventsCsv, queryEvents, type EventRow } from '../../../src/events/query.js';
import { auditLicensing } from '../../../src/licensing/audit.js';
import { harness, type Harness } from '../imports/harness.js';

/** RFC 4180 reader for the assertions (quoted fields, doubled quotes, CRLF or LF). */
function parse(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

describe('event log', function () {
  this.timeout(120_000);
  let h: Harness;
  let scope: TenantScope;
  before(async () => {
    h = await harness({ companies: 10, subscriptions: 30, usageSummaries: 0 }, { productImportMode: 'none' });
    scope = new TenantScope(h.ds.manager, h.tenant.id);
  });
  after(async () => h.close());

  const ev = (i: number, patch: Partial<{ type: string; source: string; target: string; by: string; count: string | null }> = {}) => scope.transaction((tx) => recordEvent(tx, {
    occurredAt: new Date(Date.UTC(2026, 10, 1 + i, 9)), type: patch.type ?? 'purchase', source: patch.source ?? 'Pax8', target: patch.target ?? `Customer ${i} / M365`,
    licenceCount: patch.count === null ? null : new Decimal(patch.count ?? String(i)), initiatedBy: patch.by ?? 'alice@example.com', refKind: 'test', refId: `t${i}`,
  }));

  it('keeps one line per recorded thing; searches, sorts, pages and shows the chosen columns in order', async () => {
    for (let i = 1; i <= 7; i++) await ev(i, i % 2 ? {} : { type: 'decrease', by: 'bob@example.com' });
    expect(await ev(1)).to.equal(false); // the same record again
    await ev(8, { type: 'transfer', source: '=HYPERLINK("http://evil")', target: '+cmd|calc', by: '@bob', count: '-3' });
    const all = await queryEvents(scope, { size: 100 });
    expect(all.total).to.equal(8);
    expect(all.headers).to.deep.equal(['Event date', 'Event type', 'Source', 'Target', 'Licence count', 'Initiated by']);
    expect(all.rows[0]!.occurredAt).to.equal('2026-11-09T09:00:00.000Z'); // newest first by default

    const bob = await queryEvents(scope, { search: 'BOB@', sort: 'licenceCount', dir: 'asc', columns: ['initiatedBy', 'licenceCount'] });
    expect(bob.headers).to.deep.equal(['Initiated by', 'Licence count']);
    expect(bob.rows).to.deep.equal([{ initiatedBy: 'bob@example.com', licenceCount: '2' }, { initiatedBy: 'bob@example.com', licenceCount: '4' }, { initiatedBy: 'bob@example.com', licenceCount: '6' }]);
    const pct = await queryEvents(scope, { search: '%' });
    expect(pct.total).to.equal(0); // LIKE wildcards are searched as text
    const p2 = await queryEvents(scope, { sort: 'type', page: 1, size: 3 });
    expect(p2.rows.map((r) => r.type)).to.deep.equal(['purchase', 'purchase', 'purchase']);
    try {
      await queryEvents(scope, { columns: ['nope' as never] });
      expect.fail('should refuse');
    } catch (err) {
      expect((err as Error).message).to.match(/unknown column/);
    }
  });

  it('exports the current view (every page, same order and columns) and all columns, safe from formula injection', async () => {
    const view = { search: 'example.com', sort: 'type' as const, dir: 'desc' as const, columns: ['target' as const, 'type' as const, 'licenceCount' as const] };
    const screen: EventRow[] = [];
    for (let page = 0; ; page++) {
      const p = await queryEvents(scope, { ...view, page, size: 2 });
      screen.push(...p.rows);
      if ((page + 1) * 2 >= p.total) break;
    }
    const csv = parse(await exportEventsCsv(scope, view)) as string[][];
    expect(csv[0]).to.deep.equal(['Target', 'Event type', 'Licence count']);
    expect(csv.slice(1)).to.deep.equal(screen.map((r) => [r.target, r.type, r.licenceCount]));

    const full = parse(await exportEventsCsv(scope, {}, true)) as string[][];
    expect(full[0]).to.include.members(['Event date', 'Event type', 'Source', 'Target', 'Licence count', 'Initiated by', 'Record id']);
    expect(full).to.have.length(9);
    const evil = full.find((r) => r.includes('transfer'))!;
    expect(evil).to.include.members(["'=HYPERLINK(\"http://evil\")", "'+cmd|calc", "'@bob", '-3']);
  });

  it('records approvals (from the licensing audit) and import changes of quantity, once', async () => {
    await h.run({ entities: 'customers,subscriptions' });
    const sub = (await scope.repo(Subscription).find({ where: { status: 'Active' } })).find((s) => s.customerId)!;
    await scope.transaction((tx) => auditLicensing(tx.manager, {
      tenantId: h.tenant.id, userId: null, action: 'licensing.request.approve', requestId: 'r1', subscriptionId: sub.id,
      before: { status: 'pending' }, after: { status: 'approved', requestedQuantity: new Decimal(9) },
    }));
    const approvals = await scope.repo(EventLogEntry).findBy({ type: 'approval_approved' });
    expect(approvals.map((a) => [a.licenceCount?.toNumber(), a.initiatedBy, a.target.endsWith(sub.name)])).to.deep.equal([[9, 'system', true]]);

    expect(await logImportChanges(scope)).to.equal(0); // the first pass starts the log; history is not replayed
    await h.admin('POST', `/subscriptions/${sub.pax8Id}/quantity`, { quantity: sub.quantity.toNumber() + 4 });
    await h.run({ entities: 'subscriptions' });
    expect(await logImportChanges(scope)).to.equal(1);
    expect(await logImportChanges(scope)).to.equal(0);
    const q = await scope.repo(EventLogEntry).findBy({ type: 'import_quantity' });
    expect(q.map((e) => [e.licenceCount?.toNumber(), e.source, e.subscriptionId])).to.deep.equal([[4, 'Pax8 sync', sub.id]]);
  });
});

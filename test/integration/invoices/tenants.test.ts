import { expect } from 'chai';
import { Invoice, RecurringInvoice, RecurringInvoiceAdjustment } from '../../../src/db/entities/index.js';
import { loadRecurringInvoices } from '../../../src/invoices/loader.js';
import { runInvoices } from '../../../src/invoices/run.js';
import { insertTenant } from '../../support/database.js';
import { describeWithDatabase } from '../../support/fixtures.js';
import { scopeOf, setTenantSettings } from './fixtures.js';
import { expectSame, loadScenarioIntoDb, simulated, storedAsScenario, TEN_TO_FIFTEEN } from './scenario-db.js';

// The run's primary-key reads and updates carry a query-plan hint in their tenant condition (`+tenantId = ?`,
// TenantRepository.queryByPrimaryKey / updateByPrimaryKey, see docs/features/invoices.md, "Query plans"): they must
// still see one tenant only.
const scenario = TEN_TO_FIFTEEN;

describeWithDatabase('invoices: one tenant\'s run never reads or touches another tenant\'s rows', {}, (db) => {
  it('loads, invoices and advances only the running tenant\'s recurring invoices', async () => {
    const a = (await insertTenant(db.ds, 'acme')).id;
    const b = (await insertTenant(db.ds, 'globex')).id;
    for (const t of [a, b]) await setTenantSettings(db.ds, t, { imports: { reviewUsageLines: false } });
    const loadedA = await loadScenarioIntoDb(scopeOf(db.ds, a), scenario);
    const loadedB = await loadScenarioIntoDb(scopeOf(db.ds, b), scenario);

    // Asking tenant A's scope for B's recurring invoice by id finds nothing.
    expect(await loadRecurringInvoices(scopeOf(db.ds, a), { ids: [loadedB.recurringInvoiceId] })).to.deep.equal([]);
    const both = await loadRecurringInvoices(scopeOf(db.ds, a), { ids: [loadedA.recurringInvoiceId, loadedB.recurringInvoiceId] });
    expect(both.map((l) => l.ri.id)).to.deep.equal([loadedA.recurringInvoiceId]);

    const run = await runInvoices(db.ds, a, '2026-02-01');
    expect(run.failed).to.deep.equal([]);
    expect(run.created.map((c) => c.recurringInvoiceId)).to.deep.equal([loadedA.recurringInvoiceId, loadedA.recurringInvoiceId]);
    expectSame(await storedAsScenario(scopeOf(db.ds, a), loadedA), simulated(scenario));

    // B: no invoice, its next date and its (not yet computed) adjustments untouched.
    expect(await scopeOf(db.ds, b).repo(Invoice).count()).to.equal(0);
    expect((await scopeOf(db.ds, b).repo(RecurringInvoice).findOneBy({ id: loadedB.recurringInvoiceId }))!.nextInvoiceDate).to.equal('2026-01-01');
    expect(await scopeOf(db.ds, b).repo(RecurringInvoiceAdjustment).count()).to.equal(0);

    // B's own run then bills B exactly like A.
    await runInvoices(db.ds, b, '2026-02-01');
    expectSame(await storedAsScenario(scopeOf(db.ds, b), loadedB), simulated(scenario));
    expect(await scopeOf(db.ds, a).repo(Invoice).count()).to.equal(2);
  });
});

import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import { RecurringInvoiceAdjustment, RecurringInvoiceLink } from '../../../src/db/entities/index.js';
import { runDailyPass } from '../../../src/invoices/daily-pass.js';
import { runInvoices } from '../../../src/invoices/run.js';
import { freshDatabase, insertTenant } from '../../support/database.js';
import { insertChanges, scopeOf, setTenantSettings } from './fixtures.js';
import { expectSame, loadScenarioIntoDb, simulated, storedAsScenario, TEN_TO_FIFTEEN, type ScenarioJson } from './scenario-db.js';

const base = TEN_TO_FIFTEEN;

describe('invoices: changes recorded late', function () {
  this.timeout(120_000);
  let ds: DataSource;
  let tenantId: string;
  beforeEach(async () => {
    ds = await freshDatabase();
    tenantId = (await insertTenant(ds, 'acme')).id;
    await setTenantSettings(ds, tenantId, { imports: { reviewUsageLines: false } });
  });
  afterEach(async () => {
    await ds.destroy();
  });

  it('corrects and adds pending adjustments when backdated history arrives before the period is invoiced', async () => {
    const scope = scopeOf(ds, tenantId);
    const loaded = await loadScenarioIntoDb(scope, base);
    await runDailyPass(ds, tenantId, '2026-01-20');
    let pending = await scope.repo(RecurringInvoiceAdjustment).find({ order: { changeDate: 'ASC' } });
    expect(pending.map((a) => [a.changeDate, a.quantity.toString()])).to.deep.equal([['2026-01-11', '5']]);

    // Recorded on 22 Jan: the 11 Jan change was really to 12, and on 15 Jan it went back to 10.
    const [link] = await scope.repo(RecurringInvoiceLink).find();
    await insertChanges(scope, link!.subscriptionId, [
      { date: '2026-01-11', quantity: 12, observedAt: new Date('2026-01-22T09:00:00Z') },
      { date: '2026-01-15', quantity: 10, observedAt: new Date('2026-01-22T09:00:01Z') },
    ]);
    const pass = await runDailyPass(ds, tenantId, '2026-01-25');
    expect(pass).to.include({ adjustmentsUpdated: 1, adjustmentsCreated: 1 });
    pending = await scope.repo(RecurringInvoiceAdjustment).find({ order: { changeDate: 'ASC' } });
    expect(pending.map((a) => [a.changeDate, a.quantity.toString()])).to.deep.equal([['2026-01-11', '2'], ['2026-01-15', '-2']]);

    await runInvoices(ds, tenantId, '2026-02-01');
    const corrected: ScenarioJson = {
      ...base,
      subscriptions: [{ id: 's1', changes: [{ date: '2026-01-01', quantity: 10 }, { date: '2026-01-11', quantity: 12 }, { date: '2026-01-15', quantity: 10 }] }],
    };
    expectSame(await storedAsScenario(scope, loaded), simulated(corrected));
  });

  it('withdraws a pending adjustment the corrected history no longer supports', async () => {
    const scope = scopeOf(ds, tenantId);
    const loaded = await loadScenarioIntoDb(scope, base);
    await runDailyPass(ds, tenantId, '2026-01-20');
    const [link] = await scope.repo(RecurringInvoiceLink).find();
    await insertChanges(scope, link!.subscriptionId, [{ date: '2026-01-11', quantity: 10, observedAt: new Date('2026-01-22T09:00:00Z') }]);
    expect(await runDailyPass(ds, tenantId, '2026-01-31')).to.include({ adjustmentsRemoved: 1 });
    expect(await scope.repo(RecurringInvoiceAdjustment).count()).to.equal(0);
    await runInvoices(ds, tenantId, '2026-02-01');
    const flat: ScenarioJson = { ...base, subscriptions: [{ id: 's1', changes: [{ date: '2026-01-01', quantity: 10 }] }] };
    expectSame(await storedAsScenario(scope, loaded), simulated(flat));
  });
});

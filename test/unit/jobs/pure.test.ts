import { expect } from 'chai';
import { containsData, uniqueKeyFor } from '../../../src/jobs/typeorm-repository.js';
import { tenantDate } from '../../../src/common/tenant-date.js';
import { parseSyncEntities } from '../../../src/cli/commands/sync.js';
import { UsageError } from '../../../src/cli/errors.js';
import { HandlerNotRegisteredError, clearJobHandlers, jobHandler, registerJobHandlers, registeredJobHandlers } from '../../../src/jobs/handlers.js';

describe('jobs: pure helpers', () => {
  it('containsData matches objects partially and everything else exactly', () => {
    expect(containsData({ tenantId: 't', entity: 'usage', scheduled: true }, { tenantId: 't' })).to.equal(true);
    expect(containsData({ tenantId: 't' }, { tenantId: 't', scheduled: true })).to.equal(false);
    expect(containsData({ a: { b: 1, c: 2 } }, { a: { b: 1 } })).to.equal(true);
    expect(containsData({ a: [1, 2] }, { a: [1] })).to.equal(false);
    expect(containsData(null, { a: 1 })).to.equal(false);
    expect(containsData('x', 'x')).to.equal(true);
  });

  it('uniqueKeyFor ignores key order and separates names and values', () => {
    const k = uniqueKeyFor('sync:usage', { 'data.tenantId': 't1', 'data.scheduled': true });
    expect(k).to.match(/^[0-9a-f]{64}$/);
    expect(uniqueKeyFor('sync:usage', { 'data.scheduled': true, 'data.tenantId': 't1' })).to.equal(k);
    expect(uniqueKeyFor('sync:products', { 'data.tenantId': 't1', 'data.scheduled': true })).to.not.equal(k);
    expect(uniqueKeyFor('sync:usage', { 'data.tenantId': 't2', 'data.scheduled': true })).to.not.equal(k);
  });

  it('tenantDate, which the scheduler dates its runs with, gives the calendar date in the zone', () => {
    const at = new Date('2026-01-01T05:30:00Z');
    expect(tenantDate(at, 'UTC')).to.equal('2026-01-01');
    expect(tenantDate(at, 'America/Los_Angeles')).to.equal('2025-12-31');
    expect(tenantDate(new Date('2026-06-30T23:30:00Z'), 'Europe/Amsterdam')).to.equal('2026-07-01');
  });

  it('parseSyncEntities defaults to all, dedupes, and rejects unknown names', () => {
    expect(parseSyncEntities(undefined)).to.deep.equal(['customers', 'products', 'subscriptions', 'usage']);
    expect(parseSyncEntities('usage, customers,usage')).to.deep.equal(['usage', 'customers']);
    expect(() => parseSyncEntities('usage,invoices')).to.throw(UsageError, /unknown invoices/);
    expect(() => parseSyncEntities(' , ')).to.throw(UsageError);
  });

  it('the handler registry adds handlers and says which one is missing', () => {
    clearJobHandlers();
    expect(() => jobHandler('billingDaily')).to.throw(HandlerNotRegisteredError, /no "billingDaily" service is registered/);
    const billingDaily = async () => undefined;
    registerJobHandlers({ billingDaily });
    registerJobHandlers({ invoiceRun: async () => undefined });
    expect(jobHandler('billingDaily')).to.equal(billingDaily);
    expect(registeredJobHandlers().sort()).to.deep.equal(['billingDaily', 'invoiceRun']);
    clearJobHandlers();
  });
});

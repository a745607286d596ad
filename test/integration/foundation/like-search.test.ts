import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Customer } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { likeContains, likeSql, containsPattern } from '../../../src/common/like.js';
import { insertTenant, onMariaDb } from '../../support/database.js';
import { useFreshDatabase } from '../../support/fixtures.js';
import { LIKE_PROBE_CASES, LIKE_PROBE_NAMES } from '../../support/like-probe.js';

function customer(name: string): Partial<Customer> {
  const now = new Date();
  return {
    id: randomUUID(), name, topLevel: null, active: true, siteStreet: null, siteStreet2: null, siteCity: null,
    siteStateOrProvince: null, sitePostalCode: null, siteCountry: null, source: 'manual',
    monthlyRecurringInvoiceId: null, annualRecurringInvoiceId: null, noAutomaticInvoiceLines: false,
    createdAt: now, updatedAt: now,
  };
}

describe(`common/like: literal, case-insensitive text search on a real table (${onMariaDb() ? 'MariaDB' : 'SQLite'})`, () => {
  const db = useFreshDatabase({ per: 'suite' });
  let scope: TenantScope;
  let tenantId: string;

  before(async () => {
    tenantId = (await insertTenant(db.ds, 'like-probe')).id;
    scope = new TenantScope(db.ds.manager, tenantId);
    await scope.repo(Customer).insert(LIKE_PROBE_NAMES.map(customer));
  });

  const viaQueryBuilder = async (text: string, columns: string | string[] = 'c.name') => {
    const cond = likeContains(columns, text, 'needle');
    return (await scope.repo(Customer).query('c').andWhere(cond.sql, cond.params).getMany()).map((c) => c.name).sort();
  };

  for (const [text, expected] of LIKE_PROBE_CASES) {
    it(`a search for ${JSON.stringify(text)} finds exactly ${JSON.stringify(expected)} (query builder)`, async () => {
      expect(await viaQueryBuilder(text)).to.deep.equal([...expected].sort());
    });
  }

  it('searches any of several columns with one bound pattern', async () => {
    expect(await viaQueryBuilder('50%', ['c.siteCity', 'c.name'])).to.deep.equal(['50% off']);
    expect(await viaQueryBuilder('a_b', ['c.siteCity', 'c.source'])).to.deep.equal([]);
  });

  it('works the same in raw SQL with positional parameters', async () => {
    const name = db.ds.driver.escape('name');
    const tenant = db.ds.driver.escape('tenantId');
    const rows: Array<{ name: string }> = await db.ds.query(
      `SELECT ${name} AS name FROM ${db.ds.driver.escape('customers')} WHERE ${tenant} = ? AND ${likeSql(name, '?')}`,
      [tenantId, containsPattern('50%')],
    );
    expect(rows.map((r) => r.name)).to.deep.equal(['50% off']);
  });
});

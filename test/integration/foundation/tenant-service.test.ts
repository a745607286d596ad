import { expect } from 'chai';
import { Tenant } from '../../../src/db/entities/index.js';
import { TenantError, TenantService, viewTenant } from '../../../src/tenants/service.js';
import { onTenantChange, type TenantChange } from '../../../src/tenants/events.js';
import { testSecretBox } from '../../support/database.js';
import { useFreshDatabase } from '../../support/fixtures.js';

describe('Tenant service', () => {
  const db = useFreshDatabase({ per: 'suite' });
  let svc: TenantService;
  const changes: TenantChange[] = [];
  let stopListening: () => void;

  before(async () => {
    svc = new TenantService(db.ds, testSecretBox());
    stopListening = onTenantChange((c) => void changes.push(c));
  });
  after(async () => {
    stopListening();
  });

  it('stores the client secret sealed, and gives it back only through credentials()', async () => {
    const t = await svc.create({ name: 'north', clientId: 'cid', clientSecret: 'very-secret-123', timeZone: 'Europe/Amsterdam' });
    const raw = await db.ds.query('SELECT * FROM tenants');
    expect(JSON.stringify(raw)).to.not.include('very-secret-123');
    expect(JSON.stringify(viewTenant(t))).to.not.include('very-secret-123');
    expect(svc.credentials(await svc.byName('north')).clientSecret).to.equal('very-secret-123');
    expect(changes.at(-1)).to.deep.equal({ kind: 'created', tenantId: t.id });
  });

  it('rejects bad input with field-level messages and refuses duplicates', async () => {
    const bad = svc.create({ name: 'Bad Name', clientId: 'x', clientSecret: 'y', timeZone: 'Mars/Base' });
    await expectRejection(bad, /name: .*timeZone: an IANA time zone/s);
    await expectRejection(svc.create({ name: 'north', clientId: 'x', clientSecret: 'y' }), /already exists/);
    expect(await db.ds.manager.count(Tenant)).to.equal(1);
  });

  it('validates and merges settings updates', async () => {
    const t = await svc.byName('north');
    const s = await svc.updateSettings(t.id, { imports: { allowQuantityIncrease: true } });
    expect(s.imports.allowQuantityIncrease).to.equal(true);
    expect(s.imports.updateSiteAddress).to.equal(true);
    await expectRejection(svc.updateSettings(t.id, { schedule: { usage: 'daily' } }), /schedule.usage: a five-field cron/);
  });

  it('removes a tenant and tells listeners', async () => {
    const t = await svc.create({ name: 'south', clientId: 'c', clientSecret: 's' });
    await svc.remove(t.id);
    await expectRejection(svc.byName('south'), /no tenant named "south"/);
    expect(changes.at(-1)).to.deep.equal({ kind: 'removed', tenantId: t.id });
  });
});

async function expectRejection(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(TenantError);
    expect((e as Error).message).to.match(pattern);
    return;
  }
  throw new Error('expected a rejection');
}

import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import { Pax8Client, type Pax8ClientConfig } from '../../src/pax8/client/index.js';
import { ThreadedPax8Client } from '../../src/pax8/client/threaded-client.js';
import { startSandbox, type RunningSandbox } from '../../src/pax8/sandbox/index.js';
import { pax8ClientFor } from '../../src/tenants/pax8-client.js';
import { TenantService } from '../../src/tenants/service.js';
import { freshDatabase, testSecretBox } from '../support/database.js';

/** Issue 22 point 5: one token and one pace per tenant connection per process, whoever builds the client. */
describe('pax8 clients of one tenant share its token and its pace', function () {
  this.timeout(30_000);
  let sb: RunningSandbox;
  let ds: DataSource;
  let tenants: TenantService;

  before(async () => {
    sb = await startSandbox({ seed: 5, companies: 4, rateLimitPerMinute: null });
    ds = await freshDatabase();
    tenants = new TenantService(ds, testSecretBox());
  });
  after(async () => {
    await sb.close();
    await ds.destroy();
  });

  const connect = (name: string) => tenants.create({
    name, clientId: sb.clientId, clientSecret: sb.clientSecret, tokenUrl: sb.tokenUrl, apiUrl: sb.baseUrl, audience: sb.audience,
  });

  it('two clients built back to back (an import, then a licensing action) mint one token at Pax8', async () => {
    const tenant = await connect('shared-token');
    const before = sb.stats().tokensIssued;
    const id = sb.data.companies[0]!.id;
    await pax8ClientFor(tenants, tenant).company(id);
    await pax8ClientFor(tenants, tenant).company(id);
    await Promise.all([pax8ClientFor(tenants, tenant).company(id), pax8ClientFor(tenants, tenant).company(id)]);
    expect(sb.stats().tokensIssued - before).to.equal(1);
  });

  it('another tenant, or a changed connection, gets a token of its own', async () => {
    const a = await connect('tenant-a');
    const b = await connect('tenant-b');
    const id = sb.data.companies[0]!.id;
    const before = sb.stats().tokensIssued;
    await pax8ClientFor(tenants, a).company(id);
    await pax8ClientFor(tenants, b).company(id);
    expect(sb.stats().tokensIssued - before).to.equal(2);
    // A changed token URL (the sandbox's older one) is another connection: its token is fetched afresh.
    const changed = await tenants.byId(a.id);
    changed.pax8TokenUrl = sb.tokenUrl.replace('/v1/token', '/oauth/token');
    await pax8ClientFor(tenants, changed).company(id);
    expect(sb.stats().tokensIssued - before).to.equal(3);
  });

  it("requests of two clients of the tenant share one pace (and the import thread's client too)", async () => {
    const tenant = await connect('shared-pace');
    const id = sb.data.companies[0]!.id;
    const paced = { rateLimitPerMinute: 600 }; // 100 ms apart (plus 1 %)
    const one = pax8ClientFor(tenants, tenant, paced);
    const two = pax8ClientFor(tenants, tenant, paced);
    await one.company(id); // the token, and the first slot
    const t0 = performance.now();
    await Promise.all([0, 1, 2].flatMap(() => [one.company(id), two.company(id)]));
    // Six more starts on one timeline: the last is at least five intervals after the first (two pacers: two).
    expect(performance.now() - t0).to.be.at.least(500);

    const config: Pax8ClientConfig = {
      tenantId: 'threaded-tenant', tenantName: 'T', clientId: sb.clientId, clientSecret: sb.clientSecret,
      tokenUrl: sb.tokenUrl, apiBaseUrl: sb.baseUrl, audience: sb.audience, rateLimitPerMinute: 600,
    };
    const threaded = new ThreadedPax8Client(config);
    const local = new Pax8Client(config);
    try {
      await Promise.all([threaded.product(sb.data.products[0]!.id), local.company(id)]); // tokens, first slots
      const t1 = performance.now();
      await Promise.all([0, 1, 2].flatMap(() => [threaded.product(sb.data.products[0]!.id), local.company(id)]));
      expect(performance.now() - t1).to.be.at.least(500);
    } finally {
      threaded.close();
    }
  });
});

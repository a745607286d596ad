import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Decimal } from 'decimal.js';
import { AuditEvent, LicensingChangeRequest, Tenant } from '../../../src/db/entities/index.js';
import { openDatabase } from '../../../src/db/data-source.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { LicensingService } from '../../../src/licensing/service.js';
import { startSandbox } from '../../../src/pax8/sandbox/index.js';
import { runCli } from '../../support/cli.js';
import { onMariaDb } from '../../support/database.js';
import { addCustomer, addSubscription, sandboxSubs, type LicensingEnv } from './env.js';

describe('recurra licensing (CLI against the sandbox)', function () {
  // A dozen CLI processes, each starting tsx: generous on a busy machine.
  this.timeout(300_000);
  before(function () {
    // The CLI serves the embedded SQLite file; the MariaDB pass adds nothing here.
    if (onMariaDb()) this.skip();
  });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'recurra-licensing-'));
  const env: NodeJS.ProcessEnv = { RECURRA_DATA_DIR: dataDir };

  it('shows and changes settings as an admin, lists the queue, approves (applied in Pax8) and rejects', async () => {
    const sb = await startSandbox({ port: 0, seed: 5, companies: 10, rateLimitPerMinute: null, quantityChanges: 'instant' /* approvals and operations, not Pax8's provisioning delay: see test/integration/imports/pending-quantity.test.ts */ });
    try {
      const add = await runCli(['tenants', 'add', 'msp', '--client-id', sb.clientId, '--api-url', sb.baseUrl, '--token-url', sb.tokenUrl, '--audience', sb.audience],
        { ...env, PAX8_CLIENT_SECRET: sb.clientSecret });
      expect(add.code, add.stderr).to.equal(0);
      expect((await runCli(['users', 'add', 'boss@msp.test', '--role', 'admin', '--tenant', 'msp'], { ...env, RECURRA_USER_PASSWORD: 'saffron-Pylon-64-meadow' })).code).to.equal(0);
      expect((await runCli(['users', 'add', 'money@msp.test', '--role', 'finance', '--tenant', 'msp'], { ...env, RECURRA_USER_PASSWORD: 'saffron-Pylon-64-meadow' })).code).to.equal(0);

      const show = await runCli(['licensing', 'settings', 'msp'], env);
      expect(show.stdout).to.match(/require approval by default: on/).and.match(/auto-approve threshold: +0%/);
      const denied = await runCli(['licensing', 'settings', 'msp', '--threshold', '50', '--as', 'money@msp.test'], env);
      expect(denied.code).to.equal(1);
      expect(denied.stderr).to.match(/may not manage licensing/);
      const set = await runCli(['licensing', 'settings', 'msp', '--require-approval', 'off', '--threshold', '50', '--always-approve-vendors', 'Acme,Contoso',
        '--self-service', 'on', '--max', '100', '--as', 'boss@msp.test', '--json'], env);
      expect(set.code, set.stderr).to.equal(0);
      expect(JSON.parse(set.stdout)).to.deep.equal({
        approval: { requireApprovalByDefault: false, autoApproveThresholdPercent: '50', alwaysApproveVendors: ['Acme', 'Contoso'] },
        selfService: { allowSelfService: true, defaultMinQuantity: null, defaultMaxQuantity: '100' },
      });
      expect((await runCli(['licensing', 'settings', 'msp', '--threshold', 'half', '--as', 'boss@msp.test'], env)).code).to.equal(2);

      // Two pending requests, made through the service as a client would.
      const { ds } = await openDatabase({ url: null, sqlitePath: path.join(dataDir, 'recurra.sqlite') }, false);
      try {
        const tenant = (await ds.manager.findOneBy(Tenant, { name: 'msp' }))!;
        const le = { ds, sb, tenant } as unknown as LicensingEnv;
        const [s1, s2] = sandboxSubs(sb).free;
        sb.data.setQuantity(s1!.id, 10, false);
        sb.data.setQuantity(s2!.id, 10, false);
        const cust = await addCustomer(le, 'Client Co', s1!.companyId);
        const l1 = await addSubscription(le, s1!, cust.id, { quantity: new Decimal(10) });
        const l2 = await addSubscription(le, s2!, cust.id, { quantity: new Decimal(10) });
        const svc = new LicensingService(ds, () => { throw new Error('not used for pending requests'); });
        const r1 = await svc.requestChange(tenant, { id: 'client-user', customerId: cust.id }, l1.id, new Decimal(20));
        const r2 = await svc.requestChange(tenant, { id: 'client-user', customerId: cust.id }, l2.id, new Decimal(25));
        expect([r1.status, r2.status]).to.deep.equal(['pending', 'pending']);

        const list = await runCli(['licensing', 'requests', 'msp', '--status', 'pending', '--json'], env);
        expect(JSON.parse(list.stdout).map((r: { id: string }) => r.id)).to.have.members([r1.id, r2.id]);

        const ok = await runCli(['licensing', 'approve', 'msp', r1.id, '--as', 'boss@msp.test'], env);
        expect(ok.code, ok.stderr).to.equal(0);
        expect(ok.stdout).to.match(/applied: .* now 20/);
        expect(sb.data.subscriptionById.get(s1!.id)!.quantity).to.equal(20);
        const no = await runCli(['licensing', 'reject', 'msp', r2.id, '--as', 'boss@msp.test', '--reason', 'not now'], env);
        expect(no.code, no.stderr).to.equal(0);
        const scope = new TenantScope(ds.manager, tenant.id);
        const rows = await scope.repo(LicensingChangeRequest).findBy({});
        expect(rows.map((r) => [r.id, r.status, r.rejectionReason]).sort()).to.deep.equal([[r1.id, 'applied', null], [r2.id, 'rejected', 'not now']].sort());
        expect((await runCli(['licensing', 'approve', 'msp', r2.id, '--as', 'boss@msp.test'], env)).stderr).to.match(/already rejected/);
        const audits = await ds.manager.findBy(AuditEvent, { tenantId: tenant.id, action: 'licensing.request.approve' });
        expect(audits).to.have.length(1);
      } finally {
        await ds.destroy();
      }
    } finally {
      await sb.close();
    }
  });
});

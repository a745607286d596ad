import { expect } from 'chai';
import { startSandbox, type RunningSandbox } from '../../src/pax8/sandbox/index.js';
import { sandboxClient as client, type Json } from '../support/sandbox-client.js';
import type { SandboxOptions, SandboxSubscription } from '../../src/pax8/sandbox/types.js';

/** Issue 22, point 1: quantity PUTs answered pending, settled later (or failed); provisioning details required. */

/** Active, whole-quantity subscriptions of products that need no details and no commitment (other vendors' 1-Year terms allow increases). */
function plain(sb: RunningSandbox, skip = 0): SandboxSubscription {
  return sb.data.subscriptions.filter((x) => x.status === 'Active' && !sb.data.productById.get(x.productId)!.requiresCommitment && x.quantity < 50 && Number.isInteger(x.quantity)
    && sb.data.productById.get(x.productId)!.provisioningDetails.length === 0 && !sb.data.productById.get(x.productId)!.usageBased)[skip]!;
}

describe('Pax8 sandbox: pending quantity changes and provisioning details (issue 22)', function () {
  this.timeout(30000);
  const open: RunningSandbox[] = [];
  const start = async (o: SandboxOptions = {}) => { const sb = await startSandbox({ seed: 42, companies: 60, rateLimitPerMinute: null, ...o }); open.push(sb); return sb; };
  after(async () => { for (const sb of open) await sb.close(); });

  it('answers a quantity PUT PendingAutomated with the requested quantity, and settles to Active after the delay', async () => {
    const sb = await start({ pendingFailureRate: 0 });
    const a = await client(sb);
    const s = plain(sb);
    const before = s.quantity;
    const r = await a.put(`/subscriptions/${s.id}`, { quantity: before + 3 });
    expect(r.status).to.equal(200);
    expect(r.body).to.include({ quantity: before + 3 });
    expect(r.body['status']).to.be.oneOf(['PendingAutomated', 'PendingManual']);
    expect((await a.get(`/subscriptions/${s.id}`)).body['status']).to.equal(r.body['status']);
    await fetch(`${sb.adminUrl}/clock/advance`, { method: 'POST', headers: adminHeaders(sb), body: JSON.stringify({ seconds: 14 * 60 }) });
    expect((await a.get(`/subscriptions/${s.id}`)).body['status']).to.equal(r.body['status']);
    await fetch(`${sb.adminUrl}/clock/advance`, { method: 'POST', headers: adminHeaders(sb), body: JSON.stringify({ seconds: 60 }) });
    const settled = (await a.get(`/subscriptions/${s.id}`)).body;
    expect(settled).to.include({ status: 'Active', quantity: before + 3 });
    const h = (await a.get(`/subscriptions/${s.id}/history`)).body['content'] as Json[];
    expect(h.slice(0, 2).map((x) => [x['status'], x['quantity']])).to.deep.equal([['Active', before + 3], [r.body['status'], before + 3]]);
  });

  it('fails some changes: the subscription goes back to its status and old quantity', async () => {
    const sb = await start({ pendingFailureRate: 1 });
    const a = await client(sb);
    const s = plain(sb);
    const before = s.quantity;
    expect((await a.put(`/subscriptions/${s.id}`, { quantity: before + 1 })).body['status']).to.match(/^Pending/);
    expect(sb.settlePending()).to.equal(1);
    expect((await a.get(`/subscriptions/${s.id}`)).body).to.include({ status: 'Active', quantity: before });
  });

  it('draws PendingAutomated or PendingManual and the failures from the seed (the same run twice gives the same answers)', async () => {
    const run = async () => {
      const sb = await start({ pendingFailureRate: 0.3 });
      const a = await client(sb);
      const out: string[] = [];
      for (let i = 0; i < 12; i++) {
        const s = plain(sb, i);
        const r = await a.put(`/subscriptions/${s.id}`, { quantity: s.quantity + 1 });
        out.push(`${r.body['status']}:${sb.data.pendingChange(s.id)!.fails}`);
      }
      return out;
    };
    const first = await run();
    expect(await run()).to.deep.equal(first);
    expect(first.some((x) => x.startsWith('PendingManual'))).to.equal(true);
    expect(first.some((x) => x.startsWith('PendingAutomated'))).to.equal(true);
  });

  it('settles after a wall-clock delay when configured, and applies at once in instant mode', async () => {
    const wall = await start({ pendingSettleWallMs: 0, pendingFailureRate: 0 });
    const a = await client(wall);
    const s = plain(wall);
    expect((await a.put(`/subscriptions/${s.id}`, { quantity: s.quantity + 1 })).body['status']).to.match(/^Pending/);
    expect((await a.get(`/subscriptions/${s.id}`)).body['status']).to.equal('Active');
    const instant = await start({ quantityChanges: 'instant' });
    const b = await client(instant);
    const t = plain(instant);
    const q = t.quantity + 1;
    expect((await b.put(`/subscriptions/${t.id}`, { quantity: q })).body).to.include({ status: 'Active', quantity: q });
  });

  it('refuses a quantity PUT without the provisioning details its product advertises (400, Pax8 error body)', async () => {
    const sb = await start();
    const a = await client(sb);
    const s = sb.data.subscriptions.find((x) => x.status === 'Active' && sb.data.productById.get(x.productId)!.provisioningDetails.length > 0)!;
    expect(s, 'a subscription of a product with provisioning details').to.not.equal(undefined);
    const details = (await a.get(`/products/${s.productId}/provision-details`)).body['content'] as Json[];
    expect(details).to.have.length(1);
    expect(details[0]).to.include({ key: 'adobeVipTermsAccepted', valueType: 'Single-Value' });
    const refused = await a.put(`/subscriptions/${s.id}`, { quantity: s.quantity + 1 });
    expect(refused.status).to.equal(400);
    expect(refused.body).to.deep.include({ type: 'BAD_REQUEST', status: 400, instance: `/v1/subscriptions/${s.id}`, details: [] });
    expect(refused.body['message']).to.match(/adobeVipTermsAccepted/);
    const wrong = await a.put(`/subscriptions/${s.id}`, { quantity: s.quantity + 1, provisioningDetails: [{ key: 'adobeVipTermsAccepted', values: ['Maybe'] }] });
    expect(wrong.status).to.equal(400);
    const ok = await a.put(`/subscriptions/${s.id}`, { quantity: s.quantity + 1, provisioningDetails: [{ key: 'adobeVipTermsAccepted', values: details[0]!['possibleValues'] }] });
    expect(ok.status).to.equal(200);
    expect((await a.get(`/products/${plain(sb).productId}/provision-details`)).body).to.deep.equal({ content: [] });
  });
});

function adminHeaders(sb: RunningSandbox): Record<string, string> {
  return { 'content-type': 'application/json', 'x-sandbox-client-id': sb.clientId, 'x-sandbox-client-secret': sb.clientSecret };
}

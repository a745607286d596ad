import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { startSandbox, type RunningSandbox } from '../../../src/pax8/sandbox/index.js';

/**
 * The sandbox's webhooks follow the published webhooks OpenAPI and each topic definition's samplePayload (issue 22,
 * point 3): filters are required and name the actions delivered (an empty list delivers nothing), a URL with a query
 * string is refused in Pax8's error shape, and every delivery has its topic's sample payloadData keys.
 */
describe('Pax8 sandbox webhooks: filters, URLs and payloads as Pax8 publishes them', function () {
  this.timeout(60_000);
  let sb: RunningSandbox;
  let tok: string;
  let receiver: http.Server;
  let receiverUrl: string;
  const received: Array<{ path: string; body: { webhookId: string; payloadData: Record<string, unknown> } }> = [];

  before(async () => {
    receiver = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => { text += c.toString('utf8'); });
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: JSON.parse(text) });
        res.statusCode = 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    sb = await startSandbox({ seed: 7, companies: 5, rateLimitPerMinute: null, webhookRetryDelayMs: 10 });
    const res = await fetch(sb.tokenUrl, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: sb.clientId, client_secret: sb.clientSecret, audience: sb.audience, grant_type: 'client_credentials' }),
    });
    tok = ((await res.json()) as { access_token: string }).access_token;
  });
  after(async () => {
    await sb.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sb.webhooksApiUrl}${path}`, {
      method, headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const admin = (path: string, body: unknown) => fetch(`${sb.adminUrl}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-sandbox-client-id': sb.clientId, 'x-sandbox-client-secret': sb.clientSecret },
    body: JSON.stringify(body),
  });

  it('refuses a URL with a query string (400 in Pax8\'s error shape), a topic without filters and a filter without conditions', async () => {
    const topics = [{ topic: 'SUBSCRIPTION', filters: [{ action: 'UPDATED', conditions: [] }] }];
    const withQuery = await call('POST', '/webhooks', { displayName: 'q', url: `${receiverUrl}/hook?token=abc`, webhookTopics: topics });
    expect(withQuery.status).to.equal(400);
    expect(withQuery.body).to.deep.equal({ type: 'BAD_REQUEST', message: 'url must not contain a query string', instance: '/api/v2/webhooks', status: 400, details: [] });
    const ok = await call('POST', '/webhooks', { displayName: 'ok', url: `${receiverUrl}/hook`, webhookTopics: topics });
    expect(ok.status).to.equal(200);
    const reconfigured = await call('POST', `/webhooks/${ok.body.id}/configuration`, { url: `${receiverUrl}/hook?x=1` });
    expect([reconfigured.status, reconfigured.body.type]).to.deep.equal([400, 'BAD_REQUEST']);
    expect((await call('POST', '/webhooks', { displayName: 'f', webhookTopics: [{ topic: 'SUBSCRIPTION' }] })).status).to.equal(400);
    expect((await call('POST', '/webhooks', { displayName: 'c', webhookTopics: [{ topic: 'SUBSCRIPTION', filters: [{ action: 'UPDATED' }] }] })).status).to.equal(400);
    expect((await call('DELETE', `/webhooks/${ok.body.id}`)).status).to.equal(204);
  });

  it('delivers only the actions a topic\'s filters name (an empty list: nothing), each payload in its topic definition\'s sample shape', async () => {
    const defs = (await call('GET', '/webhooks/topic-definitions')).body.content as Array<{ topic: string; samplePayload: { payloadData: Record<string, unknown> } }>;
    const sampleKeys = Object.keys(defs.find((d) => d.topic === 'SUBSCRIPTION')!.samplePayload.payloadData).sort();
    const create = async (name: string, filters: unknown[]) => (await call('POST', '/webhooks', {
      displayName: name, url: `${receiverUrl}/${name}`, authorization: 'x', active: true, webhookTopics: [{ topic: 'SUBSCRIPTION', filters }],
    })).body as { id: string };
    const empty = await create('empty', []);
    const updates = await create('updates', [{ action: 'UPDATED', conditions: [] }]);
    const sub = sb.data.subscriptions.find((s) => s.status === 'Active')!;
    received.length = 0;
    await admin(`/subscriptions/${sub.id}/quantity`, { quantity: sub.quantity + 1 });
    await admin(`/subscriptions/${sub.id}/cancel`, {});
    await sb.webhooks.flush();
    expect(received.map((r) => [r.path, r.body.payloadData.action])).to.deep.equal([['/updates', 'UPDATED']]);
    expect(received.every((r) => r.body.webhookId === updates.id)).to.equal(true);
    expect(Object.keys(received[0]!.body.payloadData).sort()).to.deep.equal(sampleKeys);
    expect(received[0]!.body.payloadData).to.include({ subscriptionId: sub.id, companyId: sub.companyId });

    // The topic test sends the sample payload (placeholder ids that name nothing real), even to the empty-filter webhook.
    received.length = 0;
    await call('POST', `/webhooks/${empty.id}/topics/SUBSCRIPTION/test`);
    await sb.webhooks.flush();
    expect(received.map((r) => r.path)).to.deep.equal(['/empty']);
    expect(received[0]!.body.payloadData).to.deep.equal(defs.find((d) => d.topic === 'SUBSCRIPTION')!.samplePayload.payloadData);
  });
});

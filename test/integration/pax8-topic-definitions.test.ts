import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pax8Client } from '../../src/pax8/client/index.js';
import { startSandbox, type RunningSandbox } from '../../src/pax8/sandbox/index.js';

/**
 * Issue 22, point 6: GET /webhooks/topic-definitions answers a page `{content: [...], totalPages, …}` (the published
 * webhooks OpenAPI, and the sandbox), while Pax8's own CLI also accepts a plain array. The client reads both.
 */
describe('pax8 client: topic definitions in both shapes (HTTP)', function () {
  this.timeout(30_000);
  let sb: RunningSandbox;
  let plain: Server;
  let plainUrl: string;
  let requests: string[];

  before(async () => {
    sb = await startSandbox({ seed: 7, companies: 3, rateLimitPerMinute: null });
    // A webhooks API that answers the sandbox's own definitions as a bare JSON array (with the caller's token).
    plain = createServer((req, res) => {
      requests.push(req.url ?? '');
      void (async () => {
        const upstream = await fetch(`${sb.webhooksApiUrl}/webhooks/topic-definitions?size=200`, { headers: { authorization: String(req.headers.authorization ?? '') } });
        const body = (await upstream.json()) as { content?: unknown[] };
        res.writeHead(upstream.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(upstream.ok ? body.content : body));
      })();
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', () => r()));
    plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((r) => plain.close(() => r()));
    await sb.close();
  });
  beforeEach(() => {
    requests = [];
  });

  const client = (webhooksApiUrl: string) => new Pax8Client({
    tenantId: 't-1', tenantName: 'Northwind MSP', clientId: sb.clientId, clientSecret: sb.clientSecret, tokenUrl: sb.tokenUrl,
    apiBaseUrl: sb.baseUrl, webhooksApiUrl, audience: sb.audience, rateLimitPerMinute: null, timeoutMs: 2000, maxRetries: 1, retryBaseMs: 5, retryMaxDelayMs: 20,
  });

  it('reads the paged shape and a plain array alike, and asks the plain one only once', async () => {
    const paged = await client(sb.webhooksApiUrl).topicDefinitions();
    expect(paged.length).to.be.greaterThan(0);
    const fromArray = await client(plainUrl).topicDefinitions();
    expect(fromArray.map((d) => d.topic)).to.deep.equal(paged.map((d) => d.topic));
    expect(JSON.parse(JSON.stringify(fromArray))).to.deep.equal(JSON.parse(JSON.stringify(paged)));
    expect(requests).to.have.length(1);
  });
});

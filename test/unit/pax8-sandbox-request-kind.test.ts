import { expect } from 'chai';
import { countRequest, requestKind, type SandboxStats } from '../../src/pax8/sandbox/state.js';

describe('Pax8 sandbox requests by kind (bench:import prints them per import entity)', () => {
  it('names each request by what it asks for; a summaries listing under a subscription is usage-summaries', () => {
    expect(requestKind('/v1/companies?page=0&size=200')).to.equal('companies');
    expect(requestKind('/v1/products/abc')).to.equal('products');
    expect(requestKind('/v1/subscriptions?page=3')).to.equal('subscriptions');
    expect(requestKind('/v1/subscriptions/s1/usage-summaries?page=0')).to.equal('usage-summaries');
    expect(requestKind('/v1/usage-summaries/u1')).to.equal('usage-summaries');
    expect(requestKind('/v1/usage-summaries/u1/usage-lines?usageDate=2026-11-01')).to.equal('usage-lines');
    expect(requestKind('/v1/token')).to.equal('token');
    expect(requestKind('/oauth/token')).to.equal('token');
    expect(requestKind('/api/v2/webhooks/w1')).to.equal('webhooks');
  });
  it('counts every request and each kind', () => {
    const stats: SandboxStats = { requests: 0, faultsInjected: 0, rateLimited: 0, tokensIssued: 0, tokensRefused: 0, requestsByKind: {} };
    for (const p of ['/v1/companies', '/v1/usage-summaries/u/usage-lines?usageDate=2026-11-02', '/v1/usage-summaries/u/usage-lines?usageDate=2026-11-03']) countRequest(stats, p);
    expect(stats.requests).to.equal(3);
    expect(stats.requestsByKind).to.deep.equal({ companies: 1, 'usage-lines': 2 });
  });
});

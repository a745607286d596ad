import { expect } from 'chai';
import { affected, webhookPayloadSchema } from '../../../src/webhooks/service.js';

const base = { accountId: 'a', webhookId: 'w', sentAt: '2026-11-15T12:00:00Z', webhookTopic: { topic: 'SUBSCRIPTION_UPDATED', filters: [] } };

describe('Pax8 webhook payloads', () => {
  it('accepts the spec\'s WebhookPayload and refuses anything else', () => {
    expect(webhookPayloadSchema.safeParse({ ...base, payloadData: { x: 1 } }).success).to.equal(true);
    expect(webhookPayloadSchema.safeParse({ ...base, webhookTopic: {} }).success).to.equal(false);
    expect(webhookPayloadSchema.safeParse({ hello: 'world' }).success).to.equal(false);
  });

  it('finds the affected subscription and company in the shapes payloadData takes', () => {
    const p = (payloadData: Record<string, unknown>, topic = 'SUBSCRIPTION_UPDATED') => webhookPayloadSchema.parse({ ...base, webhookTopic: { topic }, payloadData });
    expect(affected(p({ subscriptionId: 's1', companyId: 'c1' }))).to.deep.equal({ subscriptionId: 's1', companyId: 'c1' });
    expect(affected(p({ subscription: { id: 's2', companyId: 'c2' } }))).to.deep.equal({ subscriptionId: 's2', companyId: 'c2' });
    expect(affected(p({ id: 's3' }))).to.deep.equal({ subscriptionId: 's3', companyId: null });
    expect(affected(p({ id: 'x' }, 'COMPANY_UPDATED'))).to.deep.equal({ subscriptionId: null, companyId: null });
  });
});

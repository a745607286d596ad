export { backoffDelay, parseRetryAfter } from './backoff.js';
export { PAX8_DEFAULTS, webhooksApiUrlFor, type Pax8ClientConfig, type Pax8Logger, type RequestBudget } from './config.js';
export { Pax8Error, type Pax8ErrorKind } from './errors.js';
export { Pax8RecordError, type Pax8Item } from './paging.js';
export * from './pax8-client.js';
export type { TestConnectionReason, TestConnectionResult } from './test-connection.js';
export type {
  Company, Invoice, InvoiceItem, Pricing, Product, Rate, Subscription, SubscriptionCommitment, UsageLine, UsageSummary,
  BillingTerm, CompanyStatus, SubscriptionStatus, Webhook, WebhookTopic, WebhookFilter, TopicDefinition,
} from '../schemas/index.js';
export { ExactNumber } from '../schemas/index.js';

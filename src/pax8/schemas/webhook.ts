import { z } from 'zod';
import { opt, pax8Id, text } from './primitives.js';

/** Pax8 webhooks API (pax8-webhooks-api-openapi.json). Topics are free strings: the live list is GET /webhooks/topic-definitions. */
export const webhookFilterSchema = z.object({
  action: text(120),
  conditions: z.array(z.object({ field: text(200), operator: text(40), value: z.array(z.string()) })).default([]),
});

export const webhookTopicSchema = z.object({
  id: opt(pax8Id),
  topic: text(120),
  filters: z.array(webhookFilterSchema).default([]),
});

export const webhookSchema = z.object({
  id: pax8Id,
  accountId: opt(pax8Id),
  displayName: text(500),
  url: opt(z.string()),
  active: z.boolean(),
  contactEmail: opt(z.string()),
  errorThreshold: opt(z.number().int()),
  integrationId: opt(pax8Id),
  webhookTopics: z.array(webhookTopicSchema).default([]),
  /** PENDING | SUCCESS | FAILED | RETRYING; unknown values are kept. */
  lastDeliveryStatus: opt(z.string()),
  createdAt: opt(z.string()),
  updatedAt: opt(z.string()),
});

export const topicDefinitionSchema = z.object({
  topic: text(120),
  name: opt(z.string()),
  description: opt(z.string()),
  availableFilters: z.array(z.object({ action: text(120), actionDisplayName: opt(z.string()), description: opt(z.string()) })).default([]),
});

export type WebhookFilter = z.output<typeof webhookFilterSchema>;
export type WebhookTopic = z.output<typeof webhookTopicSchema>;
export type Webhook = z.output<typeof webhookSchema>;
export type TopicDefinition = z.output<typeof topicDefinitionSchema>;

import type { SandboxData } from './data.js';
import type { FaultConfig } from './types.js';
import type { SandboxWebhooks } from './webhooks.js';

/** Mutable server-wide state shared by the middleware and routes. */
export interface SandboxState {
  data: SandboxData;
  clientId: string;
  clientSecret: string;
  tokenLifetimeSeconds: number;
  rateLimitPerMinute: number | null;
  rateLimitRetryAfter: boolean;
  /** Token requests per minute for the account; null = no limit. */
  tokenIssuePerMinute: number | null;
  faults: FaultConfig | null;
  oversizePage: 'clamp' | 'reject';
  stats: SandboxStats;
  /** Pax8 webhooks (/api/v2/webhooks) and their deliveries. */
  webhooks: SandboxWebhooks;
}

/**
 * Counters since start: every request, injected faults, rate-limit 429s, tokens issued and token requests refused; and
 * the requests by kind (`requestKind`: token, companies, products, subscriptions, usage-summaries, usage-lines, …).
 */
export interface SandboxStats {
  requests: number; faultsInjected: number; rateLimited: number; tokensIssued: number; tokensRefused: number;
  requestsByKind: Record<string, number>;
}

/** What a request asks for, by its path under /v1 or /api/v2 (a summaries listing under a subscription is usage-summaries). */
export function requestKind(path: string): string {
  const parts = path.split('?')[0]!.split('/').filter((p) => p !== '' && p !== 'v1' && p !== 'api' && p !== 'v2');
  if (parts.includes('usage-lines')) return 'usage-lines';
  if (parts.includes('usage-summaries')) return 'usage-summaries';
  if (parts[0] === 'token' || parts[0] === 'oauth') return 'token';
  return parts[0] ?? 'other';
}

export function countRequest(stats: SandboxStats, path: string): void {
  stats.requests++;
  const kind = requestKind(path);
  stats.requestsByKind[kind] = (stats.requestsByKind[kind] ?? 0) + 1;
}

export const AUDIENCES = ['https://api.pax8.com', 'api://p8p.client'];

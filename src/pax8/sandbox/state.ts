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

/** Counters since start: every request, injected faults, rate-limit 429s, tokens issued and token requests refused. */
export interface SandboxStats { requests: number; faultsInjected: number; rateLimited: number; tokensIssued: number; tokensRefused: number }

export const AUDIENCES = ['https://api.pax8.com', 'api://p8p.client'];

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
  faults: FaultConfig | null;
  oversizePage: 'clamp' | 'reject';
  stats: { requests: number; faultsInjected: number; rateLimited: number };
  /** Pax8 webhooks (/api/v2/webhooks) and their deliveries. */
  webhooks: SandboxWebhooks;
}

export const AUDIENCES = ['https://api.pax8.com', 'api://p8p.client'];

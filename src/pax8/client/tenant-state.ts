import { createHash } from 'node:crypto';
import type { ResolvedConfig } from './config.js';
import { Pacer } from './pacer.js';
import { TokenCache } from './token.js';

/** What every client of one tenant connection shares in a process: the access token and the pace of requests. */
export interface TenantClientState {
  tokens: TokenCache;
  pacer: Pacer;
}

const tokens = new Map<string, TokenCache>();
const pacers = new Map<string, Pacer>();

/**
 * The connection a token belongs to: tenant, client id, token URL, audience, API base and (hashed, in memory only)
 * the secret. A changed connection is another key, so it never uses the old connection's token.
 */
function connectionKey(cfg: ResolvedConfig, secret: string): string {
  const secretHash = createHash('sha256').update(secret).digest('base64url');
  return JSON.stringify([cfg.tenantId, cfg.clientId, cfg.tokenUrl, cfg.audience, cfg.apiBaseUrl, secretHash]);
}

/**
 * The process's one token cache and one pacer for this tenant connection (created on first use). Clients that ask
 * for another pace (tests, benchmarks, the demo's unpaced sandbox) share a pacer with the clients asking the same
 * pace. `pacerBuffer` joins a pacer made in another thread (the import's client thread).
 */
export function tenantClientState(cfg: ResolvedConfig, secret: string, pacerBuffer?: SharedArrayBuffer): TenantClientState {
  const key = connectionKey(cfg, secret);
  let cache = tokens.get(key);
  if (!cache) {
    cache = new TokenCache(() => Promise.reject(new Error('no token fetcher')), cfg.now, cfg.tokenRefreshSkewMs);
    tokens.set(key, cache);
  }
  const paceKey = `${key}|${cfg.rateLimitPerMinute ?? 'none'}`;
  let pacer = pacers.get(paceKey);
  if (!pacer || (pacerBuffer && pacer.buffer !== pacerBuffer)) {
    pacer = new Pacer(cfg.rateLimitPerMinute, pacerBuffer);
    pacers.set(paceKey, pacer);
  }
  return { tokens: cache, pacer };
}

/** Forgets every shared token and pacer (tests). */
export function resetTenantClientStates(): void {
  tokens.clear();
  pacers.clear();
}

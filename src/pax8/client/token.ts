import { tokenResponseSchema } from '../schemas/envelope.js';

export type TokenFetcher = () => Promise<{ accessToken: string; expiresInSeconds: number }>;

interface CachedToken {
  value: string;
  expiresAt: number;
  refreshAt: number;
}

/**
 * Caches the bearer token, refreshes it shortly before expiry, and lets
 * concurrent callers share one refresh.
 */
export class TokenCache {
  private token?: CachedToken;
  private inflight?: Promise<string>;

  constructor(
    private readonly fetchToken: TokenFetcher,
    private readonly now: () => number,
    private readonly skewMs?: number,
  ) {}

  /** `fetcher` overrides how a refresh is fetched (clients sharing one cache each fetch with their own settings). */
  get(fetcher: TokenFetcher = this.fetchToken): Promise<string> {
    const t = this.token;
    if (t && this.now() < t.refreshAt) return Promise.resolve(t.value);
    return this.refresh(fetcher);
  }

  /** Drop `value` if it is still the cached one (a 401 proved it dead). */
  invalidate(value: string): void {
    if (this.token?.value === value) this.token = undefined;
  }

  /** `fetcher` overrides how this one refresh is fetched (testConnection uses fewer retries). */
  refresh(fetcher: TokenFetcher = this.fetchToken): Promise<string> {
    if (!this.inflight) {
      this.inflight = fetcher()
        .then(({ accessToken, expiresInSeconds }) => {
          const now = this.now();
          const lifetime = expiresInSeconds * 1000;
          const skew = this.skewMs ?? Math.min(60_000, lifetime * 0.1);
          this.token = { value: accessToken, expiresAt: now + lifetime, refreshAt: now + Math.max(0, lifetime - skew) };
          return accessToken;
        })
        .finally(() => {
          this.inflight = undefined;
        });
    }
    return this.inflight;
  }

  get expiresAt(): number | undefined {
    return this.token?.expiresAt;
  }
}

/** Token endpoint body to {accessToken, expiresInSeconds}; undefined when it is not a token. */
export function readTokenBody(json: unknown): { accessToken: string; expiresInSeconds: number } | undefined {
  const parsed = tokenResponseSchema.safeParse(json);
  if (!parsed.success) return undefined;
  return { accessToken: parsed.data.access_token, expiresInSeconds: parsed.data.expires_in ?? 86_400 };
}

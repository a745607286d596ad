import { randomBytes, randomUUID } from 'node:crypto';

/**
 * The sandbox's identity service: one-time authorization codes, access tokens that expire after `accessTokenSeconds`
 * of the sandbox clock, and refresh tokens that rotate (the old one refused after use, or after `refreshGraceMs`
 * where Xero documents a 30-minute grace), revocation of a whole grant.
 */
export interface Grant {
  id: string;
  authEventId: string;
  scope: string;
  connectionId: string;
  createdMs: number;
  revoked: boolean;
}

interface CodeRecord { grant: Grant; redirectUri: string; expiresMs: number }
interface AccessRecord { grantId: string; expiresMs: number }
interface RefreshRecord { grantId: string; expiresMs: number; usedMs: number | null; next: string | null }

const CODE_LIFETIME_MS = 5 * 60_000;
const REFRESH_UNUSED_MS = 60 * 86_400_000;

export interface TokenSet {
  access_token: string;
  expires_in: number;
  token_type: 'Bearer';
  refresh_token: string;
  scope: string;
}

export type TokenRefusal = { error: 'invalid_grant' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_request' };

export class IdentityStore {
  readonly grants = new Map<string, Grant>();
  private readonly codes = new Map<string, CodeRecord>();
  private readonly access = new Map<string, AccessRecord>();
  private readonly refresh = new Map<string, RefreshRecord>();
  stats = { codesIssued: 0, tokensIssued: 0, refreshes: 0, refused: 0, revoked: 0 };

  constructor(
    private readonly now: () => number,
    private readonly opts: { accessTokenSeconds: number; refreshGraceMs: number },
  ) {}

  issueCode(scope: string, redirectUri: string): string {
    const grant: Grant = { id: randomUUID(), authEventId: randomUUID(), scope, connectionId: randomUUID(), createdMs: this.now(), revoked: false };
    const code = token(24);
    this.codes.set(code, { grant, redirectUri, expiresMs: this.now() + CODE_LIFETIME_MS });
    this.stats.codesIssued++;
    return code;
  }

  exchangeCode(code: string, redirectUri: string): TokenSet | TokenRefusal {
    const rec = this.codes.get(code);
    this.codes.delete(code); // one-time, even when the redirect_uri is wrong
    if (!rec || rec.expiresMs < this.now() || rec.redirectUri !== redirectUri) return this.refuse();
    this.grants.set(rec.grant.id, rec.grant);
    return this.issue(rec.grant);
  }

  useRefreshToken(refreshToken: string): TokenSet | TokenRefusal {
    const rec = this.refresh.get(refreshToken);
    const grant = rec && this.grants.get(rec.grantId);
    if (!rec || !grant || grant.revoked || rec.expiresMs < this.now()) return this.refuse();
    if (rec.usedMs !== null) {
      // Within the grace period a lost answer may be retried with the old token (Xero FAQ); otherwise refused.
      if (this.now() - rec.usedMs >= this.opts.refreshGraceMs) return this.refuse();
    } else {
      rec.usedMs = this.now();
    }
    this.stats.refreshes++;
    const set = this.issue(grant);
    rec.next = set.refresh_token;
    return set;
  }

  /** Revokes the grant a refresh token belongs to: its tokens stop working and its connection goes. */
  revoke(refreshToken: string): boolean {
    const rec = this.refresh.get(refreshToken);
    const grant = rec && this.grants.get(rec.grantId);
    if (!grant) return false;
    grant.revoked = true;
    this.stats.revoked++;
    return true;
  }

  /** The grant behind a bearer token, or why not. */
  check(accessToken: string): { grant: Grant } | { problem: 'unknown' | 'expired'; expiredAt?: number } {
    const rec = this.access.get(accessToken);
    const grant = rec && this.grants.get(rec.grantId);
    if (!rec || !grant || grant.revoked) return { problem: 'unknown' };
    if (rec.expiresMs <= this.now()) return { problem: 'expired', expiredAt: rec.expiresMs };
    return { grant };
  }

  /** Every access token stops working (a test of "refresh after 401"). */
  expireAccessTokens(): void {
    for (const rec of this.access.values()) rec.expiresMs = Math.min(rec.expiresMs, this.now());
  }

  private issue(grant: Grant): TokenSet {
    const access_token = token(32);
    const refresh_token = token(32);
    this.access.set(access_token, { grantId: grant.id, expiresMs: this.now() + this.opts.accessTokenSeconds * 1000 });
    this.refresh.set(refresh_token, { grantId: grant.id, expiresMs: this.now() + REFRESH_UNUSED_MS, usedMs: null, next: null });
    this.stats.tokensIssued++;
    return { access_token, expires_in: this.opts.accessTokenSeconds, token_type: 'Bearer', refresh_token, scope: grant.scope };
  }

  private refuse(): TokenRefusal {
    this.stats.refused++;
    return { error: 'invalid_grant' };
  }
}

function token(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

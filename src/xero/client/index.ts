export { XeroClient, xeroDate, amount, type XeroClientOptions } from './xero-client.js';
export { XeroApiError, isLockedReason, reasonsFrom, type XeroErrorKind } from './errors.js';
export { ConnectionLimiter, limiterFor, XERO_PACING, type PacingLimits } from './limiter.js';
export * from './types.js';

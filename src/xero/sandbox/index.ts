export { startXeroSandbox, type RunningXeroSandbox, type XeroSandboxOptions, type XeroSandboxCounters, type XeroSandboxEndpoints } from './server.js';
export { XERO_LIMITS, type XeroRateLimits } from './limits.js';
export { DEFAULT_ACCOUNTS, DEFAULT_TAX_RATES } from './chart.js';

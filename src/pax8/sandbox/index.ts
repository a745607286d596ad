/** Pax8 sandbox: a local HTTP server behaving like the Pax8 Partner API on generated data. */
export { startSandbox, DEFAULT_NOW, type RunningSandbox } from './server.js';
export { SandboxData } from './data.js';
export type {
  FaultKind, FaultConfig, SandboxOptions, SandboxCompany, SandboxProduct, SandboxPricing, SandboxRate, SandboxSubscription,
  SandboxCommitment, SandboxUsageSummary, SandboxUsageLine, SandboxMeter, BillingTerm, CommitmentTerm, SubscriptionStatus, CompanyStatus, Address,
} from './types.js';

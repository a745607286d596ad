import type { Decimal } from 'decimal.js';

/** Public option and handle types of the sandbox (re-exported from index.ts). */
export type FaultKind = '429' | '500' | '503' | 'slow' | 'reset' | 'truncated' | 'malformed';

export interface FaultConfig {
  /** Probability per request, 0..1. */
  rate: number;
  kinds: FaultKind[];
  seed?: number;
  /** Delay for `slow`, default 30000 ms. */
  slowMs?: number;
  /** Default false: the token endpoint is never faulted. */
  includeToken?: boolean;
}

export interface SandboxOptions {
  seed?: number;
  companies?: number;
  /** Total subscriptions; default 5 per company. */
  subscriptions?: number;
  /** Total usage summaries; default 40% of the company count. */
  usageSummaries?: number;
  clientId?: string;
  clientSecret?: string;
  tokenLifetimeSeconds?: number;
  /** Requests per minute for the partner account (all its tokens together); null = no limit. Default 1000. */
  rateLimitPerMinute?: number | null;
  /** Token requests per minute for the account, beyond which the token URL answers 429; null = no limit. Default 30. */
  tokenIssuePerMinute?: number | null;
  /** Send `Retry-After` (seconds) with rate-limit 429s. Default false (Pax8 documents none). */
  rateLimitRetryAfter?: boolean;
  faults?: FaultConfig | null;
  /** Sandbox clock start (ISO instant). Default 2026-11-15T12:00:00Z. */
  now?: string;
  host?: string;
  /** 0 = random free port. */
  port?: number;
  /** What `size` > 200 does: clamp to 200 (default, like Spring's max page size) or answer 400. */
  oversizePage?: 'clamp' | 'reject';
  /** Delay between retries of a failed webhook delivery. Default 1000 ms. */
  webhookRetryDelayMs?: number;
  /**
   * How a partner quantity PUT takes effect (issue 22): `'pending'` (default, live-like) answers PendingAutomated (some
   * PendingManual) and settles to Active after `pendingSettleMs` of sandbox clock (or `pendingSettleWallMs` of wall
   * clock), or fails back to the old quantity; `'instant'` applies it at once (the sandbox's older behaviour).
   */
  quantityChanges?: 'pending' | 'instant';
  /** Sandbox-clock delay before a pending quantity change settles. Default 15 minutes. */
  pendingSettleMs?: number;
  /** Also settle after this much wall-clock time (the demo and `recurra sandbox`); default null (sandbox clock only). */
  pendingSettleWallMs?: number | null;
  /** Share of pending changes that fail (status back, old quantity), drawn from the seed. Default 0.1. */
  pendingFailureRate?: number;
  /** Products flagged as needing `provisioningDetails` refuse a quantity PUT without them (400). Default true. */
  requireProvisioningDetails?: boolean;
}

/** A product's provisioning detail (GET /products/{id}/provision-details), Pax8's ProvisioningDetail. */
export interface SandboxProvisioningDetail {
  label: string;
  key: string;
  valueType: 'Input' | 'Single-Value' | 'Multi-Value';
  description?: string;
  possibleValues?: string[];
}

/** A quantity change Pax8 has accepted but not provisioned yet. */
export interface SandboxPendingChange {
  fromQuantity: number;
  fromStatus: SubscriptionStatus;
  toQuantity: number;
  /** Sandbox-clock instant it settles at. */
  settleAtMs: number;
  /** Wall-clock instant it settles at (when pendingSettleWallMs is set). */
  wallSettleAtMs: number | null;
  fails: boolean;
}

export type CompanyStatus = 'Active' | 'Inactive' | 'Deleted';

export interface Address {
  street: string;
  street2?: string;
  city: string;
  stateOrProvince: string;
  postalCode: string;
  country: string;
}

export interface SandboxCompany {
  id: string;
  name: string;
  address: Address;
  phone: string;
  website: string;
  externalId?: string;
  billOnBehalfOfEnabled: boolean;
  selfServiceAllowed: boolean;
  orderApprovalRequired: boolean;
  status: CompanyStatus;
  updatedMs: number;
  /** Currency its subscriptions are billed in. */
  currencyCode: string;
  /** True only for the partner's own company. */
  isPartner: boolean;
  /** Picks the date format variant when rendered. */
  styleVariant: number;
}

export type BillingTerm = 'Monthly' | 'Annual' | '2-Year' | '3-Year' | 'One-Time' | 'Trial' | 'Activation';
export type CommitmentTerm = 'Monthly' | '1-Year' | '3-Year';
export type SubscriptionStatus =
  | 'Active'
  | 'Cancelled'
  | 'PendingManual'
  | 'PendingAutomated'
  | 'PendingCancel'
  | 'WaitingForDetails'
  | 'Trial'
  | 'Converted'
  | 'PendingActivation'
  | 'Activated';

export interface SandboxRate {
  partnerBuyRate: Decimal;
  suggestedRetailPrice: Decimal;
  startQuantityRange: number;
  endQuantityRange?: number;
  chargeType: 'Per Unit' | 'Flat Rate';
}

export interface SandboxPricing {
  billingTerm: BillingTerm;
  commitmentTerm?: CommitmentTerm;
  commitmentTermInMonths?: number;
  type: 'Flat' | 'Volume' | 'Tiered' | 'Mark-Up';
  unitOfMeasurement: string;
  rates: SandboxRate[];
}

export interface SandboxProduct {
  id: string;
  name: string;
  vendorName: string;
  shortDescription: string;
  description: string;
  /** Pax8's own SKU, e.g. MST-NCE-103-C100. */
  sku: string;
  /** Vendor part number, e.g. CFQ7TTC0LCHC:0002 for Microsoft NCE. */
  vendorSku?: string;
  altVendorSku?: string;
  requiresCommitment: boolean;
  unitOfMeasurement: string;
  /** Consumption-billed (carries usage summaries), e.g. Azure plan. */
  usageBased: boolean;
  pricing: SandboxPricing[];
  /** Details a quantity PUT must carry (`provisioningDetails`); empty for most products. */
  provisioningDetails: SandboxProvisioningDetail[];
  /** Its commitment terms as `GET /products/{id}/dependencies` lists them (Pax8's Commitment); empty without one. */
  commitments: SandboxCommitmentRule[];
}

/** One commitment term of a product (Pax8's `Commitment` of the product dependencies): what Pax8 allows during the term. */
export interface SandboxCommitmentRule {
  /** The commitment term's id; a subscription on this term carries it as `commitment.id`. */
  id: string;
  term: CommitmentTerm;
  autoRenew: boolean;
  renewalWindowDaysBeforeTermEnd: number;
  renewalWindowDaysAfterTermEnd: number;
  allowForQuantityIncrease: boolean;
  allowForQuantityDecrease: boolean;
  allowForEarlyCancellation: boolean;
  cancellationFeeApplied: boolean;
  isTransferable: boolean;
}

export interface SandboxCommitment {
  id: string;
  term: CommitmentTerm;
  endMs: number;
}

export interface SandboxSubscription {
  id: string;
  parentSubscriptionId?: string;
  companyId: string;
  productId: string;
  productName: string;
  vendorSubscriptionId: string;
  vendorSkuId?: string;
  quantity: number;
  startMs: number;
  endMs?: number;
  createdMs: number;
  updatedMs?: number;
  billingStartMs: number;
  status: SubscriptionStatus;
  price: Decimal;
  partnerCost: Decimal;
  currencyCode: string;
  billingTerm: BillingTerm;
  commitment?: SandboxCommitment;
  styleVariant: number;
  /** Quantity before the generated history's last change (history is derived from it). */
  initialQuantity: number;
}

export interface SandboxUsageSummary {
  id: string;
  subscriptionId: string;
  /** Absent on some summaries (live behaviour). */
  companyId?: string;
  productId: string;
  resourceGroup?: string;
  vendorName: string;
  currentCharges: Decimal;
  partnerTotal: Decimal;
  currencyCode: string;
  isTrial: boolean;
  /** First day (UTC ms) of the month the summary covers; lines exist for every day of it. */
  monthStartMs: number;
  /** Number of days with usage lines (days in that month). */
  days: number;
  /** Seed for the lazily generated lines. */
  lineSeed: number;
  /** Meters (usage products) the lines are spread over. */
  meters: SandboxMeter[];
}

export interface SandboxMeter {
  productId: string;
  productName: string;
  unitOfMeasure: string;
  unitPrice: Decimal;
}

export interface SandboxUsageLine {
  usageSummaryId: string;
  usageDate: string;
  productId: string;
  productName: string;
  unitOfMeasure: string;
  quantity: Decimal;
  unitPrice: Decimal;
  currentCharges: Decimal;
  currentProfit: Decimal;
  partnerTotal: Decimal;
  currencyCode: string;
  isTrial: boolean;
}

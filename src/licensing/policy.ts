import { Decimal } from 'decimal.js';

/**
 * Pure licensing decisions: the effective self-service rule of a subscription, validation of a
 * requested quantity against it, and whether a change is auto-approved. No I/O; see README.md.
 */

/** Tenant-wide approval settings (Settings > Licensing > Approval). */
export interface ApprovalSettings {
  requireApprovalByDefault: boolean;
  /** Percent, >= 0. A change whose size is at most this share of the current quantity auto-approves. */
  autoApproveThresholdPercent: Decimal;
  /** Vendor names whose changes always need approval (compared trimmed and case-insensitively). */
  alwaysApproveVendors: readonly string[];
}

/** Tenant-wide self-service defaults (Settings > Licensing > Self-Service). */
export interface SelfServiceDefaults {
  allowSelfService: boolean;
  /** Null: no minimum beyond the absolute floor of 1. */
  defaultMinQuantity: Decimal | null;
  /** Null: no maximum. */
  defaultMaxQuantity: Decimal | null;
}

/** Per-subscription override; every null field inherits the tenant default. */
export interface SubscriptionOverride {
  allowQuantityChanges: boolean | null;
  alwaysRequireApproval: boolean;
  minQuantity: Decimal | null;
  maxQuantity: Decimal | null;
}

export interface EffectiveRule {
  allowChanges: boolean;
  alwaysRequireApproval: boolean;
  /** Never below ABSOLUTE_MIN. */
  min: Decimal;
  max: Decimal | null;
  /** Where each value came from, for the UI and the audit. */
  source: { allowChanges: 'subscription' | 'default'; min: 'subscription' | 'default' | 'floor'; max: 'subscription' | 'default' | 'none' };
}

/** A licence quantity change never goes below one seat: going to zero is a cancellation, not a quantity change. */
export const ABSOLUTE_MIN = new Decimal(1);

/** The rule that applies to one subscription: each override field that is set beats the global default. */
export function effectiveRule(defaults: SelfServiceDefaults, override: SubscriptionOverride | null): EffectiveRule {
  const o = override;
  const allowFromSub = o?.allowQuantityChanges ?? null;
  const minSrc = o?.minQuantity ? 'subscription' : defaults.defaultMinQuantity ? 'default' : 'floor';
  const rawMin = o?.minQuantity ?? defaults.defaultMinQuantity ?? ABSOLUTE_MIN;
  const maxSrc = o?.maxQuantity ? 'subscription' : defaults.defaultMaxQuantity ? 'default' : 'none';
  return {
    allowChanges: allowFromSub ?? defaults.allowSelfService,
    alwaysRequireApproval: o?.alwaysRequireApproval ?? false,
    min: Decimal.max(rawMin, ABSOLUTE_MIN),
    max: o?.maxQuantity ?? defaults.defaultMaxQuantity ?? null,
    source: { allowChanges: allowFromSub === null ? 'default' : 'subscription', min: minSrc, max: maxSrc },
  };
}

export type ValidationCode = 'not_allowed' | 'not_whole' | 'below_min' | 'above_max' | 'unchanged';

export type Validation = { ok: true } | { ok: false; code: ValidationCode; message: string };

const fmt = (d: Decimal) => d.toFixed();

/** Checks a requested quantity against the effective rule; the message is meant for the client. */
export function validateRequest(rule: EffectiveRule, current: Decimal, requested: Decimal): Validation {
  if (!rule.allowChanges) {
    return { ok: false, code: 'not_allowed', message: 'Self-service quantity changes are not allowed for this subscription; contact your provider.' };
  }
  if (!requested.isFinite() || !requested.isInteger()) {
    return { ok: false, code: 'not_whole', message: `The quantity must be a whole number of licences (got ${requested.toString()}).` };
  }
  if (requested.lt(rule.min)) {
    return { ok: false, code: 'below_min', message: `The quantity must be at least ${fmt(rule.min)} for this subscription (requested ${fmt(requested)}).` };
  }
  if (rule.max && requested.gt(rule.max)) {
    return { ok: false, code: 'above_max', message: `The quantity must be at most ${fmt(rule.max)} for this subscription (requested ${fmt(requested)}).` };
  }
  if (requested.eq(current)) {
    return { ok: false, code: 'unchanged', message: `The subscription already has ${fmt(current)} licences.` };
  }
  return { ok: true };
}

/**
 * Size of a change as a percentage of the current quantity: |requested − current| / current × 100.
 * Null when current is 0 (no percentage exists; see README: such changes always need approval).
 */
export function changePercent(current: Decimal, requested: Decimal): Decimal | null {
  if (current.isZero()) return null;
  return requested.minus(current).abs().times(100).div(current.abs());
}

/**
 * True when the change is within the threshold. Compared without division
 * (|r − c| × 100 <= threshold × c) so 10 → 15 at 50% is exactly equal, never a rounding question.
 */
export function withinThreshold(current: Decimal, requested: Decimal, thresholdPercent: Decimal): boolean {
  if (current.lte(0)) return false;
  return requested.minus(current).abs().times(100).lte(thresholdPercent.times(current));
}

export type ApprovalReason =
  | 'subscription_always_requires_approval'
  | 'vendor_always_requires_approval'
  | 'approval_required_by_default'
  | 'from_zero'
  | 'above_threshold';

export interface ApprovalDecision {
  autoApprove: boolean;
  /** Every reason that holds the change for approval (empty when auto-approved). */
  reasons: ApprovalReason[];
  /** The change size in percent, exact, as text; null when current is 0. */
  changePercent: string | null;
}

export function sameVendor(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * Whether a (validated) change needs MSP approval. Held when any of: the subscription always requires
 * approval; its vendor always requires approval; approval is required by default; the current
 * quantity is 0; the change is larger than the threshold. Exactly at the threshold auto-approves.
 */
export function decideApproval(
  settings: ApprovalSettings,
  rule: Pick<EffectiveRule, 'alwaysRequireApproval'>,
  vendorName: string | null,
  current: Decimal,
  requested: Decimal,
): ApprovalDecision {
  const reasons: ApprovalReason[] = [];
  if (rule.alwaysRequireApproval) reasons.push('subscription_always_requires_approval');
  if (settings.alwaysApproveVendors.some((v) => sameVendor(v, vendorName))) reasons.push('vendor_always_requires_approval');
  if (settings.requireApprovalByDefault) reasons.push('approval_required_by_default');
  if (current.lte(0)) reasons.push('from_zero');
  else if (!withinThreshold(current, requested, settings.autoApproveThresholdPercent)) reasons.push('above_threshold');
  const pct = changePercent(current, requested);
  return { autoApprove: reasons.length === 0, reasons, changePercent: pct ? pct.toDecimalPlaces(4).toFixed() : null };
}

export const REASON_TEXT: Record<ApprovalReason, string> = {
  subscription_always_requires_approval: 'this subscription always requires approval',
  vendor_always_requires_approval: 'changes for this vendor always require approval',
  approval_required_by_default: 'approval is required by default',
  from_zero: 'the current quantity is 0',
  above_threshold: 'the change is larger than the auto-approve threshold',
};

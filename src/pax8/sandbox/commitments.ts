import { DAY_MS, addMonths } from './dates.js';
import { Rng } from './prng.js';
import type { CommitmentTerm, SandboxCommitmentRule, SandboxProduct, SandboxSubscription } from './types.js';
import type { ProductTemplate } from './generator/catalog.js';

/**
 * Pax8's commitment rules as the sandbox plays them (issue 22, point 2): each product lists its commitment terms
 * (`GET /products/{id}/dependencies` → `commitmentDependencies`, Pax8's `Commitment`), and a partner change of a
 * subscription inside its commitment is allowed or refused by the term its `commitment.id` names, never by one
 * rule for every vendor. The evaluation below is the sandbox's own (it plays Pax8); Recurra's is
 * src/subscriptions/commitment-rules.ts, so a wrong rule on either side shows in the tests.
 */

export const COMMITMENT_MONTHS: Record<CommitmentTerm, number> = { Monthly: 1, '1-Year': 12, '3-Year': 36 };

type Policy = Omit<SandboxCommitmentRule, 'id' | 'term' | 'renewalWindowDaysBeforeTermEnd'> & {
  /** Renewal window before the term's end, days, drawn from the seed per product and term. */
  before: { monthly: readonly number[]; longer: readonly number[] };
};

/**
 * Per-vendor policies. Microsoft NCE: no decrease and no cancellation during the term, except in the 7 days after
 * a term starts (Microsoft's 168-hour window, which `renewalWindowDaysAfterTermEnd` carries: the days after the last
 * term's end) or in the renewal window before the end. Adobe VIP: likewise with Adobe's 14-day return window and a
 * 30-day renewal window. The others allow decreases and early cancellation. The numbers and the non-Microsoft
 * vendors' flags are guesses (Pax8 publishes the fields, not each vendor's values).
 */
const MICROSOFT_NCE: Policy = {
  autoRenew: true, renewalWindowDaysAfterTermEnd: 7, allowForQuantityIncrease: true, allowForQuantityDecrease: false,
  allowForEarlyCancellation: false, cancellationFeeApplied: true, isTransferable: false, before: { monthly: [0, 3], longer: [7, 14, 30] },
};
const ADOBE_VIP: Policy = {
  autoRenew: true, renewalWindowDaysAfterTermEnd: 14, allowForQuantityIncrease: true, allowForQuantityDecrease: false,
  allowForEarlyCancellation: false, cancellationFeeApplied: false, isTransferable: true, before: { monthly: [0], longer: [30] },
};
const FLEXIBLE: Policy = {
  autoRenew: true, renewalWindowDaysAfterTermEnd: 0, allowForQuantityIncrease: true, allowForQuantityDecrease: true,
  allowForEarlyCancellation: true, cancellationFeeApplied: false, isTransferable: true, before: { monthly: [0], longer: [0, 30] },
};
/** Allows decreases but charges for leaving early and keeps the term to its end. */
const NO_EARLY_EXIT: Policy = { ...FLEXIBLE, allowForEarlyCancellation: false, cancellationFeeApplied: true, before: { monthly: [0], longer: [30, 60] } };

const VENDOR_POLICIES: Record<string, Policy> = {
  Adobe: ADOBE_VIP,
  Proofpoint: FLEXIBLE,
  Dropbox: FLEXIBLE,
  'Keeper Security': NO_EARLY_EXIT,
  SentinelOne: NO_EARLY_EXIT,
  Bitdefender: FLEXIBLE,
  Sophos: FLEXIBLE,
};

function policyOf(t: ProductTemplate): Policy | null {
  if (t.usageBased || t.oneTime || t.activation) return null;
  if (t.nce) return MICROSOFT_NCE;
  return VENDOR_POLICIES[t.vendorName] ?? null;
}

/**
 * The commitment terms a product offers. NCE products: Monthly, 1-Year and 3-Year (their pricing); the vendors of
 * VENDOR_POLICIES: a 1-Year commitment, taken by their Annual-billed subscriptions. Drawn from a PRNG of its own
 * (`commitment-rules:<product index>`), so no other generated value changes.
 */
export function commitmentRulesFor(seed: number, index: number, t: ProductTemplate): SandboxCommitmentRule[] {
  const policy = policyOf(t);
  if (!policy) return [];
  const rng = Rng.from(seed, `commitment-rules:${index}`);
  const terms: CommitmentTerm[] = t.nce ? ['Monthly', '1-Year', '3-Year'] : ['1-Year'];
  const { before, ...flags } = policy;
  return terms.map((term) => ({
    id: rng.uuid(), term, ...flags, renewalWindowDaysBeforeTermEnd: rng.pick(term === 'Monthly' ? before.monthly : before.longer),
  }));
}

/** The commitment term a subscription on `billingTerm` takes: the pricing's, else a 1-Year commitment of an Annual plan when the product offers one. */
export function commitmentTermOf(product: SandboxProduct, billingTerm: string, pricingTerm: CommitmentTerm | undefined): CommitmentTerm | undefined {
  if (pricingTerm) return pricingTerm;
  return billingTerm === 'Annual' && product.commitments.some((c) => c.term === '1-Year') ? '1-Year' : undefined;
}

/** The commitment record a subscription's `commitment` names: by its id, else by its term. */
export function ruleOf(product: SandboxProduct | undefined, s: SandboxSubscription): SandboxCommitmentRule | undefined {
  if (!product || !s.commitment) return undefined;
  return product.commitments.find((c) => c.id === s.commitment!.id) ?? product.commitments.find((c) => c.term === s.commitment!.term);
}

export type CommitmentChange = 'increase' | 'decrease' | 'cancel';

/**
 * The end of the term (YYYY-MM-DD) when Pax8 refuses a change of `s` at `nowMs` under its commitment record, or null when it is allowed: outside a
 * running term, inside a window (the renewal window before the end, or the first days of a term), or when the
 * record allows it. A cancellation dated at or after the term's end (`atMs`) is always allowed.
 */
export function commitmentRefusedUntil(rule: SandboxCommitmentRule | undefined, s: SandboxSubscription, change: CommitmentChange, nowMs: number, atMs = nowMs): string | null {
  if (!rule || !s.commitment) return null;
  const end = s.commitment.endMs;
  if (nowMs >= end || (change === 'cancel' && atMs >= end)) return null;
  const allowed = change === 'increase' ? rule.allowForQuantityIncrease : change === 'decrease' ? rule.allowForQuantityDecrease : rule.allowForEarlyCancellation;
  if (allowed) return null;
  const termStart = addMonths(end, -COMMITMENT_MONTHS[s.commitment.term]);
  if (nowMs >= end - rule.renewalWindowDaysBeforeTermEnd * DAY_MS) return null;
  if (nowMs < termStart + rule.renewalWindowDaysAfterTermEnd * DAY_MS) return null;
  return new Date(end).toISOString().slice(0, 10);
}

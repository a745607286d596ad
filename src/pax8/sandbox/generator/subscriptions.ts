import { Decimal } from 'decimal.js';
import { Rng, hashString } from '../prng.js';
import { DAY_MS, addMonths } from '../dates.js';
import type {
  BillingTerm, CommitmentTerm, SandboxCompany, SandboxPricing, SandboxProduct, SandboxSubscription, SubscriptionStatus,
} from '../types.js';
import { COMMITMENT_MONTHS, commitmentTermOf } from '../commitments.js';
import { templateOf } from './catalog.js';

const FX: Record<string, string> = { USD: '1', CAD: '1.36', GBP: '0.79', EUR: '0.92', AUD: '1.52' };

const ORDINARY_STATUSES = [
  ['Active', 80], ['Cancelled', 7], ['PendingManual', 2], ['PendingAutomated', 2], ['PendingCancel', 3], ['WaitingForDetails', 2],
] as const;

const NCE_TERMS: readonly (readonly [readonly [BillingTerm, CommitmentTerm], number])[] = [
  [['Monthly', 'Monthly'], 45], [['Monthly', '1-Year'], 30], [['Annual', '1-Year'], 15], [['Annual', '3-Year'], 6], [['3-Year', '3-Year'], 4],
];

export { COMMITMENT_MONTHS } from '../commitments.js';

/** Unit price for a quantity under a pricing entry (tiered rates pick the matching range). */
export function unitRate(p: SandboxPricing, quantity: number): { buy: Decimal; retail: Decimal } {
  const r = p.rates.find((x) => quantity >= x.startQuantityRange && (x.endQuantityRange === undefined || quantity <= x.endQuantityRange)) ?? p.rates[0]!;
  return { buy: r.partnerBuyRate, retail: r.suggestedRetailPrice };
}

export function inCurrency(amount: Decimal, currency: string): Decimal {
  return amount.mul(FX[currency] ?? '1').toDecimalPlaces(2);
}

/** End of the commitment term running at `nowMs` for a term that began at `startMs`. */
export function commitmentEnd(startMs: number, term: CommitmentTerm, nowMs: number): number {
  const months = COMMITMENT_MONTHS[term];
  const a = new Date(startMs);
  const b = new Date(nowMs);
  const elapsed = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
  let k = Math.max(1, Math.floor(elapsed / months));
  while (k > 1 && addMonths(startMs, months * (k - 1)) > nowMs) k--;
  while (addMonths(startMs, months * k) <= nowMs) k++;
  return addMonths(startMs, months * k);
}

interface Choice {
  pricing: SandboxPricing;
  status: SubscriptionStatus;
}

function chooseTerms(rng: Rng, product: SandboxProduct, templateIndex: number): Choice {
  const t = templateOf(templateIndex);
  const byTerm = (bt: BillingTerm, ct?: CommitmentTerm) =>
    product.pricing.find((p) => p.billingTerm === bt && (ct === undefined || p.commitmentTerm === ct)) ?? product.pricing[0]!;
  const ordinary = (): SubscriptionStatus => rng.weighted(ORDINARY_STATUSES);
  if (t.usageBased) return { pricing: product.pricing[0]!, status: rng.chance(0.95) ? 'Active' : 'Cancelled' };
  if (t.oneTime) return { pricing: byTerm('One-Time'), status: rng.chance(0.9) ? 'Active' : 'PendingManual' };
  if (t.activation && rng.chance(0.5)) return { pricing: byTerm('Activation'), status: rng.chance(0.5) ? 'PendingActivation' : 'Activated' };
  if (t.nce) {
    if (rng.chance(0.04)) return { pricing: byTerm('Trial'), status: rng.chance(0.6) ? 'Trial' : 'Converted' };
    const [bt, ct] = rng.weighted(NCE_TERMS);
    return { pricing: byTerm(bt, ct), status: ordinary() };
  }
  const term = rng.weighted([['Monthly', 80], ['Annual', 15], ['2-Year', 5]] as const);
  return { pricing: product.pricing.find((p) => p.billingTerm === term) ?? product.pricing[0]!, status: ordinary() };
}

export interface SubscriptionPlan {
  seed: number;
  index: number;
  company: SandboxCompany;
  product: SandboxProduct;
  productIndex: number;
  startMs: number;
  /** Force a status (used to guarantee every documented status appears). */
  status?: SubscriptionStatus;
  parentSubscriptionId?: string;
}

/** One subscription, fully determined by (seed, index, company, product). */
export function generateSubscription(plan: SubscriptionPlan): SandboxSubscription {
  const { company, product } = plan;
  const rng = Rng.from(plan.seed, `subscription:${plan.index}`);
  const id = rng.uuid();
  const choice = chooseTerms(rng, product, plan.productIndex);
  const status = plan.status ?? choice.status;
  const t = templateOf(plan.productIndex);
  const quantity = t.usageBased ? 1 : t.oneTime ? rng.int(1, 3) : Math.max(1, Math.round(Math.pow(rng.next(), 2.2) * 60));
  const createdMs = plan.startMs - rng.int(20, 1400) * DAY_MS - rng.int(0, DAY_MS - 1);
  const startDay = Math.floor(createdMs / DAY_MS) * DAY_MS + rng.int(0, 3) * DAY_MS;
  const startMs = startDay + 8.5 * 3600_000;
  const { buy, retail } = unitRate(choice.pricing, quantity);
  const sub: SandboxSubscription = {
    id,
    companyId: company.id,
    productId: product.id,
    productName: product.name,
    vendorSubscriptionId: product.vendorName === 'Microsoft' ? rng.uuid().toUpperCase() : `${product.sku}-${rng.int(100000, 999999)}`,
    ...(product.vendorSku ? { vendorSkuId: product.vendorSku } : {}),
    quantity,
    startMs,
    createdMs,
    billingStartMs: startDay,
    status,
    price: inCurrency(retail, company.currencyCode),
    partnerCost: inCurrency(buy, company.currencyCode),
    currencyCode: company.currencyCode,
    billingTerm: choice.pricing.billingTerm,
    styleVariant: rng.int(0, 5),
    initialQuantity: quantity,
  };
  if (plan.parentSubscriptionId) sub.parentSubscriptionId = plan.parentSubscriptionId;
  if (choice.pricing.commitmentTerm) {
    const term = choice.pricing.commitmentTerm;
    rng.uuid(); // the draw that once gave the commitment its own id: kept so every later value stays as it was
    sub.commitment = { id: commitmentId(product, term), term, endMs: commitmentEnd(startMs, term, plan.startMs) };
  }
  if (rng.chance(0.6)) {
    sub.updatedMs = Math.min(plan.startMs - DAY_MS, createdMs + rng.int(1, 400) * DAY_MS);
    if (sub.updatedMs < createdMs) sub.updatedMs = createdMs + 3600_000;
    if (!t.usageBased && !t.oneTime && rng.chance(0.7)) sub.initialQuantity = Math.max(1, quantity - rng.int(-3, 5));
  }
  // Occasional fractional quantities (x.5), as Pax8 sends for some products: about 1 in 25 subscriptions of
  // products sold by the unit without a commitment, chosen by a hash of the seed and index (no draw from rng, so
  // every other generated value stays as it was).
  if (!t.usageBased && !t.oneTime && !t.nce && !sub.commitment && choice.pricing.billingTerm !== 'Activation'
    && hashString(`${plan.seed}:fractional:${plan.index}`) % 25 === 0) {
    if (sub.initialQuantity === sub.quantity) sub.initialQuantity += 0.5;
    sub.quantity += 0.5;
  }
  if (status === 'Cancelled') sub.endMs = plan.startMs - rng.int(1, 300) * DAY_MS;
  else if (status === 'PendingCancel') sub.endMs = plan.startMs + rng.int(1, 30) * DAY_MS;
  else if (sub.commitment && sub.commitment.term !== 'Monthly') sub.endMs = sub.commitment.endMs;
  if (sub.endMs !== undefined && sub.endMs < sub.startMs) sub.endMs = sub.startMs + DAY_MS;
  // Annual plans of vendors with a 1-Year commitment (src/pax8/sandbox/commitments.ts) run one; set last, without a
  // draw, so the rest of the record is as before (whole quantities only: fractional ones come without a commitment).
  const vendorTerm = choice.pricing.commitmentTerm ? undefined : commitmentTermOf(product, choice.pricing.billingTerm, undefined);
  if (vendorTerm && Number.isInteger(sub.quantity) && status !== 'Trial' && status !== 'Converted') {
    sub.commitment = { id: commitmentId(product, vendorTerm), term: vendorTerm, endMs: commitmentEnd(startMs, vendorTerm, plan.startMs) };
  }
  return sub;
}

/** A subscription's `commitment.id` is its product's commitment term id (Pax8's CLI reuses it as `commitmentTermId`). */
export function commitmentId(product: SandboxProduct, term: CommitmentTerm): string {
  return product.commitments.find((c) => c.term === term)?.id ?? `${product.id}:${term}`;
}

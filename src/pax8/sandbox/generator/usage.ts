import { Decimal } from 'decimal.js';
import { Rng, deriveSeed, hashString } from '../prng.js';
import { DAY_MS, daysInMonth, formatDate, startOfMonthUtc } from '../dates.js';
import { fromUnits } from '../money.js';
import type {
  SandboxCompany, SandboxMeter, SandboxProduct, SandboxSubscription, SandboxUsageLine, SandboxUsageSummary,
} from '../types.js';
import { PRODUCT_TEMPLATES } from './catalog.js';
import { RESOURCE_GROUPS } from './names.js';

/**
 * Splits an integer total into parts proportional to integer weights; the parts sum exactly
 * to the total (remainder units go to the first parts).
 */
export function allocate(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const parts = weights.map((w) => Math.floor((total * w) / sum));
  let rest = total - parts.reduce((a, b) => a + b, 0);
  for (let i = 0; rest > 0; i = (i + 1) % parts.length, rest--) parts[i]! += 1;
  return parts;
}

function meterId(seed: number, productId: string, meter: string): string {
  return Rng.from(seed, `meter:${productId}:${meter}`).uuid();
}

export interface UsagePlan {
  seed: number;
  index: number;
  subscription: SandboxSubscription;
  company: SandboxCompany;
  product: SandboxProduct;
  /** Customer companies whose names the partner's own Azure plan uses as resource groups. */
  customerNames: string[];
  monthOfMs: number;
}

export function generateUsageSummary(plan: UsagePlan): SandboxUsageSummary {
  const { subscription: sub, company, product } = plan;
  const rng = Rng.from(plan.seed, `usage:${plan.index}`);
  const id = rng.uuid();
  const template = PRODUCT_TEMPLATES.find((t) => t.name === product.name);
  const allMeters = template?.meters ?? [[`${product.name} usage`, product.unitOfMeasurement, '1.00'] as const];
  const meterCount = rng.int(1, allMeters.length);
  const meters: SandboxMeter[] = allMeters.slice(0, meterCount).map(([name, unit, price]) => ({
    productId: meterId(plan.seed, product.id, name),
    productName: name,
    unitOfMeasure: unit,
    unitPrice: new Decimal(price),
  }));
  const cents = rng.int(500, 500_000);
  const partnerMills = Math.floor(cents * 10 * (0.8 + rng.next() * 0.12));
  const shape = plan.index % 4;
  let resourceGroup: string | undefined;
  if (company.isPartner && plan.customerNames.length > 0) resourceGroup = rng.pick(plan.customerNames);
  else if (shape === 0 || shape === 1) resourceGroup = rng.pick(RESOURCE_GROUPS);
  const withCompany = company.isPartner ? shape !== 3 : shape === 0 || shape === 2;
  const monthStartMs = startOfMonthUtc(plan.monthOfMs);
  const d = new Date(monthStartMs);
  return {
    id,
    subscriptionId: sub.id,
    ...(withCompany ? { companyId: company.id } : {}),
    productId: product.id,
    ...(resourceGroup ? { resourceGroup } : {}),
    vendorName: product.vendorName,
    currentCharges: fromUnits(cents, 2),
    partnerTotal: fromUnits(partnerMills, 3),
    currencyCode: sub.currencyCode,
    isTrial: rng.chance(0.03),
    monthStartMs,
    days: daysInMonth(d.getUTCFullYear(), d.getUTCMonth()),
    lineSeed: deriveSeed(plan.seed, `lines:${id}`),
    meters,
  };
}

function dayWeights(s: SandboxUsageSummary): number[] {
  const w: number[] = [];
  for (let day = 0; day < s.days; day++) w.push(50 + (hashString(`${s.lineSeed}:d${day}`) % 100));
  return w;
}

/**
 * Late revisions: on about a quarter of the summaries (chosen from the seed), the vendor's figure for a day is first
 * posted low (80 % of the final value) and overwritten with the final value once the clock is REVISION_DAYS past
 * that day, so a line read on the day (or the day after) changes when it is read again later.
 */
export const REVISION_DAYS = 2;
export function revisesLate(s: SandboxUsageSummary): boolean {
  return hashString(`${s.lineSeed}:revises`) % 4 === 0;
}

/** Index of the month's day that `asOfMs` falls on (may be < 0 before the month, >= days after it). */
function dayIndex(s: SandboxUsageSummary, ms: number): number {
  return Math.floor((ms - s.monthStartMs) / DAY_MS);
}

/** The day totals (cents of charges, mills of partner total) of `day` as served when the clock is on day `asOf`. */
function dayTotals(s: SandboxUsageSummary, weights: number[], day: number, asOf: number): [number, number] {
  const cents = allocate(s.currentCharges.mul(100).toNumber(), weights)[day]!;
  const mills = allocate(s.partnerTotal.mul(1000).toNumber(), weights)[day]!;
  if (!revisesLate(s) || day <= asOf - REVISION_DAYS) return [cents, mills];
  return [cents - Math.floor(cents / 5), mills - Math.floor(mills / 5)];
}

/**
 * The usage lines of one summary on one date, as served when the sandbox clock is at `asOfMs` (default: after every
 * revision), generated on demand. A day after the clock's day has no lines yet. Over all days of the summary's month
 * the final lines' currentCharges sum exactly to the summary's currentCharges (and partnerTotal likewise), because
 * both are integer allocations of the summary's totals.
 */
export function usageLinesFor(s: SandboxUsageSummary, dayMs: number, asOfMs = Number.POSITIVE_INFINITY): SandboxUsageLine[] {
  const day = Math.round((dayMs - s.monthStartMs) / DAY_MS);
  const asOf = asOfMs === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : dayIndex(s, asOfMs);
  if (day < 0 || day >= s.days || day > asOf) return [];
  const [dayCents, dayMills] = dayTotals(s, dayWeights(s), day, asOf);
  const mw = s.meters.map((_, m) => 1 + (hashString(`${s.lineSeed}:d${day}:m${m}`) % 100));
  const lineCents = allocate(dayCents, mw);
  const lineMills = allocate(dayMills, mw);
  const usageDate = formatDate(dayMs);
  return s.meters.map((meter, m) => {
    const charges = fromUnits(lineCents[m]!, 2);
    const partner = fromUnits(lineMills[m]!, 3);
    return {
      usageSummaryId: s.id,
      usageDate,
      productId: meter.productId,
      productName: meter.productName,
      unitOfMeasure: meter.unitOfMeasure,
      quantity: charges.div(meter.unitPrice).toDecimalPlaces(4),
      unitPrice: meter.unitPrice,
      currentCharges: charges,
      currentProfit: charges.minus(partner),
      partnerTotal: partner,
      currencyCode: s.currencyCode,
      isTrial: s.isTrial,
    };
  });
}

/**
 * A summary's running totals when the clock is at `asOfMs`: the sum of the day figures served so far (provisional
 * ones included), as Pax8's `currentCharges` / `partnerTotal` ("charges for the current month") show them. After
 * the month and its revisions they are the summary's final `currentCharges` and `partnerTotal`.
 */
export function usageToDate(s: SandboxUsageSummary, asOfMs: number): { currentCharges: Decimal; partnerTotal: Decimal } {
  const asOf = dayIndex(s, asOfMs);
  const weights = dayWeights(s);
  let cents = 0;
  let mills = 0;
  for (let day = 0; day < s.days && day <= asOf; day++) {
    const [c, m] = dayTotals(s, weights, day, asOf);
    cents += c;
    mills += m;
  }
  return { currentCharges: fromUnits(cents, 2), partnerTotal: fromUnits(mills, 3) };
}

import { Decimal } from 'decimal.js';
import { Rng } from '../prng.js';
import type { SandboxPricing, SandboxProduct, SandboxProvisioningDetail, SandboxRate } from '../types.js';
import { commitmentRulesFor } from '../commitments.js';
import { PRODUCT_TEMPLATES, type ProductTemplate } from './catalog.js';

function rate(buy: Decimal, retail: Decimal, start = 0, end?: number, chargeType: SandboxRate['chargeType'] = 'Per Unit'): SandboxRate {
  return { partnerBuyRate: buy, suggestedRetailPrice: retail, startQuantityRange: start, ...(end === undefined ? {} : { endQuantityRange: end }), chargeType };
}

function pricingFor(t: ProductTemplate): SandboxPricing[] {
  const buy = new Decimal(t.buy);
  const retail = new Decimal(t.retail);
  const unitOfMeasurement = t.unit;
  if (t.usageBased) {
    return [{ billingTerm: 'Monthly', type: 'Mark-Up', unitOfMeasurement, rates: [rate(new Decimal(0), new Decimal(0))] }];
  }
  if (t.oneTime) {
    return [{ billingTerm: 'One-Time', type: 'Flat', unitOfMeasurement, rates: [rate(buy, retail, 0, undefined, 'Flat Rate')] }];
  }
  if (t.nce) {
    const m = (d: Decimal) => d.mul('1.2').toDecimalPlaces(2);
    const y = (d: Decimal) => d.mul(12).toDecimalPlaces(2);
    return [
      { billingTerm: 'Monthly', commitmentTerm: 'Monthly', commitmentTermInMonths: 1, type: 'Flat', unitOfMeasurement, rates: [rate(m(buy), m(retail))] },
      { billingTerm: 'Monthly', commitmentTerm: '1-Year', commitmentTermInMonths: 12, type: 'Flat', unitOfMeasurement, rates: [rate(buy, retail)] },
      { billingTerm: 'Annual', commitmentTerm: '1-Year', commitmentTermInMonths: 12, type: 'Flat', unitOfMeasurement, rates: [rate(y(buy), y(retail))] },
      { billingTerm: 'Annual', commitmentTerm: '3-Year', commitmentTermInMonths: 36, type: 'Flat', unitOfMeasurement, rates: [rate(y(buy).mul('0.95').toDecimalPlaces(2), y(retail).mul('0.95').toDecimalPlaces(2))] },
      { billingTerm: '3-Year', commitmentTerm: '3-Year', commitmentTermInMonths: 36, type: 'Flat', unitOfMeasurement, rates: [rate(y(buy).mul(3).mul('0.95').toDecimalPlaces(2), y(retail).mul(3).mul('0.95').toDecimalPlaces(2))] },
      { billingTerm: 'Trial', type: 'Flat', unitOfMeasurement, rates: [rate(new Decimal(0), new Decimal(0))] },
    ];
  }
  if (t.tiered) {
    const tier = (d: Decimal, f: string) => d.mul(f).toDecimalPlaces(2);
    return [
      {
        billingTerm: 'Monthly', type: 'Tiered', unitOfMeasurement,
        rates: [rate(buy, retail, 1, 10), rate(tier(buy, '0.9'), tier(retail, '0.9'), 11, 50), rate(tier(buy, '0.8'), tier(retail, '0.8'), 51)],
      },
      { billingTerm: 'Annual', type: 'Tiered', unitOfMeasurement, rates: [rate(buy.mul(12), retail.mul(12), 1, 10), rate(tier(buy, '10.8'), tier(retail, '10.8'), 11)] },
    ];
  }
  const out: SandboxPricing[] = [
    { billingTerm: 'Monthly', type: 'Flat', unitOfMeasurement, rates: [rate(buy, retail)] },
    { billingTerm: 'Annual', type: 'Flat', unitOfMeasurement, rates: [rate(buy.mul(12).mul('0.95').toDecimalPlaces(2), retail.mul(12).mul('0.95').toDecimalPlaces(2))] },
    { billingTerm: '2-Year', type: 'Volume', unitOfMeasurement, rates: [rate(buy.mul(24).mul('0.9').toDecimalPlaces(2), retail.mul(24).mul('0.9').toDecimalPlaces(2))] },
  ];
  if (t.activation) out.push({ billingTerm: 'Activation', type: 'Flat', unitOfMeasurement, rates: [rate(new Decimal('25.00'), new Decimal('49.00'), 0, undefined, 'Flat Rate')] });
  return out;
}

/**
 * What the flagged products ask for with a quantity change. Shape from Pax8's ProvisioningDetail (partner OpenAPI);
 * the key and its single value are a guess (Pax8 publishes no per-product list).
 */
const ADOBE_DETAILS: readonly SandboxProvisioningDetail[] = [{
  label: 'Adobe VIP terms accepted by the customer', key: 'adobeVipTermsAccepted', valueType: 'Single-Value',
  description: 'The customer accepted the Adobe VIP terms for these licences', possibleValues: ['Accepted'],
}];

export function generateProducts(seed: number): SandboxProduct[] {
  return PRODUCT_TEMPLATES.map((t, i) => {
    const rng = Rng.from(seed, `product:${i}`);
    const id = rng.uuid();
    const legacy = t.vendorName === 'Microsoft' && rng.chance(0.3);
    return {
      id,
      name: t.name,
      vendorName: t.vendorName,
      shortDescription: `${t.name} from ${t.vendorName}.`,
      description: `${t.name} (${t.vendorName}), billed per ${t.unit.toLowerCase()}.`,
      sku: t.pax8Sku,
      ...(t.vendorSku ? { vendorSku: t.vendorSku } : {}),
      ...(legacy ? { altVendorSku: rng.uuid() } : {}),
      requiresCommitment: t.nce === true,
      unitOfMeasurement: t.unit,
      usageBased: t.usageBased === true,
      pricing: pricingFor(t),
      provisioningDetails: t.provisioning ? [...ADOBE_DETAILS] : [],
      commitments: commitmentRulesFor(seed, i, t),
    };
  });
}

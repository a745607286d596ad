import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import {
  changePercent, decideApproval, effectiveRule, validateRequest, withinThreshold,
  type ApprovalSettings, type SelfServiceDefaults, type SubscriptionOverride,
} from '../../../src/licensing/policy.js';

const D = (v: string | number) => new Decimal(v);
const open: ApprovalSettings = { requireApprovalByDefault: false, autoApproveThresholdPercent: D(50), alwaysApproveVendors: [] };
const defaults: SelfServiceDefaults = { allowSelfService: true, defaultMinQuantity: null, defaultMaxQuantity: null };
const noRule = { alwaysRequireApproval: false };
const decide = (s: Partial<ApprovalSettings>, cur: number | string, req: number | string, vendor: string | null = 'Acme', rule = noRule) =>
  decideApproval({ ...open, ...s }, rule, vendor, D(cur), D(req));

describe('licensing/policy: approval threshold', () => {
  it('10 → 15 is a 50% change and auto-approves at a 50% threshold (exactly at the threshold)', () => {
    const d = decide({}, 10, 15);
    expect(d).to.deep.equal({ autoApprove: true, reasons: [], changePercent: '50' });
  });
  it('10 → 16 (60%) needs approval at 50%', () => {
    const d = decide({}, 10, 16);
    expect(d.autoApprove).to.equal(false);
    expect(d.reasons).to.deep.equal(['above_threshold']);
    expect(d.changePercent).to.equal('60');
  });
  it('just above the threshold by the smallest step needs approval (3 → 4 is 33.33…% against 33.33%)', () => {
    expect(decide({ autoApproveThresholdPercent: D('33.33') }, 3, 4).autoApprove).to.equal(false);
    expect(decide({ autoApproveThresholdPercent: D('33.34') }, 3, 4).autoApprove).to.equal(true);
  });
  it('exactly 1/3 with a repeating decimal is compared exactly, not after rounding', () => {
    // 3 → 4 is 100/3 %. A threshold stored to 6 places just below it (33.333333) holds it; 33.333334 allows it.
    expect(withinThreshold(D(3), D(4), D('33.333333'))).to.equal(false);
    expect(withinThreshold(D(3), D(4), D('33.333334'))).to.equal(true);
    expect(withinThreshold(D(300), D(400), D('33.333333'))).to.equal(false);
  });
  it('0% threshold: every change needs approval, even +1 on 1000', () => {
    expect(decide({ autoApproveThresholdPercent: D(0) }, 1000, 1001).reasons).to.deep.equal(['above_threshold']);
    expect(decide({ autoApproveThresholdPercent: D(0) }, 10, 9).autoApprove).to.equal(false);
  });
  it('decreases are measured the same way: 10 → 5 is 50% (auto), 10 → 4 is 60% (held)', () => {
    expect(decide({}, 10, 5)).to.deep.equal({ autoApprove: true, reasons: [], changePercent: '50' });
    expect(decide({}, 10, 4).reasons).to.deep.equal(['above_threshold']);
  });
  it('thresholds above 100% allow large increases: 10 → 30 at 200% auto-approves, 10 → 31 does not', () => {
    expect(decide({ autoApproveThresholdPercent: D(200) }, 10, 30).autoApprove).to.equal(true);
    expect(decide({ autoApproveThresholdPercent: D(200) }, 10, 31).autoApprove).to.equal(false);
  });
  it('a change from 0 always needs approval, whatever the threshold', () => {
    const d = decide({ autoApproveThresholdPercent: D(100000) }, 0, 1);
    expect(d).to.deep.equal({ autoApprove: false, reasons: ['from_zero'], changePercent: null });
    expect(changePercent(D(0), D(5))).to.equal(null);
  });
  it('require approval by default holds every change, even one within the threshold', () => {
    expect(decide({ requireApprovalByDefault: true }, 10, 11).reasons).to.deep.equal(['approval_required_by_default']);
  });
  it('changePercent is exact and rounded only for display', () => {
    expect(changePercent(D(3), D(4))!.toDecimalPlaces(6).toFixed()).to.equal('33.333333');
    expect(decide({ autoApproveThresholdPercent: D(0) }, 3, 4).changePercent).to.equal('33.3333');
  });
});

describe('licensing/policy: vendor and subscription overrides', () => {
  it('a vendor that always requires approval holds a change the threshold would allow', () => {
    const d = decide({ alwaysApproveVendors: ['Microsoft'] }, 10, 11, 'Microsoft');
    expect(d.reasons).to.deep.equal(['vendor_always_requires_approval']);
  });
  it('vendor names match trimmed and case-insensitively; other vendors are unaffected', () => {
    expect(decide({ alwaysApproveVendors: [' microsoft '] }, 10, 11, 'MICROSOFT').autoApprove).to.equal(false);
    expect(decide({ alwaysApproveVendors: ['Microsoft'] }, 10, 11, 'Microsoft Azure').autoApprove).to.equal(true);
    expect(decide({ alwaysApproveVendors: ['Microsoft'] }, 10, 11, null).autoApprove).to.equal(true);
  });
  it('a subscription that always requires approval beats an open configuration', () => {
    const d = decide({ autoApproveThresholdPercent: D(1000) }, 10, 11, 'Acme', { alwaysRequireApproval: true });
    expect(d.reasons).to.deep.equal(['subscription_always_requires_approval']);
  });
  it('lists every reason that holds a change', () => {
    const d = decide({ requireApprovalByDefault: true, alwaysApproveVendors: ['Acme'], autoApproveThresholdPercent: D(0) }, 10, 20, 'Acme',
      { alwaysRequireApproval: true });
    expect(d.reasons).to.deep.equal([
      'subscription_always_requires_approval', 'vendor_always_requires_approval', 'approval_required_by_default', 'above_threshold',
    ]);
  });
});

describe('licensing/policy: effective rule', () => {
  const override = (o: Partial<SubscriptionOverride>): SubscriptionOverride => ({
    allowQuantityChanges: null, alwaysRequireApproval: false, minQuantity: null, maxQuantity: null, ...o,
  });
  it('without an override the global defaults apply', () => {
    const r = effectiveRule({ allowSelfService: true, defaultMinQuantity: D(2), defaultMaxQuantity: D(50) }, null);
    expect([r.allowChanges, r.min.toString(), r.max?.toString(), r.alwaysRequireApproval]).to.deep.equal([true, '2', '50', false]);
    expect(r.source).to.deep.equal({ allowChanges: 'default', min: 'default', max: 'default' });
  });
  it('per-subscription values beat the defaults, field by field', () => {
    const r = effectiveRule({ allowSelfService: false, defaultMinQuantity: D(2), defaultMaxQuantity: D(50) },
      override({ allowQuantityChanges: true, maxQuantity: D(20) }));
    expect([r.allowChanges, r.min.toString(), r.max?.toString()]).to.deep.equal([true, '2', '20']);
    expect(r.source).to.deep.equal({ allowChanges: 'subscription', min: 'default', max: 'subscription' });
  });
  it('a subscription can forbid what the defaults allow', () => {
    expect(effectiveRule(defaults, override({ allowQuantityChanges: false })).allowChanges).to.equal(false);
  });
  it('the minimum never goes below 1; no maximum when none is set', () => {
    const r = effectiveRule({ allowSelfService: true, defaultMinQuantity: D(0), defaultMaxQuantity: null }, null);
    expect(r.min.toString()).to.equal('1');
    expect(r.max).to.equal(null);
    expect(effectiveRule(defaults, null).source.min).to.equal('floor');
  });
});

describe('licensing/policy: validation', () => {
  const rule = effectiveRule({ allowSelfService: true, defaultMinQuantity: D(5), defaultMaxQuantity: D(20) }, null);
  it('accepts the limits themselves', () => {
    expect(validateRequest(rule, D(10), D(5))).to.deep.equal({ ok: true });
    expect(validateRequest(rule, D(10), D(20))).to.deep.equal({ ok: true });
  });
  it('refuses one below the minimum and one above the maximum with a clear message', () => {
    const lo = validateRequest(rule, D(10), D(4));
    expect(lo).to.deep.equal({ ok: false, code: 'below_min', message: 'The quantity must be at least 5 for this subscription (requested 4).' });
    const hi = validateRequest(rule, D(10), D(21));
    expect(hi).to.deep.equal({ ok: false, code: 'above_max', message: 'The quantity must be at most 20 for this subscription (requested 21).' });
  });
  it('refuses fractions, the current quantity and disallowed subscriptions', () => {
    expect(validateRequest(rule, D(10), D('10.5'))).to.include({ ok: false, code: 'not_whole' });
    expect(validateRequest(rule, D(10), D(10))).to.include({ ok: false, code: 'unchanged' });
    const closed = effectiveRule({ allowSelfService: false, defaultMinQuantity: null, defaultMaxQuantity: null }, null);
    expect(validateRequest(closed, D(10), D(11))).to.include({ ok: false, code: 'not_allowed' });
  });
  it('refuses 0 (a cancellation, not a quantity change)', () => {
    expect(validateRequest(effectiveRule(defaults, null), D(3), D(0))).to.include({ ok: false, code: 'below_min' });
  });
});

describe('licensing/policy: properties', () => {
  const qty = fc.integer({ min: 1, max: 100000 });
  const pct = fc.integer({ min: 0, max: 50000 }).map((n) => D(n).div(100));
  it('auto-approval under an open configuration is exactly |r − c| / c × 100 <= threshold', () => {
    fc.assert(fc.property(qty, qty, pct, (c, r, t) => {
      const d = decide({ autoApproveThresholdPercent: t }, c, r);
      const exact = D(Math.abs(r - c)).times(100).div(c);
      // decimal.js division is rounded to 20 significant digits, so compare via cross-multiplication as a reference
      const ref = D(Math.abs(r - c)).times(100).lte(t.times(c));
      expect(d.autoApprove).to.equal(ref);
      if (exact.lt(t)) expect(d.autoApprove).to.equal(true);
    }));
  });
  it('increases and decreases of the same size are treated alike', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 10000 }), fc.integer({ min: 1, max: 100 }), pct, (c, delta, t) => {
      fc.pre(delta < c);
      expect(decide({ autoApproveThresholdPercent: t }, c, c + delta).autoApprove)
        .to.equal(decide({ autoApproveThresholdPercent: t }, c, c - delta).autoApprove);
    }));
  });
  it('monotone: if a change auto-approves, every smaller change in the same direction does too', () => {
    fc.assert(fc.property(qty, fc.integer({ min: 1, max: 1000 }), pct, (c, delta, t) => {
      if (decide({ autoApproveThresholdPercent: t }, c, c + delta).autoApprove) {
        expect(decide({ autoApproveThresholdPercent: t }, c, c + delta - 1 || c + 1).autoApprove).to.equal(true);
      }
    }));
  });
  it('any hold reason makes the decision not auto', () => {
    fc.assert(fc.property(fc.boolean(), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }), (byDefault, vendor, sub, c, r) => {
      fc.pre(c !== r);
      const d = decideApproval({ requireApprovalByDefault: byDefault, autoApproveThresholdPercent: D(1e6), alwaysApproveVendors: vendor ? ['V'] : [] },
        { alwaysRequireApproval: sub }, 'V', D(c), D(r));
      expect(d.autoApprove).to.equal(!byDefault && !vendor && !sub);
    }));
  });
  it('validation accepts exactly the whole numbers within [min, max] other than the current quantity', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 50 }), qty, fc.integer({ min: 0, max: 200 }), (min, span, cur, req) => {
      const rule = effectiveRule({ allowSelfService: true, defaultMinQuantity: D(min), defaultMaxQuantity: D(min + span) }, null);
      const ok = validateRequest(rule, D(cur), D(req)).ok;
      expect(ok).to.equal(req >= min && req <= min + span && req !== cur);
    }));
  });
});

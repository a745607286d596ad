import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { buildInvoice } from '../../../src/billing/invoice.js';
import type { UsageSnapshot } from '../../../src/billing/model.js';
import { context, histories } from './helpers.js';

const snap = (month: string, charges: string): UsageSnapshot => ({ usageSummary: 'u1', month, charges: new Decimal(charges) });
const usageLine = { id: 'azure', timing: 'usage' as const, usageSummary: 'u1' };

describe('billing/usage', () => {
  it('bills the previous month\'s snapshot, quantity 1, only for months that have one', () => {
    const ctx = context({
      lines: [usageLine],
      histories: histories(),
      usage: [snap('2025-12', '118.40'), snap('2026-02', '50.005'), { usageSummary: 'other', month: '2026-01', charges: new Decimal(9) }],
    });
    const lines = (date: string) => buildInvoice(ctx, date).lines.map((l) => [l.kind, l.quantity.toString(), l.unitPrice.toString(), l.amount.toString(), l.from, l.to]);
    expect(lines('2026-01-01')).to.deep.equal([['usage', '1', '118.4', '118.4', '2025-12-01', '2026-01-01']]);
    expect(lines('2026-02-01')).to.deep.equal([]);
    expect(lines('2026-03-01')).to.deep.equal([['usage', '1', '50.005', '50.01', '2026-02-01', '2026-03-01']]);
  });

  it('with a mid-month anchor, bills each month that ended since the previous period start', () => {
    const ctx = context({
      lines: [usageLine],
      histories: histories(),
      schedule: { frequency: 'monthly', anchorDay: 15 },
      billingStart: '2026-01-15',
      usage: [snap('2025-12', '1'), snap('2026-01', '2')],
    });
    expect(buildInvoice(ctx, '2026-01-15').lines.map((l) => l.from)).to.deep.equal(['2025-12-01']);
    expect(buildInvoice(ctx, '2026-02-15').lines.map((l) => l.from)).to.deep.equal(['2026-01-01']);
  });

  it('a quarterly invoice bills each month of the previous quarter as its own line, in month order', () => {
    const ctx = context({
      lines: [usageLine],
      histories: histories(),
      schedule: { frequency: 'quarterly', anchorDay: 1, anchorMonth: 1 },
      usage: [snap('2026-03', '3'), snap('2026-01', '1'), snap('2026-02', '2'), snap('2026-04', '4')],
    });
    expect(buildInvoice(ctx, '2026-04-01').lines.map((l) => l.amount.toString())).to.deep.equal(['1', '2', '3']);
  });
});

import type { Finding } from '../model.js';
import type { InputIndex } from '../steps/index-inputs.js';
import { belowCost } from './below-cost.js';
import { cancelledBilled } from './cancelled-billed.js';
import type { FindingDraft, RowRule } from './rule.js';
import { underQuantity } from './under-quantity.js';
import { unbilled } from './unbilled.js';
import { unmappedUsage } from './unmapped-usage.js';

export type { FindingDraft, RowRule, RuleHit } from './rule.js';
export { unmappedCompanies } from './unmapped-company.js';

/** The per-row rules, in the order their notes appear in a row's explanation. */
export const ROW_RULES: readonly RowRule[] = [unbilled, underQuantity, belowCost, unmappedUsage, cancelledBilled];

/** Drafts with an amount at stake become findings: newest first (by `since`, none last), then by amount, then key. */
export function findingsOf(drafts: readonly FindingDraft[], index: InputIndex): Finding[] {
  const findings: Finding[] = [];
  for (const { keySubject, ...f } of drafts) {
    if (f.amount.greaterThan(0)) findings.push({ ...f, key: `${f.kind}:${keySubject}`, customerName: index.nameOf(f.customerId) });
  }
  return findings.sort((x, y) => {
    if (x.since !== y.since) {
      if (x.since === null) return 1;
      if (y.since === null) return -1;
      return x.since < y.since ? 1 : -1;
    }
    const byAmount = y.amount.comparedTo(x.amount);
    return byAmount !== 0 ? byAmount : x.key < y.key ? -1 : x.key > y.key ? 1 : 0;
  });
}

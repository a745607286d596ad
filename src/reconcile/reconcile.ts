import type { Finding, FindingKind, ReconcileInput, ReconcileReport } from './model.js';
import { findingsOf, ROW_RULES, unmappedCompanies, type FindingDraft } from './rules/index.js';
import { addUnbilledRows, attributeBilledLines } from './steps/billed-side.js';
import { indexInputs } from './steps/index-inputs.js';
import { Ledger } from './steps/ledger.js';
import { attributePax8Items } from './steps/pax8-side.js';
import { explainRow, settleRow } from './steps/settle-row.js';
import { customerTotals, monthTotals, sortRows } from './steps/totals.js';

export { allocate, marginPercent, monthlyAmount } from './steps/amounts.js';
export { NO_CUSTOMER } from './steps/index-inputs.js';

/** A row without findings' notes (most rows): no array of its own. */
const NO_NOTES: readonly string[] = [];

/**
 * Pure reconciliation of one tenant's month: what Pax8 bills the partner against what Recurra billed
 * customers, per subscription (or usage summary), with every difference explained and the leakage
 * findings. No I/O; decisions are in docs/features/reconcile.md. Each step is in src/reconcile/steps,
 * each finding kind's rule in src/reconcile/rules.
 */
export function reconcile(input: ReconcileInput): ReconcileReport {
  const index = indexInputs(input);
  const ledger = new Ledger(index, input.pax8Source);
  attributePax8Items(input, index, ledger);
  attributeBilledLines(input, index, ledger);
  addUnbilledRows(input, ledger);

  const drafts: FindingDraft[] = [];
  // All a row's explanation reads of the inputs besides its entry: an explanation never read keeps no more of them.
  const period = { month: input.month, pax8Source: input.pax8Source };
  for (const entry of ledger.entries.values()) {
    const ctx = settleRow(entry, input, index);
    let notes = NO_NOTES;
    for (const rule of ROW_RULES) {
      for (const hit of rule(ctx)) {
        if (hit.note !== null) notes = [...notes, hit.note];
        drafts.push(hit.finding);
      }
    }
    entry.row.explainWith(() => explainRow(entry, period, notes));
  }
  const entries = [...ledger.entries.values()];
  drafts.push(...unmappedCompanies(entries, index));
  const findings = findingsOf(drafts, index);

  const rows = sortRows(entries.map((e) => e.row));
  const customers = customerTotals(rows, findings, index);
  return { month: input.month, pax8Source: input.pax8Source, totals: monthTotals(customers), customers, rows, findings };
}

export function findingsOfKind(report: ReconcileReport, kind: FindingKind): Finding[] {
  return report.findings.filter((f) => f.kind === kind);
}

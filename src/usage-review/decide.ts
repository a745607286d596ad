import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { AppError, fieldError } from '../common/app-error.js';
import { AuditEvent, UsageMonthlyCharge, UsageReview, UsageSummary } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import type { Clock } from '../common/clock.js';
import { statusOf, type ReviewStatus } from './queue.js';

/** invalid names the decision's field at fault (body.<field>, default body.decision). */
export class UsageReviewError extends AppError {
  override name = 'UsageReviewError';
  constructor(message: string, override readonly code: 'not_found' | 'invalid', readonly field?: string) {
    const path = `body.${field ?? 'decision'}`;
    super(code, message, code === 'invalid' ? { fields: fieldError(path, message), publicMessage: `invalid request: ${path}: ${message}` } : {});
  }
}

export interface DecisionInput {
  summaryId: string;
  month: string;
  decision: 'approved' | 'adjusted';
  /** Required when adjusted: what the invoice bills for the month instead of the imported charges. */
  adjustedCharges?: Decimal | null;
  note?: string | null;
}

export interface DecisionResult {
  summaryId: string;
  month: string;
  decision: 'approved' | 'adjusted';
  status: ReviewStatus;
  importedCharges: string;
  adjustedCharges: string | null;
  note: string | null;
  decidedBy: string;
  decidedAt: string;
}

/**
 * Records a reviewer's decision on a summary's month (replacing an earlier one), made on the month's charges as
 * imported now, and audits it (who, what, the amounts; `usage_review.decided`). An adjustment needs an amount and a
 * note saying why.
 */
export async function decideUsage(scope: TenantScope, by: { id: string; email: string }, input: DecisionInput, clock: Clock): Promise<DecisionResult> {
  const note = input.note?.trim() ? input.note.trim().slice(0, 1000) : null;
  if (input.decision === 'adjusted') {
    if (!input.adjustedCharges) throw new UsageReviewError('an adjustment needs the amount to bill', 'invalid', 'adjustedCharges');
    if (!note) throw new UsageReviewError('say why the amount is adjusted (a note)', 'invalid', 'note');
  }
  return scope.transaction(async (tx) => {
    const summary = await tx.repo(UsageSummary).findOneBy({ id: input.summaryId });
    if (!summary) throw new UsageReviewError('usage summary not found', 'not_found');
    const month = await tx.repo(UsageMonthlyCharge).findOneBy({ usageSummaryId: summary.id, month: input.month });
    if (!month) throw new UsageReviewError(`the usage summary has no charges for ${input.month}`, 'not_found');
    const now = clock();
    const fields = {
      decision: input.decision, importedCharges: month.charges,
      adjustedCharges: input.decision === 'adjusted' ? input.adjustedCharges! : null, note,
      decidedBy: by.id, decidedByEmail: by.email, decidedAt: now, updatedAt: now,
    };
    const repo = tx.repo(UsageReview);
    const existing = await repo.findOneBy({ usageSummaryId: summary.id, month: input.month });
    let row: UsageReview;
    if (existing) {
      await repo.update({ id: existing.id }, fields);
      row = Object.assign(existing, fields);
    } else {
      row = repo.create({ id: randomUUID(), usageSummaryId: summary.id, month: input.month, createdAt: now, ...fields });
      await repo.insert([row]);
    }
    await tx.manager.insert(AuditEvent, {
      id: randomUUID(), at: now, userId: by.id, tenantId: scope.tenantId, action: 'usage_review.decided',
      detail: JSON.stringify({
        usageSummaryId: summary.id, month: input.month, decision: row.decision, importedCharges: row.importedCharges.toString(),
        adjustedCharges: row.adjustedCharges?.toString() ?? null, replaced: existing ? existing.decision : null, note,
      }).slice(0, 4000),
    });
    return {
      summaryId: summary.id, month: input.month, decision: row.decision, status: statusOf(month.charges, row),
      importedCharges: row.importedCharges.toString(), adjustedCharges: row.adjustedCharges?.toString() ?? null, note,
      decidedBy: by.email, decidedAt: now.toISOString(),
    };
  });
}

import type { Finding } from '../model.js';
import type { RowContext } from '../steps/settle-row.js';

/** A finding before its key and customer name are filled in; `keySubject` makes the key `kind:keySubject`. */
export type FindingDraft = Omit<Finding, 'customerName' | 'key'> & { keySubject: string };

/** What a rule found on a row: the line it adds to the row's explanation (if any) and the finding. */
export interface RuleHit {
  note: string | null;
  finding: FindingDraft;
}

/** A rule for one finding kind, read from one settled row; pure apart from reading the row. */
export type RowRule = (ctx: RowContext) => RuleHit[];

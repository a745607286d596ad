import dayjs from 'dayjs';
import { termCode } from '../pax8/sku.js';

/**
 * THE commitment rule (issue 22, point 2): whether Pax8 allows a licence increase, decrease or cancellation of a
 * subscription today, judged by its product's commitment record (Pax8's `Commitment` from the product data, stored
 * per product and term by the product sync) — not by one rule for every vendor. Licence operations and licensing
 * self-service ask it before asking Pax8; when it cannot tell (no record synced, a flag Pax8 did not send, no end
 * date), the change goes to Pax8, whose answer stands. Pure: no I/O, dates are tenant-local 'YYYY-MM-DD'.
 */

export type CommitmentAction = 'increase' | 'decrease' | 'cancel';

/** What the product's commitment record says for one term (a null is a value Pax8 did not send). */
export interface CommitmentTerms {
  term: string;
  allowIncrease: boolean | null;
  allowDecrease: boolean | null;
  allowEarlyCancellation: boolean | null;
  /** Days before the term's end when the renewal window opens. */
  renewalWindowDaysBefore: number | null;
  /** Days after the term's end when that window closes: the first days of the next term (and, Recurra assumes, of any term). */
  renewalWindowDaysAfter: number | null;
  cancellationFeeApplied?: boolean | null;
}

/** The subscription's running commitment, as imported from Pax8. */
export interface CommittedSubscription {
  commitmentTerm: string | null;
  commitmentEndDate: string | null;
}

export type CommitmentVerdict =
  /** `known` false: the rule could not tell, Pax8 decides. `note`: worth telling (e.g. a cancellation fee). */
  | { allowed: true; known: boolean; note?: string }
  /** `reason` in plain words for the user; `possibleFrom` the first day it is allowed again, when known. */
  | { allowed: false; reason: string; possibleFrom: string | null };

/** What the action is called in a sentence: after "Pax8 does not allow …" and at the start of one. */
const WORDS: Record<CommitmentAction, { refused: string; possible: string }> = {
  increase: { refused: 'more licences', possible: 'More licences are' },
  decrease: { refused: 'fewer licences', possible: 'Fewer licences are' },
  cancel: { refused: 'cancelling it', possible: 'Cancelling is' },
};

const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;

/** Months of a commitment term ('Monthly', '1-Year', '3-Year', 'Annual' ...), or null when the term is unknown. */
export function termMonths(term: string): number | null {
  const m = /^P(\d+)([MY])$/.exec(termCode(term) ?? '');
  if (!m) return null;
  return Number(m[1]) * (m[2] === 'Y' ? 12 : 1);
}

export function commitmentVerdict(action: CommitmentAction, sub: CommittedSubscription, rule: CommitmentTerms | null | undefined, today: string): CommitmentVerdict {
  if (!sub.commitmentTerm) return { allowed: true, known: true };
  const end = sub.commitmentEndDate;
  // Without its end date, or past it (Pax8 renews and the import brings the new end), where the term stands is unknown.
  if (!end || today >= end || !rule) return { allowed: true, known: false };
  const flag = action === 'increase' ? rule.allowIncrease : action === 'decrease' ? rule.allowDecrease : rule.allowEarlyCancellation;
  const fee = action === 'cancel' && rule.cancellationFeeApplied ? 'Pax8 charges a cancellation fee for this commitment' : undefined;
  const ok = (known: boolean): CommitmentVerdict => ({ allowed: true, known, ...(fee ? { note: fee } : {}) });
  if (flag === null) return ok(false);
  if (flag) return ok(true);
  // Refused during the term, except in its windows: the renewal window before the end, and the first days of a term.
  const before = Math.max(0, Math.floor(rule.renewalWindowDaysBefore ?? 0));
  const after = Math.max(0, Math.floor(rule.renewalWindowDaysAfter ?? 0));
  const opens = dayjs(end).subtract(before, 'day').format('YYYY-MM-DD');
  if (before > 0 && today >= opens) return ok(true);
  const months = termMonths(sub.commitmentTerm);
  if (months !== null && after > 0 && today < dayjs(end).subtract(months, 'month').add(after, 'day').format('YYYY-MM-DD')) return ok(true);
  const w = WORDS[action];
  const when = before > 0
    ? `from ${opens}, in the renewal window before the term ends`
    : after > 0 ? `in the first ${days(after)} of the next term, from ${end}` : `from ${end}, when the term ends`;
  const reason = `Pax8 does not allow ${w.refused} during this subscription's ${sub.commitmentTerm} commitment, which runs until ${end}. `
    + `${w.possible} possible ${when}.`;
  return { allowed: false, reason, possibleFrom: before > 0 ? opens : end };
}

import { Decimal } from 'decimal.js';
import type { FindingKind } from './model.js';

export const FINDING_SORT_FIELDS = ['since', 'amount', 'customer', 'kind'] as const;
export type FindingSortField = (typeof FINDING_SORT_FIELDS)[number];

export interface FindingsListInput {
  kind?: FindingKind;
  customerId?: string;
  sort: { field: FindingSortField; dir: 'ASC' | 'DESC' };
  page: number;
  size: number;
}

/** What listing needs of a finding: the report's own (amount a Decimal) or its JSON view (amount a decimal string). */
export interface ListedFinding {
  kind: FindingKind;
  customerId: string | null;
  customerName: string;
  amount: Decimal | string;
}

const decimal = (v: Decimal | string) => (typeof v === 'string' ? new Decimal(v) : v);

/**
 * One page of a month's findings, filtered by kind and customer and sorted. The report lists findings newest first;
 * `since` keeps that order (ascending reverses it). Amounts compare by value; ties keep the report's order.
 */
export function listFindings<F extends ListedFinding>(findings: readonly F[], input: FindingsListInput): { items: F[]; total: number } {
  const kept = findings.filter((f) => (!input.kind || f.kind === input.kind) && (!input.customerId || f.customerId === input.customerId));
  const sign = input.sort.dir === 'DESC' ? -1 : 1;
  let sorted: F[];
  switch (input.sort.field) {
    case 'since': sorted = input.sort.dir === 'DESC' ? kept : [...kept].reverse(); break;
    case 'amount': sorted = [...kept].sort((a, b) => sign * decimal(a.amount).comparedTo(b.amount)); break;
    case 'customer': sorted = [...kept].sort((a, b) => sign * a.customerName.localeCompare(b.customerName)); break;
    case 'kind': sorted = [...kept].sort((a, b) => sign * a.kind.localeCompare(b.kind)); break;
  }
  const start = input.page * input.size;
  return { items: sorted.slice(start, start + input.size), total: kept.length };
}

import { CommitmentRule, type Subscription } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { termCode } from '../pax8/sku.js';
import { commitmentVerdict, type CommitmentAction, type CommitmentVerdict } from './commitment-rules.js';

type Committed = Pick<Subscription, 'pax8ProductId' | 'commitmentTerm' | 'commitmentEndDate'>;

/** The product's commitment record for the subscription's term (stored by the product sync), or null when there is none. */
export async function commitmentRuleOf(scope: TenantScope, sub: Committed): Promise<CommitmentRule | null> {
  if (!sub.pax8ProductId || !sub.commitmentTerm) return null;
  const rows = await scope.repo(CommitmentRule).findBy({ pax8ProductId: sub.pax8ProductId });
  const same = (t: string) => (termCode(t) ?? t.trim().toLowerCase()) === (termCode(sub.commitmentTerm!) ?? sub.commitmentTerm!.trim().toLowerCase());
  return rows.find((r) => r.term === sub.commitmentTerm) ?? rows.find((r) => same(r.term)) ?? null;
}

/** The commitment rule's verdict on `action` for the subscription today (tenant-local date), from its product's stored record. */
export async function checkCommitment(scope: TenantScope, sub: Committed, action: CommitmentAction, today: string): Promise<CommitmentVerdict> {
  return commitmentVerdict(action, sub, await commitmentRuleOf(scope, sub), today);
}

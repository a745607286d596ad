import { randomUUID } from 'node:crypto';
import { CommitmentRule } from '../db/entities/index.js';
import { isUniqueViolation } from '../db/errors.js';
import type { Commitment } from '../pax8/schemas/product.js';
import type { ImportContext } from './context.js';

type Values = Pick<CommitmentRule, 'pax8CommitmentId' | 'autoRenew' | 'renewalWindowDaysBefore' | 'renewalWindowDaysAfter' | 'allowIncrease'
  | 'allowDecrease' | 'allowEarlyCancellation' | 'cancellationFeeApplied' | 'isTransferable'>;

const FIELDS: (keyof Values)[] = ['pax8CommitmentId', 'autoRenew', 'renewalWindowDaysBefore', 'renewalWindowDaysAfter', 'allowIncrease', 'allowDecrease',
  'allowEarlyCancellation', 'cancellationFeeApplied', 'isTransferable'];

function valuesOf(c: Commitment): Values {
  const days = (n: number | null | undefined) => (n == null ? null : Math.round(n));
  return {
    pax8CommitmentId: c.id ?? null, autoRenew: c.autoRenew ?? null,
    renewalWindowDaysBefore: days(c.renewalWindowDaysBeforeTermEnd), renewalWindowDaysAfter: days(c.renewalWindowDaysAfterTermEnd),
    allowIncrease: c.allowForQuantityIncrease ?? null, allowDecrease: c.allowForQuantityDecrease ?? null,
    allowEarlyCancellation: c.allowForEarlyCancellation ?? null, cancellationFeeApplied: c.cancellationFeeApplied ?? null,
    isTransferable: c.isTransferable ?? null,
  };
}

function differs(row: CommitmentRule, values: Values): boolean {
  return FIELDS.some((f) => (row[f] ?? null) !== values[f]);
}

function hasChanges(old: CommitmentRule[], wanted: Map<string, Values>): boolean {
  if (old.some((r) => !wanted.has(r.term))) return true;
  for (const [term, values] of wanted) {
    const row = old.find((r) => r.term === term);
    if (!row || differs(row, values)) return true;
  }
  return false;
}

/**
 * The product sync's commitment rules (issue 22, point 2): for each Pax8 product a run meets with a commitment (a
 * subscription on a commitment term, or a product that requires one), its commitment terms are read once per run
 * (GET /products/{id}/dependencies) and stored per product and term in `commitment_rules`, writing only what changed
 * (a term Pax8 no longer lists is removed). A product whose terms cannot be read keeps what was stored and is an
 * error on the run (`products`); a dry run reads but writes nothing.
 */
export class CommitmentRulesImport {
  private readonly runs = new Map<string, Promise<void>>();

  private constructor(private readonly ctx: ImportContext, private readonly stored: Map<string, CommitmentRule[]>) {}

  static async load(ctx: ImportContext): Promise<CommitmentRulesImport> {
    const stored = new Map<string, CommitmentRule[]>();
    for (const r of await ctx.scope.repo(CommitmentRule).find()) {
      const list = stored.get(r.pax8ProductId);
      if (list) list.push(r);
      else stored.set(r.pax8ProductId, [r]);
    }
    return new CommitmentRulesImport(ctx, stored);
  }

  /** Reads and stores the product's commitment terms, once per run. */
  sync(pax8ProductId: string): Promise<void> {
    if (!this.ctx.client.productDependencies) return Promise.resolve();
    let p = this.runs.get(pax8ProductId);
    if (!p) {
      p = this.read(pax8ProductId);
      this.runs.set(pax8ProductId, p);
    }
    return p;
  }

  private async read(pax8ProductId: string): Promise<void> {
    const { ctx } = this;
    let terms: Commitment[];
    try {
      terms = (await ctx.client.productDependencies!(pax8ProductId, { signal: ctx.signal })).commitmentDependencies ?? [];
    } catch (err) {
      if (ctx.signal?.aborted) throw err;
      // Not found: Pax8 lists no dependencies for the product; keep what is stored and say nothing.
      if ((err as { kind?: string }).kind === 'not_found') return;
      ctx.rec.error('products', pax8ProductId, `commitment rules of product ${pax8ProductId}: ${(err as Error).message}`, (err as { raw?: unknown }).raw ?? null);
      return;
    }
    const wanted = new Map<string, Values>();
    for (const c of terms) wanted.set(c.term, valuesOf(c));
    if (!hasChanges(this.stored.get(pax8ProductId) ?? [], wanted) || ctx.dryRun) return;
    const write = async () => {
      // What is stored now, not at the start of the run: another process's sync may have written the same terms since.
      // (Read before the transaction: on SQLite a transaction that reads and then writes cannot wait for another writer.)
      const old = await ctx.scope.repo(CommitmentRule).findBy({ pax8ProductId });
      const gone = old.filter((x) => !wanted.has(x.term));
      const changed: Array<{ row: CommitmentRule; values: Values }> = [];
      const added: Array<[string, Values]> = [];
      for (const [term, values] of wanted) {
        const row = old.find((r) => r.term === term);
        if (!row) added.push([term, values]);
        else if (differs(row, values)) changed.push({ row, values });
      }
      if (gone.length === 0 && changed.length === 0 && added.length === 0) return;
      const now = new Date();
      await ctx.writes.run(() => ctx.scope.transaction(async (tx) => {
        const repo = tx.repo(CommitmentRule);
        for (const r of gone) await repo.delete({ id: r.id });
        for (const { row, values } of changed) await repo.update({ id: row.id }, { ...values, updatedAt: now });
        if (added.length > 0) {
          await repo.insert(added.map(([term, values]) => ({ id: randomUUID(), pax8ProductId, term, ...values, createdAt: now, updatedAt: now })));
        }
      }));
    };
    try {
      await write();
    } catch (err) {
      // Two syncs (products and subscriptions, or two workers) stored the product's new terms at the same moment: the
      // other's rows are there now, so writing again compares with them.
      if (!isUniqueViolation(err)) throw err;
      await write();
    }
  }
}

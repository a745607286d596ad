import { randomUUID } from 'node:crypto';
import { Product } from '../db/entities/index.js';
import type { Product as Pax8Product } from '../pax8/schemas/product.js';
import type { Subscription as Pax8Subscription } from '../pax8/schemas/subscription.js';
import { recurraSku } from '../pax8/sku.js';
import { CommitmentRulesImport } from './commitment-rules-import.js';
import type { ImportContext } from './context.js';

export interface ResolvedProduct {
  productId: string | null;
  vendorName: string | null;
  sku: string | null;
}

/**
 * Finds the local product of a subscription by Recurra's SKU (src/pax8/sku.ts: vendor part number
 * + commitment term + billing period) and, when the tenant's product mode is not 'none', creates a
 * missing one in the tenant's product group for new products. Pax8 products are fetched once per
 * run (GET /products/{id}), with the commitment terms of those sold on a commitment (CommitmentRulesImport);
 * each SKU is counted once per run under `products`.
 */
export class ProductResolver {
  private readonly pax8 = new Map<string, Promise<Pax8Product | null>>();
  private readonly bySku = new Map<string, string>();
  private readonly counted = new Set<string>();
  private readonly creating = new Map<string, Promise<string | null>>();
  /** The product's commitment terms, read with it (issue 22, point 2). */
  private commitments!: CommitmentRulesImport;

  private constructor(private readonly ctx: ImportContext, private readonly createProducts: boolean) {}

  /** `counted`: SKUs this run has counted already (the catalog step), not counted again here. */
  static async load(ctx: ImportContext, createProducts: boolean, counted?: ReadonlySet<string>): Promise<ProductResolver> {
    const r = new ProductResolver(ctx, createProducts);
    for (const sku of counted ?? []) r.counted.add(sku);
    const rows = await ctx.scope.repo(Product).query('p').select(['p.id', 'p.sku']).getMany();
    for (const p of rows) r.bySku.set(p.sku, p.id);
    r.commitments = await CommitmentRulesImport.load(ctx);
    return r;
  }

  private pax8Product(id: string): Promise<Pax8Product | null> {
    let p = this.pax8.get(id);
    if (!p) {
      p = this.ctx.client.product(id, { signal: this.ctx.signal }).catch((err: unknown) => {
        if ((err as { kind?: string }).kind === 'not_found' || (err as Error).name === 'Pax8RecordError') {
          this.ctx.rec.error('products', id, `product ${id}: ${(err as Error).message}`, (err as { raw?: unknown }).raw ?? null);
          return null;
        }
        throw err;
      });
      this.pax8.set(id, p);
    }
    return p;
  }

  /** Resolved products by Pax8 product, commitment term and billing term: what the SKU is made of (a run lists many subscriptions of one). */
  private readonly resolved = new Map<string, Promise<ResolvedProduct>>();

  resolve(s: Pax8Subscription): Promise<ResolvedProduct> {
    const key = `${s.productId}\u0000${keyPart(s.commitment?.term)}\u0000${keyPart(s.billingTerm)}`;
    let r = this.resolved.get(key);
    if (!r) {
      r = this.resolveFirst(s);
      this.resolved.set(key, r);
    }
    return r;
  }

  private async resolveFirst(s: Pax8Subscription): Promise<ResolvedProduct> {
    const product = await this.pax8Product(s.productId);
    if (!product) return { productId: null, vendorName: null, sku: null };
    if (s.commitment?.term || product.requiresCommitment) await this.commitments.sync(product.id);
    let sku: string;
    try {
      sku = recurraSku({ vendorSku: product.vendorSku, sku: product.sku, commitmentTerm: s.commitment?.term, billingTerm: s.billingTerm });
    } catch (err) {
      // Once per product and terms: resolve() runs this once per such key.
      if (this.createProducts) {
        this.ctx.rec.count('products', 'skipped');
        this.ctx.rec.note('unmappedSkus', { pax8ProductId: s.productId, billingTerm: s.billingTerm ?? null, commitmentTerm: s.commitment?.term ?? null, reason: (err as Error).message });
      }
      return { productId: null, vendorName: product.vendorName ?? null, sku: null };
    }
    const productId = await this.ensure(sku, product);
    return { productId, vendorName: product.vendorName ?? null, sku };
  }

  private async ensure(sku: string, product: Pax8Product): Promise<string | null> {
    const existing = this.bySku.get(sku);
    if (existing) {
      this.once(sku, 'unchanged');
      return existing;
    }
    if (!this.createProducts) return null;
    let p = this.creating.get(sku);
    if (!p) {
      p = this.create(sku, product);
      this.creating.set(sku, p);
    }
    return p;
  }

  private once(sku: string, outcome: 'created' | 'unchanged'): void {
    if (this.counted.has(sku)) return;
    this.counted.add(sku);
    this.ctx.rec.count('products', outcome);
    this.ctx.rec.plan('products', sku, outcome);
  }

  /** A product row is complete on its own, so it is written in its own statement, before the subscriptions that use it. */
  private async create(sku: string, product: Pax8Product): Promise<string | null> {
    const { scope, settings, dryRun } = this.ctx;
    this.once(sku, 'created');
    if (dryRun) return null;
    const now = new Date();
    const row = scope.repo(Product).create({
      id: randomUUID(), sku, name: product.name.slice(0, 255), vendorName: product.vendorName?.slice(0, 120) ?? null, category: null,
      pax8ProductId: product.id, pax8Sku: product.sku?.slice(0, 120) ?? null, vendorSku: product.vendorSku?.slice(0, 120) ?? null,
      productGroup: settings.productGroupForNewProducts, retailPrice: null, visible: true, featured: false, createdAt: now, updatedAt: now,
    });
    try {
      await this.ctx.writes.run(() => scope.repo(Product).insert([row]));
    } catch (err) {
      // Another run created it in the meantime: use that one.
      const found = await scope.repo(Product).findOneBy({ sku });
      if (!found) throw err;
      this.bySku.set(sku, found.id);
      return found.id;
    }
    this.bySku.set(sku, row.id);
    return row.id;
  }
}

/** A possibly absent text as part of a key: absent, null and empty stay apart. */
function keyPart(v: string | null | undefined): string {
  return v === undefined ? '\u0001' : v === null ? '\u0002' : v;
}

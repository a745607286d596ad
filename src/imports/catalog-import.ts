import { randomUUID } from 'node:crypto';
import type { Decimal } from 'decimal.js';
import { Product } from '../db/entities/index.js';
import type { Pax8Client } from '../pax8/client/pax8-client.js';
import type { Pricing, Product as Pax8Product } from '../pax8/schemas/product.js';
import { recurraSku } from '../pax8/sku.js';
import { checkAborted, ImportAborted, type ImportContext } from './context.js';

/** The catalog reads (the threaded client offers only what the subscription listing needs). */
export type CatalogReader = Pick<Pax8Client, 'products' | 'productPricing'>;

/** How many products' pricing the catalog step reads at once. */
const PRICING_READS_AT_ONCE = 8;

type Row = Pick<Product, 'id' | 'sku' | 'category' | 'retailPrice' | 'pax8ProductId' | 'vendorName'>;

/**
 * The retail price of a pricing entry: the suggested retail price of its first tier (the rate with the lowest start
 * of quantity range). Pax8's Pricing names no currency: it answers in the partner account's currency, the one its
 * subscriptions are billed in, so the price is stored as it comes. Never the partner's buy rate.
 */
export function firstTierRetailPrice(entry: Pricing): Decimal | null {
  const rates = [...(entry.rates ?? [])].filter((r) => r.suggestedRetailPrice != null);
  rates.sort((a, b) => Number(a.startQuantityRange ?? 0) - Number(b.startQuantityRange ?? 0));
  return (rates[0]?.suggestedRetailPrice as Decimal | undefined) ?? null;
}

const sameDecimal = (a: Decimal | null, b: Decimal | null) => (a === null || b === null ? a === b : a.equals(b));

/**
 * The product sync's catalog step: every product of the partner's Pax8 catalog (GET /products), each with its
 * pricing (GET /products/{id}/pricing), becomes one local product per SKU (src/pax8/sku.ts: part number + commitment
 * term + billing term of a pricing entry), with the product's category (when Pax8 sends one) and the entry's retail
 * price; existing products get both refreshed. Products are created only when the tenant's product import mode is not
 * 'none'. Returns the SKUs it counted, so the subscription listing after it does not count them again.
 */
export async function importCatalog(ctx: ImportContext, client: CatalogReader): Promise<Set<string>> {
  const counted = new Set<string>();
  try {
    await readCatalog(ctx, client, counted);
  } catch (err) {
    // The catalog enriches the product sync; the products of the subscriptions are still imported after it. A Pax8
    // answer without a product list (404: stand-ins that serve only some endpoints) reads as no catalog.
    if (err instanceof ImportAborted || (err as Error).name === 'AbortError' || ctx.signal?.aborted) throw err;
    if ((err as { kind?: string }).kind !== 'not_found') ctx.rec.error('products', null, `the Pax8 catalog could not be read: ${(err as Error).message}`, null);
  }
  return counted;
}

async function readCatalog(ctx: ImportContext, client: CatalogReader, counted: Set<string>): Promise<void> {
  const repo = ctx.scope.repo(Product);
  const rows: Row[] = await repo.query('p').select(['p.id', 'p.sku', 'p.category', 'p.retailPrice', 'p.pax8ProductId', 'p.vendorName']).getMany();
  const bySku = new Map(rows.map((r) => [r.sku, r]));
  const create = ctx.settings.productImportMode !== 'none';
  const pending: Product[] = [];
  const flush = async () => {
    if (pending.length === 0 || ctx.dryRun) return;
    const batch = pending.splice(0);
    await ctx.writes.run(() => repo.insert(batch));
  };
  let done = 0;
  const store = async (product: Pax8Product, pricing: Pricing[]) => {
    for (const entry of pricing) {
      let sku: string;
      try {
        sku = recurraSku({ vendorSku: product.vendorSku, sku: product.sku, commitmentTerm: entry.commitmentTerm, billingTerm: entry.billingTerm });
      } catch {
        continue; // a billing or commitment term Recurra has no SKU for (src/pax8/sku.ts); the subscription listing notes those it meets
      }
      if (counted.has(sku)) continue;
      counted.add(sku);
      const retailPrice = firstTierRetailPrice(entry);
      const category = product.category?.trim().slice(0, 120) || null;
      const existing = bySku.get(sku);
      if (existing) await refresh(ctx, existing, product, { category, retailPrice });
      else if (create) {
        ctx.rec.count('products', 'created');
        ctx.rec.plan('products', sku, 'created');
        pending.push(newProduct(ctx, sku, product, category, retailPrice));
        if (pending.length >= ctx.batchSize) await flush();
      } else ctx.rec.count('products', 'skipped');
    }
    ctx.progress({ entity: 'products', done: ++done, message: 'catalog' });
  };
  // A few products' pricing is read at once (the tenant's pacing still spaces the requests), so a catalog of thousands
  // does not wait on each round trip in turn.
  let waiting: Pax8Product[] = [];
  const drain = async () => {
    const batch = waiting;
    waiting = [];
    const prices = await Promise.all(batch.map((p) => readPricing(ctx, client, p.id)));
    for (let i = 0; i < batch.length; i++) await store(batch[i]!, prices[i]!);
  };
  try {
    for await (const item of client.products({ signal: ctx.signal })) {
      checkAborted(ctx);
      if (item.error) {
        ctx.rec.error('products', null, `catalog product: ${item.error.message}`, item.error.raw ?? null);
        continue;
      }
      waiting.push(item.record);
      if (waiting.length >= PRICING_READS_AT_ONCE) await drain();
    }
    await drain();
  } finally {
    await flush(); // what was read is written, also when Pax8 fails part-way
  }
}

async function readPricing(ctx: ImportContext, client: CatalogReader, productId: string): Promise<Pricing[]> {
  const out: Pricing[] = [];
  try {
    for await (const item of client.productPricing(productId, undefined, { signal: ctx.signal })) {
      if (item.error) ctx.rec.error('products', productId, `pricing of product ${productId}: ${item.error.message}`, item.error.raw ?? null);
      else out.push(item.record);
    }
  } catch (err) {
    if ((err as { kind?: string }).kind !== 'not_found') throw err;
    ctx.rec.error('products', productId, `pricing of product ${productId}: ${(err as Error).message}`, null);
  }
  return out;
}

async function refresh(ctx: ImportContext, row: Row, product: Pax8Product, next: { category: string | null; retailPrice: Decimal | null }): Promise<void> {
  const patch: Partial<Product> = {};
  // A category Pax8 does not send leaves the one stored (set by an earlier run or by hand) alone.
  if (next.category !== null && next.category !== row.category) patch.category = next.category;
  if (!sameDecimal(next.retailPrice, row.retailPrice)) patch.retailPrice = next.retailPrice;
  if (!row.pax8ProductId) patch.pax8ProductId = product.id;
  if (!row.vendorName && product.vendorName) patch.vendorName = product.vendorName.slice(0, 120);
  const fields = Object.keys(patch);
  if (fields.length === 0) {
    ctx.rec.count('products', 'unchanged');
    return;
  }
  ctx.rec.count('products', 'updated');
  ctx.rec.plan('products', row.sku, 'updated', fields);
  if (ctx.dryRun) return;
  await ctx.writes.run(() => ctx.scope.repo(Product).update({ id: row.id }, { ...patch, updatedAt: new Date() }));
}

function newProduct(ctx: ImportContext, sku: string, product: Pax8Product, category: string | null, retailPrice: Decimal | null): Product {
  const now = new Date();
  return ctx.scope.repo(Product).create({
    id: randomUUID(), sku, name: product.name.slice(0, 255), vendorName: product.vendorName?.slice(0, 120) ?? null, category,
    pax8ProductId: product.id, pax8Sku: product.sku?.slice(0, 120) ?? null, vendorSku: product.vendorSku?.slice(0, 120) ?? null,
    productGroup: ctx.settings.productGroupForNewProducts, retailPrice, visible: true, featured: false, createdAt: now, updatedAt: now,
  });
}

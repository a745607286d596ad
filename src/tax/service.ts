import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { In } from 'typeorm';
import { AppError, fieldError } from '../common/app-error.js';
import { dec } from '../billing/decimal.js';
import { CUSTOMER_TAX_KINDS, TAX_KINDS, type TaxCode as EngineTaxCode, type TaxKind } from '../billing/tax.js';
import { Customer, Product, ProductGroupTaxCode, TaxCode } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';

/**
 * A tenant's tax settings (issue 23): tax codes, the code of each product group, and a customer's exemption or reverse
 * charge. Which one a line bills is `resolveLineTax` (src/billing/tax.ts); the loader applies it to every line.
 */

/** `not_found`: no such code in the tenant; `invalid`: a value is refused (`field` names it); `conflict`: taken or in use. */
export class TaxSettingsError extends AppError {
  override name = 'TaxSettingsError';
  constructor(kind: 'not_found' | 'invalid' | 'conflict', message: string, readonly field?: string) {
    super(kind, message, field === undefined ? {} : { fields: fieldError(`body.${field}`, message) });
  }
}

export interface TaxCodeView {
  id: string;
  code: string;
  /** A fraction as a plain decimal string ("0.2"). */
  rate: string;
  kind: TaxKind;
  /** Product groups and customers that name it. */
  productGroups: string[];
  customers: number;
}

export interface TaxCodeInput {
  code?: string;
  rate?: string;
  kind?: TaxKind;
}

const CODE_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} ._\-/()%&+]{0,59}$/u;

function checkInput(input: TaxCodeInput): void {
  if (input.code !== undefined && !CODE_PATTERN.test(input.code.trim())) {
    throw new TaxSettingsError('invalid', 'a tax code is 1–60 letters, digits, spaces or . _ - / ( ) % & +, starting with a letter or digit', 'code');
  }
  if (input.kind !== undefined && !TAX_KINDS.includes(input.kind)) {
    throw new TaxSettingsError('invalid', `kind is one of ${TAX_KINDS.join(', ')}`, 'kind');
  }
  if (input.rate !== undefined) {
    let r: Decimal;
    try {
      r = new Decimal(input.rate);
    } catch {
      throw new TaxSettingsError('invalid', 'rate is a decimal fraction (0.2 for 20 %)', 'rate');
    }
    if (!/^\d+(\.\d{1,6})?$/.test(input.rate) || r.gt(1)) throw new TaxSettingsError('invalid', 'rate is a fraction from 0 to 1 with at most 6 places (0.2 for 20 %)', 'rate');
  }
}

/** Every tax code of the tenant by code, with what names it. */
export async function listTaxCodes(scope: TenantScope): Promise<TaxCodeView[]> {
  const codes = await scope.repo(TaxCode).find({ order: { code: 'ASC' } });
  const groups = await scope.repo(ProductGroupTaxCode).find({ order: { productGroup: 'ASC' } });
  const counts = await scope.repo(Customer).query('c').select('c.taxCodeId', 'id').addSelect('COUNT(*)', 'n')
    .andWhere('c.taxCodeId IS NOT NULL').groupBy('c.taxCodeId').getRawMany<{ id: string; n: number | string }>();
  const customers = new Map(counts.map((c) => [c.id, Number(c.n)]));
  return codes.map((c) => ({
    id: c.id, code: c.code, rate: dec(c.rate.toString()).toString(), kind: c.kind,
    productGroups: groups.filter((g) => g.taxCodeId === c.id).map((g) => g.productGroup), customers: customers.get(c.id) ?? 0,
  }));
}

/** One tax code as listTaxCodes shows it (after a change); not_found for none. */
export async function taxCodeView(scope: TenantScope, id: string): Promise<TaxCodeView> {
  const view = (await listTaxCodes(scope)).find((c) => c.id === id);
  if (!view) throw new TaxSettingsError('not_found', `no tax code ${id} in this tenant`, 'taxCode');
  return view;
}

/** A code by id, or by its name (case-insensitive): what the CLI and the forms pass. */
export async function findTaxCode(scope: TenantScope, idOrCode: string): Promise<TaxCode> {
  const byId = await scope.repo(TaxCode).findOneBy({ id: idOrCode });
  if (byId) return byId;
  const wanted = idOrCode.trim().toLowerCase();
  const found = (await scope.repo(TaxCode).find()).find((c) => c.code.toLowerCase() === wanted);
  if (!found) throw new TaxSettingsError('not_found', `no tax code "${idOrCode}" in this tenant`, 'taxCode');
  return found;
}

async function checkUnique(scope: TenantScope, code: string, exceptId?: string): Promise<void> {
  const clash = (await scope.repo(TaxCode).find()).find((c) => c.code.toLowerCase() === code.toLowerCase() && c.id !== exceptId);
  if (clash) throw new TaxSettingsError('conflict', `tax code "${clash.code}" exists already`, 'code');
}

export async function createTaxCode(scope: TenantScope, input: Required<TaxCodeInput>, now: Date): Promise<TaxCode> {
  checkInput(input);
  const code = input.code.trim();
  await checkUnique(scope, code);
  const row = scope.repo(TaxCode).create({ id: randomUUID(), code, rate: dec(input.kind === 'standard' ? input.rate : '0'), kind: input.kind, createdAt: now, updatedAt: now });
  await scope.repo(TaxCode).insert([row]);
  return row;
}

/** Changes a code; a code named by customers must stay exempt or reverse charge. Exempt and reverse-charge codes keep rate 0. */
export async function updateTaxCode(scope: TenantScope, idOrCode: string, input: TaxCodeInput, now: Date): Promise<TaxCode> {
  checkInput(input);
  const row = await findTaxCode(scope, idOrCode);
  const code = input.code?.trim() ?? row.code;
  if (code !== row.code) await checkUnique(scope, code, row.id);
  const kind = input.kind ?? row.kind;
  if (!CUSTOMER_TAX_KINDS.includes(kind) && (await scope.repo(Customer).count({ where: { taxCodeId: row.id } })) > 0) {
    throw new TaxSettingsError('conflict', `customers name "${row.code}" as their exemption or reverse charge; a standard code cannot be a customer's`, 'kind');
  }
  const rate = kind === 'standard' ? dec(input.rate ?? row.rate.toString()) : dec(0);
  await scope.repo(TaxCode).update({ id: row.id }, { code, kind, rate, updatedAt: now });
  return (await scope.repo(TaxCode).findOneBy({ id: row.id }))!;
}

/** Removes a code no product group or customer names (billed lines keep the code they were billed at). */
export async function removeTaxCode(scope: TenantScope, idOrCode: string): Promise<void> {
  const row = await findTaxCode(scope, idOrCode);
  const groups = await scope.repo(ProductGroupTaxCode).count({ where: { taxCodeId: row.id } });
  const customers = await scope.repo(Customer).count({ where: { taxCodeId: row.id } });
  if (groups + customers > 0) {
    throw new TaxSettingsError('conflict', `"${row.code}" is the tax code of ${groups} product group(s) and ${customers} customer(s); unset it there first`);
  }
  await scope.repo(TaxCode).delete({ id: row.id });
}

export interface ProductGroupTaxView {
  productGroup: string;
  /** Products in the group. */
  products: number;
  taxCode: string | null;
  taxCodeId: string | null;
}

/** Every product group (those of the products, and those given a code) with its tax code. */
export async function listProductGroupTax(scope: TenantScope): Promise<ProductGroupTaxView[]> {
  const counts = await scope.repo(Product).query('p').select('p.productGroup', 'g').addSelect('COUNT(*)', 'n')
    .andWhere('p.productGroup IS NOT NULL').groupBy('p.productGroup').getRawMany<{ g: string; n: number | string }>();
  const set = await scope.repo(ProductGroupTaxCode).find();
  const codes = new Map((await scope.repo(TaxCode).find()).map((c) => [c.id, c.code]));
  const names = [...new Set([...counts.map((c) => c.g), ...set.map((s) => s.productGroup)])].sort();
  return names.map((g) => {
    const s = set.find((x) => x.productGroup === g);
    return {
      productGroup: g, products: Number(counts.find((c) => c.g === g)?.n ?? 0),
      taxCode: s ? codes.get(s.taxCodeId) ?? null : null, taxCodeId: s?.taxCodeId ?? null,
    };
  });
}

/** Gives a product group a tax code (null: none, its lines bill the recurring invoice's rate). */
export async function setProductGroupTax(scope: TenantScope, productGroup: string, idOrCode: string | null, now: Date): Promise<ProductGroupTaxView> {
  const group = productGroup.trim();
  if (group === '' || group.length > 120) throw new TaxSettingsError('invalid', 'a product group name is 1–120 characters', 'productGroup');
  const existing = await scope.repo(ProductGroupTaxCode).findOneBy({ productGroup: group });
  if (idOrCode === null) {
    if (existing) await scope.repo(ProductGroupTaxCode).delete({ id: existing.id });
  } else {
    const code = await findTaxCode(scope, idOrCode);
    if (existing) {
      if (existing.taxCodeId !== code.id) await scope.repo(ProductGroupTaxCode).update({ id: existing.id }, { taxCodeId: code.id, updatedAt: now });
    } else {
      await scope.repo(ProductGroupTaxCode).insert([{ id: randomUUID(), productGroup: group, taxCodeId: code.id, createdAt: now, updatedAt: now }]);
    }
  }
  return (await listProductGroupTax(scope)).find((g) => g.productGroup === group)
    ?? { productGroup: group, products: 0, taxCode: null, taxCodeId: null };
}

/** The id of the code a customer may name: an exempt or reverse-charge one (a customer's standard rate comes from its lines). */
export async function customerTaxCodeId(scope: TenantScope, idOrCode: string | null): Promise<string | null> {
  if (idOrCode === null) return null;
  const code = await findTaxCode(scope, idOrCode);
  if (!CUSTOMER_TAX_KINDS.includes(code.kind)) {
    throw new TaxSettingsError('invalid', `"${code.code}" is a standard code; a customer's tax code is an exemption or a reverse charge (standard rates go on product groups or the recurring invoice)`, 'taxCodeId');
  }
  return code.id;
}

/** What the loader needs to resolve lines' tax: the tenant's codes and group codes (none: every line bills the fallback). */
export interface TaxSettings {
  codes: Map<string, EngineTaxCode>;
  groups: Map<string, EngineTaxCode>;
}

export async function loadTaxSettings(scope: TenantScope): Promise<TaxSettings> {
  const rows = await scope.repo(TaxCode).find();
  const codes = new Map(rows.map((c) => [c.id, { code: c.code, rate: dec(c.rate.toString()), kind: c.kind }]));
  if (codes.size === 0) return { codes, groups: new Map() };
  const groups = new Map<string, EngineTaxCode>();
  for (const g of await scope.repo(ProductGroupTaxCode).find()) {
    const c = codes.get(g.taxCodeId);
    if (c) groups.set(g.productGroup, c);
  }
  return { codes, groups };
}

/** A customer's tax code as a view (null: none). */
export async function customerTaxCode(scope: TenantScope, customer: Pick<Customer, 'taxCodeId'>): Promise<{ id: string; code: string; kind: TaxKind } | null> {
  if (!customer.taxCodeId) return null;
  const c = await scope.repo(TaxCode).findOneBy({ id: customer.taxCodeId });
  return c ? { id: c.id, code: c.code, kind: c.kind } : null;
}

/** Customers' tax codes by customer id, for the loader (only customers naming one). */
export async function customersTaxCodeIds(scope: TenantScope, customerIds: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < customerIds.length; i += 500) {
    const rows = await scope.repo(Customer).query('c').select('c.id', 'id').addSelect('c.taxCodeId', 't')
      .andWhere('c.id IN (:...ids)', { ids: customerIds.slice(i, i + 500) }).andWhere('c.taxCodeId IS NOT NULL').getRawMany<{ id: string; t: string }>();
    for (const r of rows) out.set(r.id, r.t);
  }
  return out;
}

/** Products' groups by product id, for the loader. */
export async function productGroupsOf(scope: TenantScope, productIds: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const ids = [...new Set(productIds)];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await scope.repo(Product).findBy({ id: In(ids.slice(i, i + 500)) });
    for (const p of rows) if (p.productGroup !== null) out.set(p.id, p.productGroup);
  }
  return out;
}

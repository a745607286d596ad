import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { LINE_KINDS, isLineKind, type LineKind } from '../billing/line-kinds.js';
import { AccountingLedgerMapping, LEDGER_MAPPING_KINDS, TaxCode, type LedgerMappingKind } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { listProductGroupTax, listTaxCodes } from '../tax/service.js';
import type { OpenConnection } from './access.js';
import type { AccountingVendor, ExternalLedgerTarget, ExternalTaxRate } from './connector.js';
import { AccountingUseError, vendorCall, vendorName } from './push-error.js';
import { keptList } from './vendor-lists.js';

/**
 * Where each invoice line posts in the books and which of the vendor's tax codes it carries. A line posts to its product
 * group's target, else its line kind's, else the default; its tax is its Recurra tax code's vendor code, else (a line
 * without a code) the vendor code of its rate, else the default tax code; a line taxed at 0 without any of them goes with
 * the vendor's no-tax code. Targets and tax codes are checked against the vendor's own lists when they are set.
 */

const LEDGER_KINDS: readonly LedgerMappingKind[] = ['product_group', 'line_kind', 'default_ledger'];

export interface LedgerMappingView {
  kind: LedgerMappingKind;
  /** The product group, line kind, Recurra tax code or rate ("0.1"); '' for the defaults. */
  key: string;
  target: string;
  targetName: string | null;
  mappedBy: string;
  mappedAt: string;
}

function view(m: AccountingLedgerMapping): LedgerMappingView {
  return { kind: m.kind, key: m.mapKey, target: m.target, targetName: m.targetName, mappedBy: m.mappedBy, mappedAt: m.updatedAt.toISOString() };
}

export async function listLedgerMappings(scope: TenantScope, vendor: AccountingVendor): Promise<LedgerMappingView[]> {
  const rows = await scope.repo(AccountingLedgerMapping).find({ where: { vendor }, order: { kind: 'ASC', mapKey: 'ASC' } });
  return rows.map(view);
}

export interface MappingChoices {
  ledgerTargets: ExternalLedgerTarget[];
  taxRates: Array<{ code: string; name: string; rate: string }>;
  productGroups: string[];
  lineKinds: LineKind[];
  /** Recurra's tax codes (key of a tax_code mapping). */
  taxCodes: Array<{ code: string; rate: string; kind: string }>;
  mappings: LedgerMappingView[];
}

/** What can be mapped to what: the vendor's accounts or items and tax codes (none without a connection), Recurra's groups, kinds and codes. */
export async function mappingChoices(scope: TenantScope, conn: OpenConnection | null, vendor: AccountingVendor): Promise<MappingChoices> {
  const [targets, rates] = conn
    ? await Promise.all([
      keptList(conn, vendor, 'ledgerTargets', () => vendorCall(vendor, () => conn.connector.ledgerTargets(conn.session))),
      keptList(conn, vendor, 'taxRates', () => vendorCall(vendor, () => conn.connector.taxRates(conn.session))),
    ])
    : [[], []];
  return {
    ledgerTargets: targets,
    taxRates: rates.map((r) => ({ code: r.code, name: r.name, rate: r.rate.toFixed() })),
    productGroups: (await listProductGroupTax(scope)).map((g) => g.productGroup),
    lineKinds: [...LINE_KINDS],
    taxCodes: (await listTaxCodes(scope)).map((c) => ({ code: c.code, rate: c.rate, kind: c.kind })),
    mappings: await listLedgerMappings(scope, vendor),
  };
}

export interface SetMappingInput {
  kind: LedgerMappingKind;
  key: string;
  /** A ledger target ref or a vendor tax code; null removes the mapping. */
  target: string | null;
}

/** "0.100" and "0.1" alike. */
export function rateKey(rate: Decimal | string): string {
  return new Decimal(rate.toString()).toFixed();
}

async function checkedKey(scope: TenantScope, input: SetMappingInput): Promise<string> {
  const key = input.key.trim();
  switch (input.kind) {
    case 'default_ledger':
    case 'default_tax':
      return '';
    case 'line_kind':
      if (!isLineKind(key)) throw new AccountingUseError('invalid', `a line kind is one of ${LINE_KINDS.join(', ')}`, 'body.key');
      return key;
    case 'product_group':
      if (key === '' || key.length > 120) throw new AccountingUseError('invalid', 'a product group name is 1–120 characters', 'body.key');
      return key;
    case 'tax_code': {
      const codes = await scope.repo(TaxCode).find();
      const code = codes.find((c) => c.code.toLowerCase() === key.toLowerCase());
      if (!code) throw new AccountingUseError('invalid', `no tax code "${key}" in Recurra (see recurra tax codes)`, 'body.key');
      return code.code;
    }
    case 'tax_rate':
      if (!/^\d(\.\d{1,6})?$/.test(key) || new Decimal(key).gt(1)) throw new AccountingUseError('invalid', 'a rate is a fraction such as 0.2', 'body.key');
      return rateKey(key);
    default:
      throw new AccountingUseError('invalid', `a mapping kind is one of ${LEDGER_MAPPING_KINDS.join(', ')}`, 'body.kind');
  }
}

/** Sets (or with target null removes) one mapping, after checking the target against the vendor's lists. */
export async function setLedgerMapping(
  scope: TenantScope, conn: OpenConnection, vendor: AccountingVendor, input: SetMappingInput, opts: { by: string; now: Date },
): Promise<LedgerMappingView | null> {
  if (!LEDGER_MAPPING_KINDS.includes(input.kind)) throw new AccountingUseError('invalid', `a mapping kind is one of ${LEDGER_MAPPING_KINDS.join(', ')}`, 'body.kind');
  const key = await checkedKey(scope, input);
  const repo = scope.repo(AccountingLedgerMapping);
  if (input.target === null) {
    await repo.delete({ vendor, kind: input.kind, mapKey: key });
    return null;
  }
  const v = vendorName(vendor);
  let targetName: string;
  if (LEDGER_KINDS.includes(input.kind)) {
    const targets = await vendorCall(vendor, () => conn.connector.ledgerTargets(conn.session));
    const t = targets.find((x) => x.ref === input.target);
    if (!t) throw new AccountingUseError('invalid', `${v} has no ${vendor === 'xero' ? 'account' : 'item'} "${input.target}"`, 'body.target');
    targetName = t.name;
  } else {
    const rates: ExternalTaxRate[] = await vendorCall(vendor, () => conn.connector.taxRates(conn.session));
    const r = rates.find((x) => x.code === input.target);
    if (!r) throw new AccountingUseError('invalid', `${v} has no tax code "${input.target}"`, 'body.target');
    const ours = input.kind === 'tax_code' ? (await scope.repo(TaxCode).find()).find((c) => c.code === key) : null;
    const ourRate = input.kind === 'tax_rate' ? new Decimal(key) : ours && ours.kind === 'standard' ? new Decimal(ours.rate.toString()) : ours ? new Decimal(0) : null;
    if (ourRate && !ourRate.eq(r.rate.toString())) {
      throw new AccountingUseError('invalid', `${v}'s ${r.name} is ${new Decimal(r.rate.toString()).times(100).toFixed()} %, Recurra bills ${ourRate.times(100).toFixed()} %: the totals would differ`, 'body.target');
    }
    targetName = r.name;
  }
  const patch = { target: input.target, targetName: targetName.slice(0, 255), mappedBy: opts.by.slice(0, 255), updatedAt: opts.now };
  if ((await repo.update({ vendor, kind: input.kind, mapKey: key }, patch)) === 0) {
    try {
      await repo.insert([{ id: randomUUID(), vendor, kind: input.kind, mapKey: key, ...patch, createdAt: opts.now }]);
    } catch {
      await repo.update({ vendor, kind: input.kind, mapKey: key }, patch);
    }
  }
  return view((await repo.findOneBy({ vendor, kind: input.kind, mapKey: key }))!);
}

/** The mappings of one vendor, ready to resolve lines. */
export class LedgerRules {
  private readonly map = new Map<string, string>();
  constructor(rows: readonly AccountingLedgerMapping[], readonly vendor: AccountingVendor) {
    for (const r of rows) this.map.set(`${r.kind}|${r.mapKey}`, r.target);
  }

  static async load(scope: TenantScope, vendor: AccountingVendor): Promise<LedgerRules> {
    return new LedgerRules(await scope.repo(AccountingLedgerMapping).findBy({ vendor }), vendor);
  }

  /** The ledger target of a line, or why there is none. */
  ledgerFor(productGroup: string | null, kind: LineKind): { ref: string } | { problem: string } {
    const ref = (productGroup !== null ? this.map.get(`product_group|${productGroup}`) : undefined)
      ?? this.map.get(`line_kind|${kind}`) ?? this.map.get('default_ledger|');
    if (ref) return { ref };
    const what = productGroup !== null ? `product group "${productGroup}"` : `${kind} lines`;
    return { problem: `map ${what} (or a default) to a ${vendorName(this.vendor)} ${this.vendor === 'xero' ? 'account' : 'item'} first` };
  }

  /** The vendor tax code of a line (null: the vendor's no-tax code), or why there is none. */
  taxFor(taxCode: string | null, rate: Decimal): { code: string | null } | { problem: string } {
    const byCode = taxCode !== null ? this.map.get(`tax_code|${taxCode}`) : undefined;
    if (byCode) return { code: byCode };
    const byRate = taxCode === null ? this.map.get(`tax_rate|${rateKey(rate)}`) : undefined;
    if (byRate) return { code: byRate };
    if (rate.isZero() && taxCode === null) return { code: null };
    const dflt = this.map.get('default_tax|');
    if (dflt) return { code: dflt };
    const what = taxCode !== null ? `tax code "${taxCode}"` : `the rate ${rate.times(100).toFixed()} %`;
    return { problem: `map ${what} to a ${vendorName(this.vendor)} tax code first` };
  }
}

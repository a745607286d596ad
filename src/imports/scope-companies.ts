import { AppError, fieldError } from '../common/app-error.js';
import { CustomerMapping } from '../db/entities/index.js';
import type { ImportContext } from './context.js';

/** The Pax8 companies whose subscriptions a run imports, with their customers. */
export interface CompanyScope {
  /** pax8CompanyId -> customerId (null for the own company when it has no customer). */
  companies: Map<string, string | null>;
  /** Every mapping: pax8CompanyId -> customerId. */
  customerByCompany: Map<string, string>;
  /** resource group -> customerId. */
  customerByResourceGroup: Map<string, string>;
  /** True when the run covers a chosen list of customers (listing per company) rather than all mapped ones. */
  chosen: boolean;
}

/** The import's input names what it cannot import (customers without a Pax8 mapping). */
export class ImportInputError extends AppError {
  override name = 'ImportInputError';
  constructor(message: string) {
    super('invalid', message, { fields: fieldError('body.customers', message) });
  }
}

/**
 * All mapped companies, or those of the chosen customers; plus the partner's own company when
 * includeOwnCompany is on (its customer may be null), and never the own company when it is off.
 */
export async function companyScope(ctx: ImportContext, customerIds?: readonly string[], opts: { skipUnmapped?: boolean } = {}): Promise<CompanyScope> {
  const mappings = await ctx.scope.repo(CustomerMapping).find();
  const customerByCompany = new Map(mappings.map((m) => [m.pax8CompanyId, m.customerId]));
  const customerByResourceGroup = new Map(mappings.filter((m) => m.resourceGroup).map((m) => [m.resourceGroup!, m.customerId]));
  const own = ctx.settings.ownCompanyPax8Id;
  const companies = new Map<string, string | null>();
  if (customerIds && customerIds.length > 0) {
    const byCustomer = new Map(mappings.map((m) => [m.customerId, m.pax8CompanyId]));
    const missing = customerIds.filter((id) => !byCustomer.has(id));
    // The tenant's setting may name a customer whose mapping was removed since: that one is skipped, not the run.
    if (missing.length > 0 && !opts.skipUnmapped) throw new ImportInputError(`customer(s) without a Pax8 mapping: ${missing.join(', ')}`);
    for (const id of customerIds) if (byCustomer.has(id)) companies.set(byCustomer.get(id)!, id);
  } else {
    for (const [company, customer] of customerByCompany) companies.set(company, customer);
    if (own && ctx.settings.includeOwnCompany && !companies.has(own)) companies.set(own, null);
  }
  if (own && !ctx.settings.includeOwnCompany) companies.delete(own);
  return { companies, customerByCompany, customerByResourceGroup, chosen: !!customerIds?.length };
}

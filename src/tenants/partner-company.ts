import { AppError } from '../common/app-error.js';
import type { Tenant } from '../db/entities/index.js';
import type { Pax8Client } from '../pax8/client/index.js';
import type { TenantSettings } from './settings.js';
import { TenantError, TenantService, tenantSettings } from './service.js';

/**
 * The partner's own Pax8 company (issue 22, point 7). Pax8 lists it among the partner's companies; imported as a
 * customer it would be billed the partner's own subscriptions and Azure usage (whose resource groups name real
 * customers). So a tenant is in one of three states, and imports refuse to run while it is "not_chosen".
 */
export type PartnerCompanyState =
  | { state: 'chosen'; pax8CompanyId: string }
  | { state: 'declined' }
  | { state: 'not_chosen' };

export function partnerCompanyState(imports: Pick<TenantSettings['imports'], 'ownCompanyPax8Id' | 'ownCompanyDeclined'>): PartnerCompanyState {
  if (imports.ownCompanyPax8Id) return { state: 'chosen', pax8CompanyId: imports.ownCompanyPax8Id };
  if (imports.ownCompanyDeclined) return { state: 'declined' };
  return { state: 'not_chosen' };
}

/** How to leave the "not chosen" state, for messages (CLI and web). */
export function partnerCompanyHint(tenantName: string): string {
  return `choose it with \`recurra tenants partner-company ${tenantName} --set PAX8_COMPANY_ID\` (or on the Integrations page), `
    + `or declare that the account has none with \`recurra tenants partner-company ${tenantName} --none\``;
}

/** Raised by an import while the tenant's partner company is not chosen (run recorded as failed with this message). */
export class PartnerCompanyNotChosen extends AppError {
  override name = 'PartnerCompanyNotChosen';
  constructor(tenantName: string) {
    super('conflict', `tenant "${tenantName}": the partner's own Pax8 company is not chosen yet, so the import could bill it as a customer; ${partnerCompanyHint(tenantName)}`, { code: 'partner_company_not_chosen' });
  }
}

/** Throws PartnerCompanyNotChosen unless the tenant's partner company is chosen or declined. */
export function assertPartnerCompanyDecided(tenant: Tenant, imports: TenantSettings['imports']): void {
  if (partnerCompanyState(imports).state === 'not_chosen') throw new PartnerCompanyNotChosen(tenant.name);
}

export interface PartnerCompanyCandidate {
  pax8CompanyId: string;
  name: string;
  /** Words the name shares with the tenant's names. */
  matched: string[];
}

/** Words too common in company names to say two names are the same business. */
const COMMON = new Set([
  'the', 'and', 'of', 'for', 'inc', 'llc', 'ltd', 'limited', 'co', 'corp', 'company', 'group', 'gmbh', 'pty', 'plc', 'pllc',
  'services', 'solutions', 'it', 'msp', 'partner', 'partners', 'pax8', 'sandbox', 'demo', 'tech', 'technologies',
]);

export function nameWords(s: string): Set<string> {
  return new Set(s.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').split(/[^a-z0-9]+/).filter((w) => w.length >= 2 && !COMMON.has(w)));
}

/**
 * Pure: the companies whose names share a word (case-insensitive, common words ignored) with one of `names` (the
 * tenant's display name and name, or what the admin typed), most shared words first, then by name.
 */
export function matchCandidates(companies: Iterable<{ id: string; name: string }>, names: string[]): PartnerCompanyCandidate[] {
  const wanted = new Set(names.flatMap((n) => [...nameWords(n)]));
  const out: PartnerCompanyCandidate[] = [];
  for (const c of companies) {
    const matched = [...nameWords(c.name)].filter((w) => wanted.has(w));
    if (matched.length > 0) out.push({ pax8CompanyId: c.id, name: c.name, matched });
  }
  return out.sort((a, b) => b.matched.length - a.matched.length || a.name.localeCompare(b.name));
}

/**
 * The tenant's Pax8 companies whose names match its display name, name or `also` (e.g. the partner account's legal
 * name typed by the admin), read live from Pax8. At most `limit`; any other company may still be chosen by id.
 */
export async function partnerCompanyCandidates(
  client: Pick<Pax8Client, 'companies'>, tenant: Pick<Tenant, 'name' | 'displayName'>, also: string[] = [], limit = 20,
): Promise<PartnerCompanyCandidate[]> {
  const companies: Array<{ id: string; name: string }> = [];
  for await (const item of client.companies()) if (item.record) companies.push({ id: item.record.id, name: item.record.name });
  return matchCandidates(companies, [tenant.displayName, tenant.name, ...also]).slice(0, limit);
}

/** Chooses the partner company (a Pax8 company id) or declines (null): the one way the state is changed on purpose. */
export async function setPartnerCompany(tenants: TenantService, tenantId: string, pax8CompanyId: string | null): Promise<PartnerCompanyState> {
  const id = pax8CompanyId === null ? null : pax8CompanyId.trim();
  if (id === '') throw new TenantError('the partner company id is empty (give a Pax8 company id, or decline)', 'invalid');
  const settings = await tenants.updateSettings(tenantId, {
    imports: id ? { ownCompanyPax8Id: id, ownCompanyDeclined: false } : { ownCompanyPax8Id: null, ownCompanyDeclined: true },
  });
  return partnerCompanyState(settings.imports);
}

/** The tenant's current state (read from its stored settings). */
export function tenantPartnerCompany(t: Tenant): PartnerCompanyState {
  return partnerCompanyState(tenantSettings(t).imports);
}

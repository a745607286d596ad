import type { Company } from '../pax8/schemas/company.js';
import type { Customer } from '../db/entities/index.js';
import { contentHash } from '../common/content-hash.js';

export interface CompanyFields {
  pax8Id: string;
  name: string;
  status: string;
  street: string | null;
  street2: string | null;
  city: string | null;
  stateOrProvince: string | null;
  postalCode: string | null;
  country: string | null;
  externalId: string | null;
  isPartnerOwn: boolean;
  pax8UpdatedAt: string | null;
}

const cut = (v: string | null | undefined, n: number): string | null => (v ? v.slice(0, n) : null);

/** Pure: a validated Pax8 company -> the stored Pax8Company fields. A missing status counts as Active. */
export function companyFields(c: Company, ownCompanyId: string | null): CompanyFields {
  return {
    pax8Id: c.id,
    name: c.name.slice(0, 255),
    status: (c.status ?? 'Active').slice(0, 40),
    street: cut(c.address?.street, 255),
    street2: cut(c.address?.street2, 255),
    city: cut(c.address?.city, 120),
    stateOrProvince: cut(c.address?.stateOrProvince, 120),
    postalCode: cut(c.address?.postalCode, 40),
    country: cut(c.address?.country, 80),
    externalId: cut(c.externalId, 120),
    isPartnerOwn: ownCompanyId !== null && c.id === ownCompanyId,
    pax8UpdatedAt: c.updatedDate && !/^\d{4}-\d{2}-\d{2}$/.test(c.updatedDate) ? c.updatedDate : null,
  };
}

export function companyHash(f: CompanyFields): string {
  return contentHash(f);
}

type SiteFields = Pick<Customer, 'siteStreet' | 'siteStreet2' | 'siteCity' | 'siteStateOrProvince' | 'sitePostalCode' | 'siteCountry'>;

export function siteFrom(f: CompanyFields): SiteFields {
  return {
    siteStreet: f.street, siteStreet2: f.street2, siteCity: f.city, siteStateOrProvince: f.stateOrProvince,
    sitePostalCode: f.postalCode, siteCountry: f.country,
  };
}

export interface CustomerPolicy {
  updateSiteAddress: boolean;
  importInactiveCompanies: boolean;
}

/**
 * Pure: the changes an import makes to an EXISTING mapped customer. The name is never changed
 * (the local name is the MSP's); the main site follows Pax8 when updateSiteAddress is on; with
 * importInactiveCompanies on, `active` follows Pax8's status (Active -> active, Inactive/Deleted -> inactive).
 */
export function customerPatch(existing: Customer, f: CompanyFields, policy: CustomerPolicy): Partial<Customer> {
  const patch: Partial<Customer> = {};
  if (policy.updateSiteAddress) {
    const site = siteFrom(f);
    for (const k of Object.keys(site) as Array<keyof SiteFields>) {
      if ((existing[k] ?? null) !== site[k]) (patch as Record<string, unknown>)[k] = site[k];
    }
  }
  if (policy.importInactiveCompanies) {
    const active = f.status === 'Active';
    if (existing.active !== active) patch.active = active;
  }
  return patch;
}

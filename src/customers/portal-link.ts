/** The link that opens a Pax8 company in the Pax8 portal (config pax8.portalCompanyUrl, e.g. https://app.pax8.com/companies/{companyId}). */
export function pax8PortalUrl(template: string, pax8CompanyId: string): string {
  return template.split('{companyId}').join(encodeURIComponent(pax8CompanyId));
}

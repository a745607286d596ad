/**
 * Product templates the generator draws the catalogue from: Microsoft NCE products with
 * real-looking part numbers (`CFQ7TTC0LCHC:0002`), Azure plan (usage), and other vendors.
 * Prices are decimal strings (partner buy rate, suggested retail), per unit per month.
 */
export interface ProductTemplate {
  name: string;
  vendorName: string;
  pax8Sku: string;
  vendorSku?: string;
  unit: string;
  buy: string;
  retail: string;
  /** Microsoft NCE: commitment terms offered (Monthly, 1-Year, 3-Year). */
  nce?: boolean;
  usageBased?: boolean;
  /** Tiered pricing instead of a single per-unit rate. */
  tiered?: boolean;
  /** Sold once (billingTerm One-Time). */
  oneTime?: boolean;
  /** Requires activation (billingTerm Activation / status PendingActivation|Activated). */
  activation?: boolean;
  meters?: readonly (readonly [name: string, unit: string, unitPrice: string])[];
  /** A quantity change must carry provisioningDetails (issue 22; which products is a guess). */
  provisioning?: boolean;
}

export const PRODUCT_TEMPLATES: readonly ProductTemplate[] = [
  { name: 'Microsoft 365 Business Basic', vendorName: 'Microsoft', pax8Sku: 'MST-NCE-101-C100', vendorSku: 'CFQ7TTC0LH18:0001', unit: 'User', buy: '5.40', retail: '6.00', nce: true },
  { name: 'Microsoft 365 Business Standard', vendorName: 'Microsoft', pax8Sku: 'MST-NCE-102-C100', vendorSku: 'CFQ7TTC0LDPB:0001', unit: 'User', buy: '11.25', retail: '12.50', nce: true },
  { name: 'Microsoft 365 Business Premium', vendorName: 'Microsoft', pax8Sku: 'MST-NCE-103-C100', vendorSku: 'CFQ7TTC0LCHC:0002', unit: 'User', buy: '19.80', retail: '22.00', nce: true },
  { name: 'Office 365 E1', vendorName: 'Microsoft', pax8Sku: 'MST-NCE-104-C100', vendorSku: 'CFQ7TTC0LF8R:0001', unit: 'User', buy: '9.72', retail: '10.80', nce: true },
  { name: 'Office 365 E3', vendorName: 'Microsoft', pax8Sku: 'MST-NCE-105-C100', vendorSku: 'CFQ7TTC0LF8Q:0001', unit: 'User', buy: '20.52', retail: '22.80', nce: true },
  { name: 'Microsoft 365 E3', vendorName: 'Microsoft', pax8Sku: 'MST-NCE-106-C100', vendorSku: 'CFQ7TTC0LFLX:0001', unit: 'User', buy: '35.10', retail: '39.00', nce: true },
  { name: 'Microsoft 365 E5', vendorName: 'Microsoft', pax8Sku: 'MST-NCE-107-C100', vendorSku: 'CFQ7TTC0LFLZ:0002', unit: 'User', buy: '61.56', retail: '68.40', nce: true },
  { name: 'Exchange Online (Plan 1)', vendorName: 'Microsoft', pax8Sku: 'MST-NCE-108-C100', vendorSku: 'CFQ7TTC0LH16:0001', unit: 'User', buy: '4.32', retail: '4.80', nce: true },
  { name: 'Exchange Online (Plan 2)', vendorName: 'Microsoft', pax8Sku: 'MST-NCE-109-C100', vendorSku: 'CFQ7TTC0LH0R:0001', unit: 'User', buy: '8.64', retail: '9.60', nce: true },
  { name: 'Microsoft Teams Essentials', vendorName: 'Microsoft', pax8Sku: 'MST-NCE-110-C100', vendorSku: 'CFQ7TTC0RM8K:0001', unit: 'User', buy: '4.32', retail: '4.80', nce: true },
  { name: 'Microsoft Defender for Business', vendorName: 'Microsoft', pax8Sku: 'MST-NCE-111-C100', vendorSku: 'CFQ7TTC0LCHN:0002', unit: 'User', buy: '3.24', retail: '3.60', nce: true },
  { name: 'Microsoft Entra ID P1', vendorName: 'Microsoft', pax8Sku: 'MST-NCE-112-C100', vendorSku: 'CFQ7TTC0LFLS:0002', unit: 'User', buy: '6.48', retail: '7.20', nce: true },
  { name: 'Visio Plan 2', vendorName: 'Microsoft', pax8Sku: 'MST-NCE-113-C100', vendorSku: 'CFQ7TTC0HD33:0002', unit: 'User', buy: '16.20', retail: '18.00', nce: true },
  { name: 'Project Plan 3', vendorName: 'Microsoft', pax8Sku: 'MST-NCE-114-C100', vendorSku: 'CFQ7TTC0HDZ3:0002', unit: 'User', buy: '32.40', retail: '36.00', nce: true },
  { name: 'Power BI Pro', vendorName: 'Microsoft', pax8Sku: 'MST-NCE-115-C100', vendorSku: 'CFQ7TTC0L3PB:0001', unit: 'User', buy: '10.80', retail: '12.00', nce: true },
  { name: 'Microsoft 365 Copilot', vendorName: 'Microsoft', pax8Sku: 'MST-NCE-116-C100', vendorSku: 'CFQ7TTC0MM8R:0002', unit: 'User', buy: '28.80', retail: '31.50', nce: true },
  {
    name: 'Azure plan', vendorName: 'Microsoft', pax8Sku: 'MST-AZR-PLAN-C100', vendorSku: 'DZH318Z0BPS6:0001', unit: 'Usage', buy: '0', retail: '0', usageBased: true,
    meters: [['Virtual Machines Dv5 Series - D2s v5', '1 Hour', '0.096'], ['Storage - Standard LRS Managed Disks', '1 GB/Month', '0.045'], ['Bandwidth - Data Transfer Out', '1 GB', '0.087'], ['Azure SQL Database - vCore', '1 Hour', '0.5044'], ['Azure Monitor - Log Analytics', '1 GB', '2.76']],
  },
  {
    name: 'Acronis Cyber Protect Cloud - Backup', vendorName: 'Acronis', pax8Sku: 'ACR-CPC-BKP-USG', unit: 'GB', buy: '0', retail: '0', usageBased: true,
    meters: [['Acronis Hosted Storage', '1 GB', '0.0525'], ['Acronis Workstation Protection', 'Workload', '1.85']],
  },
  {
    name: 'Wasabi Hot Cloud Storage', vendorName: 'Wasabi', pax8Sku: 'WAS-HCS-USG', unit: 'TB', buy: '0', retail: '0', usageBased: true,
    meters: [['Wasabi Storage', '1 TB/Month', '6.99']],
  },
  {
    name: 'Amazon Web Services', vendorName: 'Amazon Web Services', pax8Sku: 'AWS-USG-001', unit: 'Usage', buy: '0', retail: '0', usageBased: true,
    meters: [['Amazon EC2 - t3.medium', '1 Hour', '0.0416'], ['Amazon S3 - Standard Storage', '1 GB/Month', '0.023']],
  },
  { name: 'Proofpoint Essentials - Professional', vendorName: 'Proofpoint', pax8Sku: 'PRF-ESS-PRO', unit: 'User', buy: '2.90', retail: '4.35', tiered: true },
  { name: 'Proofpoint Essentials - Advanced', vendorName: 'Proofpoint', pax8Sku: 'PRF-ESS-ADV', unit: 'User', buy: '2.10', retail: '3.15', tiered: true },
  { name: 'Adobe Creative Cloud All Apps', vendorName: 'Adobe', pax8Sku: 'ADB-CCT-ALL', vendorSku: '65297750BA01A12', unit: 'License', buy: '71.99', retail: '84.99', provisioning: true },
  { name: 'Adobe Acrobat Pro', vendorName: 'Adobe', pax8Sku: 'ADB-ACR-PRO', vendorSku: '65324058BA01A12', unit: 'License', buy: '16.99', retail: '19.99', provisioning: true },
  { name: 'Dropbox Business Standard', vendorName: 'Dropbox', pax8Sku: 'DBX-BUS-STD', unit: 'User', buy: '12.00', retail: '15.00' },
  { name: 'Keeper Business', vendorName: 'Keeper Security', pax8Sku: 'KPR-BUS-001', unit: 'User', buy: '3.00', retail: '3.75' },
  { name: 'SentinelOne Singularity Complete', vendorName: 'SentinelOne', pax8Sku: 'S1-SNG-CMP', unit: 'Endpoint', buy: '6.50', retail: '9.00', tiered: true },
  { name: 'Bitdefender GravityZone Business Security', vendorName: 'Bitdefender', pax8Sku: 'BDF-GZ-BUS', unit: 'Endpoint', buy: '1.58', retail: '2.25' },
  { name: 'Sophos Intercept X Advanced', vendorName: 'Sophos', pax8Sku: 'SPH-ICX-ADV', unit: 'User', buy: '2.95', retail: '4.10' },
  { name: 'Datto SaaS Protection for M365', vendorName: 'Datto', pax8Sku: 'DTO-SAAS-M365', unit: 'Seat', buy: '2.40', retail: '3.50' },
  { name: 'Veeam Backup for Microsoft 365', vendorName: 'Veeam', pax8Sku: 'VEE-BKP-M365', unit: 'User', buy: '1.75', retail: '2.50' },
  { name: 'N-able Mail Assure', vendorName: 'N-able', pax8Sku: 'NAB-MAS-001', unit: 'Mailbox', buy: '0.95', retail: '1.50' },
  { name: 'Intermedia Unite Pro', vendorName: 'Intermedia', pax8Sku: 'INT-UNI-PRO', unit: 'User', buy: '22.50', retail: '27.99', activation: true },
  { name: 'Microsoft 365 Migration Service (BitTitan)', vendorName: 'BitTitan', pax8Sku: 'BTN-MIG-USR', unit: 'User', buy: '12.00', retail: '15.00', oneTime: true },
  { name: 'Pax8 Onboarding Professional Services', vendorName: 'Pax8', pax8Sku: 'PAX-PS-ONB', unit: 'Each', buy: '250.00', retail: '350.00', oneTime: true },
];

export function templateOf(index: number): ProductTemplate {
  return PRODUCT_TEMPLATES[index]!;
}

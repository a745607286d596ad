import type { MigrationInterface, QueryRunner } from 'typeorm';
import { col, createTenantTable, decimalCol, instantCol } from './helpers.js';

/** Customers, Pax8 companies and mappings, products, subscriptions with their change history, usage, import runs. */
export class Pax8Domain1763800100000 implements MigrationInterface {
  name = 'Pax8Domain1763800100000';

  async up(qr: QueryRunner): Promise<void> {
    const dec = (name: string, nullable = false) => decimalCol(qr, name, nullable);
    await createTenantTable(qr, 'customers', [
      col.str('name', 255), col.str('topLevel', 255, true), col.bool('active', true),
      col.str('siteStreet', 255, true), col.str('siteStreet2', 255, true), col.str('siteCity', 120, true),
      col.str('siteStateOrProvince', 120, true), col.str('sitePostalCode', 40, true), col.str('siteCountry', 80, true),
      col.str('source', 20), col.ref('monthlyRecurringInvoiceId', true), col.ref('annualRecurringInvoiceId', true),
      col.bool('noAutomaticInvoiceLines', false),
    ], [{ columns: ['tenantId', 'name'] }]);

    await createTenantTable(qr, 'pax8_companies', [
      col.str('pax8Id', 64), col.str('name', 255), col.str('status', 40),
      col.str('street', 255, true), col.str('street2', 255, true), col.str('city', 120, true),
      col.str('stateOrProvince', 120, true), col.str('postalCode', 40, true), col.str('country', 80, true),
      col.str('externalId', 120, true), col.bool('isPartnerOwn', false), col.str('contentHash', 64),
      instantCol(qr, 'pax8UpdatedAt', true),
    ], [{ columns: ['tenantId', 'pax8Id'], unique: true }]);

    await createTenantTable(qr, 'customer_mappings', [
      col.str('pax8CompanyId', 64), col.ref('customerId'), col.str('resourceGroup', 255, true), col.str('source', 20),
    ], [
      { columns: ['tenantId', 'pax8CompanyId'], unique: true },
      { columns: ['tenantId', 'customerId'], unique: true },
      { columns: ['tenantId', 'resourceGroup'], unique: true },
    ]);

    await createTenantTable(qr, 'products', [
      col.str('sku', 120), col.str('name', 255), col.str('vendorName', 120, true), col.str('category', 120, true),
      col.str('pax8ProductId', 64, true), col.str('pax8Sku', 120, true), col.str('vendorSku', 120, true),
      col.str('productGroup', 120, true), dec('retailPrice', true), col.bool('visible', true), col.bool('featured', false),
    ], [{ columns: ['tenantId', 'sku'], unique: true }, { columns: ['tenantId', 'pax8ProductId'] }]);

    await createTenantTable(qr, 'subscriptions', [
      col.str('kind', 20), col.str('pax8Id', 64), col.str('pax8CompanyId', 64, true), col.ref('customerId', true),
      col.str('pax8ProductId', 64, true), col.ref('productId', true), col.str('name', 255), col.str('vendorName', 120, true),
      dec('quantity'), col.str('status', 40), col.bool('active', true), { name: 'activeOverride', type: 'boolean', isNullable: true },
      col.str('billingTerm', 40, true), col.str('commitmentTerm', 40, true), col.date('commitmentEndDate', true),
      col.date('startDate', true), col.date('endDate', true), dec('price', true), dec('cost', true), col.str('currency', 3, true),
      col.ref('usageSummaryId', true), col.bool('deletedInPax8', false), col.str('contentHash', 64),
      instantCol(qr, 'pax8UpdatedAt', true),
    ], [
      { columns: ['tenantId', 'kind', 'pax8Id'], unique: true },
      { columns: ['tenantId', 'customerId'] },
      { columns: ['tenantId', 'pax8CompanyId'] },
    ]);

    await createTenantTable(qr, 'subscription_changes', [
      col.ref('subscriptionId'), col.date('effectiveDate'), instantCol(qr, 'observedAt'), col.str('fields', 80),
      dec('quantity'), col.str('status', 40), col.bool('active', true), dec('price', true), dec('cost', true),
      col.str('source', 20), col.ref('importRunId', true), col.str('initiatedBy', 255, true),
    ], [{ columns: ['tenantId', 'subscriptionId', 'effectiveDate'] }]);

    await createTenantTable(qr, 'usage_summaries', [
      col.str('pax8Id', 64), col.str('pax8SubscriptionId', 64), col.str('pax8CompanyId', 64, true),
      col.str('pax8ProductId', 64, true), col.str('resourceGroup', 255, true), col.str('vendorName', 120, true),
      col.ref('customerId', true), col.str('mappedBy', 20, true), dec('currentCharges'), dec('partnerTotal'),
      col.str('currency', 3), col.bool('isTrial', false), col.bool('linesMismatch', false), col.str('contentHash', 64),
    ], [{ columns: ['tenantId', 'pax8Id'], unique: true }, { columns: ['tenantId', 'customerId'] }]);

    await createTenantTable(qr, 'usage_monthly_charges', [
      col.ref('usageSummaryId'), col.str('month', 7), dec('charges'), dec('partnerTotal'),
    ], [{ columns: ['tenantId', 'usageSummaryId', 'month'], unique: true }]);

    await createTenantTable(qr, 'usage_lines', [
      col.ref('usageSummaryId'), col.date('usageDate'), col.str('lineKey', 64), col.str('pax8ProductId', 64, true),
      col.str('productName', 255, true), col.str('unitOfMeasure', 60, true), dec('quantity'), dec('unitPrice'),
      dec('charges'), dec('partnerTotal'), col.str('currency', 3),
    ], [{ columns: ['tenantId', 'usageSummaryId', 'usageDate', 'lineKey'], unique: true }]);

    await createTenantTable(qr, 'import_runs', [
      col.str('entities', 120), col.str('trigger', 20), col.str('startedBy', 255), instantCol(qr, 'startedAt'),
      instantCol(qr, 'finishedAt', true), col.str('status', 20), col.bool('dryRun', false), col.text('countsJson', false),
      col.text('message'), col.ref('jobId', true),
    ], [{ columns: ['tenantId', 'startedAt'] }]);

    await createTenantTable(qr, 'import_errors', [
      col.ref('importRunId'), col.str('entity', 40), col.str('pax8Id', 64, true), col.text('message', false), col.text('rawPayload'),
    ], [{ columns: ['tenantId', 'importRunId'] }]);
  }

  async down(qr: QueryRunner): Promise<void> {
    for (const t of ['import_errors', 'import_runs', 'usage_lines', 'usage_monthly_charges', 'usage_summaries',
      'subscription_changes', 'subscriptions', 'products', 'customer_mappings', 'pax8_companies', 'customers']) {
      await qr.dropTable(t);
    }
  }
}

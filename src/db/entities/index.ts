import { Tenant } from './tenant.js';
import { Customer } from './customer.js';
import { Pax8Company } from './pax8-company.js';
import { CustomerMapping } from './customer-mapping.js';
import { Product } from './product.js';
import { Subscription } from './subscription.js';
import { SubscriptionChange } from './subscription-change.js';
import { UsageSummary, UsageMonthlyCharge, UsageLine } from './usage.js';
import { ImportRun, ImportError } from './import-run.js';

export { TenantOwnedEntity } from './tenant-owned.js';
export {
  Tenant, Customer, Pax8Company, CustomerMapping, Product, Subscription, SubscriptionChange, UsageSummary,
  UsageMonthlyCharge, UsageLine, ImportRun, ImportError,
};

/** Every entity the data source knows; add new ones here. */
export const ALL_ENTITIES = [
  Tenant, Customer, Pax8Company, CustomerMapping, Product, Subscription, SubscriptionChange, UsageSummary,
  UsageMonthlyCharge, UsageLine, ImportRun, ImportError,
];

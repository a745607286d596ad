import { Tenant } from './tenant.js';
import { Customer } from './customer.js';
import { Pax8Company } from './pax8-company.js';
import { CustomerMapping } from './customer-mapping.js';
import { Product } from './product.js';
import { CommitmentRule } from './commitment-rule.js';
import { Subscription } from './subscription.js';
import { SubscriptionChange } from './subscription-change.js';
import { UsageSummary, UsageMonthlyCharge, UsageLine } from './usage.js';
import { TaxCode, ProductGroupTaxCode } from './tax.js';
import { UsageReview } from './usage-review.js';
import { ImportRun, ImportError } from './import-run.js';
import { User, UserLoginAttempt } from './user.js';
import { Session } from './session.js';
import { ApiToken } from './api-token.js';
import { AuditEvent } from './audit.js';
import {
  RecurringInvoice, RecurringInvoiceLine, RecurringInvoiceLink, RecurringInvoiceLineChange, RecurringInvoiceAdjustment,
  BillingDailyProgress,
} from './recurring-invoice.js';
import { Invoice, InvoiceLine, InvoiceCounter, UpcomingInvoice } from './invoice.js';
import { LicensingSettings, LicensingSubscriptionRule, LicensingChangeRequest, LicensingNotice } from './licensing.js';
import { Pax8Invoice, Pax8InvoiceItem } from './pax8-invoice.js';
import { LeakageNotice } from './leakage.js';
import { LicenceOperation, LicencesInUse } from './operation.js';
import { EventLogEntry, EventLogCursor } from './event-log.js';
import { WebhookEndpoint, WebhookDelivery } from './webhook.js';
import { ChangeNotice, NoticeDelivery, SubscriptionWatch, NoticeSecret } from './notice-delivery.js';
import { CustomerBillingContact, InvoiceDelivery } from './invoice-delivery.js';
import { AccountingConnection, AccountingOAuthState } from './accounting-connection.js';
import { AccountingContactLink, AccountingLedgerMapping, AccountingPush } from './accounting-push.js';
import { InvoiceRunRecord } from './invoice-run.js';

export { TenantOwnedEntity } from './tenant-owned.js';
export { CommitmentRule };
export { TaxCode, ProductGroupTaxCode };
export {
  Tenant, Customer, Pax8Company, CustomerMapping, Product, Subscription, SubscriptionChange, UsageSummary,
  UsageMonthlyCharge, UsageLine, ImportRun, ImportError,
  RecurringInvoice, RecurringInvoiceLine, RecurringInvoiceLink, RecurringInvoiceLineChange, RecurringInvoiceAdjustment,
  BillingDailyProgress, Invoice, InvoiceLine, InvoiceCounter, UpcomingInvoice,
};
export { User, UserLoginAttempt, Session, ApiToken, AuditEvent };
export { ROLES, type Role } from './user.js';
export { LicensingSettings, LicensingSubscriptionRule, LicensingChangeRequest, LicensingNotice };
export { CHANGE_REQUEST_STATUSES, type ChangeRequestStatus } from './licensing.js';
export { Pax8Invoice, Pax8InvoiceItem, LeakageNotice };
export {
  LicenceOperation, LicencesInUse, EventLogEntry, EventLogCursor, WebhookEndpoint, WebhookDelivery, ChangeNotice, NoticeDelivery,
  SubscriptionWatch, NoticeSecret,
};
export { OPERATION_TYPES, type OperationType, type OperationStatus } from './operation.js';
export { CHANGE_KINDS, type ChangeKind, type NoticeChannel } from './notice-delivery.js';
export type { WebhookDeliveryStatus } from './webhook.js';
export { CustomerBillingContact, InvoiceDelivery };
export { INVOICE_DELIVERY_STATUSES, type InvoiceDeliveryStatus, type BillingContactKind } from './invoice-delivery.js';
export { UsageReview };
export { AccountingConnection, AccountingOAuthState };
export { ACCOUNTING_CONNECTION_STATUSES, type AccountingConnectionStatus } from './accounting-connection.js';
export { AccountingContactLink, AccountingLedgerMapping, AccountingPush };
export {
  CONTACT_LINK_HOWS, LEDGER_MAPPING_KINDS, ACCOUNTING_PUSH_STATUSES, type ContactLinkHow, type LedgerMappingKind, type AccountingPushStatus,
} from './accounting-push.js';
export { USAGE_REVIEW_DECISIONS, type UsageReviewDecision } from './usage-review.js';
export { InvoiceRunRecord };
export { INVOICE_RUN_STATUSES, type InvoiceRunStatus } from './invoice-run.js';

/** Every entity the data source knows; add new ones here. */
export const ALL_ENTITIES = [
  TaxCode, ProductGroupTaxCode,
  Tenant, Customer, Pax8Company, CustomerMapping, Product, Subscription, SubscriptionChange, UsageSummary,
  UsageMonthlyCharge, UsageLine, ImportRun, ImportError,
  RecurringInvoice, RecurringInvoiceLine, RecurringInvoiceLink, RecurringInvoiceLineChange, RecurringInvoiceAdjustment,
  BillingDailyProgress, Invoice, InvoiceLine, InvoiceCounter, UpcomingInvoice,
  User, UserLoginAttempt, Session, ApiToken, AuditEvent,
  LicensingSettings, LicensingSubscriptionRule, LicensingChangeRequest, LicensingNotice,
  Pax8Invoice, Pax8InvoiceItem, LeakageNotice,
  LicenceOperation, LicencesInUse, EventLogEntry, EventLogCursor, WebhookEndpoint, WebhookDelivery, ChangeNotice, NoticeDelivery,
  SubscriptionWatch, NoticeSecret, UsageReview, CustomerBillingContact, InvoiceDelivery,
  CommitmentRule,
  AccountingConnection, AccountingOAuthState,
  AccountingContactLink, AccountingLedgerMapping, AccountingPush,
  InvoiceRunRecord,
];

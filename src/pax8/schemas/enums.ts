export const SUBSCRIPTION_STATUSES = [
  'Active', 'Cancelled', 'PendingManual', 'PendingAutomated', 'PendingCancel',
  'WaitingForDetails', 'Trial', 'Converted', 'PendingActivation', 'Activated',
] as const;
export const BILLING_TERMS = ['Monthly', 'Annual', '2-Year', '3-Year', 'One-Time', 'Trial', 'Activation'] as const;
export const COMPANY_STATUSES = ['Active', 'Inactive', 'Deleted'] as const;

export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number] | (string & {});
export type BillingTerm = (typeof BILLING_TERMS)[number] | (string & {});
export type CompanyStatus = (typeof COMPANY_STATUSES)[number] | (string & {});

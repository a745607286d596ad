import { Foundation1763800000000 } from './1763800000000-foundation.js';
import { Pax8Domain1763800100000 } from './1763800100000-pax8-domain.js';
import { Invoices1763800300000 } from './1763800300000-invoices.js';
import { Users1763800400000 } from './1763800400000-users.js';
import { Licensing1763800500000 } from './1763800500000-licensing.js';
import { Reconcile1763800600000 } from './1763800600000-reconcile.js';
import { Operations1763800700000 } from './1763800700000-operations.js';
import { Jobs1763900000000 } from './1763900000000-jobs.js';
import { AdjustmentRevisions1764000000000 } from './1764000000000-adjustment-revisions.js';
import { UpcomingInvoices1764100000000 } from './1764100000000-upcoming-invoices.js';
import { InputVersions1764200000000 } from './1764200000000-input-versions.js';
import { TokenExpiry1764300100000 } from './1764300100000-token-expiry.js';
import { ForwardDatedInvoices1764300400000 } from './1764300400000-forward-dated-invoices.js';
import { Pax8RequestBudget1764300500000 } from './1764300500000-pax8-request-budget.js';
import { PendingQuantity1764300600000 } from './1764300600000-pending-quantity.js';
import { CommitmentRules1764300700000 } from './1764300700000-commitment-rules.js';
import { TaxCodes1764301000000 } from './1764301000000-tax-codes.js';
import { UsageReadState1764300900000 } from './1764300900000-usage-read-state.js';
import { UsageReviews1764301400000 } from './1764301400000-usage-reviews.js';
import { InvoiceDelivery1764301500000 } from './1764301500000-invoice-delivery.js';
import { InvoiceTerms1764301100000 } from './1764301100000-invoice-terms.js';
import { LineCostMode1764301110000 } from './1764301110000-line-cost-mode.js';
import { LateCheckedVersion1764309900000 } from './1764309900000-late-checked-version.js';
import { DailyCheckedVersion1764309950000 } from './1764309950000-daily-checked-version.js';
import { AccountingConnections1764310000000 } from './1764310000000-accounting-connections.js';
import { AccountingPush1764310050000 } from './1764310050000-accounting-push.js';

/** Every migration, oldest first. Both SQLite and MariaDB run exactly these. */
export const ALL_MIGRATIONS = [Foundation1763800000000, Pax8Domain1763800100000, Invoices1763800300000, Users1763800400000, Licensing1763800500000, Reconcile1763800600000, Operations1763800700000, Jobs1763900000000, AdjustmentRevisions1764000000000, UpcomingInvoices1764100000000, InputVersions1764200000000, TokenExpiry1764300100000, ForwardDatedInvoices1764300400000, Pax8RequestBudget1764300500000, PendingQuantity1764300600000, CommitmentRules1764300700000, UsageReadState1764300900000, TaxCodes1764301000000, InvoiceTerms1764301100000, LineCostMode1764301110000, UsageReviews1764301400000, InvoiceDelivery1764301500000, LateCheckedVersion1764309900000, DailyCheckedVersion1764309950000, AccountingConnections1764310000000, AccountingPush1764310050000];

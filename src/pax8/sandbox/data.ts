import { Decimal } from 'decimal.js';
import { SandboxClock } from './clock.js';
import { DAY_MS, addMonths } from './dates.js';
import { Rng } from './prng.js';
import { generateData } from './generator/index.js';
import { COMMITMENT_MONTHS, commitmentRefusedUntil, commitmentTermOf, ruleOf, type CommitmentChange } from './commitments.js';
import { commitmentId, inCurrency, unitRate } from './generator/subscriptions.js';
import { usageLinesFor, usageToDate } from './generator/usage.js';
import { InvoiceBook } from './invoices.js';
import type {
  BillingTerm, SandboxCompany, SandboxPendingChange, SandboxProduct, SandboxSubscription, SandboxUsageLine, SandboxUsageSummary, SubscriptionStatus,
} from './types.js';

export interface DataOptions {
  seed: number;
  companies: number;
  subscriptions: number;
  usageSummaries: number;
  now: string;
  /** Live-like quantity changes (issue 22); default {@link DEFAULT_PENDING}. */
  pending?: Partial<PendingOptions>;
}

/** How partner quantity PUTs take effect (see SandboxOptions.quantityChanges). */
export interface PendingOptions {
  mode: 'pending' | 'instant';
  settleMs: number;
  settleWallMs: number | null;
  failureRate: number;
  requireProvisioningDetails: boolean;
}

export const DEFAULT_PENDING: PendingOptions = { mode: 'pending', settleMs: 15 * 60_000, settleWallMs: null, failureRate: 0.1, requireProvisioningDetails: true };

export class SandboxError extends Error {
  constructor(readonly status: number, readonly type: string, message: string, readonly errors?: string[]) {
    super(message);
  }
}

export interface NewSubscription {
  companyId: string;
  productId: string;
  quantity?: number;
  billingTerm?: BillingTerm;
  status?: SubscriptionStatus;
}

/**
 * The sandbox's live in-memory data set: generated once from the seed, then mutated by the
 * partner endpoints (PUT/DELETE subscriptions) and the admin endpoint. Lookups by id are maps;
 * filtered list results are cached per query until the next mutation (`version`).
 */
export class SandboxData {
  readonly seed: number;
  readonly clock: SandboxClock;
  readonly companies: SandboxCompany[];
  readonly products: SandboxProduct[];
  readonly subscriptions: SandboxSubscription[];
  readonly usageSummaries: SandboxUsageSummary[];
  /** The partner's own company (holds some subscriptions and usage). */
  readonly partnerCompanyId: string;
  readonly companyById = new Map<string, SandboxCompany>();
  readonly productById = new Map<string, SandboxProduct>();
  readonly subscriptionById = new Map<string, SandboxSubscription>();
  readonly usageSummaryById = new Map<string, SandboxUsageSummary>();
  readonly subscriptionsByCompany = new Map<string, SandboxSubscription[]>();
  readonly subscriptionsByProduct = new Map<string, SandboxSubscription[]>();
  readonly usageSummariesBySubscription = new Map<string, SandboxUsageSummary[]>();
  /** Earlier states of subscriptions, oldest first, recorded at each change. */
  private readonly recordedHistory = new Map<string, SandboxSubscription[]>();
  private readonly queryCache = new Map<string, unknown[]>();
  private added = 0;
  /** Quantity changes Pax8 accepted but has not provisioned yet, by subscription id. */
  readonly pendingChanges = new Map<string, SandboxPendingChange>();
  /** Live-like quantity changes; tests may change them (`sb.data.pending.mode = 'instant'`). */
  readonly pending: PendingOptions;
  private pendingDraws = 0;
  /** Incremented on every mutation. */
  version = 0;
  /** Pax8's bill to the partner (GET /invoices...), derived from subscriptions and usage. */
  readonly invoices = new InvoiceBook(this);

  constructor(o: DataOptions) {
    this.seed = o.seed;
    this.clock = new SandboxClock(o.now);
    this.pending = { ...DEFAULT_PENDING, ...o.pending };
    const g = generateData({ ...o, startMs: this.clock.startInstantMs() });
    this.companies = g.companies;
    this.products = g.products;
    this.subscriptions = g.subscriptions;
    this.usageSummaries = g.usageSummaries;
    this.partnerCompanyId = g.partnerCompanyId;
    for (const c of this.companies) this.companyById.set(c.id, c);
    for (const p of this.products) this.productById.set(p.id, p);
    for (const s of this.subscriptions) this.index(s);
    for (const u of this.usageSummaries) {
      this.usageSummaryById.set(u.id, u);
      push(this.usageSummariesBySubscription, u.subscriptionId, u);
    }
  }

  private index(s: SandboxSubscription): void {
    this.subscriptionById.set(s.id, s);
    push(this.subscriptionsByCompany, s.companyId, s);
    push(this.subscriptionsByProduct, s.productId, s);
  }

  /** Cached result of a filter/sort, valid until the next mutation. */
  cached<T>(key: string, compute: () => T[]): T[] {
    const k = `${this.version}|${key}`;
    const hit = this.queryCache.get(k);
    if (hit) return hit as T[];
    const value = compute();
    if (this.queryCache.size > 64) this.queryCache.clear();
    this.queryCache.set(k, value);
    return value;
  }

  private touch(): void {
    this.version++;
    this.queryCache.clear();
  }

  /** Usage lines of a summary on a day (UTC midnight ms) as served at the clock's instant (late revisions), generated on demand. */
  usageLines(summaryId: string, dayMs: number): SandboxUsageLine[] {
    const s = this.usageSummaryById.get(summaryId);
    return s ? usageLinesFor(s, dayMs, this.clock.nowMs()) : [];
  }

  /** A summary as the API shows it at the clock's instant: its month's running totals so far. */
  usageSummaryNow(s: SandboxUsageSummary): SandboxUsageSummary {
    return { ...s, ...usageToDate(s, this.clock.nowMs()) };
  }

  /** Subscription history, newest first: current state, then recorded and generated earlier states. */
  history(id: string): SandboxSubscription[] {
    const s = this.requireSubscription(id);
    const recorded = [...(this.recordedHistory.get(id) ?? [])].reverse();
    const oldest = recorded.length > 0 ? recorded[recorded.length - 1]! : s;
    const generated: SandboxSubscription[] = [];
    if (s.initialQuantity !== oldest.quantity) {
      const { updatedMs: _u, endMs: _e, ...rest } = oldest;
      generated.push({ ...rest, quantity: s.initialQuantity, status: 'Active' });
    }
    return [s, ...recorded, ...generated];
  }

  requireSubscription(id: string): SandboxSubscription {
    const s = this.subscriptionById.get(id);
    if (!s) throw new SandboxError(404, 'NOT_FOUND', `Subscription ${id} not found`);
    return s;
  }

  requireCompany(id: string): SandboxCompany {
    const c = this.companyById.get(id);
    if (!c) throw new SandboxError(404, 'NOT_FOUND', `Company ${id} not found`);
    return c;
  }

  private record(s: SandboxSubscription): void {
    push(this.recordedHistory, s.id, { ...s, ...(s.commitment ? { commitment: { ...s.commitment } } : {}) });
  }

  /**
   * Changes a subscription's quantity. With `asPartner` Pax8's rules apply: quantities must be
   * positive integers, cancelled subscriptions cannot change, and inside a commitment the product's
   * commitment record decides (commitments.ts: per vendor, from the product data).
   */
  setQuantity(id: string, quantity: number, asPartner: boolean): SandboxSubscription {
    const s = this.requireSubscription(id);
    // A Pax8-side change (admin) may set a fractional quantity, as Pax8 has for some products; the partner PUT may not.
    if (asPartner ? !Number.isInteger(quantity) || quantity < 1 : !(quantity >= 0)) {
      throw new SandboxError(422, 'UNPROCESSABLE_ENTITY', 'quantity must be a positive integer', ['quantity must be a positive integer']);
    }
    if (asPartner) this.checkPartnerQuantity(s, quantity);
    if (quantity === s.quantity) return s;
    this.record(s);
    s.quantity = quantity;
    this.reprice(s);
    s.updatedMs = this.clock.nowMs();
    this.touch();
    return s;
  }

  /** Pax8's rules for a partner quantity change (422 `{errors}`). */
  private checkPartnerQuantity(s: SandboxSubscription, quantity: number): void {
    const id = s.id;
    if (!Number.isInteger(quantity) || quantity < 1) {
      throw new SandboxError(422, 'UNPROCESSABLE_ENTITY', 'quantity must be a positive integer', ['quantity must be a positive integer']);
    }
    if (s.status === 'Cancelled' || s.status === 'PendingCancel') {
      throw new SandboxError(422, 'UNPROCESSABLE_ENTITY', 'Subscription is cancelled', [`Subscription ${id} is ${s.status} and cannot be changed`]);
    }
    const change = quantity < s.quantity ? 'decrease' : 'increase';
    const until = quantity === s.quantity ? null : this.commitmentRefusedUntil(s, change);
    if (until) {
      throw new SandboxError(422, 'UNPROCESSABLE_ENTITY', `Quantity ${change} not allowed during commitment term`, [
        `Cannot ${change} quantity of subscription ${id} from ${s.quantity} to ${quantity} before the commitment term ends on ${until}`,
      ]);
    }
  }

  /** The term's end (YYYY-MM-DD) when the subscription's commitment record refuses `change` now, else null. */
  commitmentRefusedUntil(s: SandboxSubscription, change: CommitmentChange, atMs?: number): string | null {
    const now = this.clock.nowMs();
    return commitmentRefusedUntil(ruleOf(this.productById.get(s.productId), s), s, change, now, atMs ?? now);
  }

  /** A quantity change on a tiered product reprices the subscription. */
  private reprice(s: SandboxSubscription): void {
    const product = this.productById.get(s.productId)!;
    const pricing = product.pricing.find((p) => p.billingTerm === s.billingTerm && p.commitmentTerm === s.commitment?.term);
    if (pricing && pricing.type === 'Tiered') {
      const { buy, retail } = unitRate(pricing, s.quantity);
      s.price = inCurrency(retail, s.currencyCode);
      s.partnerCost = inCurrency(buy, s.currencyCode);
    }
  }

  /**
   * A partner quantity PUT in 'pending' mode (Pax8's rules as setQuantity): the subscription shows the requested
   * quantity with status PendingAutomated (about 1 in 4 PendingManual, from the seed) until it settles (settlePending).
   * A second change while one is pending replaces its target and keeps the provisioned quantity to fall back to.
   */
  requestQuantity(id: string, quantity: number): SandboxSubscription {
    const s = this.requireSubscription(id);
    if (this.pending.mode === 'instant') return this.setQuantity(id, quantity, true);
    const before = this.pendingChanges.get(id);
    // Pax8's rules apply against the provisioned state.
    if (before) {
      const now = { quantity: s.quantity, status: s.status };
      s.quantity = before.fromQuantity; s.status = before.fromStatus;
      try { this.checkPartnerQuantity(s, quantity); } finally { s.quantity = now.quantity; s.status = now.status; }
    } else {
      this.checkPartnerQuantity(s, quantity);
      if (quantity === s.quantity) return s;
    }
    const rng = Rng.from(this.seed, `pending:${id}:${this.pendingDraws++}`);
    const manual = rng.chance(0.25);
    const fails = rng.chance(this.pending.failureRate);
    this.record(s);
    this.pendingChanges.set(id, {
      fromQuantity: before?.fromQuantity ?? s.quantity, fromStatus: before?.fromStatus ?? s.status, toQuantity: quantity,
      settleAtMs: this.clock.nowMs() + this.pending.settleMs,
      wallSettleAtMs: this.pending.settleWallMs === null ? null : Date.now() + this.pending.settleWallMs, fails,
    });
    s.quantity = quantity;
    s.status = manual ? 'PendingManual' : 'PendingAutomated';
    s.updatedMs = this.clock.nowMs();
    this.touch();
    return s;
  }

  /**
   * Settles the pending changes that are due (sandbox clock, or wall clock when configured): Active (the status
   * before) with the new quantity, repriced like setQuantity, or, for a failing one, the old quantity and status.
   * Returns the settled subscriptions (the caller delivers their webhooks).
   */
  settlePending(all = false): SandboxSubscription[] {
    const settled: SandboxSubscription[] = [];
    const now = this.clock.nowMs();
    const wall = Date.now();
    for (const [id, p] of this.pendingChanges) {
      if (!all && p.settleAtMs > now && (p.wallSettleAtMs === null || p.wallSettleAtMs > wall)) continue;
      this.pendingChanges.delete(id);
      const s = this.subscriptionById.get(id);
      if (!s || s.status === 'Cancelled' || s.status === 'PendingCancel') continue;
      this.record(s);
      s.status = p.fromStatus;
      s.quantity = p.fails ? p.fromQuantity : p.toQuantity;
      if (!p.fails) this.reprice(s);
      s.updatedMs = Math.min(now, Math.max(p.settleAtMs, s.updatedMs ?? 0));
      settled.push(s);
    }
    if (settled.length > 0) this.touch();
    return settled;
  }

  /** The pending change of a subscription, if any. */
  pendingChange(id: string): SandboxPendingChange | undefined {
    return this.pendingChanges.get(id);
  }

  /** True while the subscription's commitment record refuses a decrease (a term runs, outside its windows). */
  inCommitment(s: SandboxSubscription): boolean {
    return this.commitmentRefusedUntil(s, 'decrease') !== null;
  }

  /**
   * Cancels now (Cancelled) or at a future date (PendingCancel with that endDate). With `asPartner` the commitment
   * record decides whether a cancellation before the term's end is allowed (422 `{errors}` otherwise).
   */
  cancel(id: string, cancelDateMs?: number, asPartner = false): SandboxSubscription {
    const s = this.requireSubscription(id);
    const now = this.clock.nowMs();
    const at = cancelDateMs ?? now;
    const until = asPartner ? this.commitmentRefusedUntil(s, 'cancel', at) : null;
    if (until) {
      throw new SandboxError(422, 'UNPROCESSABLE_ENTITY', 'Cancellation not allowed during commitment term', [
        `Cannot cancel subscription ${id} before the commitment term ends on ${until}`,
      ]);
    }
    this.record(s);
    s.status = at <= now ? 'Cancelled' : 'PendingCancel';
    s.endMs = at;
    s.updatedMs = now;
    this.touch();
    return s;
  }

  /** Removes a subscription entirely (it then answers 404), with its usage summaries. */
  deleteSubscription(id: string): void {
    const s = this.requireSubscription(id);
    this.subscriptionById.delete(id);
    remove(this.subscriptions, s);
    remove(this.subscriptionsByCompany.get(s.companyId), s);
    remove(this.subscriptionsByProduct.get(s.productId), s);
    for (const u of this.usageSummariesBySubscription.get(id) ?? []) {
      this.usageSummaryById.delete(u.id);
      remove(this.usageSummaries, u);
    }
    this.usageSummariesBySubscription.delete(id);
    this.touch();
  }

  renameCompany(id: string, name: string): SandboxCompany {
    const c = this.requireCompany(id);
    c.name = name;
    c.updatedMs = this.clock.nowMs();
    this.touch();
    return c;
  }

  setCompanyStatus(id: string, status: SandboxCompany['status']): SandboxCompany {
    const c = this.requireCompany(id);
    c.status = status;
    c.updatedMs = this.clock.nowMs();
    this.touch();
    return c;
  }

  addSubscription(input: NewSubscription): SandboxSubscription {
    const company = this.requireCompany(input.companyId);
    const product = this.productById.get(input.productId);
    if (!product) throw new SandboxError(404, 'NOT_FOUND', `Product ${input.productId} not found`);
    const term = input.billingTerm ?? product.pricing[0]!.billingTerm;
    const pricing = product.pricing.find((p) => p.billingTerm === term) ?? product.pricing[0]!;
    const quantity = input.quantity ?? 1;
    const { buy, retail } = unitRate(pricing, quantity);
    const rng = Rng.from(this.seed, `added-subscription:${this.added++}`);
    const now = this.clock.nowMs();
    const day = Math.floor(now / DAY_MS) * DAY_MS;
    const s: SandboxSubscription = {
      id: rng.uuid(),
      companyId: company.id,
      productId: product.id,
      productName: product.name,
      vendorSubscriptionId: rng.uuid().toUpperCase(),
      ...(product.vendorSku ? { vendorSkuId: product.vendorSku } : {}),
      quantity,
      startMs: now,
      createdMs: now,
      updatedMs: now,
      billingStartMs: day,
      status: input.status ?? 'Active',
      price: inCurrency(retail, company.currencyCode),
      partnerCost: inCurrency(buy, company.currencyCode),
      currencyCode: company.currencyCode,
      billingTerm: pricing.billingTerm,
      styleVariant: rng.int(0, 5),
      initialQuantity: quantity,
    };
    const commitmentTerm = commitmentTermOf(product, pricing.billingTerm, pricing.commitmentTerm);
    if (commitmentTerm) {
      s.commitment = { id: commitmentId(product, commitmentTerm), term: commitmentTerm, endMs: addMonths(now, COMMITMENT_MONTHS[commitmentTerm]) };
    }
    this.subscriptions.push(s);
    this.index(s);
    this.touch();
    return s;
  }

  /**
   * Moves the sandbox clock forward (also brings token expiry closer). Time-driven changes
   * follow: PendingCancel subscriptions whose endDate has passed become Cancelled, and running
   * commitments whose term has ended renew for another term (Pax8's auto-renew).
   */
  advanceClock(ms: number): SandboxSubscription[] {
    this.clock.advance(ms);
    const settled = this.settlePending();
    const now = this.clock.nowMs();
    for (const s of this.subscriptions) {
      if (s.status === 'PendingCancel' && s.endMs !== undefined && s.endMs <= now) {
        this.record(s);
        s.status = 'Cancelled';
        s.updatedMs = s.endMs;
      } else if (s.commitment && s.commitment.endMs <= now && s.status !== 'Cancelled') {
        this.record(s);
        const months = COMMITMENT_MONTHS[s.commitment.term];
        let end = s.commitment.endMs;
        while (end <= now) end = addMonths(end, months);
        s.updatedMs = s.commitment.endMs;
        s.commitment = { ...s.commitment, endMs: end };
        if (s.endMs !== undefined && s.commitment.term !== 'Monthly') s.endMs = end;
      }
    }
    this.touch();
    return settled;
  }

  /** Partner-side price change via PUT (kept simple: price only, in the subscription's currency). */
  setPrice(id: string, price: Decimal): SandboxSubscription {
    const s = this.requireSubscription(id);
    this.record(s);
    s.price = price;
    s.updatedMs = this.clock.nowMs();
    this.touch();
    return s;
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

function remove<T>(list: T[] | undefined, item: T): void {
  if (!list) return;
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

import { Rng } from '../prng.js';
import type { SandboxCompany, SandboxProduct, SandboxSubscription, SandboxUsageSummary, SubscriptionStatus } from '../types.js';
import { PRODUCT_TEMPLATES } from './catalog.js';
import { generateCompanies } from './companies.js';
import { generateProducts } from './products.js';
import { generateSubscription } from './subscriptions.js';
import { generateUsageSummary } from './usage.js';

export interface GenerateOptions {
  seed: number;
  companies: number;
  subscriptions: number;
  usageSummaries: number;
  /** Sandbox clock start, epoch ms. */
  startMs: number;
}

export interface GeneratedData {
  companies: SandboxCompany[];
  products: SandboxProduct[];
  subscriptions: SandboxSubscription[];
  usageSummaries: SandboxUsageSummary[];
  partnerCompanyId: string;
}

const ALL_STATUSES: SubscriptionStatus[] = [
  'Active', 'Cancelled', 'PendingManual', 'PendingAutomated', 'PendingCancel', 'WaitingForDetails', 'Trial', 'Converted', 'PendingActivation', 'Activated',
];

/** Makes sure every documented status occurs (small data sets would otherwise miss some). */
function ensureAllStatuses(subs: SandboxSubscription[], products: SandboxProduct[]): void {
  if (subs.length < ALL_STATUSES.length * 3) return;
  const present = new Set(subs.map((s) => s.status));
  const productById = new Map(products.map((p) => [p.id, p]));
  let cursor = subs.length - 1;
  for (const status of ALL_STATUSES) {
    if (present.has(status)) continue;
    while (cursor > 0 && (subs[cursor]!.status !== 'Active' || productById.get(subs[cursor]!.productId)!.usageBased)) cursor--;
    const s = subs[cursor--];
    if (!s) return;
    s.status = status;
    if (status === 'Trial' || status === 'Converted') {
      s.billingTerm = 'Trial';
      delete s.commitment;
    }
    if (status === 'Cancelled') s.endMs = s.startMs + 86_400_000;
  }
}

export function generateData(o: GenerateOptions): GeneratedData {
  const companyCount = Math.max(1, Math.floor(o.companies));
  const companies = generateCompanies(o.seed, companyCount, o.startMs);
  const products = generateProducts(o.seed);
  const usageIdx: number[] = [];
  const otherIdx: number[] = [];
  PRODUCT_TEMPLATES.forEach((t, i) => (t.usageBased ? usageIdx : otherIdx).push(i));
  const azureIdx = PRODUCT_TEMPLATES.findIndex((t) => t.name === 'Azure plan');
  const otherWeighted = otherIdx.map((i) => [i, PRODUCT_TEMPLATES[i]!.nce ? 3 : 1] as const);

  const n = Math.max(0, Math.floor(o.subscriptions));
  const wantedUsage = o.usageSummaries > 0 ? Math.min(n, Math.max(1, Math.ceil(o.usageSummaries / 2.5))) : 0;
  const isUsageSlot = (i: number): boolean => {
    if (wantedUsage === 0) return false;
    if (i === 0) return true;
    const k = wantedUsage - 1;
    const m = n - 1;
    return m > 0 && Math.floor((i * k) / m) > Math.floor(((i - 1) * k) / m);
  };

  const pick = Rng.from(o.seed, 'subscription-plan');
  const subscriptions: SandboxSubscription[] = [];
  const lastByCompany = new Map<string, SandboxSubscription>();
  for (let i = 0; i < n; i++) {
    const companyIndex = i < companyCount ? i : Math.floor(Math.pow(pick.next(), 1.5) * companyCount);
    const company = companies[companyIndex]!;
    let productIndex: number;
    if (i === 0 && wantedUsage > 0) productIndex = azureIdx;
    else if (isUsageSlot(i)) productIndex = pick.chance(0.6) ? azureIdx : pick.pick(usageIdx);
    else productIndex = pick.weighted(otherWeighted);
    const previous = lastByCompany.get(company.id);
    const parent = previous && pick.chance(0.03) ? previous.id : undefined;
    const sub = generateSubscription({
      seed: o.seed, index: i, company, product: products[productIndex]!, productIndex, startMs: o.startMs,
      ...(parent ? { parentSubscriptionId: parent } : {}),
      ...(PRODUCT_TEMPLATES[productIndex]!.usageBased ? { status: 'Active' as const } : {}),
    });
    subscriptions.push(sub);
    lastByCompany.set(company.id, sub);
  }
  ensureAllStatuses(subscriptions, products);

  const productById = new Map(products.map((p) => [p.id, p]));
  const companyById = new Map(companies.map((c) => [c.id, c]));
  const usageSubs = subscriptions.filter((s) => productById.get(s.productId)!.usageBased);
  const customerNames = companies.slice(1, 9).map((c) => c.name);
  const usageSummaries: SandboxUsageSummary[] = [];
  const count = usageSubs.length === 0 ? 0 : Math.max(0, Math.floor(o.usageSummaries));
  for (let j = 0; j < count; j++) {
    const sub = usageSubs[j % usageSubs.length]!;
    usageSummaries.push(
      generateUsageSummary({
        seed: o.seed, index: j, subscription: sub, company: companyById.get(sub.companyId)!, product: productById.get(sub.productId)!,
        customerNames, monthOfMs: o.startMs,
      }),
    );
  }
  return { companies, products, subscriptions, usageSummaries, partnerCompanyId: companies[0]!.id };
}

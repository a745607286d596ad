/**
 * Plan changes within a product family (e.g. MSPbots StartUp ↔ Professional, Microsoft 365 Business
 * Basic → Premium). A family is the vendor plus the product name without its tier words; the tier is the
 * last tier word in the name, ranked by TIER_LADDER. Same family, higher tier: upgrade; lower: downgrade;
 * same family but tiers that cannot be ranked: plan_changed. Different families are not plan changes.
 */
export const TIER_LADDER = [
  'free', 'trial', 'basic', 'startup', 'starter', 'essentials', 'standard', 'business', 'professional', 'pro', 'premium', 'advanced',
  'enterprise', 'ultimate',
] as const;
const NUMBERED = /^(e|f|p|g|a)(\d)$/; // E1 < E3 < E5, F1 < F3, P1 < P2, A1 < A3 < A5 …

const RANK = new Map<string, number>(TIER_LADDER.map((t, i) => [t, (i + 1) * 10]));

function tokens(name: string): string[] {
  return name.toLowerCase().replace(/start-up/g, 'startup').split(/[^a-z0-9+]+/).filter(Boolean);
}

function tierOf(token: string): number | null {
  const r = RANK.get(token);
  if (r !== undefined) return r;
  const m = NUMBERED.exec(token);
  return m ? 1000 + Number(m[2]) : null;
}

export interface PlanInfo {
  family: string;
  /** Rank of the last tier word, or null when the name has none. */
  tier: number | null;
}

export function planInfo(vendor: string | null, productName: string): PlanInfo {
  const t = tokens(productName);
  let tier: number | null = null;
  const rest: string[] = [];
  for (const tok of t) {
    const r = tierOf(tok);
    if (r === null) rest.push(tok);
    else tier = r;
  }
  return { family: `${(vendor ?? '').toLowerCase().trim()}|${rest.join(' ')}`, tier };
}

export type PlanChange = 'plan_upgraded' | 'plan_downgraded' | 'plan_changed';

/** The kind of change from one product to another, or null when they are not in one family. */
export function planChange(vendor: string | null, fromName: string, toName: string): PlanChange | null {
  if (fromName.trim().toLowerCase() === toName.trim().toLowerCase()) return null;
  const a = planInfo(vendor, fromName);
  const b = planInfo(vendor, toName);
  if (a.family !== b.family || (a.tier === null && b.tier === null)) return null;
  if (a.tier === null || b.tier === null || a.tier === b.tier) return 'plan_changed';
  return b.tier > a.tier ? 'plan_upgraded' : 'plan_downgraded';
}

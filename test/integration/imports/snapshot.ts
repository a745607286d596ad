import type { DataSource } from 'typeorm';

const TABLES = ['customers', 'pax8_companies', 'customer_mappings', 'products', 'subscriptions', 'subscription_changes',
  'usage_summaries', 'usage_monthly_charges', 'usage_lines'];

/** Row count and latest updatedAt of every table an import writes: equal snapshots mean no row was inserted or updated. */
export async function writeSnapshot(ds: DataSource): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of TABLES) {
    const [row] = (await ds.query(`SELECT COUNT(*) AS n, MAX(updatedAt) AS u FROM ${t}`)) as Array<{ n: number | string; u: unknown }>;
    out[t] = `${String(row!.n)}@${row!.u instanceof Date ? row!.u.toISOString() : String(row!.u)}`;
  }
  return out;
}

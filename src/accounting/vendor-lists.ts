import type { OpenConnection } from './access.js';
import type { AccountingVendor } from './connector.js';

/**
 * The vendor's contacts, accounts (or items) and tax rates as the Accounting page and the contacts/mappings lists show
 * them, kept for a minute per organisation and grant. Xero allows about 60 calls a minute per organisation, shared with
 * the pushes and payment reads: without this, each view of the page spent three of them, and while a push job used the
 * minute's budget a view waited up to a minute for its turn. Writes (match, link, create missing, set a mapping) still
 * read the vendor afresh, and a contact Recurra creates forgets the kept lists at once.
 */

const KEEP_MS = 60_000;
type ListName = 'contacts' | 'ledgerTargets' | 'taxRates';

const kept = new Map<string, { until: number; value: Promise<unknown> }>();

function keyOf(conn: OpenConnection, vendor: AccountingVendor, list: ListName): string {
  // The access token is part of the key: another grant (a reconnection, another tenant) never reads this one's lists.
  return `${vendor}\u0000${conn.session.organisationId}\u0000${conn.session.accessToken}\u0000${list}`;
}

export function keptList<T>(conn: OpenConnection, vendor: AccountingVendor, list: ListName, load: () => Promise<T>, now: number = Date.now()): Promise<T> {
  for (const [k, v] of kept) if (v.until <= now) kept.delete(k);
  const key = keyOf(conn, vendor, list);
  const hit = kept.get(key);
  if (hit) return hit.value as Promise<T>;
  const value = load();
  kept.set(key, { until: now + KEEP_MS, value });
  value.catch(() => kept.delete(key)); // a failed read is not kept
  return value;
}

/** After Recurra changed the vendor's lists (created a contact): the next view reads them afresh. */
export function forgetKeptLists(conn: OpenConnection, vendor: AccountingVendor): void {
  for (const list of ['contacts', 'ledgerTargets', 'taxRates'] as const) kept.delete(keyOf(conn, vendor, list));
}

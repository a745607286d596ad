import { Decimal } from 'decimal.js';
import type { DataSource } from 'typeorm';
import type { AccountingVendor } from '../accounting/connector.js';
import { autoLinkContacts, createMissingContacts, normaliseName, unlinkContact } from '../accounting/contacts.js';
import { mappingChoices, rateKey, setLedgerMapping, type MappingChoices } from '../accounting/ledger-mappings.js';
import { accountingOpener } from '../accounting/open.js';
import { vendorCall } from '../accounting/push-error.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { Customer } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { billingContacts, setBillingContacts } from '../invoice-delivery/contacts.js';

/**
 * The demo's books, so that an approved demo invoice can be sent and pushed without any setting up: each customer
 * without a billing contact gets one (accounts@<its name>.example), and in the connected local vendor every customer has
 * a contact (links to contacts the restarted local vendor no longer has are dropped first) and the default mappings are
 * set (a sales account, and for each Recurra tax code and each of the vendor's sales tax rates the vendor's code of that
 * rate). Everything goes through the features' use cases; mappings a person chose are kept while their target exists.
 */

const DEMO_BY = 'demo';

/** accounts@contoso-ltd.example for "Contoso Ltd." (a reserved top-level domain: nothing is ever delivered outside). */
export function demoBillingAddress(name: string, id: string): string {
  const label = normaliseName(name).replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50) || `customer-${id.slice(0, 8)}`;
  return `accounts@${label}.example`;
}

/** Gives every active customer without a billing contact one; returns how many got one. */
export async function demoBillingContacts(scope: TenantScope, now: Date): Promise<number> {
  let given = 0;
  for (const c of await scope.repo(Customer).find({ where: { active: true }, order: { name: 'ASC', id: 'ASC' } })) {
    const current = await billingContacts(scope, c.id);
    if (current.to.length > 0 || current.cc.length > 0) continue;
    await setBillingContacts(scope, c.id, { to: [demoBillingAddress(c.name, c.id)], cc: [] }, now);
    given++;
  }
  return given;
}

export interface DemoBooksOutcome {
  unlinked: number;
  linked: number;
  created: number;
  mappings: number;
}

/** The sales account or item a demo line posts to by default: Xero's 200 "Sales", else one called Sales or Services, else the first. */
function salesTarget(choices: MappingChoices): string | null {
  const t = choices.ledgerTargets;
  return (t.find((x) => x.ref === '200') ?? t.find((x) => /^sales\b/i.test(x.name)) ?? t.find((x) => /services?/i.test(x.name)) ?? t[0])?.ref ?? null;
}

/** The vendor's tax code of a rate, preferring a name that says what kind (zero-rated, exempt, reverse charge). */
function vendorCodeOf(choices: MappingChoices, rate: Decimal, hint: RegExp | null): string | null {
  const same = choices.taxRates.filter((r) => new Decimal(r.rate).eq(rate));
  return ((hint ? same.find((r) => hint.test(r.name)) : undefined) ?? same[0])?.code ?? null;
}

const KIND_HINT: Record<string, RegExp | null> = { standard: null, exempt: /exempt/i, reverse_charge: /reverse/i };

/**
 * Contacts and default mappings for the tenant's connection to `vendor` (see the module's comment). Idempotent: a second
 * call creates and changes nothing.
 */
export async function setUpDemoBooks(ds: DataSource, secrets: SecretBox, tenantId: string, vendor: AccountingVendor, now: Date): Promise<DemoBooksOutcome> {
  const scope = new TenantScope(ds.manager, tenantId);
  const conn = await accountingOpener(ds, secrets)(tenantId, vendor, now);
  const by = { by: DEMO_BY, now };
  const out: DemoBooksOutcome = { unlinked: 0, linked: 0, created: 0, mappings: 0 };

  // Links to contacts the vendor no longer has (the local vendor forgets everything when it restarts).
  const known = new Set((await vendorCall(vendor, () => conn.connector.contacts(conn.session))).map((c) => c.id));
  const matched = await autoLinkContacts(scope, conn, vendor, by);
  for (const m of matched.items) {
    if (m.link && !known.has(m.link.externalContactId)) {
      if (await unlinkContact(scope, vendor, m.customerId)) out.unlinked++;
    }
  }
  if (out.unlinked > 0) out.linked += (await autoLinkContacts(scope, conn, vendor, by)).linked;
  out.linked += matched.linked;
  const created = await createMissingContacts(scope, conn, vendor, null, by);
  for (const r of created.results) {
    if (r.outcome === 'created') out.created++;
    if (r.outcome === 'linked') out.linked++;
  }

  const choices = await mappingChoices(scope, conn, vendor);
  const targets = new Set(choices.ledgerTargets.map((t) => t.ref));
  const codes = new Set(choices.taxRates.map((r) => r.code));
  const current = new Map(choices.mappings.map((m) => [`${m.kind}|${m.key}`, m.target]));
  const want = async (kind: 'default_ledger' | 'tax_code' | 'tax_rate', key: string, target: string | null) => {
    const have = current.get(`${kind}|${key}`);
    if (target === null || (have !== undefined && (kind === 'default_ledger' ? targets.has(have) : codes.has(have)))) return;
    await setLedgerMapping(scope, conn, vendor, { kind, key, target }, by);
    out.mappings++;
  };
  await want('default_ledger', '', salesTarget(choices));
  for (const code of choices.taxCodes) {
    const rate = code.kind === 'standard' ? new Decimal(code.rate) : new Decimal(0);
    await want('tax_code', code.code, vendorCodeOf(choices, rate, KIND_HINT[code.kind] ?? null));
  }
  // Lines without a Recurra tax code go by their rate (a rate of 0 goes as the vendor's no-tax code by itself).
  const rates = [...new Set(choices.taxRates.map((r) => rateKey(r.rate)))].filter((r) => !new Decimal(r).isZero());
  for (const rate of rates) await want('tax_rate', rate, vendorCodeOf(choices, new Decimal(rate), null));
  return out;
}

import { In } from 'typeorm';
import { inChunks } from '../db/in-chunks.js';
import { timeOrderedId } from '../db/row-ids.js';
import { Customer, CustomerMapping, Pax8Company } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import type { Company } from '../pax8/schemas/company.js';
import { writeBatch, type AfterCommit } from './batch-writer.js';
import { bulkInsert } from '../db/bulk-insert.js';
import { checkAborted, type ImportContext } from './context.js';
import { companyFields, companyHash, customerPatch, siteFrom, type CompanyFields } from './company-fields.js';
import type { Outcome } from './counts.js';
import { exactNameKey, matchByName } from '../mapping/match.js';


/** A stored Pax8Company, as much as the import needs (a tenant may hold tens of thousands). */
interface StoredCompany {
  id: string;
  contentHash: string;
}

interface Plan {
  company: Company;
  fields: CompanyFields;
  hash: string;
  storedCompany: StoredCompany | undefined;
  outcome: Outcome;
  /** Existing customer to update, or a new one (with its mapping) to create. */
  customer?: { existing: Customer; patch: Partial<Customer>; link?: boolean } | { create: Customer };
}

/**
 * Imports Pax8 companies as customers. Every company is kept as a Pax8Company row (the mapping
 * screens need them); customers follow the tenant's settings:
 *  - mapped company: the customer is updated (site address / active flag per settings);
 *  - unmapped company: linked to the one unmapped customer of exactly the same name if there is
 *    one, else a new customer is created under topLevelForNewCustomers, mapped at once;
 *  - Inactive/Deleted companies only with importInactiveCompanies (else skipped);
 *  - the partner's own company (ownCompanyPax8Id) never: skipped, even with includeOwnCompany.
 */
export async function importCustomers(ctx: ImportContext): Promise<void> {
  const { scope, settings, rec } = ctx;
  // Raw columns, not entities: these maps hold every company of the tenant for the whole step.
  const storedCompanies = new Map<string, StoredCompany>();
  for (const r of await scope.repo(Pax8Company).query('c').select('c.id', 'id').addSelect('c.pax8Id', 'pax8Id').addSelect('c.contentHash', 'contentHash').getRawMany<Record<string, unknown>>()) {
    storedCompanies.set(String(r.pax8Id), { id: String(r.id), contentHash: String(r.contentHash) });
  }
  /** Customer id by mapped Pax8 company id. */
  const mappings = new Map<string, string>();
  for (const r of await scope.repo(CustomerMapping).query('m').select('m.pax8CompanyId', 'pax8CompanyId').addSelect('m.customerId', 'customerId').getRawMany<Record<string, unknown>>()) {
    mappings.set(String(r.pax8CompanyId), String(r.customerId));
  }
  const mappedCustomerIds = new Set(mappings.values());
  // Only the unmapped customers are held (name matching needs them); mapped ones are read with their batch.
  const unmappedIds = (await scope.repo(Customer).query('c').select('c.id', 'id').getRawMany<Record<string, unknown>>())
    .map((r) => String(r.id)).filter((id) => !mappedCustomerIds.has(id));
  const unmappedByName = new Map<string, Customer[]>();
  for (const c of await customersById(scope, unmappedIds)) {
    const list = unmappedByName.get(exactNameKey(c.name)) ?? [];
    list.push(c);
    unmappedByName.set(exactNameKey(c.name), list);
  }

  const own = settings.ownCompanyPax8Id;
  let done = 0;
  let listed: Company[] = [];
  /** The mapped customers of the batch being planned, by id. */
  let customers = new Map<string, Customer>();
  /** Customers linked by plans of the batch not yet committed. */
  const claimed = new Set<string>();

  const plan = (company: Company): Plan => {
    const fields = companyFields(company, own);
    const hash = companyHash(fields);
    const storedCompany = storedCompanies.get(company.id);
    const p: Plan = { company, fields, hash, storedCompany, outcome: 'unchanged' };
    const mapped = mappings.get(company.id);
    // The partner's own company is never a customer (its Pax8Company row is still kept).
    if (fields.isPartnerOwn) return { ...p, outcome: 'skipped' };
    if (fields.status !== 'Active' && !settings.importInactiveCompanies) return { ...p, outcome: 'skipped' };
    const policy = { updateSiteAddress: settings.updateSiteAddress, importInactiveCompanies: settings.importInactiveCompanies };
    let existing = mapped ? customers.get(mapped) : undefined;
    let link = false;
    if (!existing) {
      // The mapping's matcher decides, among the customers still free of the same exact name (indexed by its key).
      const free = (unmappedByName.get(exactNameKey(fields.name)) ?? []).filter((c) => !mappedCustomerIds.has(c.id) && !claimed.has(c.id));
      const match = free.length === 0 ? undefined
        : matchByName([{ pax8CompanyId: company.id, name: fields.name }], free.map((c) => ({ customerId: c.id, name: c.name }))).exact[0];
      if (match) {
        existing = free.find((c) => c.id === match.customerId)!;
        link = true;
        claimed.add(existing.id);
      }
    }
    if (existing) {
      const patch = customerPatch(existing, fields, policy);
      const changed = Object.keys(patch).length > 0;
      const outcome: Outcome = patch.active === false ? 'deactivated' : changed || link ? 'updated' : 'unchanged';
      return { ...p, outcome, customer: { existing, patch, link } };
    }
    const now = ctx.now;
    const create = scope.repo(Customer).create({
      id: timeOrderedId(), name: fields.name, topLevel: settings.topLevelForNewCustomers, active: fields.status === 'Active',
      ...siteFrom(fields), source: 'pax8_import', monthlyRecurringInvoiceId: null, annualRecurringInvoiceId: null,
      noAutomaticInvoiceLines: false, createdAt: now, updatedAt: now,
    });
    return { ...p, outcome: 'created', customer: { create } };
  };

  /** Inserts of a batch, written as multi-row statements after its updates. */
  interface Inserts { companies: Pax8Company[]; customers: Customer[]; mappings: CustomerMapping[] }

  const write = async (tx: TenantScope, p: Plan, rows: Inserts): Promise<AfterCommit> => {
    const now = new Date();
    let companyRow = p.storedCompany;
    if (!companyRow || companyRow.contentHash !== p.hash) {
      const values = { ...p.fields, pax8UpdatedAt: p.fields.pax8UpdatedAt ? new Date(p.fields.pax8UpdatedAt) : null, contentHash: p.hash, updatedAt: now };
      if (companyRow) {
        await tx.repo(Pax8Company).update({ id: companyRow.id }, values);
        companyRow = { id: companyRow.id, contentHash: p.hash };
      } else {
        const created = tx.repo(Pax8Company).create({ id: timeOrderedId(), ...values, createdAt: now });
        rows.companies.push(created);
        companyRow = { id: created.id, contentHash: p.hash };
      }
    }
    let newMapping: CustomerMapping | undefined;
    const c = p.customer;
    if (c && 'create' in c) {
      rows.customers.push(c.create);
      newMapping = tx.repo(CustomerMapping).create({
        id: timeOrderedId(), pax8CompanyId: p.company.id, customerId: c.create.id, resourceGroup: null, source: 'import', createdAt: now, updatedAt: now,
      });
      rows.mappings.push(newMapping);
    } else if (c) {
      if (Object.keys(c.patch).length > 0) {
        await tx.repo(Customer).update({ id: c.existing.id }, { ...c.patch, updatedAt: now });
      }
      if (c.link) {
        newMapping = tx.repo(CustomerMapping).create({
          id: timeOrderedId(), pax8CompanyId: p.company.id, customerId: c.existing.id, resourceGroup: null, source: 'generated', createdAt: now, updatedAt: now,
        });
        rows.mappings.push(newMapping);
      }
    }
    const row = companyRow;
    return () => {
      storedCompanies.set(p.company.id, row);
      if (newMapping) {
        mappings.set(newMapping.pax8CompanyId, newMapping.customerId);
        mappedCustomerIds.add(newMapping.customerId);
      }
      rec.count('customers', p.outcome);
    };
  };

  const writeMany = async (tx: TenantScope, items: Plan[]): Promise<AfterCommit[]> => {
    const rows: Inserts = { companies: [], customers: [], mappings: [] };
    const after: AfterCommit[] = [];
    for (const p of items) after.push(await write(tx, p, rows));
    await bulkInsert(tx, Pax8Company, rows.companies);
    await bulkInsert(tx, Customer, rows.customers);
    await bulkInsert(tx, CustomerMapping, rows.mappings);
    return after;
  };

  const flush = async () => {
    const batch = listed;
    listed = [];
    const ids = new Set<string>();
    for (const company of batch) {
      const id = mappings.get(company.id);
      if (id) ids.add(id);
    }
    customers = new Map((await customersById(scope, [...ids])).map((c) => [c.id, c]));
    try {
      // Planned in listing order against the state the previous batch committed, as when planned as listed.
      await flushItems(batch.map(plan));
    } finally {
      claimed.clear();
    }
  };

  const flushItems = async (items: Plan[]) => {
    if (ctx.dryRun) {
      for (const p of items) if (p.customer && 'existing' in p.customer && p.customer.link) mappedCustomerIds.add(p.customer.existing.id);
      for (const p of items) {
        rec.count('customers', p.outcome);
        const fields = p.customer && 'existing' in p.customer ? Object.keys(p.customer.patch) : undefined;
        rec.plan('customers', p.company.id, p.outcome, fields);
      }
      return;
    }
    const needsWrite = (p: Plan) => (p.outcome !== 'unchanged' && p.outcome !== 'skipped') || !p.storedCompany || p.storedCompany.contentHash !== p.hash;
    const toWrite: Plan[] = [];
    for (const p of items) {
      if (needsWrite(p)) toWrite.push(p);
      else rec.count('customers', p.outcome);
    }
    await writeBatch(scope, toWrite, writeMany, (p, err) => rec.error('customers', p.company.id, `could not save company "${p.company.name}": ${(err as Error).message}`, p.company));
  };

  for await (const item of ctx.client.companies({ signal: ctx.signal })) {
    checkAborted(ctx);
    if (item.error) {
      const raw = item.error.raw as { id?: unknown } | null;
      rec.error('customers', raw && typeof raw.id === 'string' ? raw.id : null, item.error.message, item.error.raw);
      continue;
    }
    listed.push(item.record);
    // Plans read the in-memory state, which changes only after a batch commits: flush before a
    // company could depend on an earlier one in the same batch (same exact name).
    if (listed.length >= ctx.batchSize) await flush();
    done++;
    if (done % 500 === 0) ctx.progress({ entity: 'customers', done });
  }
  await flush();
  ctx.progress({ entity: 'customers', done, total: done });
}

/** Customers by id, as entities (1,000 ids a statement). */
function customersById(scope: TenantScope, ids: string[]): Promise<Customer[]> {
  return inChunks(ids, (chunk) => scope.repo(Customer).findBy({ id: In(chunk) }), 1000);
}

import type { Decimal } from 'decimal.js';
import type { DataSource } from 'typeorm';
import type { AccountingVendor } from '../../../src/accounting/connector.js';
import { connectorFor } from '../../../src/accounting/connectors/index.js';
import { saveAppCredentials } from '../../../src/accounting/connections.js';
import { completeConnect, startConnect } from '../../../src/accounting/oauth.js';
import type { SecretBox } from '../../../src/crypto/secret-box.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { startQuickBooksSandbox } from '../../../src/quickbooks/sandbox/index.js';
import { startXeroSandbox } from '../../../src/xero/sandbox/index.js';

/** A line as the vendor stored it: where it posts, its tax code, its net amount. */
export interface BookLine {
  ledgerRef: string;
  taxCode: string;
  amount: string;
}

/** One of the local vendors (src/xero/sandbox, src/quickbooks/sandbox) as the accounting tests see it. */
export interface LocalBooks {
  vendor: AccountingVendor;
  endpoints: { authorizeUrl: string; tokenUrl: string; revokeUrl: string; apiUrl: string };
  clientId: string;
  clientSecret: string;
  /** Invoices (type invoice) and credit notes as the vendor's API shows them, in our words. */
  documents(): Array<{ type: 'invoice' | 'credit_note'; id: string; number: string; total: string; contactId: string; status: string; lines: BookLine[] }>;
  recordPayment(id: string, amount: Decimal.Value): void;
  close(): Promise<void>;
}

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
const ref = (v: unknown) => str((v as { value?: unknown } | undefined)?.value);

export const LOCAL_BOOKS: Record<AccountingVendor, () => Promise<LocalBooks>> = {
  xero: async () => {
    const s = await startXeroSandbox({ host: '127.0.0.1', port: 0, autoApprove: true, organisationName: 'Acme Books (UK)' });
    const view = (type: 'invoice' | 'credit_note') => (d: Record<string, unknown>) => ({
      type, id: str(d['InvoiceID'] ?? d['CreditNoteID']), number: str(d['InvoiceNumber'] ?? d['CreditNoteNumber']), total: str(d['Total']),
      contactId: str((d['Contact'] as { ContactID?: string } | undefined)?.ContactID), status: str(d['Status']),
      lines: ((d['LineItems'] ?? []) as Array<Record<string, unknown>>).map((l) => ({ ledgerRef: str(l['AccountCode']), taxCode: str(l['TaxType']), amount: str(l['LineAmount']) })),
    });
    return {
      vendor: 'xero', endpoints: s.endpoints, clientId: s.clientId, clientSecret: s.clientSecret,
      documents: () => [...s.invoices().map(view('invoice')), ...s.creditNotes().map(view('credit_note'))],
      recordPayment: (id, amount) => s.recordPayment(id, amount), close: () => s.close(),
    };
  },
  quickbooks: async () => {
    const s = await startQuickBooksSandbox({ host: '127.0.0.1', port: 0, autoApprove: true, realms: [{ name: 'Acme Books Inc' }] });
    const view = (type: 'invoice' | 'credit_note') => (d: Record<string, unknown>) => ({
      type, id: str(d['Id']), number: str(d['DocNumber']), total: str(d['TotalAmt']), contactId: ref(d['CustomerRef']), status: str(d['Balance']),
      lines: ((d['Line'] ?? []) as Array<Record<string, unknown>>).filter((l) => l['DetailType'] === 'SalesItemLineDetail').map((l) => {
        const detail = l['SalesItemLineDetail'] as Record<string, unknown>;
        return { ledgerRef: ref(detail['ItemRef']), taxCode: ref(detail['TaxCodeRef']), amount: str(l['Amount']) };
      }),
    });
    return {
      vendor: 'quickbooks', endpoints: s.endpoints, clientId: s.clientId, clientSecret: s.clientSecret,
      documents: () => [...s.invoices().map(view('invoice')), ...s.creditMemos().map(view('credit_note'))],
      recordPayment: (id, amount) => void s.recordPayment(id, amount), close: () => s.close(),
    };
  },
};

/** Whether the vendor's adapter is in the registry (the other sessions' work may not have landed). */
export function adapterAvailable(vendor: AccountingVendor): boolean {
  try {
    connectorFor(vendor, { app: { clientId: 'x', clientSecret: 'y', redirectUri: 'http://127.0.0.1/cb', endpoints: { authorizeUrl: 'http://127.0.0.1/a', tokenUrl: 'http://127.0.0.1/t', revokeUrl: 'http://127.0.0.1/r', apiUrl: 'http://127.0.0.1' } }, connectionKey: 'probe' });
    return true;
  } catch {
    return false;
  }
}

/** Connects the tenant to the local vendor as the Connect button and the callback do (consent auto-approved). */
export async function connectTenant(ds: DataSource, secrets: SecretBox, tenantId: string, books: LocalBooks, now: Date): Promise<void> {
  const scope = new TenantScope(ds.manager, tenantId);
  const vendor = books.vendor;
  await saveAppCredentials(scope, secrets, vendor, { clientId: books.clientId, clientSecret: books.clientSecret, ...books.endpoints }, now);
  const userId = 'test-connector';
  const started = await startConnect(scope, secrets, { vendor, userId, redirectUri: `http://127.0.0.1:9/accounting/${vendor}/callback`, now });
  const consent = await fetch(started.authorizationUrl, { redirect: 'manual' });
  const back = new URL(consent.headers.get('location') ?? '');
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`the local ${vendor} answered ${consent.status}: ${back.searchParams.get('error') ?? ''}`);
  const realmId = back.searchParams.get('realmId');
  const done = await completeConnect(scope, secrets, {
    vendor, userId, userEmail: 'test@msp.example', state: back.searchParams.get('state') ?? '', code, ...(realmId ? { realmId } : {}), now,
  });
  if (done.outcome !== 'connected') throw new Error(`not connected: ${done.outcome}`);
}

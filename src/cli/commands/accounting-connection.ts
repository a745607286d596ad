import type { Command } from 'commander';
import { systemClock } from '../../common/clock.js';
import { ACCOUNTING_VENDORS, type AccountingVendor } from '../../accounting/connector.js';
import { disconnect, listConnections, saveAppCredentials, type ConnectionView } from '../../accounting/connections.js';
import { readSecret } from '../read-secret.js';
import { UsageError } from '../errors.js';
import { printJson, table, TENANT_OPTION, withTenant } from '../tenant-command.js';

/*
 * `recurra accounting connection show|set|disconnect` (src/accounting/connections.ts). Connecting itself is the OAuth
 * round trip in a browser: the Accounting page's Connect button. The client secret comes from
 * RECURRA_ACCOUNTING_CLIENT_SECRET or stdin (--secret-stdin) and is never echoed or printed.
 */

function vendorOf(value: string): AccountingVendor {
  if (!(ACCOUNTING_VENDORS as readonly string[]).includes(value)) throw new UsageError(`vendor must be one of ${ACCOUNTING_VENDORS.join(', ')}, got "${value}"`);
  return value as AccountingVendor;
}

function print(rows: ConnectionView[], json: boolean): void {
  if (json) return printJson(rows);
  process.stdout.write(table(['vendor', 'status', 'organisation', 'client id', 'secret', 'access expires', 'connected by', 'api'],
    rows.map((c) => [c.vendor, c.status + (c.organisationChoices ? ' (choose an organisation)' : ''), c.organisationName, c.clientId,
      c.hasClientSecret ? 'saved' : null, c.accessExpiresAt, c.connectedBy, c.endpoints.apiUrl])));
  for (const c of rows) if (c.status === 'needs_reconnect') process.stdout.write(`${c.vendor}: connect again on the Accounting page (${c.lastError ?? 'the vendor refused the authorisation'})\n`);
}

export function registerConnection(acc: Command): void {
  const c = acc.command('connection').description('the tenant\'s connection to Xero or QuickBooks Online (connect in the web app: Accounting → Connect)');

  c.command('show')
    .description('shows both vendors\' connections: status, organisation, token expiry (never a secret or token)')
    .option(...TENANT_OPTION)
    .option('--json', 'print JSON')
    .action((opts: { tenant?: string; json?: boolean }) => withTenant(opts.tenant, async (_rt, _t, scope) => print(await listConnections(scope), opts.json === true)));

  c.command('set')
    .description('saves the app credentials of the app registered at the vendor (changing the client id or a URL needs the secret again)')
    .argument('<vendor>', ACCOUNTING_VENDORS.join(' or '))
    .option('--client-id <id>', 'the app\'s client id')
    .option('--secret-stdin', 'read the client secret from RECURRA_ACCOUNTING_CLIENT_SECRET or stdin')
    .option('--authorize-url <url>', 'authorization page (default: the vendor\'s)')
    .option('--token-url <url>', 'token endpoint (default: the vendor\'s)')
    .option('--revoke-url <url>', 'revocation endpoint (default: the vendor\'s)')
    .option('--api-url <url>', 'API base (default: the vendor\'s)')
    .option('--default-urls', 'back to the vendor\'s own endpoints')
    .option(...TENANT_OPTION)
    .option('--json', 'print JSON')
    .action(async (vendorArg: string, opts: {
      clientId?: string; secretStdin?: boolean; authorizeUrl?: string; tokenUrl?: string; revokeUrl?: string; apiUrl?: string; defaultUrls?: boolean; tenant?: string; json?: boolean;
    }) => {
      const vendor = vendorOf(vendorArg);
      const secret = opts.secretStdin || process.env.RECURRA_ACCOUNTING_CLIENT_SECRET
        ? await readSecret('RECURRA_ACCOUNTING_CLIENT_SECRET', 'Client secret: ') : undefined;
      if (opts.secretStdin && !secret) throw new UsageError('no client secret read');
      const urls = opts.defaultUrls
        ? { authorizeUrl: null, tokenUrl: null, revokeUrl: null, apiUrl: null }
        : Object.fromEntries((['authorizeUrl', 'tokenUrl', 'revokeUrl', 'apiUrl'] as const).filter((k) => opts[k] !== undefined).map((k) => [k, opts[k]]));
      const input = { ...(opts.clientId !== undefined ? { clientId: opts.clientId } : {}), ...(secret ? { clientSecret: secret } : {}), ...urls };
      if (Object.keys(input).length === 0) throw new UsageError('give --client-id, --secret-stdin or a URL option');
      return withTenant(opts.tenant, async (rt, _t, scope) => {
        const saved = await saveAppCredentials(scope, rt.secrets, vendor, input, (rt.clock ?? systemClock)());
        print([saved], opts.json === true);
      });
    });

  c.command('disconnect')
    .description('revokes the grant at the vendor (best effort) and forgets the tokens; the app credentials stay')
    .argument('<vendor>', ACCOUNTING_VENDORS.join(' or '))
    .option('--as <email>', 'who disconnects (the event log)', 'cli')
    .option(...TENANT_OPTION)
    .action((vendorArg: string, opts: { as: string; tenant?: string }) => {
      const vendor = vendorOf(vendorArg);
      return withTenant(opts.tenant, async (rt, _t, scope) => {
        const out = await disconnect(scope, rt.secrets, vendor, opts.as, (rt.clock ?? systemClock)());
        process.stdout.write(`disconnected ${out.connection.vendorName}${out.revoked ? '' : ' (the vendor could not be told: remove Recurra from its connected apps there)'}\n`);
      });
    });
}

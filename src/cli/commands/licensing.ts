import type { Command } from 'commander';
import { Decimal } from 'decimal.js';
import { openRuntime, type Runtime } from '../../app/runtime.js';
import { CHANGE_REQUEST_STATUSES, type ChangeRequestStatus, type Tenant } from '../../db/entities/index.js';
import { TenantScope } from '../../db/tenant-scope.js';
import { hasLicensingPermission } from '../../licensing/permissions.js';
import { requestPage } from '../../licensing/queries.js';
import { LicensingError, LicensingService, type LicensingConfig } from '../../licensing/service.js';
import { TenantError, TenantService } from '../../tenants/service.js';
import { pax8ClientFor } from '../../tenants/pax8-client.js';
import { UserError, UserService } from '../../users/service.js';
import { CliFailure, UsageError } from '../errors.js';

interface Ctx {
  rt: Runtime;
  tenant: Tenant;
  svc: LicensingService;
}

async function withLicensing<T>(tenantName: string, fn: (c: Ctx) => Promise<T>): Promise<T> {
  const rt = await openRuntime();
  try {
    const tenants = new TenantService(rt.ds, rt.secrets);
    const tenant = await tenants.byName(tenantName);
    return await fn({ rt, tenant, svc: new LicensingService(rt.ds, (t) => pax8ClientFor(tenants, t)) });
  } catch (err) {
    if (err instanceof TenantError || err instanceof UserError) throw new CliFailure(err.message);
    if (err instanceof LicensingError) throw err.code === 'invalid' ? new UsageError(err.message) : new CliFailure(err.message);
    throw err;
  } finally {
    await rt.close();
  }
}

/** The acting user (audited as the decider): must hold manage_licensing and may reach the tenant. */
async function actor(c: Ctx, email: string | undefined): Promise<{ id: string; email: string }> {
  if (!email) throw new UsageError('--as <email> is required: decisions are audited under a user');
  const u = await new UserService(c.rt.ds).byEmail(email);
  if (u.disabled || !hasLicensingPermission(u.role, 'manage_licensing') || (u.tenantId && u.tenantId !== c.tenant.id)) {
    throw new CliFailure(`${email} may not manage licensing for tenant "${c.tenant.name}"`);
  }
  return { id: u.id, email: u.email };
}

function onOff(v: string | undefined, name: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (['on', 'true', 'yes'].includes(v)) return true;
  if (['off', 'false', 'no'].includes(v)) return false;
  throw new UsageError(`${name} expects on or off, got "${v}"`);
}

function whole(v: string | undefined, name: string): Decimal | null | undefined {
  if (v === undefined) return undefined;
  if (v === 'none') return null;
  if (!/^\d{1,9}$/.test(v)) throw new UsageError(`${name} expects a whole number or "none", got "${v}"`);
  return new Decimal(v);
}

function printConfig(c: LicensingConfig, json: boolean): void {
  const view = {
    approval: { ...c.approval, autoApproveThresholdPercent: c.approval.autoApproveThresholdPercent.toFixed() },
    selfService: {
      allowSelfService: c.selfService.allowSelfService,
      defaultMinQuantity: c.selfService.defaultMinQuantity?.toFixed() ?? null,
      defaultMaxQuantity: c.selfService.defaultMaxQuantity?.toFixed() ?? null,
    },
  };
  if (json) {
    console.log(JSON.stringify(view, null, 2));
    return;
  }
  console.log(`require approval by default: ${view.approval.requireApprovalByDefault ? 'on' : 'off'}`);
  console.log(`auto-approve threshold:      ${view.approval.autoApproveThresholdPercent}%`);
  console.log(`always approve vendors:      ${view.approval.alwaysApproveVendors.join(', ') || '(none)'}`);
  console.log(`allow self-service:          ${view.selfService.allowSelfService ? 'on' : 'off'}`);
  console.log(`default min / max:           ${view.selfService.defaultMinQuantity ?? '-'} / ${view.selfService.defaultMaxQuantity ?? '-'}`);
}

export function register(program: Command): void {
  const lic = program.command('licensing').description('licensing self-service: approval settings and the approvals queue');

  lic
    .command('settings <tenant>')
    .description('show, or change with options, the approval settings and self-service defaults')
    .option('--require-approval <on|off>', 'require approval by default')
    .option('--threshold <percent>', 'auto-approve threshold in percent (a change of at most this share of the current quantity)')
    .option('--always-approve-vendors <names>', 'comma-separated vendor names whose changes always need approval ("" for none)')
    .option('--self-service <on|off>', 'allow self-service by default')
    .option('--min <n|none>', 'default minimum quantity')
    .option('--max <n|none>', 'default maximum quantity')
    .option('--as <email>', 'the admin making the change (required when changing)')
    .option('--json', 'print JSON')
    .action(async (tenantName: string, o: Record<string, string | boolean | undefined>) => {
      await withLicensing(tenantName, async (c) => {
        const s = (k: string) => o[k] as string | undefined;
        const approval = {
          requireApprovalByDefault: onOff(s('requireApproval'), '--require-approval'),
          autoApproveThresholdPercent: s('threshold') !== undefined
            ? (/^\d{1,12}(\.\d{1,6})?$/.test(s('threshold')!) ? new Decimal(s('threshold')!) : (() => { throw new UsageError(`--threshold expects a percentage, got "${s('threshold')}"`); })())
            : undefined,
          alwaysApproveVendors: s('alwaysApproveVendors') !== undefined ? s('alwaysApproveVendors')!.split(',').map((v) => v.trim()).filter(Boolean) : undefined,
        };
        const selfService = { allowSelfService: onOff(s('selfService'), '--self-service'), defaultMinQuantity: whole(s('min'), '--min'), defaultMaxQuantity: whole(s('max'), '--max') };
        const changesApproval = Object.values(approval).some((v) => v !== undefined);
        const changesSelf = Object.values(selfService).some((v) => v !== undefined);
        let config = await c.svc.config(c.tenant);
        if (changesApproval || changesSelf) {
          const who = await actor(c, s('as'));
          if (changesApproval) config = await c.svc.updateApproval(c.tenant, who, approval);
          if (changesSelf) config = await c.svc.updateSelfService(c.tenant, who, selfService);
        }
        printConfig(config, !!o.json);
      });
    });

  lic
    .command('requests <tenant>')
    .description('list quantity change requests (newest first)')
    .option('--status <status>', `one of ${CHANGE_REQUEST_STATUSES.join(', ')}`)
    .option('--json', 'print JSON')
    .action(async (tenantName: string, o: { status?: string; json?: boolean }) => {
      if (o.status && !(CHANGE_REQUEST_STATUSES as readonly string[]).includes(o.status)) throw new UsageError(`--status must be one of ${CHANGE_REQUEST_STATUSES.join(', ')}`);
      await withLicensing(tenantName, async (c) => {
        const scope = new TenantScope(c.rt.ds.manager, c.tenant.id);
        const rows = (await requestPage(scope, { status: o.status as ChangeRequestStatus | undefined }, { page: 0, size: 500, sort: 'requestedAt,desc' })).items;
        if (o.json) {
          console.log(JSON.stringify(rows.map((r) => ({
            id: r.id, status: r.status, productName: r.productName, customerId: r.customerId, currentQuantity: r.currentQuantity.toFixed(),
            requestedQuantity: r.requestedQuantity.toFixed(), requestedAt: r.requestedAt.toISOString(), reason: r.failureReason ?? r.rejectionReason,
          })), null, 2));
          return;
        }
        for (const r of rows) {
          console.log(`${r.id}  ${r.status.padEnd(8)}  ${r.currentQuantity.toFixed()} → ${r.requestedQuantity.toFixed()}  ${r.productName}${r.failureReason ? `  (${r.failureReason})` : ''}`);
        }
        if (rows.length === 0) console.log('no requests');
      });
    });

  lic
    .command('approve <tenant> <requestId>')
    .description('approve a pending request and apply it in Pax8')
    .requiredOption('--as <email>', 'the admin approving (audited)')
    .action(async (tenantName: string, id: string, o: { as: string }) => {
      await withLicensing(tenantName, async (c) => {
        const r = await c.svc.approve(c.tenant, await actor(c, o.as), id);
        if (r.status === 'failed') throw new CliFailure(`approved, but Pax8 refused the change: ${r.failureReason}`);
        console.log(`applied: ${r.productName} now ${r.requestedQuantity.toFixed()}`);
      });
    });

  lic
    .command('reject <tenant> <requestId>')
    .description('reject a pending request')
    .requiredOption('--as <email>', 'the admin rejecting (audited)')
    .option('--reason <text>', 'shown to the client')
    .action(async (tenantName: string, id: string, o: { as: string; reason?: string }) => {
      await withLicensing(tenantName, async (c) => {
        const r = await c.svc.reject(c.tenant, await actor(c, o.as), id, o.reason ?? null);
        console.log(`rejected: ${r.productName} ${r.currentQuantity.toFixed()} → ${r.requestedQuantity.toFixed()}`);
      });
    });
}

import { randomUUID } from 'node:crypto';
import { In, type DataSource } from 'typeorm';
import { z } from 'zod';
import { AppError, fieldError, issueFields, type ErrorKind } from '../common/app-error.js';
import { Customer, Tenant } from '../db/entities/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { isValidTimeZone } from './time-zone.js';
import { defaultTenantSettings, mergeTenantSettings, parseTenantSettings, type TenantSettings } from './settings.js';
import { notifyTenantChange } from './events.js';
import type { Pax8ClientConfig } from '../pax8/client/config.js';
import { movedEndpoints } from '../common/secret-endpoints.js';

/**
 * Invalid: the message's `field: why` parts name the request fields; not found: the API says only "tenant not found";
 * secret_required: the API's own code, on body.clientSecret. `kind` overrides for one case (no Pax8 credentials: 409).
 */
export class TenantError extends AppError {
  override name = 'TenantError';
  constructor(message: string, override readonly code: 'invalid' | 'not_found' | 'conflict' | 'secret_required', opts: { kind?: ErrorKind; apiCode?: string } = {}) {
    super(opts.kind ?? (code === 'secret_required' ? 'invalid' : code), message, {
      code,
      apiCode: opts.apiCode ?? (code === 'secret_required' ? 'secret_required' : undefined),
      publicMessage: code === 'not_found' ? 'tenant not found' : undefined,
      fields: opts.kind ? undefined : code === 'secret_required' ? fieldError('body.clientSecret', message) : code === 'invalid' ? issueFields(message, 'body') : undefined,
    });
  }
}

export const newTenantSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'lower-case letters, digits, "-" or "_", starting with a letter or digit'),
  displayName: z.string().trim().min(1).max(200).optional(),
  timeZone: z.string().refine(isValidTimeZone, 'an IANA time zone such as "Europe/London" or "UTC"').default('UTC'),
  clientId: z.string().min(1).max(200),
  clientSecret: z.string().min(1).max(1000),
  apiUrl: z.url({ protocol: /^https?$/ }).optional(),
  tokenUrl: z.url({ protocol: /^https?$/ }).optional(),
  audience: z.string().min(1).max(200).optional(),
  enabled: z.boolean().default(true),
  settings: z.unknown().optional(),
});

export type NewTenant = z.input<typeof newTenantSchema>;

/** What may be shown about a tenant: never the secret, sealed or not. */
export interface TenantView {
  id: string;
  name: string;
  displayName: string;
  timeZone: string;
  enabled: boolean;
  pax8ClientId: string | null;
  hasClientSecret: boolean;
  pax8TokenUrl: string | null;
  pax8Audience: string | null;
  pax8ApiUrl: string | null;
  settings: TenantSettings;
  createdAt: string;
  updatedAt: string;
}

/** What the Pax8 client needs from a tenant: its identity, credentials and endpoints. */
export type Pax8Credentials = Pick<
  Pax8ClientConfig,
  'tenantId' | 'tenantName' | 'clientId' | 'clientSecret' | 'tokenUrl' | 'audience' | 'apiBaseUrl'
>;

function secretContext(tenantId: string): string {
  return `tenant:${tenantId}:pax8ClientSecret`;
}

/** Where the client secret is sent (token URL) or what it is bound to (API URL, audience): moving one needs the secret. */
const ENDPOINT_FIELDS = [['tokenUrl', 'pax8TokenUrl'], ['apiUrl', 'pax8ApiUrl'], ['audience', 'pax8Audience']] as const;

export function tenantSettings(t: Tenant): TenantSettings {
  return parseTenantSettings(JSON.parse(t.settingsJson || '{}'));
}

export function viewTenant(t: Tenant): TenantView {
  return {
    id: t.id, name: t.name, displayName: t.displayName, timeZone: t.timeZone, enabled: t.enabled,
    pax8ClientId: t.pax8ClientId, hasClientSecret: !!t.pax8ClientSecretSealed, pax8TokenUrl: t.pax8TokenUrl,
    pax8Audience: t.pax8Audience, pax8ApiUrl: t.pax8ApiUrl, settings: tenantSettings(t),
    createdAt: t.createdAt.toISOString(), updatedAt: t.updatedAt.toISOString(),
  };
}

function formatIssues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || 'tenant'}: ${i.message}`).join('; ');
}

export class TenantService {
  constructor(
    readonly ds: DataSource,
    private readonly secrets: SecretBox,
  ) {}

  async create(input: NewTenant): Promise<Tenant> {
    const parsed = newTenantSchema.safeParse(input);
    if (!parsed.success) throw new TenantError(formatIssues(parsed.error), 'invalid');
    const v = parsed.data;
    const settings = v.settings === undefined ? defaultTenantSettings() : mergeTenantSettings(defaultTenantSettings(), v.settings);
    if (await this.ds.manager.findOneBy(Tenant, { name: v.name })) {
      throw new TenantError(`a tenant named "${v.name}" already exists`, 'conflict');
    }
    const id = randomUUID();
    const now = new Date();
    const tenant = this.ds.manager.create(Tenant, {
      id, name: v.name, displayName: v.displayName ?? v.name, timeZone: v.timeZone, enabled: v.enabled,
      pax8ClientId: v.clientId, pax8ClientSecretSealed: this.secrets.encrypt(v.clientSecret, secretContext(id)),
      pax8TokenUrl: v.tokenUrl ?? null, pax8Audience: v.audience ?? null, pax8ApiUrl: v.apiUrl ?? null,
      settingsJson: JSON.stringify(settings), createdAt: now, updatedAt: now,
    });
    try {
      await this.ds.manager.insert(Tenant, tenant);
    } catch (err) {
      if (/unique|duplicate/i.test((err as Error).message)) throw new TenantError(`a tenant named "${v.name}" already exists`, 'conflict');
      throw err;
    }
    await notifyTenantChange({ kind: 'created', tenantId: id });
    return tenant;
  }

  list(): Promise<Tenant[]> {
    return this.ds.manager.find(Tenant, { order: { name: 'ASC' } });
  }

  async byName(name: string): Promise<Tenant> {
    const t = await this.ds.manager.findOneBy(Tenant, { name });
    if (!t) throw new TenantError(`no tenant named "${name}"`, 'not_found');
    return t;
  }

  async byId(id: string): Promise<Tenant> {
    const t = await this.ds.manager.findOneBy(Tenant, { id });
    if (!t) throw new TenantError(`no tenant with id ${id}`, 'not_found');
    return t;
  }

  async updateSettings(tenantId: string, patch: unknown): Promise<TenantSettings> {
    const t = await this.byId(tenantId);
    let settings: TenantSettings;
    try {
      settings = mergeTenantSettings(tenantSettings(t), patch);
    } catch (err) {
      throw new TenantError((err as Error).message, 'invalid');
    }
    const chosen = settings.imports.subscriptionCustomers;
    if (chosen) {
      const found = await this.ds.manager.find(Customer, { select: { id: true }, where: { tenantId: t.id, id: In(chosen) } });
      const unknown = chosen.filter((id) => !found.some((c) => c.id === id));
      if (unknown.length > 0) throw new TenantError(`imports.subscriptionCustomers: no customer ${unknown.join(', ')} in this tenant`, 'invalid');
    }
    await this.ds.manager.update(Tenant, { id: t.id }, { settingsJson: JSON.stringify(settings), updatedAt: new Date() });
    await notifyTenantChange({ kind: 'updated', tenantId: t.id });
    return settings;
  }

  async setEnabled(tenantId: string, enabled: boolean): Promise<void> {
    const t = await this.byId(tenantId);
    await this.ds.manager.update(Tenant, { id: t.id }, { enabled, updatedAt: new Date() });
    await notifyTenantChange({ kind: 'updated', tenantId: t.id });
  }

  async updateConnection(
    tenantId: string,
    patch: { clientId?: string; clientSecret?: string; apiUrl?: string | null; tokenUrl?: string | null; audience?: string | null; timeZone?: string; displayName?: string },
  ): Promise<Tenant> {
    const t = await this.byId(tenantId);
    const shape = newTenantSchema.partial().pick({ clientId: true, clientSecret: true, timeZone: true, displayName: true, apiUrl: true, tokenUrl: true, audience: true });
    const parsed = shape.safeParse(Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== null && v !== undefined)));
    if (!parsed.success) throw new TenantError(formatIssues(parsed.error), 'invalid');
    const v = parsed.data;
    // The stored secret only ever goes to the endpoints it was entered with: moving them needs the secret again.
    const moved = movedEndpoints(patch, Object.fromEntries(ENDPOINT_FIELDS.map(([field, column]) => [field, t[column]])) as Record<(typeof ENDPOINT_FIELDS)[number][0], string | null>,
      ENDPOINT_FIELDS.map(([field]) => field));
    if (moved.length > 0 && v.clientSecret === undefined) {
      throw new TenantError(`changing ${moved.join(', ')} requires entering the client secret again (clientSecret)`, 'secret_required');
    }
    const changes: Partial<Tenant> = { updatedAt: new Date() };
    if (v.clientId !== undefined) changes.pax8ClientId = v.clientId;
    if (v.clientSecret !== undefined) changes.pax8ClientSecretSealed = this.secrets.encrypt(v.clientSecret, secretContext(t.id));
    if (v.timeZone !== undefined) changes.timeZone = v.timeZone;
    if (v.displayName !== undefined) changes.displayName = v.displayName;
    if ('apiUrl' in patch) changes.pax8ApiUrl = patch.apiUrl ?? null;
    if ('tokenUrl' in patch) changes.pax8TokenUrl = patch.tokenUrl ?? null;
    if ('audience' in patch) changes.pax8Audience = patch.audience ?? null;
    await this.ds.manager.update(Tenant, { id: t.id }, changes);
    await notifyTenantChange({ kind: 'updated', tenantId: t.id });
    return this.byId(t.id);
  }

  async remove(tenantId: string): Promise<void> {
    const t = await this.byId(tenantId);
    await this.ds.manager.delete(Tenant, { id: t.id });
    await notifyTenantChange({ kind: 'removed', tenantId: t.id });
  }

  /** Decrypted Pax8 credentials for the API client; never log or return these. */
  credentials(t: Tenant): Pax8Credentials {
    if (!t.pax8ClientId || !t.pax8ClientSecretSealed) {
      throw new TenantError(`tenant "${t.name}" has no Pax8 credentials`, 'invalid', { kind: 'conflict', apiCode: 'no_credentials' });
    }
    return {
      tenantId: t.id, tenantName: t.name, clientId: t.pax8ClientId,
      clientSecret: this.secrets.decrypt(t.pax8ClientSecretSealed, secretContext(t.id)),
      tokenUrl: t.pax8TokenUrl ?? undefined, audience: t.pax8Audience ?? undefined, apiBaseUrl: t.pax8ApiUrl ?? undefined,
    };
  }
}

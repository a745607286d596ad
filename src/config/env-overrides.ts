/** Environment variables that override config keys, and how their text is read. */
export interface EnvOverride {
  variable: string;
  key: string;
  kind: 'string' | 'integer' | 'boolean';
}

export const ENV_OVERRIDES: EnvOverride[] = [
  { variable: 'DATABASE_URL', key: 'database.url', kind: 'string' },
  { variable: 'RECURRA_DATA_DIR', key: 'dataDir', kind: 'string' },
  { variable: 'RECURRA_DB_LOGGING', key: 'database.logging', kind: 'boolean' },
  { variable: 'HOST', key: 'http.host', kind: 'string' },
  { variable: 'PORT', key: 'http.port', kind: 'integer' },
  { variable: 'RECURRA_PUBLIC_URL', key: 'http.publicUrl', kind: 'string' },
  { variable: 'LOG_LEVEL', key: 'log.level', kind: 'string' },
  { variable: 'RECURRA_SECRET_KEY', key: 'secretKey', kind: 'string' },
  { variable: 'RECURRA_ADMIN_TOKEN', key: 'adminToken', kind: 'string' },
  { variable: 'RECURRA_SCHEDULER', key: 'scheduler.enabled', kind: 'boolean' },
  { variable: 'RECURRA_DEMO_SANDBOX', key: 'demo.sandbox', kind: 'boolean' },
  { variable: 'RECURRA_DEMO_SANDBOX_PORT', key: 'demo.sandboxPort', kind: 'integer' },
  { variable: 'RECURRA_DEMO_XERO_SANDBOX_PORT', key: 'demo.xeroSandboxPort', kind: 'integer' },
  { variable: 'PAX8_PORTAL_COMPANY_URL', key: 'pax8.portalCompanyUrl', kind: 'string' },
];

export function parseEnvValue(o: EnvOverride, raw: string): unknown {
  if (o.kind === 'integer') return /^-?\d+$/.test(raw.trim()) ? Number.parseInt(raw, 10) : raw;
  if (o.kind === 'boolean') {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    return raw;
  }
  return raw;
}

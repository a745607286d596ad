import { z } from 'zod';

const port = z.number({ error: 'expected a port number (integer 0-65535)' }).int().min(0).max(65535);

export const configSchema = z.strictObject({
  env: z.enum(['development', 'test', 'production']),
  dataDir: z.string().min(1),
  database: z.strictObject({
    url: z
      .string()
      .regex(/^(mysql|mariadb):\/\/.+/, 'expected a mysql:// or mariadb:// URL')
      .nullable(),
    sqliteFile: z.string().min(1),
    logging: z.boolean(),
  }),
  http: z.strictObject({
    host: z.string().min(1),
    port,
    trustProxy: z.boolean(),
    publicUrl: z.url().nullable(),
  }),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  }),
  secretKey: z.string().min(1).nullable(),
  adminToken: z.string().min(16, 'at least 16 characters').nullable(),
  pax8: z.strictObject({
    tokenUrl: z.url(),
    audience: z.string().min(1),
    apiBaseUrl: z.url(),
    portalCompanyUrl: z.string().includes('{companyId}', { message: 'a URL template containing {companyId}' }),
  }),
  scheduler: z.strictObject({
    enabled: z.boolean(),
    lockLifetimeMs: z.number().int().positive(),
    processEveryMs: z.number().int().positive(),
    maxConcurrency: z.number().int().positive(),
  }),
  demo: z.strictObject({
    sandbox: z.boolean(),
    sandboxPort: port,
    sandboxCompanies: z.number().int().positive(),
    /** The port of the local Xero (src/xero/sandbox) the demo tenant is connected to (issue 27); absent: any free port. */
    xeroSandboxPort: port.optional(),
  }),
});

export type RecurraConfig = z.infer<typeof configSchema>;
